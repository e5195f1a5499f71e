"""The analysts' side: canonical_events agrees with the feeds and keeps history, the
analysis copy and Parquet files are published whole after each refresh, and a reader of
the copy never fails while a refresh runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import analysis_db
import duckdb
import pyarrow.parquet as pq
import pytest
from analysis_db import EXTRA, ok, sample_sources

from scrapers.model import Event, Source
from warehouse.analysis import CHART_NAME, PUBLIC_EXPORTS, analysis_path, publish_analysis
from warehouse.canonical import published_events
from warehouse.store import RefreshRun, connect, save_refresh
from warehouse.views import VIEWS


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, datetime]:
    path = tmp_path_factory.mktemp("built") / "convene.duckdb"
    return path, analysis_db.build(path)


@pytest.fixture
def db(built: tuple[Path, datetime], tmp_path: Path) -> Path:
    """A copy of the built database that a test may change."""
    path = tmp_path / "data" / "convene.duckdb"
    path.parent.mkdir()
    shutil.copy(built[0], path)
    return path


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def test_upcoming_events_are_what_the_feeds_publish(built: tuple[Path, datetime]) -> None:
    con = connect(built[0], read_only=True)
    try:
        enabled = [s.id for s in (*sample_sources(), *EXTRA) if s.enabled]
        now = datetime.now(UTC)
        feed = {
            f"{e.event.source_id}/{e.event.source_uid}": e
            for e in published_events(con, enabled, now, days_back=0, days_ahead=3650)
            if e.event.status != "cancelled"
        }
        view = {row[0]: row[1:] for row in _rows(con, """
            SELECT cluster_id, title, start_at, regions, professions, free, restricted, sources
            FROM upcoming_events""")}  # fmt: skip
    finally:
        con.close()
    assert len(view) > 100 and view.keys() == feed.keys()
    for cid, (title, start, regions, professions, free, restricted, sources) in view.items():
        entry = feed[cid]
        assert (title, start) == (entry.event.title, entry.event.start), cid
        assert (tuple(regions), tuple(professions)) == (entry.regions, entry.professions), cid
        assert (free, restricted) == (entry.free, entry.restricted), cid
        assert sources == [entry.source_name, *(name for name, _ in entry.also_listed)], cid


A = Source("a", "Source A", "Org A", "https://a.example/", "ical", ("london",), ("data",))
B = Source("b", "Source B", "Org B", "https://b.example/", "ical", ("london",), ("data",))


def _event(source: Source, uid: str, title: str, start: datetime) -> Event:
    return Event(source.id, uid, title, start, start + timedelta(hours=2), url=None)


def _save(con: duckdb.DuckDBPyConnection, n: int, a: list[Event], b: list[Event]) -> None:
    at = datetime.now(UTC) - timedelta(minutes=10 - n)
    save_refresh(con, RefreshRun(f"r{n}", at, at, "s.toml"), [A, B], [ok(A, a), ok(B, b)])


def test_canonical_events_keep_history_and_follow_the_clusters(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    soon, later = now + timedelta(days=5), now + timedelta(days=9)
    talk = _event(A, "talk", "Open data in councils", soon)
    ran = _event(A, "ran", "Data ethics breakfast", now - timedelta(days=2))
    dropped = _event(A, "dropped", "Procurement clinic", later)
    far = _event(B, "copy", "Open data in councils", soon + timedelta(days=3))
    con = connect(tmp_path / "c.duckdb")
    _save(con, 1, [talk, ran, dropped], [far])
    listed = dict(_rows(con, "SELECT cluster_id, listed FROM canonical_events"))
    assert listed == {"a/talk": True, "a/ran": True, "a/dropped": True, "b/copy": True}
    # B's copy moves to the talk's time and joins its cluster; A stops listing two events.
    _save(con, 2, [talk], [replace(far, start=talk.start, end=talk.end)])
    _save(con, 3, [talk], [replace(far, start=talk.start, end=talk.end)])
    rows = {r[0]: r[1:] for r in _rows(con, """
        SELECT cluster_id, listed, removed_at IS NOT NULL, listings, sources
        FROM canonical_events""")}  # fmt: skip
    assert rows == {
        "a/talk": (True, False, ["a/talk", "b/copy"], ["Source A", "Source B"]),
        "a/ran": (False, True, ["a/ran"], ["Source A"]),
        "a/dropped": (False, True, ["a/dropped"], ["Source A"]),
    }
    # It ran (still listed when it started) so it stays counted; the dropped one does not.
    history = {r[0] for r in _rows(con, "SELECT cluster_id FROM event_history")}
    assert history == {"a/talk", "a/ran"}
    assert _rows(con, "SELECT organiser, events_last_year, upcoming FROM organisers") == [
        ("Org A", 1, 1)
    ]
    con.close()


def test_a_database_from_before_the_views_gets_its_canonical_events(tmp_path: Path) -> None:
    soon = datetime.now(UTC) + timedelta(days=5)
    con = connect(tmp_path / "c.duckdb")
    _save(con, 1, [_event(A, "talk", "Open data in councils", soon)], [])
    con.execute("DELETE FROM canonical_events")  # as migration 9 leaves an older database
    _save(con, 2, [_event(A, "talk", "Open data in councils", soon)], [])  # nothing new
    assert _rows(con, "SELECT cluster_id, listed FROM canonical_events") == [("a/talk", True)]
    con.close()


def test_publish_analysis_writes_the_copy_and_the_parquet_files(db: Path, tmp_path: Path) -> None:
    public = tmp_path / "public"
    report = publish_analysis(db, public, datetime.now(UTC))
    assert report.copy == analysis_path(db) == db.with_name("analysis.duckdb")
    data = public / "data"
    names = {f"{n}.parquet" for n in PUBLIC_EXPORTS} | {CHART_NAME}
    assert {p.name for p in report.files} == names == {p.name for p in data.iterdir()}
    main = connect(db, read_only=True)
    copy = duckdb.connect(str(report.copy), read_only=True)
    try:
        for name in (*VIEWS, "canonical_events", "events", "labels", "fetch_runs", "meta"):
            sql = f"SELECT * FROM {name} ORDER BY ALL"
            assert _rows(copy, sql) == _rows(main, sql), name
            if name in PUBLIC_EXPORTS:
                [(count,)] = _rows(copy, f"SELECT count(*) FROM {name}")
                assert pq.read_metadata(data / f"{name}.parquet").num_rows == count, name
    finally:
        copy.close()
        main.close()
    svg = (data / CHART_NAME).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Yorkshire and The Humber" in svg
    assert sorted(p.name for p in db.parent.iterdir()) == ["analysis.duckdb", "convene.duckdb"]
    # Nothing changed: the copy is replaced, the published files are left as they were.
    stamps = {p: p.stat().st_mtime_ns for p in (data, *data.iterdir())}
    again = publish_analysis(db, public, datetime.now(UTC))
    assert again.files == ()
    assert {p: p.stat().st_mtime_ns for p in (data, *data.iterdir())} == stamps


def test_a_failed_publish_leaves_the_previous_copy(db: Path, tmp_path: Path) -> None:
    publish_analysis(db, tmp_path / "public", datetime.now(UTC))
    before = analysis_path(db).read_bytes()
    with pytest.raises(duckdb.Error):
        publish_analysis(tmp_path / "missing.duckdb", tmp_path / "public", datetime.now(UTC),
                         copy_path=analysis_path(db))  # fmt: skip
    assert analysis_path(db).read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["analysis.duckdb", "convene.duckdb"]


# A reader in its own process, as an analyst's notebook would be. "fresh": a new
# connection for every round of queries; "held": one connection kept open throughout.
# (Within one process DuckDB shares one instance per file, so a connection kept open
# would keep later ones on the copy it opened: the two kinds need two processes.)
_READER = """
import json, os, sys, duckdb
mode, copy, stop, ready, out = sys.argv[1:6]
held = duckdb.connect(copy, read_only=True) if mode == "held" else None
queries, errors, refreshes = 0, [], set()
open(ready, "w").close()
while True:
    stopping = os.path.exists(stop)
    try:
        con = held or duckdb.connect(copy, read_only=True)
        try:
            refreshes.add(con.execute("SELECT count(*) FROM refreshes").fetchall()[0][0])
            con.execute("SELECT * FROM upcoming_events").fetchall()
            con.execute("SELECT * FROM organisers").fetchall()
            con.execute("SELECT * FROM events_by_region_month").fetchall()
            queries += 4
        finally:
            if held is None:
                con.close()
    except Exception as exc:
        errors.append(repr(exc))
    if stopping:
        break
with open(out, "w") as handle:
    json.dump({"queries": queries, "errors": errors, "refreshes": sorted(refreshes)}, handle)
"""


def test_readers_of_the_copy_never_fail_during_a_refresh(
    db: Path, built: tuple[Path, datetime], tmp_path: Path
) -> None:
    public = tmp_path / "public"
    publish_analysis(db, public, datetime.now(UTC))
    stop = tmp_path / "stop"
    copy = str(analysis_path(db))
    readers = {
        mode: subprocess.Popen([sys.executable, "-c", _READER, mode, copy, str(stop),
                                str(tmp_path / f"{mode}.ready"), str(tmp_path / f"{mode}.json")])
        for mode in ("fresh", "held")
    }  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
            (tmp_path / f"{mode}.ready").exists() for mode in readers
        ):
            time.sleep(0.05)
        for n in range(3):  # whole refreshes: store, then publish the copy
            _refresh_again(db, n, built[1])
            publish_analysis(db, public, datetime.now(UTC))
        stop.touch()
        assert all(reader.wait(timeout=60) == 0 for reader in readers.values())
    finally:
        for reader in readers.values():
            if reader.poll() is None:
                reader.kill()
    fresh, held = (json.loads((tmp_path / f"{m}.json").read_text()) for m in readers)
    assert fresh["errors"] == [] and held["errors"] == []
    assert fresh["queries"] >= 40 and held["queries"] >= 40
    # The fresh reader saw copies published while it read, ending with the newest one;
    # the held one kept the copy it opened, whole, throughout.
    assert fresh["refreshes"][-1] == 5 and len(fresh["refreshes"]) >= 2
    assert held["refreshes"] == [2]


def _refresh_again(db: Path, n: int, sample_now: datetime) -> None:
    now = datetime.now(UTC)
    written = analysis_db.extra_events(now + timedelta(days=n), second=True)
    results = [*analysis_db.sample_results(sample_now), *(ok(s, written[s.id]) for s in EXTRA)]
    con = connect(db)
    try:
        run = RefreshRun(f"again{n}", now, now, "s.toml")
        save_refresh(con, run, [*sample_sources(), *EXTRA], results)
    finally:
        con.close()
