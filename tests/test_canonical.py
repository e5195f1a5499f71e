"""One event, one entry: clusters in DuckDB, canonical entries, stable UIDs and SEQUENCE."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import icalendar
import pytest

from scrapers.fetch_types import Fetched
from scrapers.model import Event, Location, ParseResult, Source
from scrapers.pipeline import SourceResult
from warehouse.canonical import merge, published_events
from warehouse.records import StoredEvent
from warehouse.store import RefreshRun, connect, save_refresh

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
CAMP = datetime(2027, 1, 23, 9, tzinfo=UTC)
SITE = Source("site", "UKGovCamp site", "UKGovCamp", "https://ukgovcamp.example/", "ical",
              ("london",), ("digital",))  # fmt: skip
EB = Source("eventbrite", "Eventbrite", "Eventbrite", "https://eb.example/", "jsonld",
            ("uk-wide",), ("policy",))  # fmt: skip
VENUE = Location("Bank of America Merrill Lynch", "2 King Edward St", "EC1A 1HQ")


def _event(source: Source, uid: str, title: str, start: datetime, **kw: object) -> Event:
    return Event(source.id, uid, title, start, start + timedelta(hours=8), location=VENUE,
                 **kw)  # type: ignore[arg-type]  # fmt: skip


def _ok(source: Source, events: list[Event]) -> SourceResult:
    fetched = Fetched(source.url, b"x", 200, None, 0.1)
    return SourceResult(source, "ok", fetched, ParseResult(tuple(events)), None, "d")


def _refresh(con: duckdb.DuckDBPyConnection, n: int, results: list[SourceResult]) -> None:
    at = NOW + timedelta(minutes=n)
    save_refresh(con, RefreshRun(f"r{n}", at, at, "s.toml"), [SITE, EB], results)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return connect(tmp_path / "c.duckdb")


def test_copies_from_two_sources_publish_once(con: duckdb.DuckDBPyConnection) -> None:
    own = _event(SITE, "ukgc27", "UKGovCamp 2027", CAMP, url="https://ukgovcamp.example/2027")
    copy = _event(EB, "123456789", "UK GovCamp 2027 - the unconference", CAMP,
                  url="https://www.eventbrite.co.uk/e/ukgovcamp-tickets-123456789",
                  description="Tickets released in batches.")  # fmt: skip
    _refresh(con, 1, [_ok(SITE, [own]), _ok(EB, [copy])])
    [entry] = published_events(con, ["site", "eventbrite"], NOW)
    # The venue's postcode places it; the sources' default professions are united.
    assert entry.regions == ("london",)
    assert set(entry.professions) == {"digital", "policy"}
    assert len(entry.also_listed) == 1
    pair = con.execute("SELECT rule, matched, components FROM match_pairs").fetchone()
    assert pair is not None and pair[1] is True
    assert set(json.loads(pair[2])) >= {"title", "time", "place", "organiser"}


def test_a_copy_joining_keeps_the_uid_and_raises_the_sequence(
    con: duckdb.DuckDBPyConnection,
) -> None:
    own = _event(SITE, "ukgc27", "UKGovCamp 2027", CAMP, url="https://ukgovcamp.example/2027")
    _refresh(con, 1, [_ok(SITE, [own]), _ok(EB, [])])
    [alone] = published_events(con, ["site", "eventbrite"], NOW)
    assert (alone.event.source_id, alone.event.source_uid, alone.sequence) == ("site", "ukgc27", 0)
    copy = _event(EB, "123456789", "UKGovCamp 2027!", CAMP)
    _refresh(con, 2, [_ok(SITE, [own]), _ok(EB, [copy])])
    [joined] = published_events(con, ["site", "eventbrite"], NOW)
    assert (joined.event.source_id, joined.event.source_uid) == ("site", "ukgc27")
    assert joined.sequence == 1 and joined.also_listed == (("Eventbrite", None),)
    _refresh(con, 3, [_ok(SITE, [own]), _ok(EB, [copy])])
    [same] = published_events(con, ["site", "eventbrite"], NOW)
    assert same.sequence == 1  # nothing changed: no new SEQUENCE


def test_two_sessions_at_one_venue_stay_apart(con: duckdb.DuckDBPyConnection) -> None:
    morning = _event(SITE, "am", "Service design clinic", CAMP)
    afternoon = _event(EB, "pm-session-1", "Service design clinic", CAMP + timedelta(hours=5))
    _refresh(con, 1, [_ok(SITE, [morning]), _ok(EB, [afternoon])])
    entries = published_events(con, ["site", "eventbrite"], NOW)
    assert [e.event.source_uid for e in entries] == ["am", "pm-session-1"]


def test_convene_explain_shows_copies_scores_and_feeds(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from feeds import publish
    from flows.cli import app

    own = _event(SITE, "ukgc27", "UKGovCamp 2027", CAMP, url="https://ukgovcamp.example/2027")
    copy = _event(EB, "123456789", "UK GovCamp 2027 - the unconference", CAMP)
    _refresh(con, 1, [_ok(SITE, [own]), _ok(EB, [copy])])
    publish(published_events(con, ["site", "eventbrite"], NOW), tmp_path / "public", NOW)
    con.close()
    calendar = icalendar.Calendar.from_ical((tmp_path / "public" / "all.ics").read_bytes())
    [uid] = [str(e["UID"]) for e in calendar.walk("VEVENT")]
    result = CliRunner().invoke(
        app, ["explain", uid, "--db", str(tmp_path / "c.duckdb")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "site/ukgc27" in result.output and "eventbrite/123456789" in result.output
    assert "fuzzy" in result.output and "title" in result.output
    assert "region-london: region London" in result.output
    missing = CliRunner().invoke(app, ["explain", "nope", "--db", str(tmp_path / "c.duckdb")])
    assert missing.exit_code == 2 and 'no event "nope"' in missing.output


def test_history_records_a_reschedule_and_a_removal(con: duckdb.DuckDBPyConnection) -> None:
    own = _event(SITE, "ukgc27", "UKGovCamp 2027", CAMP)
    other = _event(SITE, "fringe", "UKGovCamp fringe", CAMP - timedelta(days=1))
    _refresh(con, 1, [_ok(SITE, [own, other]), _ok(EB, [])])
    moved = replace(own, start=CAMP + timedelta(days=7), end=CAMP + timedelta(days=7, hours=8))
    _refresh(con, 2, [_ok(SITE, [moved]), _ok(EB, [])])
    _refresh(con, 3, [_ok(SITE, [moved]), _ok(EB, [])])  # confirms the fringe's removal
    rows = con.execute(
        "SELECT source_uid, field, old_value, new_value FROM event_changes"
        " WHERE seen_at > $first ORDER BY source_uid, field",
        {"first": NOW + timedelta(minutes=1)},
    ).fetchall()
    assert [(uid, field) for uid, field, _, _ in rows] == [
        ("fringe", "listed"), ("ukgc27", "end"), ("ukgc27", "start")
    ]  # fmt: skip
    assert rows[0][2:] == ("listed", "removed")
    assert rows[2][2].startswith("2027-01-23 09:00") and rows[2][3].startswith("2027-01-30 09:00")
    [entry] = published_events(con, ["site", "eventbrite"], NOW)
    assert entry.sequence == 1 and entry.event.start == CAMP + timedelta(days=7)
    first = con.execute(
        "SELECT count(*) FROM event_changes WHERE field = 'listed' AND old_value IS NULL"
    ).fetchall()
    assert first == [(2,)]  # both listings were recorded when first seen


def test_overrides_win_and_apply_even_when_nothing_else_changed(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    from warehouse.overrides import OverridesError, load_overrides

    own = _event(SITE, "ukgc27", "UKGovCamp 2027", CAMP)
    unlike = _event(EB, "123456789", "Annual unconference (tickets)", CAMP)
    _refresh(con, 1, [_ok(SITE, [own]), _ok(EB, [unlike])])
    assert len(published_events(con, ["site", "eventbrite"], NOW)) == 2
    path = tmp_path / "overrides.toml"
    path.write_text(
        '[[same]]\na = "site/ukgc27"\nb = "eventbrite/123456789"\n\n'
        '[[correct]]\nevent = "eventbrite/123456789"\ntitle = "UKGovCamp 2027 (corrected)"\n',
        encoding="utf-8",
    )
    overrides = load_overrides(path)
    at = NOW + timedelta(minutes=2)
    save_refresh(con, RefreshRun("r2", at, at, "s.toml"), [SITE, EB],
                 [_ok(SITE, [own]), _ok(EB, [unlike])], overrides)  # fmt: skip
    [entry] = published_events(con, ["site", "eventbrite"], NOW, overrides=overrides)
    assert entry.event.title == "UKGovCamp 2027 (corrected)" and entry.sequence == 1
    rules = con.execute("SELECT rule FROM match_pairs WHERE matched").fetchall()
    assert rules == [("override-same",)]
    path.write_text('[[same]]\na = "site/ukgc27"\n[[oops]]\n', encoding="utf-8")
    with pytest.raises(OverridesError) as caught:
        load_overrides(path)
    assert '[[same]] #1: needs a = "source/uid" and b' in str(caught.value)
    assert 'unknown table "oops"' in str(caught.value)
    assert load_overrides(tmp_path / "absent.toml").same == ()


def test_source_priority_decides_which_copy_gives_the_fields(
    con: duckdb.DuckDBPyConnection,
) -> None:
    own = _event(SITE, "ukgc27", "UKGovCamp 2027", CAMP)  # the organiser's own, terse
    rich = _event(EB, "123456789", "UKGovCamp 2027!", CAMP, url="https://eb.example/e/1",
                  description="Full details", organiser="Eventbrite")  # fmt: skip
    _refresh(con, 1, [_ok(SITE, [own]), _ok(EB, [rich])])
    [by_completeness] = published_events(con, ["site", "eventbrite"], NOW)
    assert by_completeness.event.title == "UKGovCamp 2027!"
    preferred = replace(SITE, priority=10)
    at = NOW + timedelta(minutes=5)
    save_refresh(con, RefreshRun("r5", at, at, "s.toml"), [preferred, EB],
                 [_ok(preferred, [own]), _ok(EB, [rich])])  # fmt: skip
    [by_priority] = published_events(con, ["site", "eventbrite"], NOW)
    assert by_priority.event.title == "UKGovCamp 2027"


def _uid(entry: StoredEvent) -> tuple[str, str]:
    return entry.event.source_id, entry.event.source_uid


def test_the_id_holds_when_a_copy_leaves(con: duckdb.DuckDBPyConnection) -> None:
    own = _event(SITE, "ukgc27", "UKGovCamp 2027", CAMP)
    copy = _event(EB, "123456789", "UKGovCamp 2027!", CAMP)
    _refresh(con, 1, [_ok(SITE, [own]), _ok(EB, [copy])])
    [joined] = published_events(con, ["site", "eventbrite"], NOW)
    for n in (2, 3):  # the copy's removal is confirmed by the second fetch
        _refresh(con, n, [_ok(SITE, [own]), _ok(EB, [])])
    [alone] = published_events(con, ["site", "eventbrite"], NOW)
    assert _uid(alone) == _uid(joined) and alone.also_listed == ()
    assert alone.sequence > joined.sequence


def test_on_a_split_the_id_stays_with_its_part(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    from warehouse.overrides import load_overrides

    own = _event(SITE, "ukgc27", "UKGovCamp 2027", CAMP)
    copy = _event(EB, "123456789", "UKGovCamp 2027!", CAMP)
    _refresh(con, 1, [_ok(SITE, [own]), _ok(EB, [copy])])
    [joined] = published_events(con, ["site", "eventbrite"], NOW)
    path = tmp_path / "overrides.toml"
    path.write_text('[[different]]\na = "site/ukgc27"\nb = "eventbrite/123456789"\n')
    at = NOW + timedelta(minutes=2)
    save_refresh(con, RefreshRun("r2", at, at, "s.toml"), [SITE, EB],
                 [_ok(SITE, [own]), _ok(EB, [copy])], load_overrides(path))  # fmt: skip
    split = published_events(con, ["site", "eventbrite"], NOW)
    assert len(split) == 2
    [kept] = [e for e in split if _uid(e) == _uid(joined)]
    [other] = [e for e in split if e is not kept]
    assert _uid(other) != _uid(joined) and kept.sequence > joined.sequence
    rows = con.execute("SELECT rule, matched FROM match_pairs").fetchall()
    assert rows == [("override-different", False)]


def test_cancelled_events_stay_for_the_configured_days_after_cancellation(
    con: duckdb.DuckDBPyConnection,
) -> None:
    own = _event(SITE, "ukgc27", "UKGovCamp 2027", CAMP)
    _refresh(con, 1, [_ok(SITE, [own]), _ok(EB, [])])
    _refresh(con, 2, [_ok(SITE, [replace(own, status="cancelled")]), _ok(EB, [])])
    [kept] = published_events(con, ["site"], NOW + timedelta(days=29))
    assert kept.event.status == "cancelled"
    assert published_events(con, ["site"], NOW + timedelta(days=31)) == []
    shorter = published_events(con, ["site"], NOW + timedelta(days=8), cancelled_days=7)
    assert shorter == []


def _merged_by_definition(cluster_id: str, only: StoredEvent) -> StoredEvent:
    """merge() of a one-member cluster with no corrections, spelled out."""
    source_id, _, source_uid = cluster_id.partition("/")
    return replace(
        only,
        event=replace(only.event, source_id=source_id, source_uid=source_uid),
        regions=tuple(dict.fromkeys(only.regions)),
        professions=tuple(dict.fromkeys(only.professions)),
        also_listed=(),
    )


@pytest.mark.parametrize(
    ("cluster_id", "changes"),
    [
        ("site/a", {}),  # the common case: given back as it is
        ("site/a", {"regions": ("london", "london")}),
        ("site/a", {"professions": ("digital", "policy", "digital")}),
        ("site/a", {"also_listed": (("Eventbrite", None),)}),
        ("eventbrite/b", {}),  # a cluster named after a listing that has gone
        ("site/a/x", {}),
    ],
)
def test_a_one_member_cluster_merges_as_defined(
    cluster_id: str, changes: dict[str, object]
) -> None:
    event = _event(SITE, "a", "UKGovCamp", CAMP)
    only = replace(StoredEvent(event, SITE.name, ("london",), ("digital",), NOW, NOW, 0), **changes)  # type: ignore[arg-type]
    merged = merge(cluster_id, [only])
    assert merged == _merged_by_definition(cluster_id, only)
    assert (merged is only) == (merged == only)
