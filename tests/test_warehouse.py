"""DuckDB store: migrations, idempotent refreshes, updates, removals, failures, atomicity."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from scrapers.model import Event, Location, ParseResult, Post, Source
from scrapers.pipeline import SourceResult
from warehouse import store
from warehouse.read import published_events, source_health
from warehouse.schema import MIGRATIONS, current_version
from warehouse.store import RefreshRun, connect, save_refresh

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
A = Source("a", "Source A", "Org A", "https://a.example/cal.ics", "ical", ("london",), ("data",))
B = Source("b", "Source B", "Org B", "https://b.example/feed", "feed", ("wales",), ("digital",))


def _event(uid: str, title: str, days: int, source: Source = A) -> Event:
    start = NOW + timedelta(days=days)
    return Event(
        source.id,
        uid,
        title,
        start,
        start + timedelta(hours=2),
        timezone="Europe/London",
        location=Location("Venue", "1 Road", "SW1A 2AA", 51.5, -0.12),
        categories=("x",),
    )


def _ok(source: Source, events: list[Event], posts: tuple[Post, ...] = ()) -> SourceResult:
    return SourceResult(source, "ok", 200, 0.1, 100, ParseResult(tuple(events), posts), None, "h")


def _failed(source: Source) -> SourceResult:
    return SourceResult(source, "fetch-error", 500, 0.1, 0, ParseResult(), "HTTP 500", None, "http")


def _run(n: int) -> RefreshRun:
    at = NOW + timedelta(minutes=n)
    return RefreshRun(f"run{n}", at, at, "sources.toml")


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    row = con.execute("SELECT count(*), count(removed_at) FROM events").fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return connect(tmp_path / "data" / "convene.duckdb")


def test_migrations_run_once_and_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    connect(path).close()
    con = connect(path)
    assert current_version(con) == MIGRATIONS[-1].version
    rows = con.execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert rows == (len(MIGRATIONS),)


def test_refresh_is_idempotent_and_counts_new(con: duckdb.DuckDBPyConnection) -> None:
    events = [_event("1", "One", 1), _event("2", "Two", 2)]
    post = Post("b", "p1", "A post", "https://b.example/p1", NOW, "Summary", "Ann")
    first = save_refresh(con, _run(1), [A, B], [_ok(A, events), _ok(B, [], (post,))])
    assert [(s.source_id, s.new, s.updated, s.removed) for s in first] == [
        ("a", 2, 0, 0),
        ("b", 0, 0, 0),
    ]
    before = con.execute("SELECT * FROM events ORDER BY source_uid").fetchall()
    second = save_refresh(con, _run(2), [A, B], [_ok(A, events), _ok(B, [], (post,))])
    assert [(s.new, s.updated, s.removed) for s in second] == [(0, 0, 0), (0, 0, 0)]
    assert con.execute("SELECT * FROM events ORDER BY source_uid").fetchall() == before
    assert con.execute("SELECT count(*) FROM posts").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM fetch_runs").fetchone() == (4,)


def test_changed_and_dropped_events(con: duckdb.DuckDBPyConnection) -> None:
    save_refresh(con, _run(1), [A], [_ok(A, [_event("1", "One", 1), _event("2", "Two", 2)])])
    moved = replace(_event("1", "One", 1), title="One (moved)")
    [summary] = save_refresh(con, _run(2), [A], [_ok(A, [moved])])
    assert (summary.new, summary.updated, summary.removed) == (0, 1, 1)
    row = con.execute(
        "SELECT title, sequence, first_seen < last_changed FROM events WHERE source_uid = '1'"
    ).fetchone()
    assert row == ("One (moved)", 1, True)
    assert _counts(con) == (2, 1)
    # The dropped event comes back: it counts as updated, not new.
    [again] = save_refresh(con, _run(3), [A], [_ok(A, [moved, _event("2", "Two", 2)])])
    assert (again.new, again.updated, again.removed) == (0, 1, 0)


def test_failing_source_keeps_its_events(con: duckdb.DuckDBPyConnection) -> None:
    save_refresh(
        con, _run(1), [A, B], [_ok(A, [_event("1", "One", 1)]), _ok(B, [_event("9", "Nine", 3, B)])]
    )
    summaries = save_refresh(
        con, _run(2), [A, B], [_failed(A), _ok(B, [_event("9", "Nine", 3, B)])]
    )
    assert summaries[0].status == "fetch-error" and summaries[0].error == "HTTP 500"
    assert _counts(con) == (2, 0)
    published = published_events(con, ["a", "b"], NOW)
    assert [(p.event.source_uid, p.regions, p.source_name) for p in published] == [
        ("1", ("london",), "Source A"),
        ("9", ("wales",), "Source B"),
    ]
    health = source_health(con)
    assert health["a"].status == "fetch-error" and health["a"].events_stored == 1
    assert health["a"].error == "HTTP 500" and health["a"].http_status == 500


def test_duplicate_keys_in_one_batch_keep_the_last(con: duckdb.DuckDBPyConnection) -> None:
    [s] = save_refresh(con, _run(1), [A], [_ok(A, [_event("1", "Old", 1), _event("1", "New", 1)])])
    assert con.execute("SELECT title FROM events").fetchall() == [("New",)]
    assert s.new == 1


def test_published_events_round_trip_and_window(con: duckdb.DuckDBPyConnection) -> None:
    events = [_event("past", "Long ago", -60), _event("soon", "Soon", 5), _event("far", "Far", 400)]
    save_refresh(con, _run(1), [A], [_ok(A, events)])
    [only] = published_events(con, ["a"], NOW)
    assert only.event == events[1]
    assert only.sequence == 0 and only.first_seen == NOW + timedelta(minutes=1)
    assert published_events(con, ["b"], NOW) == []


def test_crash_mid_refresh_leaves_previous_state(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_refresh(con, _run(1), [A], [_ok(A, [_event("1", "One", 1)])])

    def explode(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "_insert_refresh", explode)
    with pytest.raises(RuntimeError):
        save_refresh(con, _run(2), [A], [_ok(A, [_event("2", "Two", 1)])])
    assert con.execute("SELECT source_uid, removed_at FROM events").fetchall() == [("1", None)]
    assert con.execute("SELECT count(*) FROM fetch_runs").fetchone() == (1,)


def test_read_only_connection_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    connect(path).close()
    ro = connect(path, read_only=True)
    with pytest.raises(duckdb.Error):
        ro.execute("DELETE FROM events")
