"""The iCalendar renderer: what calendar apps will read."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from feeds_factory import (
    ACROSS_BST,
    AFTER_BST,
    BAD_ZONE,
    CANCELLED,
    CONFERENCE,
    NOW,
    ONLINE,
    make_event,
    make_stored,
    sample_events,
)
from icalendar import Calendar, Event

from feeds.ical import event_uid, render_ics
from feeds.specs import all_spec, combination_spec, keyed_spec
from scrapers.model import Location
from warehouse.records import StoredEvent


def _render(events: Sequence[StoredEvent] | None = None, now: datetime = NOW) -> bytes:
    return render_ics(all_spec(), sample_events() if events is None else events, now)


def _by_uid(raw: bytes) -> dict[str, Event]:
    return {str(ev["UID"]): ev for ev in Calendar.from_ical(raw).walk("VEVENT")}


def _lines(raw: bytes) -> list[bytes]:
    """Unfolded content lines, as raw bytes."""
    return raw.replace(b"\r\n ", b"").split(b"\r\n")


def test_calendar_properties() -> None:
    raw = render_ics(keyed_spec("region", "london"), [ACROSS_BST], NOW)
    cal = Calendar.from_ical(raw)
    assert str(cal["PRODID"]) == "-//Convene//Convene feeds//EN"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["NAME"]) == str(cal["X-WR-CALNAME"]) == "Convene: London events"
    spec = keyed_spec("region", "london")
    assert str(cal["DESCRIPTION"]) == spec.description
    assert "London" in str(cal["DESCRIPTION"])
    lines = _lines(raw)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H" in lines
    assert b"X-PUBLISHED-TTL:PT6H" in lines


def test_a_vtimezone_for_every_zone_used() -> None:
    cal = Calendar.from_ical(_render())
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/Brussels", "Europe/London"]
    assert cal.get_missing_tzids() == set()


def test_timed_events_keep_london_wall_time_across_the_clock_change() -> None:
    lines = _lines(_render())
    assert b"DTSTART;TZID=Europe/London:20260328T183000" in lines  # GMT
    assert b"DTEND;TZID=Europe/London:20260329T160000" in lines  # BST
    assert b"DTSTART;TZID=Europe/London:20260331T183000" in lines  # 17:30 UTC in BST
    events = _by_uid(_render())
    hack = events[event_uid(ACROSS_BST.event)]
    assert hack.decoded("DTSTART") == ACROSS_BST.event.start
    assert hack.decoded("DTEND") == ACROSS_BST.event.end
    assert events[event_uid(AFTER_BST.event)].decoded("DTSTART") == AFTER_BST.event.start


def test_other_zones_and_unknown_zones() -> None:
    lines = _lines(_render())
    assert b"DTSTART;TZID=Europe/Brussels:20260218T120000" in lines
    # "Mars/Olympus_Mons" is no zone: Europe/London instead, same instant.
    assert b"DTSTART;TZID=Europe/London:20260224T120000" in lines
    bad = _by_uid(_render())[event_uid(BAD_ZONE.event)]
    assert "DTEND" not in bad  # no end published, none invented


def test_all_day_event_is_dates_with_exclusive_end() -> None:
    lines = _lines(_render())
    assert b"DTSTART;VALUE=DATE:20260203" in lines
    assert b"DTEND;VALUE=DATE:20260206" in lines
    conf = _by_uid(_render())[event_uid(CONFERENCE.event)]
    assert conf.decoded("DTSTART") == date(2026, 2, 3)


def test_all_day_without_end_lasts_one_day() -> None:
    one_day = make_stored(
        make_event(start=datetime(2026, 5, 1, tzinfo=UTC), end=None, all_day=True)
    )
    ev = _by_uid(_render([one_day]))[event_uid(one_day.event)]
    assert ev.decoded("DTEND") == date(2026, 5, 2)


def test_cancelled_event() -> None:
    ev = _by_uid(_render())[event_uid(CANCELLED.event)]
    assert str(ev["STATUS"]) == "CANCELLED"
    assert str(ev["SUMMARY"]) == "Cancelled: Policy lab open afternoon"
    assert int(ev["SEQUENCE"]) == 3


def test_event_properties() -> None:
    ev = _by_uid(_render())[event_uid(ACROSS_BST.event)]
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert ev.decoded("DTSTAMP") == NOW
    assert ev.decoded("CREATED") == ACROSS_BST.first_seen
    assert ev.decoded("LAST-MODIFIED") == ACROSS_BST.last_changed
    assert int(ev["SEQUENCE"]) == 2
    assert str(ev["URL"]) == "https://meetup.example/hack-day"
    # The postcode is already in the address, so it is not repeated.
    assert str(ev["LOCATION"]) == "Newspeak House, 133-135 Bethnal Green Road, London E2 7DG"
    assert (ev["GEO"].latitude, ev["GEO"].longitude) == (51.5246, -0.0714)
    assert [str(c) for c in ev["CATEGORIES"].cats] == ["Digital", "Service design"]
    assert str(ev["ORGANIZER"]) == "mailto:noreply@convene.invalid"
    assert ev["ORGANIZER"].params["CN"] == "One Team Gov"
    assert str(ev["TRANSP"]) == "TRANSPARENT"


def test_online_event_has_online_location_and_no_organizer() -> None:
    ev = _by_uid(_render())[event_uid(ONLINE.event)]
    assert str(ev["LOCATION"]) == "Online"
    assert "ORGANIZER" not in ev
    assert "GEO" not in ev


def test_description_says_who_listed_it_and_why_it_is_here() -> None:
    raw = render_ics(keyed_spec("region", "london"), [CONFERENCE], NOW)
    description = str(_by_uid(raw)[event_uid(CONFERENCE.event)]["DESCRIPTION"])
    assert description.startswith("Three days of talks, workshops and a hack day.\nBring:")
    assert description.endswith(
        "\n\nListed by: Northern Digital https://northern.example/conf?year=2026&lang=en"
        "\nIn this feed because: region London"
    )
    assert "\r" not in description


def test_special_characters_round_trip() -> None:
    ev = _by_uid(_render())[event_uid(CONFERENCE.event)]
    assert str(ev["SUMMARY"]) == CONFERENCE.event.title
    assert str(ev["LOCATION"]) == "Manchester Central, Windmill St, Manchester M2 3GX"
    assert "line manager 🙂. Step-free" in str(ev["DESCRIPTION"])
    assert "laptop, charger; curiosity." in str(ev["DESCRIPTION"])
    # A double quote cannot sit inside a quoted parameter; it becomes a single one.
    assert ev["ORGANIZER"].params["CN"] == "Office for 'Data' Ethics, North"


def test_control_characters_are_dropped() -> None:
    odd = make_stored(make_event(title="Bell\x07 and\x0b tab\tok", description="a\x00b"))
    ev = _by_uid(_render([odd]))[event_uid(odd.event)]
    assert str(ev["SUMMARY"]) == "Bell and tab\tok"
    assert str(ev["DESCRIPTION"]).startswith("ab\n\n")


def test_lines_are_crlf_and_folded_to_75_octets() -> None:
    raw = _render()
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # folding did happen
    for line in lines:
        line.decode("utf-8")  # never split inside a character


def test_uids_are_stable_across_runs_and_order() -> None:
    first = _render()
    later = _render(now=NOW + timedelta(hours=6))
    assert set(_by_uid(first)) == set(_by_uid(later))
    assert set(_by_uid(first)) == {event_uid(s.event) for s in sample_events()}


def test_identical_input_gives_identical_bytes_whatever_the_order() -> None:
    shuffled = sample_events()
    random.Random(7).shuffle(shuffled)
    assert _render() == _render() == _render(shuffled)


def test_events_are_in_start_order() -> None:
    starts = [ev.decoded("DTSTART") for ev in Calendar.from_ical(_render()).walk("VEVENT")]
    as_datetimes = [
        s if isinstance(s, datetime) else datetime(s.year, s.month, s.day, tzinfo=UTC)
        for s in starts
    ]
    assert as_datetimes == sorted(as_datetimes)


@pytest.mark.parametrize(
    ("source_uid", "expected"),
    [
        ("evt-1", "gds-meetups/evt-1@convene"),
        ("abc123@google.com", "gds-meetups/abc123@google.com@convene"),
        ("https://x.example/e/1", "gds-meetups/https://x.example/e/1@convene"),
    ],
)
def test_safe_uids_are_kept_as_they_are(source_uid: str, expected: str) -> None:
    assert event_uid(make_event(source_uid=source_uid)) == expected


def test_unsafe_uids_are_cleaned_without_collisions() -> None:
    a = event_uid(make_event(source_uid="a b"))
    b = event_uid(make_event(source_uid="a,b"))
    assert a.startswith("gds-meetups/a_b-") and a.endswith("@convene")
    assert a != b
    assert a == event_uid(make_event(source_uid="a b"))
    long = event_uid(make_event(source_uid="x" * 500))
    assert len(long) < 230


def test_empty_feed_is_still_a_valid_calendar() -> None:
    cal = Calendar.from_ical(render_ics(keyed_spec("region", "wales"), [], NOW))
    assert cal.walk("VEVENT") == []
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/London"]


def test_utc_events_are_written_in_utc_without_a_vtimezone() -> None:
    utc = make_stored(make_event(timezone="UTC"))
    raw = _render([utc])
    assert b"DTSTART:20260203T183000Z" in _lines(raw)
    assert [tz.tz_name for tz in Calendar.from_ical(raw).timezones] == ["Europe/London"]


def test_calendar_names_need_no_escaping() -> None:
    """Parsers keep NAME and X-WR-* as written (ical.js and icalendar do not read them as
    TEXT), so they carry no comma, semicolon or backslash: nothing to unescape."""
    spec = combination_spec("london", "digital")
    raw = render_ics(spec, [], NOW)
    lines = _lines(raw)
    assert "NAME:Convene: Digital events \u2013 London".encode() in lines
    assert "X-WR-CALNAME:Convene: Digital events \u2013 London".encode() in lines
    caldesc = next(line for line in lines if line.startswith(b"X-WR-CALDESC:"))
    assert not set(caldesc.decode()) & set(",;\\")
    # DESCRIPTION is TEXT to every parser: written escaped, read back exactly.
    description = next(line for line in lines if line.startswith(b"DESCRIPTION:"))
    assert description.startswith(b"DESCRIPTION:Events for the Digital profession\\, in London")
    assert str(Calendar.from_ical(raw)["DESCRIPTION"]) == spec.description


def test_backslashes_are_never_newlines() -> None:
    """icalendar's own escaping reads a literal backslash-N as a line break."""
    odd = make_stored(make_event(title="C:\\New\\Nigel \\n \\, ok", description="x\\Ny"))
    raw = _render([odd])
    assert b"SUMMARY:C:\\\\New\\\\Nigel \\\\n \\\\\\, ok" in _lines(raw)
    ev = _by_uid(raw)[event_uid(odd.event)]
    assert str(ev["SUMMARY"]) == "C:\\New\\Nigel \\n \\, ok"
    assert str(ev["DESCRIPTION"]).startswith("x\\Ny\n\n")


def test_a_wall_time_that_happens_twice_is_written_in_utc() -> None:
    """The clocks go back at 01:00 UTC on 25 October 2026: 01:30 happens twice."""
    first = make_stored(
        make_event(
            source_uid="bst",
            start=datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
            end=datetime(2026, 10, 25, 3, tzinfo=UTC),
        )
    )
    second = make_stored(
        make_event(source_uid="gmt", start=datetime(2026, 10, 25, 1, 30, tzinfo=UTC), end=None)
    )
    lines = _lines(_render([first, second]))
    assert b"DTSTART:20261025T003000Z" in lines
    assert b"DTEND;TZID=Europe/London:20261025T030000" in lines  # not ambiguous
    assert b"DTSTART:20261025T013000Z" in lines
    events = _by_uid(_render([first, second]))
    assert events[event_uid(second.event)].decoded("DTSTART") == second.event.start


def test_vtimezones_have_one_observance_per_change_and_no_rdate() -> None:
    """ical.js reads only the first RDATE value and skips DTSTART when there is one."""
    far = make_stored(make_event(start=datetime(2031, 7, 1, 8, tzinfo=UTC), end=None))
    raw = _render([far])
    assert b"RDATE" not in raw
    london = Calendar.from_ical(raw).timezones[0]
    onsets = [
        sub.decoded("DTSTART") for sub in london.walk() if sub.name in ("STANDARD", "DAYLIGHT")
    ]
    assert onsets == sorted(onsets)
    assert datetime(2031, 3, 30, 2) in onsets and datetime(2032, 10, 31, 2) in onsets
    assert b"DTSTART;TZID=Europe/London:20310701T090000" in _lines(raw)


def test_vtimezones_cover_wall_times_in_the_year_before() -> None:
    """03:00 UTC on 1 January is still 31 December in Los Angeles."""
    la = make_stored(
        make_event(
            start=datetime(2026, 1, 1, 3, tzinfo=UTC), end=None, timezone="America/Los_Angeles"
        )
    )
    raw = _render([la])
    assert b"DTSTART;TZID=America/Los_Angeles:20251231T190000" in _lines(raw)
    zone = next(
        tz for tz in Calendar.from_ical(raw).timezones if tz.tz_name == "America/Los_Angeles"
    )
    assert min(sub.decoded("DTSTART") for sub in zone.walk("STANDARD")) <= datetime(2025, 12, 31)


def test_geo_is_an_rfc_float_and_impossible_positions_are_dropped() -> None:
    meridian = make_stored(make_event(source_uid="g", location=Location(lat=51.4778, lon=0.00005)))
    nowhere = make_stored(make_event(source_uid="n", location=Location(lat=91.0, lon=0.0)))
    raw = _render([meridian, nowhere])
    assert b"GEO:51.4778;0.00005" in _lines(raw)
    assert "GEO" not in _by_uid(raw)[event_uid(nowhere.event)]


def test_urls_are_ascii_uris_and_never_break_the_feed() -> None:
    messy = make_stored(make_event(url=" https://events.example/café/a b\n?q=ü "))
    raw = _render([messy])
    expected = "https://events.example/caf%C3%A9/a%20b?q=%C3%BC"
    assert f"URL:{expected}".encode() in _lines(raw)
    assert f"Listed by: GDS meetups {expected}" in str(
        _by_uid(raw)[event_uid(messy.event)]["DESCRIPTION"]
    )


def test_organizer_name_is_one_line_without_backslashes() -> None:
    """A parameter has no escapes; ical.js unescapes it anyway, so no backslash."""
    odd = make_stored(make_event(organiser='Team\nA \\ B,\n "C"; D'))
    ev = _by_uid(_render([odd]))[event_uid(odd.event)]
    assert ev["ORGANIZER"].params["CN"] == "Team A / B, 'C'; D"


def test_categories_keep_commas_inside_a_name() -> None:
    odd = make_stored(professions=("data", "made-up, with; specials"))
    ev = _by_uid(_render([odd]))[event_uid(odd.event)]
    assert [str(c) for c in ev["CATEGORIES"].cats] == ["Data", "made-up, with; specials"]


def test_unicode_line_breaks_surrogates_and_c1_controls() -> None:
    odd = make_stored(make_event(title="a\x85b\u2028c\u2029d\ud800e\x9cf"))
    raw = _render([odd])  # a lone surrogate cannot be encoded: it must not get this far
    assert str(_by_uid(raw)[event_uid(odd.event)]["SUMMARY"]) == "a\nb\nc\ndef"
