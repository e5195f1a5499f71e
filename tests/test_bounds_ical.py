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

import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from icalendar.prop import vRecur

from scrapers import ical_budget, ical_checks
from scrapers.ical import parse
from scrapers.ical_impossible import impossible
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


# --- rules no date can match (issue 10, "Bounds") --------------------------------------
# Before: dateutil walked each to the year 9999, DAILY;BYMONTH=2;BYMONTHDAY=31 10.3 s,
# HOURLY;BYMONTH=2;BYMONTHDAY=30 20.2 s, MONTHLY;BYDAY=1MO;BYMONTHDAY=8 1.7 s.

IMPOSSIBLE = {
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31": "no date can match its repeat rule "
    "(BYMONTH=2; BYMONTHDAY=31)",
    "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30": "no date can match its repeat rule "
    "(BYMONTH=2; BYMONTHDAY=30)",
    "FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=8": "no date can match its repeat rule "
    "(BYMONTHDAY=8; BYDAY=1MO)",
    "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6": "its repeat rule asks for date 6 of each month "
    "(BYSETPOS), which holds 5 at most",
    "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31": "no date can match its repeat rule "
    "(BYMONTH=4; BYMONTHDAY=31)",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;INTERVAL=3": "no date can match its repeat rule "
    "(BYMONTH=2; BYMONTHDAY=30)",
    "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=-31,-30": "no date can match its repeat rule "
    "(BYMONTH=2; BYMONTHDAY=-31,-30)",
    "FREQ=YEARLY;BYYEARDAY=367": "no date can match its repeat rule (BYYEARDAY=367)",
    "FREQ=YEARLY;BYYEARDAY=-366;BYMONTH=2": "no date can match its repeat rule "
    "(BYMONTH=2; BYYEARDAY=-366)",
    "FREQ=YEARLY;BYWEEKNO=54": "its repeat rule asks for week 54 of a year, which has 53 at most",
    "FREQ=MONTHLY;BYDAY=-1FR;BYMONTHDAY=-8": "no date can match its repeat rule "
    "(BYMONTHDAY=-8; BYDAY=-1FR)",
    "FREQ=MONTHLY;BYDAY=6MO": "no date can match its repeat rule (BYDAY=6MO)",
    "FREQ=YEARLY;BYDAY=54MO": "no date can match its repeat rule (BYDAY=54MO)",
    # dateutil asks a date to be both the first Monday and a Tuesday.
    "FREQ=MONTHLY;BYDAY=1MO,TU": "no date can match its repeat rule (BYDAY=1MO,TU)",
    "FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=3": "its repeat rule asks for date 3 of each week "
    "(BYSETPOS), which holds 2 at most",
    "FREQ=DAILY;BYHOUR=9,10;BYSETPOS=-3": "its repeat rule asks for date -3 of each day "
    "(BYSETPOS), which holds 2 at most",
}


def test_rules_no_date_can_match_keep_their_first_date_in_milliseconds() -> None:
    for rule, reason in IMPOSSIBLE.items():
        result, took = timed(rule_event(rule))
        print(f"\n{rule}: {took * 1000:.1f} ms")
        assert [e.start for e in result.events] == [T0], rule
        assert result.warnings == (
            f"event 'Dense' (UID dense): {reason}; kept only its first date",
        )
        assert took < BOUND, rule


def test_a_bare_yearly_rule_takes_its_day_from_dtstart() -> None:
    # dateutil repeats a bare yearly rule on DTSTART's day: the 31st, of April only.
    result, took = timed(rule_event("FREQ=YEARLY;BYMONTH=4", "20260131T090000Z"))
    assert [e.start for e in result.events] == [datetime(2026, 1, 31, 9, tzinfo=UTC)]
    assert result.warnings == (
        "event 'Dense' (UID dense): no date can match its repeat rule "
        "(BYMONTH=4; day 31 of the month, from its DTSTART); kept only its first date",
    )
    assert took < BOUND


def test_an_impossible_rule_since_1970_costs_nothing_and_keeps_nothing_in_the_window() -> None:
    result, took = timed(rule_event("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", "19700101T090000Z"))
    print(f"\nimpossible since 1970: {took * 1000:.1f} ms")
    assert result.events == ()
    assert result.warnings == (
        "event 'Dense' (UID dense): no date can match its repeat rule "
        "(BYMONTH=2; BYMONTHDAY=31); kept only its first date",
    )
    assert took < BOUND


def test_rules_on_the_edge_of_possible_are_expanded_as_dateutil_does() -> None:
    edge = (
        "FREQ=MONTHLY;BYDAY=-1FR;BYMONTHDAY=-7",  # a last Friday on the 7th from the end
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=5",  # fifth Mondays
        "FREQ=YEARLY;BYMONTH=4,6;BYMONTHDAY=30,-30",
        "FREQ=YEARLY;BYYEARDAY=365,-365",
        "FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH",  # 2026 has a week 53
    )
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    for rule in edge:
        result = parse(SOURCE, rule_event(rule, f"{start:%Y%m%dT%H%M%SZ}"), CTX)
        expected = rrulestr(rule, dtstart=start).between(start, CTX.window_end, inc=True)
        assert expected, rule  # each rule does give dates in the window
        assert [e.start for e in result.events] == sorted({start, *expected}), rule
        assert result.warnings == (), rule


WEEKDAY = st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"])


@st.composite
def filtered_rule(draw: st.DrawFn) -> str:
    """A monthly or yearly rule narrowed by day filters, possible or not."""
    parts = [f"FREQ={draw(st.sampled_from(['MONTHLY', 'YEARLY']))}"]
    ints = st.integers
    options = {
        "BYMONTH": st.lists(ints(1, 12), min_size=1, max_size=2),
        "BYMONTHDAY": st.lists(ints(-31, 31).filter(bool), min_size=1, max_size=2),
        "BYYEARDAY": st.lists(ints(-366, 366).filter(bool), min_size=1, max_size=2),
        "BYSETPOS": st.lists(ints(-60, 60).filter(bool), min_size=1, max_size=2),
    }
    for key, values in options.items():
        if draw(st.booleans()):
            parts.append(f"{key}={','.join(map(str, draw(values)))}")
    if draw(st.booleans()):
        ordinal = draw(st.sampled_from([0, 1, 2, 4, 5, 6, -1, -5, -6, 53]))
        parts.append(f"BYDAY={ordinal or ''}{draw(WEEKDAY)}")
    return ";".join(parts)


@settings(max_examples=80)
@given(filtered_rule())
def test_the_check_refuses_exactly_the_rules_dateutil_finds_no_date_for(rule: str) -> None:
    # From 9000 dateutil's walk to 9999 is short, and holds every shape of year.
    start = datetime(9000, 1, 1)
    try:
        found = next(iter(rrulestr(rule, dtstart=start)), None)
    except IndexError:  # dateutil fails on 53MO in a month; expand() keeps DTSTART then
        assume(False)
    assert (impossible(vRecur.from_ical(rule), start) is None) == (found is not None)


def test_fifty_impossible_events_parse_in_well_under_a_second_each() -> None:
    rules = list(IMPOSSIBLE)
    events = [
        f"UID:never-{n}\nDTSTART:20260101T000000Z\nRRULE:{rules[n % len(rules)]}\nSUMMARY:Never"
        for n in range(50)
    ]
    result, took = timed(calendar(*events))
    print(f"\n50 impossible events: {took:.2f} s")
    assert len(result.events) == 50 and {e.start for e in result.events} == {T0}
    assert len(result.warnings) == 50 and all("first date" in w for w in result.warnings)
    assert took < 5


# --- the budget: what the structural check does not know ---------------------------------


def test_a_rule_that_never_lands_on_its_day_is_stopped_by_the_budget() -> None:
    # Every 7th day from a Thursday is always a Thursday, never a Tuesday: the check reads
    # each filter alone, so only the budget stops dateutil walking to 9999 (1.3 s before).
    result, took = timed(rule_event("FREQ=DAILY;INTERVAL=7;BYDAY=TU"))
    print(f"\nstopped by the budget: {took * 1000:.1f} ms")
    assert [e.start for e in result.events] == [T0]
    assert result.warnings == (
        "event 'Dense' (UID dense): its repeat rule takes too long to work out; "
        "kept only its first date",
    )
    assert took < BOUND


def test_the_budget_alone_bounds_every_impossible_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ical_checks, "impossible", lambda rule, start: None)
    for rule in IMPOSSIBLE:
        if "BYWEEKNO" in rule:
            continue  # dateutil refuses week 54 itself
        result, took = timed(rule_event(rule))
        print(f"\n{rule} with the budget only: {took * 1000:.1f} ms")
        assert [e.start for e in result.events] == [T0], rule
        assert len(result.warnings) == 1 and "takes too long to work out" in result.warnings[0]
        assert took < BOUND, rule


def test_a_series_stopped_by_the_budget_keeps_the_dates_before_the_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # EXDATEs thin the first span of 501 hours to 251 dates, so it takes several spans.
    hours = ",".join(f"{T0 + timedelta(hours=n):%Y%m%dT%H%M%SZ}" for n in range(1, 501, 2))
    body = calendar(f"UID:dense\nDTSTART:20260101T000000Z\nRRULE:FREQ=HOURLY\nEXDATE:{hours}")
    whole = parse(SOURCE, body, CTX)
    monkeypatch.setattr(ical_budget, "STEPS", 700)
    cut, again = parse(SOURCE, body, CTX), parse(SOURCE, body, CTX)
    kept = len(cut.events)
    assert 1 < kept < len(whole.events)
    assert cut.events == whole.events[:kept] and again == cut  # the same stop each time
    assert cut.warnings == (
        "event UID dense: its repeat rule takes too long to work out; "
        f"kept the {kept} dates found first",
    )


def test_rules_of_other_calendars_are_not_judged_by_gregorian_months() -> None:
    # RFC 7529: an Ethiopic year has a 13th month; the Gregorian one has none.
    start = date(2013, 9, 6)
    assert impossible(vRecur.from_ical("RSCALE=ETHIOPIC;FREQ=MONTHLY;BYMONTH=13"), start) is None
    assert impossible(vRecur.from_ical("FREQ=MONTHLY;BYMONTH=13"), start) == (
        "no date can match its repeat rule (BYMONTH=13; day 6 of the month, from its DTSTART)"
    )


def test_a_rule_seeking_one_second_a_day_within_its_periods_is_stopped_by_the_budget() -> None:
    # dateutil seeks 9:00:00 second by second within its periods (5.7 s before the budget
    # counted those seeks); every 9:00 of the year, as MINUTELY, is within the budget.
    rule = "FREQ=SECONDLY;UNTIL=20270101T000000Z;BYHOUR=9;BYMINUTE=0;BYSECOND=0"
    result, took = timed(rule_event(rule))
    print(f"\nseeking 9:00:00 each day: {took * 1000:.1f} ms")
    assert [e.start for e in result.events] == [T0]
    assert result.warnings == (
        "event 'Dense' (UID dense): its repeat rule takes too long to work out; "
        "kept only its first date",
    )
    assert took < BOUND
    minutely, took = timed(rule_event("FREQ=MINUTELY;UNTIL=20270101T000000Z;BYHOUR=9;BYMINUTE=0"))
    nine = datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert [e.start for e in minutely.events] == [T0] + [nine + timedelta(n) for n in range(365)]
    assert minutely.warnings == () and took < BOUND
