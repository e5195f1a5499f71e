"""End to end: the real Prefect refresh flow against a local HTTP server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import duckdb
import feedparser
import icalendar
import pytest
from conftest import REPO, sample_sources_over_http
from httpserver import LocalServer

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
    first = _refresh(sources, tmp_path)
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
