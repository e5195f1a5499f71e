"""The changes feeds, from the warehouse out: refreshes stored by save_refresh, change
records from warehouse.changelog, {slug}-changes.xml written by feeds.publish."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import feedparser
import pytest

from feeds import publish
from feeds.changes_feed import change_title, render_changes
from feeds.ical import event_uid
from feeds.specs import all_spec
from scrapers.fetch_types import Fetched
from scrapers.model import Event, Location, ParseResult, Source
from scrapers.pipeline import SourceResult
from warehouse.canonical import listing_id, published_events, read_published
from warehouse.changelog import change_records
from warehouse.news_types import Change
from warehouse.store import RefreshRun, connect, save_refresh

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
CAMP = datetime(2027, 1, 23, 9, tzinfo=UTC)
WEEK = timedelta(days=7)
SITE = Source("site", "UKGovCamp site", "UKGovCamp", "https://ukgovcamp.example/", "ical",
              ("london",), ("digital",))  # fmt: skip
EB = Source("eventbrite", "Eventbrite", "Eventbrite", "https://eb.example/", "jsonld",
            ("uk-wide",), ("policy",))  # fmt: skip
IDS = ["site", "eventbrite"]
VENUE = Location("Bank of America Merrill Lynch", "2 King Edward St", "EC1A 1HQ")
HALL = Location("Friends House", "173-177 Euston Rd", "NW1 2BJ")
EDINBURGH = Location("Dynamic Earth", "Holyrood Rd, Edinburgh", "EH8 8AS")
BASE = "https://convene.example/feeds"


def _event(source: Source, uid: str, title: str, start: datetime, **kw: Any) -> Event:
    kw.setdefault("location", VENUE)
    return Event(source.id, uid, title, start, start + timedelta(hours=8), **kw)


def _ok(source: Source, events: list[Event]) -> SourceResult:
    fetched = Fetched(source.url, b"x", 200, None, 0.1)
    return SourceResult(source, "ok", fetched, ParseResult(tuple(events)), None, "d")


def _refresh(con: duckdb.DuckDBPyConnection, n: int, results: list[SourceResult]) -> datetime:
    at = NOW + timedelta(minutes=n)
    save_refresh(con, RefreshRun(f"r{n}", at, at, "s.toml"), [SITE, EB], results)
    return at


def _moved(event: Event) -> Event:
    assert event.end is not None
    return replace(event, start=event.start + WEEK, end=event.end + WEEK)


CAMP_SITE = _event(SITE, "ukgc27", "UKGovCamp 2027", CAMP, url="https://ukgovcamp.example/2027")
CAMP_COPY = _event(EB, "123456789", "UKGovCamp 2027", CAMP)  # the same event, elsewhere
CLINIC = _event(SITE, "clinic", "Service design clinic", CAMP + timedelta(days=3))
LAB = _event(SITE, "lab", "Policy lab open afternoon", CAMP + timedelta(days=5))
MEETUP = _event(SITE, "meetup", "Digital Scotland meetup", CAMP + timedelta(days=9),
                location=EDINBURGH)  # fmt: skip
# The second refresh: UKGovCamp moves a week (both copies say so), the clinic moves to
# another venue, the lab is cancelled, and the meetup is new.
SECOND = [
    _ok(SITE, [_moved(CAMP_SITE), replace(CLINIC, location=HALL),
               replace(LAB, status="cancelled"), MEETUP]),
    _ok(EB, [_moved(CAMP_COPY)]),
]  # fmt: skip


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return connect(tmp_path / "c.duckdb")


@pytest.fixture
def refreshed(con: duckdb.DuckDBPyConnection) -> tuple[datetime, datetime]:
    first = _refresh(con, 1, [_ok(SITE, [CAMP_SITE, CLINIC, LAB]), _ok(EB, [CAMP_COPY])])
    second = _refresh(con, 2, SECOND)
    return first, second


def _by_kind(changes: list[Change]) -> dict[tuple[str, str], Change]:
    found: dict[tuple[str, str], Change] = {(c.kind, c.entry.event.title): c for c in changes}
    assert len(found) == len(changes), "one record per cluster and change"
    return found


def _parse(path: Path) -> Any:
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def test_each_change_is_one_record_per_event(
    con: duckdb.DuckDBPyConnection, refreshed: tuple[datetime, datetime]
) -> None:
    first, second = refreshed
    changes = change_records(con, IDS, second)
    found = _by_kind(changes)
    assert set(found) == {
        ("new", "UKGovCamp 2027"), ("new", "Service design clinic"),
        ("new", "Policy lab open afternoon"), ("new", "Digital Scotland meetup"),
        ("rescheduled", "UKGovCamp 2027"),  # two copies moved: counted once
        ("venue", "Service design clinic"), ("cancelled", "Policy lab open afternoon"),
    }  # fmt: skip
    moved = found["rescheduled", "UKGovCamp 2027"]
    assert (moved.at, moved.old_start, moved.new_start) == (second, CAMP, CAMP + WEEK)
    assert moved.new_end == CAMP + WEEK + timedelta(hours=8)
    venue = found["venue", "Service design clinic"]
    assert venue.old_place == "Bank of America Merrill Lynch, 2 King Edward St, EC1A 1HQ"
    assert venue.new_place == "Friends House, 173-177 Euston Rd, NW1 2BJ"
    # New: when Convene first published the event, not when it last changed.
    assert found["new", "UKGovCamp 2027"].at == first
    assert found["new", "Digital Scotland meetup"].at == second
    assert [c.at for c in changes] == sorted((c.at for c in changes), reverse=True)


def test_changes_feeds_show_exactly_those_items_with_stable_guids(
    con: duckdb.DuckDBPyConnection, refreshed: tuple[datetime, datetime], tmp_path: Path
) -> None:
    _, second = refreshed
    out = tmp_path / "public"
    events = published_events(con, IDS, second)
    publish(events, out, second, BASE, changes=change_records(con, IDS, second))
    parsed = _parse(out / "all-changes.xml")
    titles = [entry.title for entry in parsed.entries]
    # Newest first; within one refresh, in guid order (stable, if arbitrary).
    assert sorted(titles[:4]) == [
        "Cancelled: Thu 28 Jan 2027, 09:00 — Policy lab open afternoon",
        "New: Mon 1 Feb 2027, 09:00 — Digital Scotland meetup",
        "Rescheduled: Sat 30 Jan 2027, 09:00 — UKGovCamp 2027",
        "Venue changed: Tue 26 Jan 2027, 09:00 — Service design clinic",
    ]
    # The first refresh's events were new then; an item shows the event as it is now.
    assert sorted(titles[4:]) == [
        "New: Sat 30 Jan 2027, 09:00 — UKGovCamp 2027",
        "New: Thu 28 Jan 2027, 09:00 — Policy lab open afternoon",
        "New: Tue 26 Jan 2027, 09:00 — Service design clinic",
    ]
    entries = {entry.title: entry for entry in parsed.entries}
    moved = entries["Rescheduled: Sat 30 Jan 2027, 09:00 — UKGovCamp 2027"]
    assert "Sat 23 Jan 2027, 09:00 to 17:00 UK time" in moved.summary  # was
    assert "Sat 30 Jan 2027, 09:00 to 17:00 UK time" in moved.summary  # now
    assert moved.link == "https://ukgovcamp.example/2027"
    assert calendar.timegm(moved.published_parsed) == second.timestamp()
    assert all(entry.guidislink is False for entry in parsed.entries)
    guids = [entry.id for entry in parsed.entries]
    assert len(set(guids)) == 7

    # A third refresh that changes nothing: the same items, the same guids, same bytes.
    before = (out / "all-changes.xml").read_bytes()
    third = _refresh(con, 3, SECOND)
    later = third + timedelta(hours=1)
    report = publish(
        published_events(con, IDS, later), out, later, BASE,
        changes=change_records(con, IDS, later),
    )  # fmt: skip
    assert [entry.id for entry in _parse(out / "all-changes.xml").entries] == guids
    assert (out / "all-changes.xml").read_bytes() == before
    assert not [p for p in report.changed if p.name.endswith("-changes.xml")]


def test_changes_go_to_the_feeds_of_their_event(
    con: duckdb.DuckDBPyConnection, refreshed: tuple[datetime, datetime], tmp_path: Path
) -> None:
    _, second = refreshed
    events = published_events(con, IDS, second)
    report = publish(events, tmp_path, second, BASE, changes=change_records(con, IDS, second))
    scotland = [e.title for e in _parse(tmp_path / "region-scotland-changes.xml").entries]
    assert scotland == ["New: Mon 1 Feb 2027, 09:00 — Digital Scotland meetup"]
    london = [e.title for e in _parse(tmp_path / "region-london-in-person-changes.xml").entries]
    assert len(london) == 6 and not any("Scotland" in title for title in london)
    for path in report.files:
        if path.suffix == ".xml":
            _parse(path)  # every published feed parses cleanly


def test_rss_pub_date_is_when_convene_first_published(
    con: duckdb.DuckDBPyConnection, refreshed: tuple[datetime, datetime], tmp_path: Path
) -> None:
    first, second = refreshed
    publish(published_events(con, IDS, second), tmp_path, second, BASE)
    items = {entry.title: entry for entry in _parse(tmp_path / "all.xml").entries}
    camp = items["Sat 30 Jan 2027, 09:00 — UKGovCamp 2027"]
    assert calendar.timegm(camp.published_parsed) == first.timestamp()  # not the reschedule
    assert "Sat 30 Jan 2027, 09:00 to 17:00 UK time" in camp.summary
    meetup = items["Mon 1 Feb 2027, 09:00 — Digital Scotland meetup"]
    assert calendar.timegm(meetup.published_parsed) == second.timestamp()


def test_a_move_only_a_copy_reports_is_not_announced(
    con: duckdb.DuckDBPyConnection, refreshed: tuple[datetime, datetime]
) -> None:
    _, second = refreshed
    # The Eventbrite copy alone changes its venue; the site (the published copy, being
    # the more complete) does not: the feeds still show the site's venue.
    copy = replace(_moved(CAMP_COPY), location=Location("Main hall", None, "EC1A 1HQ"))
    third = _refresh(con, 3, [SECOND[0], _ok(EB, [copy])])
    [camp] = [e for e in published_events(con, IDS, third) if e.event.title == "UKGovCamp 2027"]
    assert camp.also_listed, "still one event with two copies"
    changes = change_records(con, IDS, third)
    kinds = [(c.kind, c.at) for c in changes if c.cluster_id == listing_id(camp)]
    assert kinds == [("rescheduled", second), ("new", NOW + timedelta(minutes=1))]


def test_the_changes_feed_goes_back_90_days(
    con: duckdb.DuckDBPyConnection, refreshed: tuple[datetime, datetime]
) -> None:
    first, second = refreshed
    at_edge = change_records(con, IDS, first + timedelta(days=90), days_back=365)
    assert {c.at for c in at_edge} == {first, second}
    after = change_records(con, IDS, second + timedelta(days=90, minutes=1), days_back=365)
    assert after == []


def test_render_is_pure_and_titles_say_what_changed(
    con: duckdb.DuckDBPyConnection, refreshed: tuple[datetime, datetime]
) -> None:
    _, second = refreshed
    changes = change_records(con, IDS, second)
    first = render_changes(all_spec(), changes, second, BASE)
    assert first == render_changes(all_spec(), list(reversed(changes)), second, BASE)
    lab = next(c for c in changes if c.kind == "cancelled")
    assert change_title(lab) == "Cancelled: Thu 28 Jan 2027, 09:00 — Policy lab open afternoon"
    assert event_uid(lab.entry.event) == "site/lab@convene"
    assert b"site/lab@convene" not in first  # a change's guid is not the event's UID


@pytest.mark.parametrize("days", [0, 40])  # 40: the lab left the event feeds, not the changes
def test_one_read_serves_the_event_feeds_and_the_changes_feeds(
    con: duckdb.DuckDBPyConnection, refreshed: tuple[datetime, datetime], days: int
) -> None:
    _, second = refreshed
    at = second + timedelta(days=days)
    found = read_published(con, IDS, at, 60, 365)
    events = found.events(at, 30)
    assert events == published_events(con, IDS, at, 60, 365, cancelled_days=30)
    assert ("Policy lab open afternoon" in {e.event.title for e in events}) == (days == 0)
    shared = change_records(con, IDS, at, 60, 365, published=found)
    assert shared == change_records(con, IDS, at, 60, 365)
    assert {c.kind for c in shared} == {"new", "rescheduled", "venue", "cancelled"}
