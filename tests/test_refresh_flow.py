"""End to end: the real Prefect refresh flow against a local HTTP server."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import feedparser
import icalendar
import pytest
from conftest import REPO, SAMPLES, sample_sources_over_http
from httpserver import LocalServer

import flows.refresh
from flows.refresh import RefreshOutcome, refresh

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_api")]

FAILING = """
[[source]]
id = "broken-server"
name = "A server that fails"
organiser = "Test"
url = "{base}/status/500"
kind = "ical"
regions = ["london"]
professions = ["data"]
local = true

[[source]]
id = "slow-server"
name = "A server that never answers in time"
organiser = "Test"
url = "{base}/slow"
kind = "feed"
regions = ["london"]
professions = ["data"]
local = true
"""


def _refresh(sources: Path, tmp: Path, **options: Any) -> Any:
    async def run() -> Any:
        return await refresh(
            sources_file=str(sources),
            db=str(tmp / "convene.duckdb"),
            public=str(tmp / "public"),
            timeout_seconds=2.0,
            **options,
        )

    return asyncio.run(run())


def _event_rows(tmp: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(tmp / "convene.duckdb"), read_only=True)
    try:
        return con.execute("SELECT * FROM events ORDER BY source_id, source_uid").fetchall()
    finally:
        con.close()


def _ics_uids(path: Path) -> set[str]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]) for e in cal.walk("VEVENT")}


def test_refresh_end_to_end(local_server: LocalServer, tmp_path: Path) -> None:
    sources = sample_sources_over_http(
        local_server, tmp_path, FAILING.format(base=local_server.base_url)
    )
    state = _refresh(sources, tmp_path, return_state=True)
    # Some sources failed, most worked: the run completed, and says which failed.
    assert state.is_completed()
    assert state.message == "2 of 10 sources failed: broken-server, slow-server"
    first = state.result()
    by_id = {s.source_id: s for s in first.summaries}
    assert by_id["broken-server"].status == "fetch-error"
    assert "HTTP 500" in (by_id["broken-server"].error or "")
    assert by_id["slow-server"].status == "fetch-error"
    assert "no complete answer within 2 s" in (by_id["slow-server"].error or "")
    good = [s for s in first.summaries if s.source_id not in ("broken-server", "slow-server")]
    assert good and all(s.status == "ok" for s in good)
    assert all(s.new == s.events_found for s in good)

    con = duckdb.connect(str(tmp_path / "convene.duckdb"), read_only=True)
    stored = con.execute("SELECT count(*) FROM events WHERE removed_at IS NULL").fetchone()
    errors = con.execute(
        "SELECT source_id, status, error FROM fetch_runs WHERE status <> 'ok' ORDER BY 1"
    ).fetchall()
    con.close()
    assert stored == (sum(s.events_found for s in good),)
    assert [e[:2] for e in errors] == [
        ("broken-server", "fetch-error"),
        ("slow-server", "fetch-error"),
    ]

    public = tmp_path / "public"
    uids = _ics_uids(public / "all.ics")
    assert len(uids) == first.published.event_count > 0
    rss = feedparser.parse((public / "all.xml").read_bytes())
    assert rss.bozo == 0 and len(rss.entries) == len(uids)
    assert (public / "region-yorkshire-and-the-humber.ics").exists()
    assert (public / "index.html").exists()

    published = {p: p.stat().st_mtime_ns for p in public.iterdir()}
    events_before = _event_rows(tmp_path)
    second = _refresh(sources, tmp_path)
    # The test server honours If-Modified-Since: nothing is parsed, nothing changes.
    again = {s.source_id: s for s in second.summaries}
    assert {again[s.source_id].status for s in good} == {"not-modified"}
    assert all((s.new, s.updated, s.removed) == (0, 0, 0) for s in second.summaries)
    assert second.published.changed == ()
    assert _event_rows(tmp_path) == events_before
    assert {p: p.stat().st_mtime_ns for p in public.iterdir()} == published
    assert _ics_uids(public / "all.ics") == uids


def test_offline_refresh_fails_with_a_pointer_to_samples(tmp_path: Path) -> None:
    # Name lookups fail in tests (conftest), as on a machine with no network.
    state = _refresh(REPO / "sources.toml", tmp_path, return_state=True)
    assert state.is_failed() and state.message
    assert "looks offline" in state.message
    assert "convene refresh --sources examples/sample-sources.toml" in state.message
    outcome = state.result(raise_on_failure=False)
    assert isinstance(outcome, RefreshOutcome) and outcome.succeeded == 0
    assert outcome.summaries and all("cannot look up" in (s.error or "") for s in outcome.summaries)


def _titles(tmp: Path) -> set[str]:
    con = duckdb.connect(str(tmp / "convene.duckdb"), read_only=True)
    try:
        return {
            t
            for (t,) in con.execute("SELECT title FROM events WHERE removed_at IS NULL").fetchall()
        }
    finally:
        con.close()


def _count(tmp: Path, sql: str, *params: object) -> int:
    con = duckdb.connect(str(tmp / "convene.duckdb"), read_only=True)
    try:
        [(n,)] = con.execute(sql, list(params)).fetchall()
        return int(n)
    finally:
        con.close()


def test_only_the_named_sources_are_fetched_and_every_source_still_published(
    tmp_path: Path,
) -> None:
    shutil.copytree(SAMPLES, tmp_path / "examples")
    samples = tmp_path / "examples" / "samples"
    sources = tmp_path / "examples" / "sample-sources.toml"
    _refresh(sources, tmp_path)
    uids = _ics_uids(tmp_path / "public" / "all.ics")
    for name, old, new in [
        ("localgovcamp.ics", "SUMMARY:LocalGovCamp 2027 fringe", "SUMMARY:LGC fringe"),
        ("google-digital-wales.ics", "SUMMARY:Digital Wales meetup", "SUMMARY:DW meetup"),
    ]:
        path = samples / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    state = _refresh(sources, tmp_path, only=["sample-localgovcamp"], return_state=True)
    assert state.is_completed() and state.message is None
    outcome = state.result()
    assert [(s.source_id, s.updated) for s in outcome.summaries] == [("sample-localgovcamp", 1)]
    titles = _titles(tmp_path)
    assert "LGC fringe: council websites clinic" in titles
    assert "Digital Wales meetup, Cardiff" in titles  # not fetched: as it was stored
    fetched = "SELECT count(*) FROM fetch_runs WHERE run_id = ?"
    assert _count(tmp_path, fetched, outcome.run_id) == 1
    assert _ics_uids(tmp_path / "public" / "all.ics") == uids  # every source still published

    shutil.rmtree(tmp_path / "public")
    again = _refresh(sources, tmp_path, publish_only=True)
    assert again.run_id is None and again.summaries == ()
    assert _ics_uids(tmp_path / "public" / "all.ics") == uids
    assert (tmp_path / "public" / "index.html").exists()
    assert _count(tmp_path, "SELECT count(*) FROM refreshes") == 2  # nothing was fetched


READER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
time.sleep(1)
"""


def test_a_reader_holding_the_database_delays_the_refresh_without_failing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = SAMPLES / "sample-sources.toml"
    _refresh(sources, tmp_path)
    real_connect, calls = flows.refresh.connect, list[bool]()

    def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        calls.append(read_only)
        if len(calls) > 1:
            return real_connect(path, read_only=read_only)
        # The first opening meets another process reading the file (DuckDB's own lock).
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(path)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert reader.stdout is not None and reader.stdout.readline() == "open\n"
            return real_connect(path, read_only=read_only)
        finally:
            reader.wait(timeout=60)  # gone within a second, before the retry 2 s later

    monkeypatch.setattr(flows.refresh, "connect", connect)
    state = _refresh(sources, tmp_path, return_state=True)
    assert state.is_completed(), state.message
    assert len(calls) == 4  # recall_validators twice, then store and publish once each
    assert all(s.status == "unchanged" for s in state.result().summaries)


def test_a_broken_store_is_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        calls.append(path)
        raise duckdb.CatalogException("Table with name events does not exist")

    monkeypatch.setattr(flows.refresh, "connect", connect)
    state = _refresh(SAMPLES / "sample-sources.toml", tmp_path, return_state=True)
    assert state.is_failed() and len(calls) == 1
