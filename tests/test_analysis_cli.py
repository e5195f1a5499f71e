"""`convene stats` and `convene export`, the chart on the published page, and the analysis
copy and data files that a real refresh of the bundled samples leaves behind."""

from __future__ import annotations

import asyncio
import csv
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import analysis_db
import duckdb
import pyarrow.parquet as pq
import pytest
from bs4 import BeautifulSoup
from conftest import SAMPLES
from typer.testing import CliRunner

from feeds.page import CHART, render_index
from flows.cli import app
from warehouse.analysis import analysis_path, publish_analysis

runner = CliRunner()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cli")
    db = folder / "data" / "convene.duckdb"
    db.parent.mkdir()
    now = analysis_db.build(db)
    publish_analysis(db, folder / "public", now)
    yield db


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, " ".join(result.output.split())  # as one line, however wrapped


def _events(db: Path) -> int:
    con = duckdb.connect(str(analysis_path(db)), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM canonical_events").fetchall()[0][0])
    finally:
        con.close()


def test_stats_prints_counts_and_writes_the_chart(built: Path, tmp_path: Path) -> None:
    chart = tmp_path / "chart.svg"
    code, text = _run("stats", "--db", str(built), "--chart", str(chart))
    assert code == 0, text
    for heading in ("Events by region", "Events by profession", "Events by month"):
        assert heading in text
    assert "analysis.duckdb" in text  # it says what it read
    assert "Yorkshire and The Humber" in text and "Local government" in text
    assert chart.read_text(encoding="utf-8").startswith("<svg")
    code, text = _run("stats", "--db", str(built), "--chart", str(tmp_path / "no" / "c.svg"))
    assert code == 2 and "cannot write the chart" in text


def test_stats_reads_the_database_before_any_copy(built: Path, tmp_path: Path) -> None:
    db = tmp_path / "convene.duckdb"
    shutil.copy(built, db)
    code, text = _run("stats", "--db", str(db), "--chart", str(tmp_path / "c.svg"))
    assert code == 0 and "convene.duckdb" in text and "Events by month" in text
    code, text = _run("stats", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "no database" in text


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json", "JSON"])
def test_export_writes_every_canonical_event(built: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"events.{fmt.lower()}"
    code, text = _run("export", "--format", fmt, "--out", str(out), "--db", str(built))
    assert code == 0, text
    expected = _events(built)
    assert f"Wrote {expected} events" in text
    if fmt == "parquet":
        table = pq.read_table(out)
        assert table.num_rows == expected and "regions" in table.column_names
    elif fmt == "csv":
        with out.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == expected and rows[0]["cluster_id"]
    else:
        rows = json.loads(out.read_text(encoding="utf-8"))
        assert len(rows) == expected and isinstance(rows[0]["regions"], list)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_export_explains_what_is_wrong(built: Path, tmp_path: Path) -> None:
    code, text = _run("export", "--format", "xlsx", "--db", str(built))
    assert code == 2 and 'unknown format "xlsx": use parquet, csv or json' in text
    missing = tmp_path / "no-such-folder" / "e.csv"
    code, text = _run("export", "--format", "csv", "--out", str(missing), "--db", str(built))
    assert code == 2 and "does not exist" in text
    code, text = _run("export", "--format", "csv", "--out", str(tmp_path), "--db", str(built))
    assert code == 2 and "is a folder" in text
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    code, text = _run("export", "-f", "csv", "-o", str(a_file / "e.csv"), "--db", str(built))
    assert code == 2 and "is not a folder" in text
    if Path("/proc/self").is_dir():  # nobody, not even root, may create files in /proc
        code, text = _run("export", "-f", "csv", "-o", "/proc/events.csv", "--db", str(built))
        assert code == 2 and "cannot write /proc/events.csv" in text
    code, text = _run("export", "--format", "csv", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "no database" in text


def test_the_index_shows_the_chart_only_when_it_is_there() -> None:
    now = datetime.now(UTC)
    soup = BeautifulSoup(render_index([], now, None, chart=True), "html.parser")
    img = soup.find("img", src=CHART)
    assert img is not None and "events per month by region" in str(img["alt"])
    links = {str(a["href"]) for a in soup.select("section.chart a")}
    assert links == {"data/events_by_region_month.parquet", "data/upcoming_events.parquet"}
    assert soup.find(id="chart-h") is not None
    assert "events-by-month" not in render_index([], now, None).decode()


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_api")
def test_a_refresh_publishes_the_analysis_copy_and_the_chart(tmp_path: Path) -> None:
    from flows.refresh import RefreshOutcome, refresh

    db, public = tmp_path / "data" / "convene.duckdb", tmp_path / "public"

    async def run() -> object:
        return await refresh(
            sources_file=str(SAMPLES / "sample-sources.toml"),
            db=str(db),
            public=str(public),
            overrides_file=str(tmp_path / "no-overrides.toml"),
        )

    outcome = asyncio.run(run())
    assert isinstance(outcome, RefreshOutcome) and outcome.succeeded == 8
    con = duckdb.connect(str(analysis_path(db)), read_only=True)
    try:
        [(upcoming,)] = con.execute("SELECT count(*) FROM upcoming_events").fetchall()
        [(runs,)] = con.execute("SELECT count(*) FROM refreshes").fetchall()
    finally:
        con.close()
    assert upcoming > 50 and runs == 1
    index = BeautifulSoup((public / "index.html").read_bytes(), "html.parser")
    assert index.find("img", src=CHART) is not None
    for a in index.select("section.chart a"):
        assert (public / str(a["href"])).is_file()
    assert (public / CHART).read_text(encoding="utf-8").startswith("<svg")
