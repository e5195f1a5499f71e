"""Fetching in shards and merging leaves the same database and feeds as one refresh; the
`convene fetch` and `convene merge` commands; the Prefect flows for work pools."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import REPO, SAMPLES, sample_sources_over_http
from filelock import FileLock
from httpserver import LocalServer
from typer.testing import CliRunner

from flows.cli import app
from flows.cli_shard import fetch_shard, merge_shards
from flows.lock import lock_path
from scrapers.config import load_settings
from scrapers.model import ParseContext
from scrapers.registry import PARSERS
from scrapers.sources import load_sources
from warehouse.classify import make_classifier
from warehouse.overrides import load_overrides
from warehouse.shards import Shard, read_shard
from warehouse.store import RefreshRun

SAMPLE_SOURCES = SAMPLES / "sample-sources.toml"
CLOCK = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


# --- a single refresh and the same refresh in three shards ----------------------------------


def _single_refresh(sources_file: Path, db: Path, public: Path, now: datetime) -> list[Any]:
    """The steps of the refresh flow (flows/refresh.py), with a fixed clock."""
    from flows.refresh import collect_sources, publish_feeds, recall_validators, store_results

    everything = load_sources(sources_file, PARSERS.keys())
    configured = load_settings(sources_file)
    enabled = [s for s in everything if s.enabled]
    known = recall_validators.fn(db, now)
    ctx = ParseContext(now=now)
    results = asyncio.run(collect_sources.fn(enabled, configured.fetch, ctx, known))
    run = RefreshRun(uuid.uuid4().hex, now, now, str(sources_file))
    overrides = load_overrides(db.parent / "no-overrides.toml")
    classifier = make_classifier(configured.classifier_model, configured.model_threshold)
    summaries = store_results.fn(db, run, everything, results, overrides, classifier)
    ids = [s.id for s in enabled]
    publish_feeds.fn(db, public, ids, now, None, overrides, configured.window)
    return summaries


def _sharded_refresh(
    sources_file: Path, folder: Path, now: datetime, count: int = 3, round_: str = "r1"
) -> list[Any]:
    shards = folder / "shards" / round_
    known = folder / "shards" / "known.parquet"
    for index in range(1, count + 1):
        asyncio.run(
            fetch_shard(
                sources_file, Shard(index, count), shards / f"{index}", known, None, lambda: now
            )
        )
    db, public, overrides = folder / "c.duckdb", folder / "public", folder / "none.toml"
    merging = merge_shards([shards], sources_file, db, public, overrides, known_out=known)
    outcome = asyncio.run(merging)
    return list(outcome.summaries)


_VOLATILE = {"run_id", "duration_ms", "applied_at"}


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()
        found = {}
        for (name,) in names:
            columns = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = ? ORDER BY ordinal_position",
                    [name],
                ).fetchall()
                if c not in _VOLATILE
            ]
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'SELECT {quoted} FROM "{name}"').fetchall()
            found[name] = sorted(rows, key=repr)
        return found
    finally:
        con.close()


def _files(public: Path) -> dict[str, bytes]:
    return {str(p.relative_to(public)): p.read_bytes() for p in public.rglob("*") if p.is_file()}


def test_three_shards_and_a_merge_equal_one_refresh(tmp_path: Path) -> None:
    one, sharded = tmp_path / "one", tmp_path / "sharded"
    one.mkdir()
    sharded.mkdir()
    sizes = [
        sum(Shard(i, 3).holds(s) for s in load_sources(SAMPLE_SOURCES, PARSERS.keys()))
        for i in (1, 2, 3)
    ]
    assert all(sizes), "each of the three shards should hold some sample sources"
    for round_, now in (("r1", CLOCK), ("r2", CLOCK + timedelta(hours=6))):
        single = _single_refresh(SAMPLE_SOURCES, one / "c.duckdb", one / "public", now)
        merged = _sharded_refresh(SAMPLE_SOURCES, sharded, now, round_=round_)
        assert merged == single
        a, b = _tables(one / "c.duckdb"), _tables(sharded / "c.duckdb")
        assert a.keys() == b.keys()
        for name in a:
            assert a[name] == b[name], name
        assert a["events"] and a["clusters"] and a["labels"] and a["posts"]
        assert _files(one / "public") == _files(sharded / "public")
        assert (one / "public" / "all.ics").exists()
    # The second round remembered every digest: nothing was parsed again, in either.
    assert {s.status for s in merged} == {"unchanged"}
    assert len(a["refreshes"]) == 2


# --- the commands ---------------------------------------------------------------------------

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_commands_over_http_then_304s(local_server: LocalServer, tmp_path: Path) -> None:
    sources = str(sample_sources_over_http(local_server, tmp_path))
    db, public, known = (str(tmp_path / n) for n in ("c.duckdb", "public", "known.parquet"))
    for round_ in ("r1", "r2"):
        for index in (1, 2):
            code, text = _run(
                "fetch", "--shard", f"{index}/2", "--out", str(tmp_path / round_ / f"{index}"),
                "--sources", sources, "--known", known,
            )  # fmt: skip
            assert code == 0, text
            assert f"Shard {index}/2:" in text
        code, text = _run(
            "merge", str(tmp_path / round_), "--sources", sources, "--db", db,
            "--public", public, "--known-out", known,
        )  # fmt: skip
        assert code == 0, text
        assert "8 of 8 sources worked" in text and "Traceback" not in text
    # One server is one host, so one shard held every source.
    held = sorted(len(read_shard(tmp_path / "r2" / f"{i}")[0].source_ids) for i in (1, 2))
    assert held == [0, 8]
    con = duckdb.connect(db, read_only=True)
    statuses = con.execute(
        "SELECT status, count(*) FROM fetch_runs GROUP BY ALL ORDER BY 1"
    ).fetchall()
    con.close()
    # The second round sent the validators the first merge remembered: every answer a 304.
    assert statuses == [("not-modified", 8), ("ok", 8)]


def test_commands_refuse_bad_input(tmp_path: Path) -> None:
    code, text = _run("fetch", "--shard", "4/3", "--out", str(tmp_path / "x"))
    assert code == 2 and "1 <= i <= n" in text
    samples = str(SAMPLE_SOURCES)
    code, text = _run("fetch", "--shard", "1/3", "--out", str(tmp_path / "1"), "-s", samples)
    assert code == 0, text
    code, text = _run("merge", str(tmp_path / "1"), "-s", samples, "--db", str(tmp_path / "c"))
    assert code == 2 and "missing [2, 3]" in text and "Traceback" not in text
    assert not (tmp_path / "c").exists()


def test_merge_waits_for_a_refresh_holding_the_database(tmp_path: Path) -> None:
    samples = str(SAMPLE_SOURCES)
    code, text = _run("fetch", "--out", str(tmp_path / "all"), "-s", samples)
    assert code == 0 and "Shard 1/1: 8 sources" in text
    db = tmp_path / "c.duckdb"
    with FileLock(lock_path(db)):  # as a running `convene refresh` holds it
        code, text = _run(
            "merge", str(tmp_path / "all"), "-s", samples, "--db", str(db),
            "--lock-timeout", "0.5",
        )  # fmt: skip
    assert code == 4 and "another refresh is running" in text
    assert not db.exists()


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_api")
def test_prefect_flows_from_their_entrypoints(tmp_path: Path) -> None:
    from prefect.flows import load_flow_from_entrypoint

    fetch = load_flow_from_entrypoint("flows.cli_shard.fetch_shard_flow")
    merge = load_flow_from_entrypoint("flows.cli_shard.merge_flow")
    assert (fetch.name, merge.name) == ("fetch-shard", "merge-shards")
    for index in (1, 2):
        folder = str(tmp_path / "round" / f"{index}")
        done = asyncio.run(
            fetch(shard=f"{index}/2", folder=folder, sources_file=str(SAMPLE_SOURCES))
        )
        assert done["shard"] == f"{index}/2"
    merging = merge(
        shards=[str(tmp_path / "round")], sources_file=str(SAMPLE_SOURCES),
        db=str(tmp_path / "c.duckdb"), public=str(tmp_path / "public"),
        overrides_file=str(tmp_path / "none.toml"),
    )  # fmt: skip
    outcome = asyncio.run(merging)
    assert outcome.succeeded == 8 and (tmp_path / "public" / "all.ics").exists()
    # `prefect deploy` names a flow by file and function; loading it imports the file anew.
    script = (
        "from prefect.flows import load_flow_from_entrypoint as load\n"
        f"print(load({str(REPO / 'flows' / 'cli_shard.py')!r} + ':fetch_shard_flow').name)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "fetch-shard", done.stderr
