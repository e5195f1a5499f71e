"""The `convene` command as a person uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES
from httpserver import LocalServer
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_help_explains_every_command() -> None:
    code, text = _run("--help")
    commands = ("refresh", "deploy", "fetch", "merge", "sources", "query", "explain", "dedupe",
                "classify", "parse", "serve", "check", "stats", "export")  # fmt: skip
    assert code == 0 and all(command in text for command in commands)
    for command in commands:
        code, text = _run(command, "--help")
        assert code == 0 and f" {command} [OPTIONS]" in " ".join(text.split()), command
    code, text = _run("refresh", "--help")
    words = " ".join(text.split())  # help is wrapped to the terminal's width
    assert code == 0 and "--sources" in words and "PREFECT_API_URL" in words
    for option in ("--source", "--publish-only", "--lock-timeout", "4 when another refresh"):
        assert option in words
    code, text = _run("deploy", "--help")
    words = " ".join(text.split())
    assert code == 0 and "--cron" in words and "prefect deployment run refresh/NAME" in words


def test_refresh_refuses_unknown_sources_and_impossible_combinations(tmp_path: Path) -> None:
    samples = str(SAMPLES / "sample-sources.toml")
    code, text = _run("refresh", "--sources", samples, "--source", "nope", "--source", "nah")
    assert code == 2 and "unknown sources 'nope', 'nah'; known ids: sample-leeds-" in text
    assert "sample-commsgov" in text and "Traceback" not in text
    code, text = _run("refresh", "--sources", samples, "--publish-only", "--source", "x")
    assert code == 2 and "--publish-only publishes what is stored" in text
    code, text = _run(
        "refresh", "--sources", samples, "--publish-only", "--db", str(tmp_path / "none")
    )
    assert code == 2 and "no database at" in text


def test_sources_before_any_refresh(tmp_path: Path) -> None:
    code, text = _run(
        "sources", "--sources", str(SAMPLES / "sample-sources.toml"), "--db", str(tmp_path / "x")
    )
    assert code == 0
    assert "sample-leeds-service-design" in text and "never" in text


def test_bad_sources_file_names_file_line_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[source]]\nid = "x"\nname = "X"\norganiser = "O"\nurl = "https://x.example/"\n'
        'kind = "rss"\n',
        encoding="utf-8",
    )
    code, text = _run("sources", "--sources", str(bad))
    assert code == 2
    assert "bad.toml:" in text and 'unknown kind "rss"' in text and "Traceback" not in text


def test_query_needs_a_database(tmp_path: Path) -> None:
    code, text = _run("query", "SELECT 1", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "convene refresh" in text


def _convene(*args: str) -> tuple[int, str]:
    """Run the installed `convene` command in its own process, against the test's Prefect API."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "COLUMNS": "200"}
    command = [str(Path(sys.executable).parent / "convene"), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_api")
def test_refresh_sources_and_query_on_samples(tmp_path: Path) -> None:
    db, public = str(tmp_path / "c.duckdb"), str(tmp_path / "public")
    samples = str(SAMPLES / "sample-sources.toml")
    options = ("--sources", samples, "--db", db, "--public", public)
    code, text = _convene("refresh", *options)
    assert code == 0, text
    assert "8 of 8 sources worked" in text and "index.html" in text
    assert "Traceback" not in text
    code, text = _run("sources", "--sources", samples, "--db", db)
    assert code == 0 and "never" not in text and " ok " in text
    code, text = _run("sources", "--sources", samples, "--db", db, "--json")
    listed = json.loads(text)
    assert [s["state"] for s in listed] == ["ok"] * 8
    assert listed[0]["id"] == "sample-leeds-service-design" and listed[0]["events"] > 0
    code, text = _run("query", "SELECT count(*) AS n FROM events WHERE all_day", "--db", db)
    assert code == 0 and "1 row" in text
    code, text = _run("query", "DELETE FROM events", "--db", db)
    assert code == 2 and "read-only" in text
    code, text = _convene("refresh", *options, "--source", "sample-commsgov")
    assert code == 0 and "1 of 1 sources worked" in text and "sample-leeds" not in text
    code, text = _convene("refresh", *options, "--publish-only")
    assert code == 0 and "Published from the database without fetching" in text


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_api")
def test_refresh_with_no_working_source_exits_1(local_server: LocalServer, tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'''[[source]]
id = "down"
name = "Down"
organiser = "Test"
url = "{local_server.url("status/500")}"
kind = "ical"
local = true
''',
        encoding="utf-8",
    )
    code, text = _convene(
        "refresh",
        "--sources",
        str(sources),
        "--db",
        str(tmp_path / "c.duckdb"),
        "--public",
        str(tmp_path / "public"),
    )
    assert code == 1, text
    assert "no source succeeded" in text and "HTTP 500" in text and "Traceback" not in text
