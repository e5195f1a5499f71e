"""scrapers.wordpress: The Events Calendar's REST API, two pages of a council network's site.

Each fixture NAME.json sits beside NAME.expected.json, checked by hand against the
fixture. After a deliberate change, rewrite them with
CONVENE_UPDATE_EXPECTED=1 pytest tests/test_wordpress.py and read the diff.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from expected import check, snapshot

from scrapers.model import ParseContext, ParseResult, Source
from scrapers.wordpress import parse

FIXTURES = Path(__file__).parent / "fixtures" / "wordpress"
API = "https://www.digitalcouncils.example/wp-json/tribe/events/v1/events"
SOURCE = Source(
    id="digital-councils",
    name="Digital Councils Network events",
    organiser="Digital Councils Network",
    url=API,
    kind="wordpress-events",
)
# Window: 2026-10-27 to 2027-11-26 (30 days back, 365 ahead).
CTX = ParseContext(now=datetime(2026, 11, 26, tzinfo=UTC))


def read(name: str, source: Source = SOURCE, ctx: ParseContext = CTX) -> ParseResult:
    return parse(source, (FIXTURES / name).read_bytes(), ctx)


def body(*events: Any, **top: Any) -> bytes:
    return json.dumps({"events": list(events), "rest_url": API, **top}).encode()


def wp_error(code: str, message: str, status: int = 404) -> bytes:
    return json.dumps({"code": code, "message": message, "data": {"status": status}}).encode()


def one(**fields: Any) -> dict[str, Any]:
    """A minimal TEC event with the given fields over the defaults."""
    event = {
        "id": 9001,
        "title": "Test event",
        "start_date": "2027-02-02 10:00:00",
        "end_date": "2027-02-02 11:00:00",
        "utc_start_date": "2027-02-02 10:00:00",
        "utc_end_date": "2027-02-02 11:00:00",
        "timezone": "Europe/London",
        "all_day": False,
        "venue": [],
        "organizer": [],
    }
    return {**event, **fields}


@pytest.mark.parametrize(
    "fixture",
    sorted(p for p in FIXTURES.glob("*.json") if not p.name.endswith(".expected.json")),
    ids=lambda path: path.stem,
)
def test_fixture_gives_expected_events(fixture: Path) -> None:
    expected_path = fixture.with_name(f"{fixture.stem}.expected.json")
    check(snapshot(read(fixture.name)), expected_path)


def test_the_first_page_asks_for_the_next_and_the_last_page_for_none() -> None:
    assert read("page1.json").follow == (
        f"{API}/?per_page=4&start_date=2026-11-26%2000:00:00&page=2",
    )
    assert read("page2.json").follow == ()


def test_a_next_page_that_is_the_current_page_is_not_followed() -> None:
    assert parse(SOURCE, body(one(), next_rest_url=API), CTX).follow == ()
    assert parse(SOURCE, body(one(), next_rest_url="javascript:alert(1)"), CTX).follow == ()


def test_titles_and_terms_are_unescaped_and_categories_include_tags_once() -> None:
    events = {event.source_uid.rsplit("=", 1)[1]: event for event in read("page1.json").events}
    assert events["4101"].title == "Service design in local government: what\u2019s next?"
    assert events["4103"].title == "Webinar: Data & AI in adult social care"
    assert events["4103"].categories == ("Webinars", "Data")  # the "Data" tag is the same name
    assert events["4102"].categories == ("Data", "Local government")


def test_utc_dates_win_and_the_event_zone_is_kept() -> None:
    webinar = next(e for e in read("page1.json").events if e.title.startswith("Webinar"))
    assert webinar.start == datetime(2027, 4, 14, 11, 30, tzinfo=UTC)  # 12:30 BST
    assert webinar.end == datetime(2027, 4, 14, 12, 30, tzinfo=UTC)
    assert webinar.timezone == "Europe/London"


def test_all_day_events_run_from_utc_midnight_to_the_day_after_their_last() -> None:
    events = {e.title: e for e in read("page1.json").events}
    single, camp = events["Open Data Day 2027"], events["CommsCamp 2027"]
    assert (single.start, single.end) == (
        datetime(2027, 3, 6, tzinfo=UTC),
        datetime(2027, 3, 7, tzinfo=UTC),
    )
    # CommsCamp's UTC dates start at 23:00 the day before; the local dates are the ones meant.
    assert (camp.start, camp.end) == (
        datetime(2027, 7, 15, tzinfo=UTC),
        datetime(2027, 7, 17, tzinfo=UTC),
    )
    assert single.all_day and camp.all_day and single.timezone is None


def test_a_manual_utc_offset_without_utc_dates_is_read_as_a_fixed_offset() -> None:
    roundtable = read("page2.json").events[0]
    assert roundtable.start == datetime(2027, 5, 20, 13, 0, tzinfo=UTC)  # 14:00 at UTC+1
    assert roundtable.timezone is None  # "UTC+1" is no IANA name
    half = one(utc_start_date="", utc_end_date="", timezone="UTC+5.5")
    assert parse(SOURCE, body(half), CTX).events[0].start == datetime(2027, 2, 2, 4, 30, tzinfo=UTC)
    minus = one(utc_start_date="", utc_end_date="", timezone="UTC-3:30")
    assert parse(SOURCE, body(minus), CTX).events[0].start == datetime(
        2027, 2, 2, 13, 30, tzinfo=UTC
    )


def test_local_dates_without_a_zone_use_the_source_zone() -> None:
    event = one(
        utc_start_date=None, utc_end_date=None, start_date="2027-06-02 10:00:00", timezone=""
    )
    ny = replace(SOURCE, timezone="America/New_York")
    (read_in_ny,) = parse(ny, body(event), CTX).events
    assert read_in_ny.start == datetime(2027, 6, 2, 14, 0, tzinfo=UTC)
    assert read_in_ny.timezone is None and read_in_ny.end is None


def test_an_unknown_event_zone_falls_back_to_the_source_zone_with_a_warning() -> None:
    event = one(
        utc_start_date="",
        utc_end_date="",
        start_date="2027-06-02 10:00:00",
        end_date="",
        timezone="Mars/Base",
    )
    result = parse(SOURCE, body(event), CTX)
    assert result.events[0].start == datetime(2027, 6, 2, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert result.warnings == (
        "event 9001 ('Test event') has an unknown timezone 'Mars/Base'; used the source's",
    )
    # With UTC dates the zone does not matter, so nothing is said.
    assert parse(SOURCE, body(one(timezone="Mars/Base")), CTX).warnings == ()


@pytest.mark.parametrize(
    ("fields", "cost"),
    [
        ({"cost": "Free"}, "Cost: Free"),
        ({"cost": "0"}, "Cost: Free"),
        ({"cost": "£0"}, "Cost: Free"),
        ({"cost": "", "cost_details": {"currency_symbol": "£", "values": ["0"]}}, "Cost: Free"),
        (
            {"cost": "", "cost_details": {"currency_symbol": "£", "values": ["5", "15"]}},
            "Cost: £15",
        ),
        ({"cost": "£5 \u2013 £15"}, "Cost: £5 \u2013 £15"),
        ({"cost": "", "cost_details": {"values": []}}, None),
        ({}, None),
    ],
)
def test_the_cost_becomes_the_last_line_of_the_description(
    fields: dict[str, Any], cost: str | None
) -> None:
    (event,) = parse(SOURCE, body(one(description="<p>Hello</p>", **fields)), CTX).events
    assert event.description == ("Hello" if cost is None else f"Hello\n\n{cost}")


@pytest.mark.parametrize(
    ("fields", "attendance"),
    [
        ({"venue": {"venue": "Leeds Civic Hall", "zip": "LS1 1UR"}}, "in-person"),
        ({"venue": {"venue": "Online"}}, "online"),
        ({"venue": {"venue": "Civic Hall"}, "description": "A hybrid event"}, "mixed"),
        ({"venue": {"venue": "Civic Hall"}, "description": "Also on Zoom"}, "mixed"),
        ({"description": "<p>Join us on Zoom</p>"}, "online"),
        ({"title": "Webinar: forms"}, "online"),
        ({}, "unknown"),
    ],
)
def test_attendance_follows_the_venue_and_the_words(
    fields: dict[str, Any], attendance: str
) -> None:
    (event,) = parse(SOURCE, body(one(**fields)), CTX).events
    assert event.attendance == attendance


def test_the_venue_gives_name_address_postcode_and_coordinates() -> None:
    venue = {
        "venue": "Hall",
        "address": "1 High St",
        "city": "York",
        "zip": "yo1 7hh",
        "geo_lat": "53.96",
        "geo_lng": "-1.08",
    }
    place = parse(SOURCE, body(one(venue=venue)), CTX).events[0].location
    assert place is not None
    assert (place.name, place.address, place.postcode) == (
        "Hall",
        "1 High St, York, yo1 7hh",
        "YO1 7HH",
    )
    assert (place.lat, place.lon) == (53.96, -1.08)
    bad = {"venue": "Hall", "address": "Town Hall, York YO1 9QN", "geo_lat": "nan", "geo_lng": 500}
    place = parse(SOURCE, body(one(venue=bad)), CTX).events[0].location
    assert (
        place is not None
        and place.postcode == "YO1 9QN"
        and place.lat is None
        and place.lon is None
    )


def test_the_uid_falls_back_from_global_id_to_id_to_url() -> None:
    uids = [
        parse(SOURCE, body(one(**fields)), CTX).events[0].source_uid
        for fields in (
            {"global_id": "x.example?id=1"},
            {"global_id": False, "id": 77},
            {"global_id": "", "id": None, "url": "https://x.example/event/a/"},
        )
    ]
    assert uids == ["x.example?id=1", "77", "https://x.example/event/a/"]


def test_events_outside_the_window_are_left_out() -> None:
    old = one(id=1, utc_start_date="2026-09-01 10:00:00", utc_end_date="2026-09-01 11:00:00")
    running = one(id=2, utc_start_date="2026-09-01 10:00:00", utc_end_date="2026-11-30 11:00:00")
    far = one(id=3, utc_start_date="2028-01-01 10:00:00", utc_end_date="2028-01-01 11:00:00")
    events = parse(SOURCE, body(old, running, far), CTX).events
    assert [event.source_uid for event in events] == ["2"]


def test_odd_items_are_skipped_with_a_warning_naming_them() -> None:
    result = parse(
        SOURCE,
        body(
            "nonsense",
            one(id=5, end_date="2027-02-01 09:00:00", utc_end_date="2027-02-01 09:00:00"),
        ),
        CTX,
    )
    assert [event.source_uid for event in result.events] == ["5"]
    assert result.events[0].end is None
    assert result.warnings == (
        "item 1 of the events list is not a JSON object; skipped",
        "event 5 ('Test event') ends before it starts; its end was left out",
    )


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"", "the response was empty"),
        (
            b"<!DOCTYPE html><html><body>Just a moment...</body></html>",
            "the response is an HTML page",
        ),
        (b'{"events": [', "not valid JSON"),
        (b'[{"id": 1, "type": "tribe_events"}]', "the JSON is a list of posts"),
        (b"42", "a single int"),
        (b'{"posts": []}', 'no "events" list (its keys: posts)'),
        (
            wp_error(
                "rest_cannot_access", "Only authenticated users can access the REST API.", 401
            ),
            "the site does not let visitors use its REST API (WordPress said rest_cannot_access:",
        ),
        (
            wp_error(
                "event-archive-page-not-found", "The requested event archive page does not exist"
            ),
            "there is no such page of events",
        ),
    ],
)
def test_what_is_not_a_tec_response_gives_a_plain_error(payload: bytes, words: str) -> None:
    result = parse(SOURCE, payload, CTX)
    assert result.error is not None and words in result.error
    assert result.events == () and result.follow == ()


def test_a_php_notice_before_the_json_is_ignored_with_a_warning() -> None:
    notice = (
        b"<br />\n<b>Deprecated</b>:  Creation of dynamic property in <b>/var/www/x.php</b><br />\n"
    )
    result = parse(SOURCE, notice + body(one()), CTX)
    assert result.error is None and len(result.events) == 1
    assert result.warnings == (
        "the site printed text (often a PHP warning) before the JSON; ignored it",
    )


def test_an_empty_list_of_events_is_no_error() -> None:
    result = parse(SOURCE, body(total=0, total_pages=0), CTX)
    assert result == ParseResult()


def test_mangled_fixtures_never_raise() -> None:
    for fixture in sorted(FIXTURES.glob("*.json")):
        data = fixture.read_bytes()
        for cut in range(0, len(data), max(len(data) // 60, 1)):
            mangled = bytearray(data)
            mangled[cut : cut + 5] = b'"\\:{0'[: len(mangled[cut : cut + 5])]
            for variant in (data[:cut], bytes(mangled)):
                assert isinstance(parse(SOURCE, variant, CTX), ParseResult), fixture.name


def test_wrong_types_everywhere_never_raise() -> None:
    odd: list[Any] = [None, 1, 1.5, True, "x", [], {}, [1], {"a": 1}]
    keys = [
        "title",
        "start_date",
        "utc_start_date",
        "end_date",
        "timezone",
        "all_day",
        "venue",
        "organizer",
        "categories",
        "tags",
        "cost",
        "cost_details",
        "url",
        "global_id",
        "id",
        "description",
    ]
    for key in keys:
        for value in odd:
            result = parse(SOURCE, body(one(**{key: value})), CTX)
            assert result.error is None, (key, value, result.error)
    for top in odd:
        assert isinstance(
            parse(SOURCE, body(one(), next_rest_url=top, rest_url=top), CTX), ParseResult
        )
