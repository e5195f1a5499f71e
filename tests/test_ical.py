"""scrapers.ical: exports shaped like Meetup, Google, Outlook, Apple and Luma ones.

Each fixture NAME.ics sits beside NAME.expected.json, checked by hand against the
fixture. After a deliberate change, rewrite them with
CONVENE_UPDATE_EXPECTED=1 pytest tests/test_ical.py and read the diff.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from expected import check, snapshot
from icalendar import Event as VEvent

from scrapers.ical import parse
from scrapers.ical_fields import attendance, find_postcode, location
from scrapers.model import Event, ParseContext, ParseResult, Source

FIXTURES = Path(__file__).parent / "fixtures" / "ical"
SOURCE = Source(
    id="ical-test",
    name="Test calendar",
    organiser="Test organiser",
    url="https://example.org/calendar.ics",
    kind="ical",
)
# Window: 2025-12-16 to 2027-01-15 (30 days back, 365 ahead).
CTX = ParseContext(now=datetime(2026, 1, 15, tzinfo=UTC))
LONDON = ZoneInfo("Europe/London")


def read(name: str, source: Source = SOURCE, ctx: ParseContext = CTX) -> ParseResult:
    return parse(source, (FIXTURES / name).read_bytes(), ctx)


def calendar(*events: str, head: str = "") -> bytes:
    """A minimal calendar around hand-written VEVENT bodies, CRLF like real exports."""
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Convene tests//EN", head]
    parts += [f"BEGIN:VEVENT\n{body.strip()}\nEND:VEVENT" for body in events]
    parts.append("END:VCALENDAR")
    return "\r\n".join(line for part in parts if part for line in part.splitlines()).encode()


ICAL_PLACE = ("name", "postcode", "lat", "lon")
ICAL_EXTRA = ("organiser", "categories")


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.ics")), ids=lambda path: path.stem)
def test_fixture_gives_expected_events(fixture: Path) -> None:
    expected_path = fixture.with_name(f"{fixture.stem}.expected.json")
    check(snapshot(read(fixture.name), ICAL_PLACE, ICAL_EXTRA, follow=False), expected_path)


def by_prefix(result: ParseResult, prefix: str) -> list[Event]:
    return [event for event in result.events if event.source_uid.startswith(prefix)]


def test_weekly_meetup_keeps_1830_london_across_the_clocks_going_back() -> None:
    weekly = by_prefix(read("meetup_weekly_bst.ics"), "event_312345678@meetup.com/")
    assert len(weekly) == 6
    assert all(event.start.astimezone(LONDON).time() == time(18, 30) for event in weekly)
    # BST until Sunday 25 October 2026, GMT after it.
    offsets = [event.start.utcoffset() for event in weekly]
    assert offsets == [timedelta(hours=1)] * 4 + [timedelta(0)] * 2
    utc_times = [event.start.astimezone(UTC).time() for event in weekly]
    assert utc_times == [time(17, 30)] * 4 + [time(18, 30)] * 2
    assert [event.source_uid.split("/")[1] for event in weekly[3:5]] == [
        "2026-10-22T17:30:00Z",
        "2026-10-29T18:30:00Z",
    ]
    assert all(event.timezone == "Europe/London" for event in weekly)


def test_meetup_events_outside_the_window_are_left_out() -> None:
    titles = {event.title for event in read("meetup_weekly_bst.ics").events}
    assert "Service design in government meetup: November" not in titles  # 2025-11-20
    assert "Service design in government meetup: March 2027" not in titles  # after 2027-01-15


def test_google_utc_times_follow_x_wr_timezone_across_the_clocks_going_forward() -> None:
    coffee = by_prefix(read("google_x_wr_timezone.ics"), "7kq3c2m1o9r8s6t5u4v3w2x1y0@google.com/")
    assert [event.start.astimezone(LONDON).time() for event in coffee] == [time(9)] * 4
    # Read as plain UTC, 1 April would be 10:00 BST; X-WR-TIMEZONE keeps it at 09:00.
    assert coffee[-1].start.astimezone(UTC) == datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def test_floating_times_use_x_wr_timezone_before_the_source_zone() -> None:
    source = replace(SOURCE, timezone="America/New_York")
    (call,) = [e for e in read("google_x_wr_timezone.ics", source).events if "call" in e.title]
    assert call.start == datetime(2026, 2, 12, 14, 0, tzinfo=LONDON)
    assert call.timezone == "Europe/London"


def test_floating_times_without_x_wr_timezone_use_the_source_zone() -> None:
    source = replace(SOURCE, timezone="America/New_York")
    drop_in = read("council_partly_broken.ics", source).events[0]
    assert drop_in.start.astimezone(UTC) == datetime(2026, 1, 28, 15, 0, tzinfo=UTC)
    assert drop_in.timezone == "America/New_York"


def test_all_day_events_run_from_utc_midnight_to_the_exclusive_end() -> None:
    single, multi, no_end, duration = read("apple_all_day.ics").events
    assert (single.start, single.end) == (
        datetime(2026, 1, 24, tzinfo=UTC),
        datetime(2026, 1, 25, tzinfo=UTC),
    )
    assert (multi.start, multi.end) == (
        datetime(2026, 3, 9, tzinfo=UTC),
        datetime(2026, 3, 12, tzinfo=UTC),
    )
    assert no_end.end == datetime(2026, 6, 19, tzinfo=UTC)
    assert duration.end == datetime(2026, 6, 25, tzinfo=UTC)
    assert all(e.all_day and e.timezone is None for e in (single, multi, no_end, duration))


def test_cancelled_and_tentative_events_are_kept_with_their_status() -> None:
    statuses = {e.title: e.status for e in read("luma_status_online.ics").events}
    assert statuses["Product management in the public sector"] == "cancelled"
    assert statuses["User research community of practice"] == "tentative"
    assert statuses["Lunchtime talk: AI in casework"] == "scheduled"


def test_windows_zone_names_become_iana_names() -> None:
    result = read("outlook_windows_zones.ics")
    events = {event.title: event for event in result.events}
    berlin = events["GovTech study visit: Berlin"]
    assert berlin.timezone == "Europe/Berlin"
    assert berlin.start.astimezone(UTC) == datetime(2026, 5, 12, 7, 30, tzinfo=UTC)
    briefing = events["Civil Service reform: hybrid briefing"]
    assert briefing.timezone == "Europe/London"
    assert briefing.start.astimezone(UTC) == datetime(2026, 6, 2, 13, 0, tzinfo=UTC)


def test_a_custom_vtimezone_is_read_from_the_file_itself() -> None:
    india = next(e for e in read("outlook_windows_zones.ics").events if "India" in e.title)
    assert india.start == datetime(2026, 3, 3, 4, 30, tzinfo=UTC)  # 10:00 at +05:30
    assert india.timezone is None  # "Customized Time Zone" is no IANA name


def test_a_custom_zone_from_an_earlier_file_does_not_leak_into_the_next() -> None:
    # icalendar caches VTIMEZONEs by TZID for the whole process; Outlook names every
    # custom zone "Customized Time Zone".
    def with_offset(offset: str) -> bytes:
        zone = (
            "BEGIN:VTIMEZONE\nTZID:Customized Time Zone\nBEGIN:STANDARD\n"
            f"DTSTART:16010101T000000\nTZOFFSETFROM:{offset}\nTZOFFSETTO:{offset}\n"
            "END:STANDARD\nEND:VTIMEZONE"
        )
        body = 'UID:c\nDTSTART;TZID="Customized Time Zone":20260202T100000\nSUMMARY:Call'
        return calendar(body, head=zone)

    first = parse(SOURCE, with_offset("+0530"), CTX).events[0]
    second = parse(SOURCE, with_offset("+0900"), CTX).events[0]
    assert first.start == datetime(2026, 2, 2, 4, 30, tzinfo=UTC)
    assert second.start == datetime(2026, 2, 2, 1, 0, tzinfo=UTC)


def test_an_unknown_tzid_falls_back_to_the_source_zone_with_a_warning() -> None:
    result = read("outlook_windows_zones.ics")
    clinic = next(e for e in result.events if e.title.startswith("Functional standards"))
    assert clinic.start == datetime(2026, 2, 18, 10, 0, tzinfo=LONDON)
    assert any("unknown time zone '(UTC+00:00) Dublin" in w for w in result.warnings)


def test_exdate_removes_an_occurrence_and_recurrence_id_moves_one() -> None:
    uid = "5u8c1lq2k3j4h5g6f7d8s9a0pl@google.com/"
    events = by_prefix(read("google_exdate_moved.ics"), uid)
    slots = [event.source_uid.removeprefix(uid) for event in events]
    assert slots == [
        "2026-02-03T12:30:00Z",
        "2026-02-10T12:30:00Z",
        "2026-02-24T12:30:00Z",
        "2026-03-03T12:30:00Z",
        "2026-03-10T12:30:00Z",
    ]
    moved = events[2]
    # The moved occurrence keeps the identity of the slot it was planned for.
    assert moved.start == datetime(2026, 2, 26, 14, 0, tzinfo=LONDON)
    assert moved.attendance == "online"
    assert events[3].status == "cancelled"


def test_a_partly_broken_file_keeps_its_good_events_and_says_what_it_dropped() -> None:
    result = read("council_partly_broken.ics")
    assert result.error is None
    assert [event.title for event in result.events] == [
        "Digital inclusion drop-in at the Café",
        "Open data hack night",
    ]
    warnings = "\n".join(result.warnings)
    assert "read as Windows-1252" in warnings
    assert "'Council budget consultation'" in warnings and "unreadable DTSTART" in warnings
    assert "'Ward surgery (date to be confirmed)'" in warnings and "no start date" in warnings
    assert "unreadable GEO" in warnings
    # The curly apostrophe and the pound sign are Windows-1252 bytes 0x92 and 0xA3.
    apostrophe = "\N{RIGHT SINGLE QUOTATION MARK}"
    expected = f"Free help with online forms and the council{apostrophe}s apps. Tea £1."
    assert result.events[0].description == expected


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "the body is empty"),
        (b"   \r\n", "the body is empty"),
        (b"<!doctype html><html><body>Sign in</body></html>", "got an HTML page"),
        (b'{"events": []}', "no BEGIN:VCALENDAR found"),
        (bytes(range(256)) * 4, "no BEGIN:VCALENDAR found"),
    ],
)
def test_what_is_not_icalendar_gives_a_plain_error(body: bytes, reason: str) -> None:
    result = parse(SOURCE, body, CTX)
    assert result.error is not None
    assert result.error.startswith("not an iCalendar file:")
    assert reason in result.error
    assert result.events == ()


EVENT = "UID:enc-1\nDTSTART:20260202T100000Z\nSUMMARY:Café digital"


@pytest.mark.parametrize(
    ("body", "warning"),
    [
        (calendar(EVENT), None),
        (b"\xef\xbb\xbf" + calendar(EVENT), None),
        (calendar(EVENT).decode().encode("latin-1"), "not UTF-8; read as Windows-1252"),
        (calendar(EVENT).decode().encode("utf-16"), "read as UTF-16"),
    ],
    ids=["utf-8", "utf-8-bom", "latin-1", "utf-16"],
)
def test_bodies_are_decoded_tolerantly(body: bytes, warning: str | None) -> None:
    result = parse(SOURCE, body, CTX)
    assert [event.title for event in result.events] == ["Café digital"]
    assert list(result.warnings) == ([warning] if warning else [])


def test_bare_vevents_without_a_vcalendar_are_read() -> None:
    body = (
        b"BEGIN:VEVENT\r\nUID:bare-1\r\nDTSTART:20260202T100000Z\r\nSUMMARY:Bare\r\nEND:VEVENT\r\n"
    )
    result = parse(SOURCE, body, CTX)
    assert [event.source_uid for event in result.events] == ["bare-1"]
    assert result.warnings == ("no VCALENDAR around the events; read the bare VEVENTs",)


def test_duplicate_uids_are_kept_apart_the_same_way_every_time() -> None:
    first, second = read("aggregated_calendars.ics"), read("aggregated_calendars.ics")
    uids = [event.source_uid for event in first.events]
    assert uids == [event.source_uid for event in second.events]
    assert len(set(uids)) == len(uids) == 3
    assert any("is used by 2 events" in warning for warning in first.warnings)


def test_an_event_without_uid_gets_a_hash_of_its_summary_and_start() -> None:
    body = "DTSTART:20260202T100000Z\nSUMMARY:No UID here\n"
    plain = parse(SOURCE, calendar(body), CTX).events[0].source_uid
    described = parse(SOURCE, calendar(body + "DESCRIPTION:more"), CTX).events[0].source_uid
    moved = parse(SOURCE, calendar(body.replace("T10", "T11")), CTX).events[0].source_uid
    assert plain.startswith("nouid-") and plain == described != moved


def test_duration_gives_the_end_and_no_end_stays_unknown() -> None:
    timed = "UID:d-1\nDTSTART:20260202T100000Z\nDURATION:PT1H30M\nSUMMARY:With duration"
    open_ended = "UID:d-2\nDTSTART:20260203T100000Z\nSUMMARY:No end given"
    with_duration, without_end = parse(SOURCE, calendar(timed, open_ended), CTX).events
    assert with_duration.end == datetime(2026, 2, 2, 11, 30, tzinfo=UTC)
    assert without_end.end is None


def test_recurring_all_day_occurrences_are_named_by_their_date() -> None:
    weekly = "UID:wk\nDTSTART;VALUE=DATE:20260202\nRRULE:FREQ=WEEKLY;COUNT=2\nSUMMARY:Week"
    uids = [event.source_uid for event in parse(SOURCE, calendar(weekly), CTX).events]
    assert uids == ["wk/2026-02-02", "wk/2026-02-09"]


def test_a_daily_event_over_a_wide_window_is_capped() -> None:
    daily = "UID:daily\nDTSTART:20000103T090000Z\nRRULE:FREQ=DAILY\nSUMMARY:Stand-up"
    wide = ParseContext(now=datetime(2020, 1, 1, tzinfo=UTC), days_back=36500, days_ahead=18250)
    result = parse(SOURCE, calendar(daily), wide)
    cap = wide.max_occurrences
    assert len(result.events) == cap
    assert result.events[0].start == datetime(2000, 1, 3, 9, 0, tzinfo=UTC)
    assert result.events[-1].start == datetime(2000, 1, 3, 9, 0, tzinfo=UTC) + timedelta(cap - 1)
    assert result.warnings == (
        f"event 'Stand-up' (UID daily): more than {cap} occurrences; kept the first",
    )


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ("RRULE:FREQ=MINUTELY", "it repeats every minute without end"),
        ("RRULE:FREQ=WEEKLY;BYDAY=XX", "could not read its RRULE"),
        ("RRULE:FREQ=WEEKLY;UNTIL=20250101", "its repeat rule ends before it starts"),
    ],
)
def test_a_repeat_rule_that_cannot_be_used_keeps_the_first_date(rule: str, why: str) -> None:
    body = f"UID:r-1\nDTSTART:20260202T100000Z\n{rule}\nSUMMARY:Odd rule"
    result = parse(SOURCE, calendar(body), CTX)
    assert [event.start for event in result.events] == [datetime(2026, 2, 2, 10, tzinfo=UTC)]
    assert len(result.warnings) == 1 and why in result.warnings[0]


def test_an_unknown_source_zone_falls_back_to_london_with_a_warning() -> None:
    body = "UID:f-1\nDTSTART:20260202T100000\nSUMMARY:Floating"
    result = parse(replace(SOURCE, timezone="Mars/Olympus_Mons"), calendar(body), CTX)
    assert result.events[0].start == datetime(2026, 2, 2, 10, tzinfo=LONDON)
    assert "source time zone 'Mars/Olympus_Mons' is unknown" in result.warnings[0]


def test_html_descriptions_become_plain_text() -> None:
    coffee = read("google_x_wr_timezone.ics").events[2]
    assert coffee.description == (
        "Informal coffee for people working with data across government.\n\n"
        "Sign up & bring a friend."
    )


@pytest.mark.parametrize(
    ("text", "postcode"),
    [
        ("70 Whitehall, London SW1A 2AS", "SW1A 2AS"),
        ("10 Whitechapel High Street, London, E1 8QS", "E1 8QS"),
        ("Reading RG13BQ", "RG1 3BQ"),
        ("Manchester M2 5PD and online", "M2 5PD"),
        ("Room B12 3CV", None),  # inward codes never use C, I, K, M, O or V
        ("Alt-Moabit 140, 10557 Berlin", None),
    ],
)
def test_uk_postcodes_are_found_and_normalised(text: str, postcode: str | None) -> None:
    assert find_postcode(text) == postcode


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"LOCATION": "Kings Place, 90 York Way, London N1 9AG"}, "in-person"),
        ({"LOCATION": "Online"}, "online"),
        ({"LOCATION": "https://zoom.us/j/123456"}, "online"),
        ({"LOCATION": "Microsoft Teams Meeting"}, "online"),
        ({"LOCATION": "Whereby (link sent on registration)"}, "online"),
        ({"LOCATION": "The Guildhall, York and on Zoom"}, "mixed"),
        ({"LOCATION": "Hybrid"}, "mixed"),
        ({"X-GOOGLE-CONFERENCE": "https://meet.google.com/abc-defg-hij"}, "online"),
        ({"LOCATION": "Civic Centre", "X-MICROSOFT-SKYPETEAMSMEETINGURL": "https://t"}, "mixed"),
        ({"GEO": "51.5;-0.12"}, "in-person"),
        ({"LOCATION": "TBC"}, "unknown"),
        ({}, "unknown"),
    ],
)
def test_attendance_follows_the_place_and_meeting_links(
    props: dict[str, str], expected: str
) -> None:
    lines = "".join(f"{name}:{value}\r\n" for name, value in props.items())
    component = VEvent.from_ical(f"BEGIN:VEVENT\r\n{lines}END:VEVENT\r\n")
    assert attendance(component, location(component)) == expected


def test_mangled_fixtures_never_raise() -> None:
    for fixture in sorted(FIXTURES.glob("*.ics")):
        body = fixture.read_bytes()
        for cut in range(0, len(body), max(len(body) // 40, 1)):
            mangled = bytearray(body)
            mangled[cut : cut + 7] = b"\x00:;\\\n "[: len(mangled[cut : cut + 7])]
            for variant in (body[:cut], bytes(mangled)):
                assert isinstance(parse(SOURCE, variant, CTX), ParseResult), fixture.name


def test_all_day_dates_are_midnight_utc_whatever_the_source_zone() -> None:
    body = "UID:ad\nDTSTART;VALUE=DATE:20260202\nSUMMARY:All day"
    source = replace(SOURCE, timezone="Pacific/Auckland")
    (event,) = parse(source, calendar(body), CTX).events
    assert event.start == datetime.combine(date(2026, 2, 2), time(), UTC)
    assert event.all_day
