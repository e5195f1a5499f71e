"""DuckDB store: migrations, idempotent refreshes, updates, removals, failures, atomicity."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from scrapers.fetch_types import Fetched, FetchError
from scrapers.model import Event, Location, ParseResult, Post, Source
from scrapers.pipeline import SourceResult
from warehouse import store
from warehouse.cache import recall
from warehouse.canonical import published_events
from warehouse.health import source_health
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
    fetched = Fetched(source.url, b"body", 200, "text/calendar", 0.1, etag='"v1"', raw_bytes=4)
    return SourceResult(source, "ok", fetched, ParseResult(tuple(events), posts), None, "digest")


def _failed(source: Source) -> SourceResult:
    error = FetchError(source.url, "http", "HTTP 500", 500, 0.1, attempts=3)
    return SourceResult(source, "fetch-error", error, ParseResult(), "HTTP 500", None, "http")


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
    # A first miss is not a removal: the event stays published until a second
    # successful fetch agrees.
    assert (summary.new, summary.updated, summary.removed) == (0, 1, 0)
    row = con.execute(
        "SELECT title, sequence, first_seen < last_changed FROM events WHERE source_uid = '1'"
    ).fetchone()
    assert row == ("One (moved)", 1, True)
    assert _counts(con) == (2, 0)
    assert [e.event.source_uid for e in published_events(con, ["a"], NOW)] == ["1", "2"]
    [confirmed] = save_refresh(con, _run(3), [A], [_ok(A, [moved])])
    assert confirmed.removed == 1 and _counts(con) == (2, 1)
    # The removed event comes back: it counts as updated, not new.
    [again] = save_refresh(con, _run(4), [A], [_ok(A, [moved, _event("2", "Two", 2)])])
    assert (again.new, again.updated, again.removed) == (0, 1, 0)


def test_a_listing_missed_once_then_back_is_never_removed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    both = [_event("1", "One", 1), _event("2", "Two", 2)]
    save_refresh(con, _run(1), [A], [_ok(A, both)])
    save_refresh(con, _run(2), [A], [_ok(A, both[:1])])  # a flaky page misses one
    save_refresh(con, _run(3), [A], [_ok(A, both)])
    save_refresh(con, _run(4), [A], [_ok(A, both[:1])])  # missed again: a new first miss
    assert _counts(con) == (2, 0)


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
        # The venue's SW1A postcode places it, over Source B's default (Wales).
        ("9", ("london",), "Source B"),
    ]
    health = {h.source_id: h for h in source_health(con, [A, B], NOW)}
    assert health["a"].state == "failing" and health["a"].events == 1
    assert health["a"].last_error == "HTTP 500" and health["a"].http_status == 500
    assert health["a"].consecutive_failures == 1 and health["b"].state == "ok"


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


def _result(source: Source, status: str, **fetched: object) -> SourceResult:
    outcome = Fetched(
        source.url, b"", 304 if status == "not-modified" else 200, None, 0.1, **fetched
    )  # type: ignore[arg-type]
    return SourceResult(source, status, outcome, ParseResult(), None, "digest")  # type: ignore[arg-type]


def test_suspected_breakage_is_held_until_confirmed(con: duckdb.DuckDBPyConnection) -> None:
    eight = [_event(str(i), f"E{i}", i + 1) for i in range(8)]
    save_refresh(con, _run(1), [A], [_ok(A, eight)])
    [held] = save_refresh(con, _run(2), [A], [_ok(A, eight[:3])])
    assert held.removed == 0 and held.held and "fell from 8 to 3" in held.held
    assert _counts(con) == (8, 0)
    assert con.execute("SELECT held FROM fetch_runs WHERE run_id = 'run2'").fetchone() == (True,)
    [confirmed] = save_refresh(con, _run(3), [A], [_ok(A, eight[:3])])
    assert confirmed.removed == 5 and confirmed.held is None
    assert _counts(con) == (8, 5)


def test_not_modified_and_unchanged_keep_events(con: duckdb.DuckDBPyConnection) -> None:
    save_refresh(con, _run(1), [A], [_ok(A, [_event("1", "One", 1), _event("2", "Two", 2)])])
    for n, status in ((2, "not-modified"), (3, "unchanged")):
        [s] = save_refresh(con, _run(n), [A], [_result(A, status)])
        assert (s.status, s.removed) == (status, 0)
    assert _counts(con) == (2, 0)
    [health] = source_health(con, [A], NOW + timedelta(minutes=5))
    assert health.state == "unchanged" and health.consecutive_failures == 0


def test_validators_remembered_for_a_day_and_forgotten_on_parse_error(
    con: duckdb.DuckDBPyConnection,
) -> None:
    save_refresh(con, _run(1), [A], [_ok(A, [_event("1", "One", 1)])])
    memory = recall(con, NOW + timedelta(hours=1))
    assert memory[A.url].validators.etag == '"v1"' and memory[A.url].digest == "digest"
    assert recall(con, NOW + timedelta(days=2)) == {}  # due a full parse again
    broken = SourceResult(A, "parse-error", _ok(A, []).outcome, ParseResult(), "bad", "d2", "parse")
    save_refresh(con, _run(2), [A], [broken])
    assert recall(con, NOW + timedelta(hours=1)) == {}


def test_stale_failing_and_moved_sources(con: duckdb.DuckDBPyConnection) -> None:
    save_refresh(con, _run(1), [A, B], [_ok(A, []), _result(B, "ok", moved_to="https://new.b/")])
    for n in (2, 3):
        save_refresh(con, _run(n), [A, B], [_failed(A), _ok(B, [])])
    soon = {h.source_id: h for h in source_health(con, [A, B], NOW + timedelta(days=1))}
    assert soon["a"].state == "failing" and soon["a"].consecutive_failures == 2
    assert soon["a"].failing_since == NOW + timedelta(minutes=2)
    assert soon["a"].last_success == NOW + timedelta(minutes=1)
    later = {h.source_id: h for h in source_health(con, [A, B], NOW + timedelta(days=15))}
    assert later["a"].state == "stale"
    assert soon["b"].suggested_url is None  # the latest fetch of B did not redirect
    save_refresh(con, _run(4), [A, B], [_failed(A), _result(B, "ok", moved_to="https://new.b/")])
    [_, b] = source_health(con, [A, B], NOW)
    assert b.suggested_url == "https://new.b/"
    disabled = replace(A, enabled=False)
    assert source_health(con, [disabled], NOW)[0].state == "disabled"
    assert source_health(None, [A], NOW)[0].state == "never fetched"


def test_old_fetch_history_is_pruned_after_a_year(con: duckdb.DuckDBPyConnection) -> None:
    save_refresh(con, _run(1), [A], [_ok(A, [])])
    later = RefreshRun("late", NOW + timedelta(days=400), NOW + timedelta(days=400), "s.toml")
    save_refresh(con, later, [A], [_ok(A, [])])
    assert con.execute("SELECT run_id FROM fetch_runs").fetchall() == [("late",)]


def test_a_source_that_suddenly_lists_nothing_is_held(con: duckdb.DuckDBPyConnection) -> None:
    save_refresh(con, _run(1), [A], [_ok(A, [_event("1", "One", 1), _event("2", "Two", 2)])])
    [held] = save_refresh(con, _run(2), [A], [_ok(A, [])])
    assert held.held and "fell from 2 to 0" in held.held and _counts(con) == (2, 0)
    [confirmed] = save_refresh(con, _run(3), [A], [_ok(A, [])])
    assert confirmed.removed == 2 and _counts(con) == (2, 2)


def test_a_source_whose_uids_churn_keeps_its_events(con: duckdb.DuckDBPyConnection) -> None:
    def fetch(tag: str, count: int = 3) -> list[Event]:
        # Same events every time, but a fresh UID each fetch, as some exporters do.
        return [_event(f"{tag}-{i}@outlook", f"Event {i}", i + 1) for i in range(count)]

    save_refresh(con, _run(1), [A], [_ok(A, fetch("first"))])
    [second] = save_refresh(con, _run(2), [A], [_ok(A, fetch("second"))])
    assert (second.new, second.updated, second.removed) == (0, 0, 0)
    uids = con.execute("SELECT source_uid FROM events ORDER BY 1").fetchall()
    assert uids == [("first-0@outlook",), ("first-1@outlook",), ("first-2@outlook",)]
    warnings = con.execute("SELECT warnings FROM fetch_runs WHERE run_id = 'run2'").fetchall()
    assert "every UID changed" in warnings[0][0][-1]
    [third] = save_refresh(con, _run(3), [A], [_ok(A, fetch("third", count=4))])
    assert (third.new, third.removed) == (1, 0)
    new_uid = con.execute("SELECT source_uid FROM events WHERE title = 'Event 3'").fetchall()
    assert new_uid[0][0].startswith("derived:")
    # A different calendar behind the same URL is not churn: its events are new.
    other = [_event(f"x{i}", f"Other {i}", i + 40) for i in range(3)]
    [changed] = save_refresh(con, _run(4), [A], [_ok(A, other)])
    assert changed.new == 3
