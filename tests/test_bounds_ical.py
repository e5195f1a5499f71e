"""Bounds on recurrence expansion (issue 10): what a hostile or careless calendar costs.

Each rule here is timed as the best of three parses, so a busy machine does not fail a
bound the code keeps. Before the changes these tests came with, an hourly rule since 1970
took 9-10 s, a secondly one was stopped after a minute, the rules with a date every second
took 0.4-1.4 s for 1,000 occurrences, and every second of March 113 s.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from scrapers.ical import parse
from scrapers.ical_rebase import rebase
from scrapers.model import ParseContext, ParseResult, Source

SOURCE = Source(
    id="bounds", name="Bounds", organiser="Tests", url="https://e.org/c.ics", kind="ical"
)
# Window: 2025-12-16 to 2027-01-15 (30 days back, 365 ahead).
CTX = ParseContext(now=datetime(2026, 1, 15, tzinfo=UTC))
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SECONDS = ",".join(str(n) for n in range(60))
EVERY_SECOND_OF_THE_DAY = f"BYHOUR={','.join(str(n) for n in range(24))};BYMINUTE={SECONDS}"
EVERY_SECOND_OF_THE_DAY += f";BYSECOND={SECONDS}"
BOUND = 0.5  # seconds for one event, however dense its rule


def calendar(*events: str) -> bytes:
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Convene tests//EN"]
    parts += [f"BEGIN:VEVENT\n{body.strip()}\nEND:VEVENT" for body in events]
    parts.append("END:VCALENDAR")
    return "\r\n".join(line for part in parts for line in part.splitlines()).encode()


def rule_event(rule: str, start: str = "20260101T000000Z") -> bytes:
    return calendar(f"UID:dense\nDTSTART:{start}\nRRULE:{rule}\nSUMMARY:Dense")


def timed(body: bytes, ctx: ParseContext = CTX) -> tuple[ParseResult, float]:
    """The result and the best time of three parses."""
    best, result = float("inf"), ParseResult()
    for _ in range(3):
        began = time.perf_counter()
        result = parse(SOURCE, body, ctx)
        best = min(best, time.perf_counter() - began)
    return result, best


def test_the_default_cap_is_500_and_a_setting() -> None:
    assert ParseContext().max_occurrences == 500
    body = rule_event("FREQ=DAILY")
    result = parse(SOURCE, body, ParseContext(now=CTX.now, max_occurrences=20))
    assert [e.start for e in result.events] == [T0 + timedelta(days=n) for n in range(20)]
    assert result.warnings == (
        "event 'Dense' (UID dense): more than 20 occurrences; kept the first",
    )


def test_every_second_or_minute_without_end_keeps_its_first_date_in_milliseconds() -> None:
    for rule, unit in (("FREQ=SECONDLY", "second"), ("FREQ=MINUTELY", "minute")):
        result, took = timed(rule_event(rule))
        print(f"\n{rule}: {took * 1000:.1f} ms")
        assert [e.start for e in result.events] == [T0]
        assert result.warnings == (
            f"event 'Dense' (UID dense): it repeats every {unit} without end; "
            "kept only its first date",
        )
        assert took < BOUND


DENSE = {
    "SECONDLY;COUNT=1000000000": "FREQ=SECONDLY;COUNT=1000000000",
    "SECONDLY until next year": "FREQ=SECONDLY;UNTIL=20270101T000000Z",
    "MINUTELY, 60 BYSECONDs": f"FREQ=MINUTELY;COUNT=100000000;BYSECOND={SECONDS}",
    "HOURLY, 60x60, no end": f"FREQ=HOURLY;BYMINUTE={SECONDS};BYSECOND={SECONDS}",
    "DAILY, every second, no end": f"FREQ=DAILY;{EVERY_SECOND_OF_THE_DAY}",
}


def test_rules_with_a_date_every_second_stop_at_the_cap_in_milliseconds() -> None:
    for name, rule in DENSE.items():
        result, took = timed(rule_event(rule))
        print(f"\n{name}: {len(result.events)} events in {took * 1000:.1f} ms")
        assert [e.start for e in result.events] == [T0 + timedelta(seconds=n) for n in range(500)]
        assert result.warnings == (
            "event 'Dense' (UID dense): more than 500 occurrences; kept the first",
        )
        assert took < BOUND, name


def test_a_gap_before_a_dense_stretch_is_crossed_without_making_it_whole() -> None:
    # Every second of March only: walking the gap in doubling steps used to land one
    # step on all of March (2.7 million occurrences in one call).
    result, took = timed(rule_event(f"FREQ=DAILY;BYMONTH=3;{EVERY_SECOND_OF_THE_DAY}"))
    print(f"\nevery second of March: {took * 1000:.1f} ms")
    march = datetime(2026, 3, 1, tzinfo=UTC)
    # RFC 5545 counts DTSTART as the first occurrence even where the rule would not.
    assert [e.start for e in result.events] == [T0] + [
        march + timedelta(seconds=n) for n in range(499)
    ]
    assert len(result.warnings) == 1 and "more than 500 occurrences" in result.warnings[0]
    assert took < BOUND


def test_a_series_from_1970_is_moved_up_to_the_window() -> None:
    hourly, took_hourly = timed(rule_event("FREQ=HOURLY", "19700101T000000Z"))
    daily, took_daily = timed(rule_event("FREQ=DAILY", "19700101T090000Z"))
    print(f"\nhourly since 1970: {took_hourly * 1000:.1f} ms, daily: {took_daily * 1000:.1f} ms")
    first = CTX.window_start
    assert [e.start for e in hourly.events] == [first + timedelta(hours=n) for n in range(500)]
    assert hourly.warnings == (
        "event 'Dense' (UID dense): more than 500 occurrences; kept the first",
    )
    days = (CTX.window_end - CTX.window_start).days
    at_nine = first.replace(hour=9)
    assert [e.start for e in daily.events] == [at_nine + timedelta(days=n) for n in range(days)]
    assert daily.warnings == ()
    # The ids are the dates themselves, as if the series had been walked from 1970.
    assert daily.events[0].source_uid == "dense/2025-12-16T09:00:00Z"
    assert took_hourly < BOUND and took_daily < BOUND


def test_a_rule_too_dense_to_reach_the_window_is_not_expanded() -> None:
    # A COUNT counts from DTSTART, so the series cannot be moved; this one runs to 2033.
    counted, took_counted = timed(rule_event("FREQ=SECONDLY;COUNT=2000000000", "19700101T000000Z"))
    # Movable, but 86,400 dates a day are still too many to walk to the window.
    daily, took_daily = timed(
        rule_event(f"FREQ=DAILY;{EVERY_SECOND_OF_THE_DAY}", "19700101T000000Z")
    )
    print(f"\nrefused in {took_counted * 1000:.1f} ms and {took_daily * 1000:.1f} ms")
    assert counted.events == () and daily.events == ()
    seconds = round((CTX.window_start - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
    assert counted.warnings == (
        f"event 'Dense' (UID dense): its repeat rule would make about {seconds:,} dates "
        "before reaching the window (it starts 1970-01-01); not expanded",
    )
    assert len(daily.warnings) == 1 and daily.warnings[0].endswith("; not expanded")
    assert took_counted < BOUND and took_daily < BOUND


# --- moving a series changes none of its dates ------------------------------------------

ZONES = ("UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe")
HOURS = {"HOURLY": 1, "DAILY": 24, "WEEKLY": 168}
WINDOW = ParseContext(now=CTX.now, days_back=30, days_ahead=60, max_occurrences=100_000)


def numbers(highest: int) -> st.SearchStrategy[str]:
    values = st.sets(st.integers(0, highest), min_size=1, max_size=3)
    return values.map(lambda found: ",".join(map(str, sorted(found))))


@st.composite
def far_series(draw: st.DrawFn) -> str:
    """A VEVENT whose rule can be moved, starting 1,100 to 6,000 periods before the window."""
    freq = draw(st.sampled_from(sorted(HOURS)))
    interval = draw(st.integers(1, 3))
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    periods = draw(st.integers(1_100, 6_000))
    back = timedelta(hours=HOURS[freq] * interval * periods + draw(st.integers(0, 47)))
    start = (WINDOW.window_start - back).astimezone(zone).replace(second=0, microsecond=0)
    rule = f"FREQ={freq};INTERVAL={interval}"
    if freq == "HOURLY" and draw(st.booleans()):
        rule += f";BYMINUTE={draw(numbers(59))}"
    if freq != "HOURLY" and draw(st.booleans()):
        days = draw(
            st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1)
        )
        rule += f";BYDAY={','.join(sorted(days))}"
    if freq != "HOURLY" and draw(st.booleans()):
        rule += f";BYHOUR={draw(numbers(23))}"
    if draw(st.booleans()):
        until = WINDOW.window_start + timedelta(days=draw(st.integers(-3, 80)))
        rule += f";UNTIL={until:%Y%m%dT%H%M%SZ}"
    minutes = draw(st.integers(1, 3 * 24 * 60))
    end = start + timedelta(minutes=minutes)
    tzid = start.tzinfo.key if isinstance(start.tzinfo, ZoneInfo) else "UTC"
    return (
        f"UID:far\nDTSTART;TZID={tzid}:{start:%Y%m%dT%H%M%S}\n"
        f"DTEND;TZID={tzid}:{end:%Y%m%dT%H%M%S}\nRRULE:{rule}\nSUMMARY:Far"
    )


@settings(max_examples=60)
@given(far_series())
def test_a_moved_series_gives_the_dates_walked_from_its_start(event: str) -> None:
    body = calendar(event)
    master = Calendar.from_ical(body).walk("VEVENT")[0]
    moved, refused = rebase([master], WINDOW)
    assert refused is None and moved[0] is not master  # moved: the case under test
    reference = recurring_ical_events.of(Calendar.from_ical(body)).between(
        WINDOW.window_start, WINDOW.window_end
    )
    expected = [(c["DTSTART"].dt.astimezone(UTC), c["DTEND"].dt.astimezone(UTC)) for c in reference]
    result = parse(SOURCE, body, WINDOW)
    found = {e.start.astimezone(UTC): e.end for e in result.events}
    # As instants: an hourly rule meets 02:00 on the day clocks go forward, which is
    # 03:00 again, and an occurrence's identity is its instant (one event, not two).
    assert len(found) == len(result.events) and set(found) == {start for start, _ in expected}
    starts = Counter(start for start, _ in expected)
    assert all(found[start] == end for start, end in expected if starts[start] == 1)
    assert result.warnings == ()


# --- a big, ordinary calendar ---------------------------------------------------------------


def big_calendar(events: int) -> bytes:
    """Meetup-like events over the window: descriptions, places, one in ten weekly."""
    blocks = []
    for n in range(events):
        start = datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(hours=n * 7 % 8000)
        about = f"Event {n}: a talk on digital services and design, with time for questions."
        rule = "RRULE:FREQ=WEEKLY;COUNT=4\n" if n % 10 == 0 else ""
        blocks.append(
            f"UID:event-{n}@example.org\nDTSTAMP:20251201T000000Z\n"
            f"DTSTART;TZID=Europe/London:{start:%Y%m%dT%H%M%S}\n"
            f"DTEND;TZID=Europe/London:{start + timedelta(hours=2):%Y%m%dT%H%M%S}\n{rule}"
            f"SUMMARY:Digital services meetup number {n}\nDESCRIPTION:{about}\n"
            f"LOCATION:Room {n % 40}\\, 10 Whitechapel High St\\, London E1 8QS\n"
            f"URL:https://example.org/events/{n}\nCATEGORIES:Digital,Design"
        )
    return calendar(*blocks)


def test_a_2_mb_calendar_of_5000_events_parses_in_seconds() -> None:
    body = big_calendar(5000)
    assert 1.9e6 < len(body) < 2.3e6
    began = time.perf_counter()
    result = parse(SOURCE, body, CTX)
    took = time.perf_counter() - began
    print(f"\n{len(body) / 1e6:.2f} MB, 5,000 VEVENTs: {len(result.events)} events in {took:.2f} s")
    uids = {e.source_uid.split("/")[0] for e in result.events}
    assert uids == {f"event-{n}@example.org" for n in range(5000)}
    assert len(result.events) == 4500 + 500 * 4 and result.warnings == ()
    assert all(e.location and e.location.postcode == "E1 8QS" for e in result.events)
    assert all((e.description or "").startswith("Event ") for e in result.events)
    assert {e.start.date() for e in result.events} <= {
        date(2026, 1, 1) + timedelta(days=n) for n in range(400)
    }
    assert took < 10
