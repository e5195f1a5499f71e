"""scrapers.jsonld: schema.org Events from pages shaped like Eventbrite, Meetup, Luma, ti.to,
a camp site's microdata, an RDFa page, a council's Yoast @graph and a broken template.

Each fixture NAME.html sits beside NAME.expected.json, checked by hand against the
fixture. After a deliberate change, rewrite them with
CONVENE_UPDATE_EXPECTED=1 pytest tests/test_jsonld.py and read the diff.
"""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from expected import check, snapshot

from scrapers.jsonld import NO_EVENTS, parse
from scrapers.jsonld_text import DESCRIPTION_LIMIT
from scrapers.model import Event, ParseContext, ParseResult, Source

FIXTURES = Path(__file__).parent / "fixtures" / "jsonld"
SOURCE = Source(
    id="jsonld-test",
    name="Test page",
    organiser="Test organiser",
    url="https://example.org/whats-on/",
    kind="jsonld",
)
# Window: 2026-10-27 to 2027-11-26 (30 days back, 365 ahead).
CTX = ParseContext(now=datetime(2026, 11, 26, tzinfo=UTC))
LONDON = ZoneInfo("Europe/London")


def read(name: str, source: Source = SOURCE) -> ParseResult:
    return parse(source, (FIXTURES / name).read_bytes(), CTX)


def page(*blocks: object, body: str = "", head: str = "") -> bytes:
    """A small page with one JSON-LD script per block (dicts dumped, strings as written)."""
    scripts = "".join(
        '<script type="application/ld+json">'
        + (block if isinstance(block, str) else json.dumps(block))
        + "</script>"
        for block in blocks
    )
    return f"<!DOCTYPE html><html><head>{head}{scripts}</head><body>{body}</body></html>".encode()


def event(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": "Test event",
        "startDate": "2027-02-02T10:00:00+00:00",
    }
    return base | fields


def one(*blocks: object, source: Source = SOURCE, **kwargs: str) -> Event:
    result = parse(source, page(*blocks, **kwargs), CTX)
    assert len(result.events) == 1, result
    return result.events[0]


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.html")), ids=lambda path: path.stem)
def test_fixture_gives_expected_events(fixture: Path) -> None:
    expected_path = fixture.with_name(f"{fixture.stem}.expected.json")
    check(snapshot(read(fixture.name)), expected_path)


# --- whole pages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "the body is empty"),
        (b"  \r\n\t", "the body is empty"),
        (b'{"events": [], "next": null}', "the body looks like JSON"),
        (b"[1, 2, 3]", "the body looks like JSON"),
        (bytes(range(256)) * 4, "the body is binary data"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the body is binary data"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "an iCalendar file"),
        (b'<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>', "an RSS or Atom feed"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "an RSS or Atom feed"),
        (b"Service unavailable, please try again later.", "the body has no HTML tags"),
    ],
)
def test_what_is_not_a_web_page_gives_a_plain_error(body: bytes, reason: str) -> None:
    result = parse(SOURCE, body, CTX)
    assert result.error is not None
    assert result.error.startswith("not an HTML page: ")
    assert reason in result.error
    assert result.events == () and result.follow == ()


def test_a_page_without_events_is_no_error() -> None:
    result = read("govuk_not_events.html")
    assert result.error is None
    assert result.events == ()
    assert result.warnings == (NO_EVENTS,)


def test_a_fragment_without_html_wrapper_is_read() -> None:
    fragment = '<div itemscope itemtype="https://schema.org/Event"><span itemprop="name">Drop-in'
    fragment += '</span><meta itemprop="startDate" content="2027-03-01T10:00"></div>'
    result = parse(SOURCE, fragment.encode(), CTX)
    assert [item.title for item in result.events] == ["Drop-in"]


def test_a_bare_json_ld_document_is_read_with_a_warning() -> None:
    result = parse(SOURCE, json.dumps(event(name="Bare")).encode(), CTX)
    assert [item.title for item in result.events] == ["Bare"]
    assert "bare JSON-LD document" in result.warnings[0]


# --- JSON-LD blocks --------------------------------------------------------------------


def test_a_broken_block_costs_only_itself() -> None:
    result = read("two_blocks_one_broken.html")
    assert [item.title for item in result.events] == [
        "Policy Lab open studio: futures tools",
        "Citizens' assembly design clinic",
        "Systems thinking for policy teams",
    ]
    lost = [warning for warning in result.warnings if "skipped it" in warning]
    assert lost == [
        "JSON-LD block 3 is not valid JSON (Unterminated string starting at: line 1 column 89); "
        "skipped it"
    ]


GOOD = '"@type": "Event", "name": "Repaired", "startDate": "2027-02-02"'


@pytest.mark.parametrize(
    ("block", "repair"),
    [
        ("{" + GOOD + ",}", "removed trailing commas"),
        ('{"@type": "Event", "name": "Repaired", "about": ["a", "b",], "startDate": "2027-02-02"}',
         "removed trailing commas"),
        ('{"@type": "Event", "name": "Repaired", "description": "Council\\\'s", '
         '"startDate": "2027-02-02"}', "dropped invalid backslash escapes"),
        ("<!--\n{" + GOOD + "}\n-->", "removed HTML comments or CDATA markers"),
        ("<!-- the event -->\n{" + GOOD + "}", "removed HTML comments or CDATA markers"),
        ("//<![CDATA[\n{" + GOOD + "}\n//]]>", "removed HTML comments or CDATA markers"),
        ('{"@type": "Event", "name": "Repaired", "description": "line one\nline two", '
         '"startDate": "2027-02-02"}', "allowed line breaks and tabs inside strings"),
        ("{\x01" + GOOD + "}", "removed control characters"),
        ("{" + GOOD + "}\n{\"@type\": \"Thing\"}", "read 2 JSON values written one after another"),
        ("{\u00a0" + GOOD + "}", "replaced non-breaking spaces"),
    ],
)  # fmt: skip
def test_broken_blocks_are_repaired_and_say_how(block: str, repair: str) -> None:
    result = parse(SOURCE, page(block), CTX)
    assert [item.title for item in result.events] == ["Repaired"]
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("JSON-LD block 1 is not valid JSON (")
    assert result.warnings[0].endswith(repair)


def test_blocks_are_numbered_in_page_order_whatever_their_content() -> None:
    result = parse(SOURCE, page("", "{oops", event(), "[1,"), CTX)
    assert [warning.split(" is ")[0] for warning in result.warnings] == [
        "JSON-LD block 2",
        "JSON-LD block 4",
    ]
    assert len(result.events) == 1


def test_script_type_is_matched_loosely() -> None:
    body = page().replace(
        b"</head>",
        b'<script type="Application/LD+JSON; charset=utf-8">'
        + json.dumps(event(name="Loose")).encode()
        + b"</script></head>",
    )
    assert [item.title for item in parse(SOURCE, body, CTX).events] == ["Loose"]


def test_graph_arrays_and_references_are_followed() -> None:
    organiser = {"@id": "https://example.org/#org", "@type": "Organization", "name": "GDS"}
    venue = {
        "@id": "https://example.org/#venue",
        "@type": "Place",
        "name": "Hall",
        "address": "Leeds LS1 1UR",
    }
    listed = event(
        organizer={"@id": "https://example.org/#org"},
        location={"@id": "https://example.org/#venue"},
    )
    item = one({"@context": "https://schema.org", "@graph": [listed]}, [organiser, venue])
    assert item.organiser == "GDS"
    assert item.location is not None and item.location.postcode == "LS1 1UR"


def test_deep_or_cyclic_structures_do_not_raise() -> None:
    deep = "[" * 50_000 + "]" * 50_000
    result = parse(SOURCE, page(deep, event(name="Survivor")), CTX)
    assert [item.title for item in result.events] == ["Survivor"]
    cyclic = event(
        **{"@id": "https://example.org/#e", "superEvent": {"@id": "https://example.org/#e"}}
    )
    assert len(parse(SOURCE, page(cyclic), CTX).events) == 1


# --- types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        "Event",
        ["Event"],
        "schema:Event",
        "http://schema.org/MusicEvent",
        "https://schema.org/Hackathon",
        "https://www.schema.org/BusinessEvent",
        ["Thing", "SocialEvent"],
        "CourseInstance",
        "Festival",
        "EducationEvent",
        "BroadcastEvent",
    ],
)
def test_event_types_are_recognised_however_written(kind: object) -> None:
    assert one(event(**{"@type": kind})).title == "Test event"


@pytest.mark.parametrize("kind", ["Thing", "Organization", "EventSeries", "BreadcrumbList"])
def test_other_types_are_not_events(kind: str) -> None:
    result = parse(SOURCE, page(event(**{"@type": kind})), CTX)
    assert result.events == ()
    assert result.warnings == (NO_EVENTS,)


def test_an_additional_type_of_event_counts() -> None:
    node = event(**{"@type": "TouristAttraction", "additionalType": "https://schema.org/Event"})
    assert one(node).title == "Test event"


def test_sub_events_of_a_series_are_found() -> None:
    series = {
        "@type": "EventSeries",
        "name": "Show and tells",
        "subEvent": [event(name="First"), event(name="Second", startDate="2027-03-02")],
    }
    titles = [item.title for item in parse(SOURCE, page(series), CTX).events]
    assert titles == ["First", "Second"]


def test_a_course_names_its_instances() -> None:
    course = {
        "@type": "Course",
        "name": "Introduction to agile for policy teams",
        "hasCourseInstance": {"@type": "CourseInstance", "startDate": "2027-02-02"},
    }
    assert one(course).title == "Introduction to agile for policy teams"


# --- fields ----------------------------------------------------------------------------


def test_names_are_unescaped_and_tidied() -> None:
    assert one(event(name="  Data &amp; AI\n  in   government ")).title == "Data & AI in government"


def test_events_without_name_or_usable_start_are_skipped_with_a_warning() -> None:
    result = parse(
        SOURCE,
        page(
            event(name=""),
            event(name="No date", startDate=None),
            event(name="Bad date", startDate="next Tuesday"),
            event(name="Kept"),
        ),
        CTX,
    )
    assert [item.title for item in result.events] == ["Kept"]
    assert result.warnings == (
        "skipped an Event starting 2027-02-02T10:00:00+00:00: it has no name",
        "skipped event 'No date': no startDate",
        "skipped event 'Bad date': its startDate 'next Tuesday' is not a date",
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("https://schema.org/EventCancelled", "cancelled"),
        ("http://schema.org/EventPostponed", "postponed"),
        ("EventRescheduled", "scheduled"),
        ("schema:EventMovedOnline", "scheduled"),
        ("https://schema.org/EventScheduled", "scheduled"),
        ({"@id": "https://schema.org/EventCancelled"}, "cancelled"),
        (None, "scheduled"),
    ],
)
def test_event_status(status: object, expected: str) -> None:
    assert one(event(eventStatus=status)).status == expected


PLACE = {"@type": "Place", "name": "Civic Hall", "address": "Calverley Street, Leeds LS1 1UR"}
ONLINE = {"@type": "VirtualLocation", "url": "https://zoom.us/j/1"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode"}, "online"),
        ({"eventAttendanceMode": "OfflineEventAttendanceMode"}, "in-person"),
        ({"eventAttendanceMode": "schema:MixedEventAttendanceMode", "location": ONLINE}, "mixed"),
        ({"eventStatus": "EventMovedOnline", "location": PLACE}, "online"),
        ({"location": PLACE}, "in-person"),
        ({"location": ONLINE}, "online"),
        ({"location": [PLACE, ONLINE]}, "mixed"),
        ({"location": "https://teams.microsoft.com/l/meetup-join/1"}, "online"),
        ({"location": "Online"}, "online"),
        ({"location": "Civic Hall, Leeds LS1 1UR and online"}, "mixed"),
        ({"location": "Leeds Civic Hall"}, "in-person"),
        ({}, "unknown"),
    ],
)
def test_attendance(fields: dict[str, Any], expected: str) -> None:
    assert one(event(**fields)).attendance == expected


def test_a_virtual_location_is_no_physical_place() -> None:
    assert one(event(location=ONLINE)).location is None


def test_postal_address_parts_postcode_and_geo() -> None:
    place = {
        "@type": "Place",
        "name": "Kings Place",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "90 York Way, London",
            "addressLocality": "London",
            "postalCode": "n19ag",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": "51.5347", "longitude": "-0.1223"},
    }
    location = one(event(location=place)).location
    assert location is not None
    assert location.address == "90 York Way, London, N1 9AG"  # locality already in the street
    assert location.postcode == "N1 9AG"
    assert (location.lat, location.lon) == (51.5347, -0.1223)


def test_bad_geo_is_dropped() -> None:
    place = PLACE | {"geo": {"latitude": "91", "longitude": "0"}}
    location = one(event(location=place)).location
    assert location is not None and location.lat is None and location.lon is None


@pytest.mark.parametrize(
    ("organizer", "expected"),
    [
        ({"@type": "Organization", "name": "i.AI"}, "i.AI"),
        ("Government Digital Service", "Government Digital Service"),
        ([{"@type": "Person", "name": "Ada"}, {"@type": "Person", "name": "Grace"}], "Ada, Grace"),
        ("https://example.org/about", None),
        (None, None),
    ],
)
def test_organiser(organizer: object, expected: str | None) -> None:
    assert one(event(organizer=organizer)).organiser == expected


def test_categories_from_keywords_and_string_about() -> None:
    node = event(keywords="data, AI,  data ", about=["open data", {"name": "not a string"}])
    assert one(node).categories == ("data", "AI", "open data")


def test_descriptions_are_plain_text_and_capped() -> None:
    html = "<p>First &amp; <b>bold</b></p><p>" + "word " * 1000 + "</p>"
    description = one(event(description=html)).description
    assert description is not None
    assert description.startswith("First & bold word word")
    assert len(description) <= DESCRIPTION_LIMIT and description.endswith("…")


@pytest.mark.parametrize(
    ("offers", "line"),
    [
        ({"@type": "Offer", "price": "0", "priceCurrency": "GBP"}, "Free"),
        ({"@type": "Offer", "price": "Free"}, "Free"),
        ({"@type": "AggregateOffer", "lowPrice": 10, "highPrice": 25, "priceCurrency": "GBP"},
         "Tickets from £10"),
        ([{"@type": "Offer", "price": "12.50", "priceCurrency": "GBP"}], "Tickets £12.50"),
        ([{"price": "0", "priceCurrency": "GBP"}, {"price": "30", "priceCurrency": "GBP"}],
         "Free, or tickets up to £30"),
        ({"@type": "Offer", "price": "1,250.00", "priceCurrency": "EUR"}, "Tickets €1250"),
        ({"@type": "Offer", "price": "40", "priceCurrency": "CHF"}, "Tickets 40 CHF"),
        ({"@type": "Offer", "priceSpecification": {"price": 15, "priceCurrency": "USD"},
          "priceCurrency": "USD"}, "Tickets $15"),
        ({"@type": "Offer", "price": "20", "priceCurrency": "GBP",
          "availability": "https://schema.org/SoldOut"}, "Tickets £20 (sold out)"),
        ({"@type": "Offer", "url": "https://example.org/book"}, None),
    ],
)  # fmt: skip
def test_offers_become_a_line_in_the_description(offers: object, line: str | None) -> None:
    assert one(event(offers=offers)).description == line


def test_free_to_attend_says_free() -> None:
    node = event(description="Drop in.", isAccessibleForFree=True)
    assert one(node).description == "Drop in.\n\nFree"


# --- dates and zones -----------------------------------------------------------------


def test_dates_without_a_time_are_all_day_with_an_exclusive_end() -> None:
    item = one(event(startDate="2027-06-14", endDate="2027-06-18"))
    assert (item.start, item.end) == (
        datetime(2027, 6, 14, tzinfo=UTC),
        datetime(2027, 6, 19, tzinfo=UTC),
    )
    assert item.all_day and item.timezone is None
    single = one(event(startDate="2027-06-14"))
    assert single.end == datetime(2027, 6, 15, tzinfo=UTC)


def test_local_times_are_read_in_the_source_zone() -> None:
    item = one(event(startDate="2027-07-01T18:30"))
    assert item.start == datetime(2027, 7, 1, 18, 30, tzinfo=LONDON)
    assert item.timezone == "Europe/London"
    source = replace(SOURCE, timezone="America/New_York")
    elsewhere = one(event(startDate="2027-07-01T18:30"), source=source)
    assert elsewhere.start.astimezone(UTC) == datetime(2027, 7, 1, 22, 30, tzinfo=UTC)
    assert elsewhere.timezone == "America/New_York"


@pytest.mark.parametrize(
    ("start", "zone"),
    [
        ("2027-07-01T18:30:00+01:00", "Europe/London"),  # London's own offset then
        ("2027-01-07T18:30:00Z", "Europe/London"),  # so is Z in winter
        ("2027-07-01T17:30:00Z", "UTC"),
        ("2027-07-01T23:00:00+05:30", None),
        ("20270701T173000Z", "UTC"),
        ("2027-07-01T17:30:00.000+0000", "UTC"),
    ],
)
def test_the_zone_name_follows_the_offset(start: str, zone: str | None) -> None:
    item = one(event(startDate=start))
    assert item.timezone == zone
    assert item.start.utcoffset() is not None


def test_an_unknown_source_zone_falls_back_to_london() -> None:
    result = parse(
        replace(SOURCE, timezone="Mars/Olympus_Mons"),
        page(event(startDate="2027-07-01T10:00")),
        CTX,
    )
    assert result.events[0].start == datetime(2027, 7, 1, 10, tzinfo=LONDON)
    assert result.warnings == (
        "source time zone 'Mars/Olympus_Mons' is unknown; "
        "times without an offset were read as Europe/London",
    )


def test_duration_gives_the_end_and_an_end_before_the_start_is_dropped() -> None:
    assert one(event(duration="PT1H30M")).end == datetime(2027, 2, 2, 11, 30, tzinfo=UTC)
    result = parse(SOURCE, page(event(endDate="2027-02-01T10:00:00+00:00")), CTX)
    assert result.events[0].end is None
    assert result.warnings == (
        "event 'Test event': ignored its endDate '2027-02-01T10:00:00+00:00', before its start",
    )


def test_a_date_written_for_people_is_read_with_a_warning() -> None:
    result = parse(SOURCE, page(event(startDate="Sat 13 March 2027")), CTX)
    assert result.events[0].start == datetime(2027, 3, 13, tzinfo=UTC)
    assert result.events[0].all_day
    assert "is not ISO 8601; read it as the whole day 2027-03-13" in result.warnings[0]


US_START = "2027-01-21T09:00:00-05:00"


def test_a_us_offset_on_a_uk_venue_is_kept_but_flagged() -> None:
    place = {"@type": "Place", "name": "Civic Hall", "address": "Leeds LS1 1UR"}
    result = parse(SOURCE, page(event(name="Roundtable", startDate=US_START, location=place)), CTX)
    assert result.events[0].start == datetime(2027, 1, 21, 14, 0, tzinfo=UTC)
    assert result.warnings == (
        "Event Roundtable: start 2027-01-21T09:00:00-05:00 has offset -05:00, but the venue is "
        "in the UK (Europe/London is +00:00 then); check the source",
    )


@pytest.mark.parametrize(
    "country", ["GB", "gb", "UK", "United Kingdom", {"@type": "Country", "name": "GB"}]
)
def test_the_country_alone_marks_a_uk_venue(country: object) -> None:
    place = {
        "@type": "Place",
        "name": "Town Hall",
        "address": {"addressLocality": "Hull", "addressCountry": country},
    }
    result = parse(SOURCE, page(event(startDate=US_START, location=place)), CTX)
    assert len(result.warnings) == 1 and "venue is in the UK" in result.warnings[0]


@pytest.mark.parametrize(
    ("start", "place"),
    [
        (US_START, {"@type": "Place", "name": "City Hall", "address": "New York, NY 10007"}),
        (US_START, ONLINE),
        ("2027-07-01T09:00:00+01:00", PLACE),  # London summer time
        ("2027-01-21T09:00:00Z", PLACE),
        ("2027-01-21T09:00", PLACE),  # a local time is the source zone's by definition
        ("2027-01-21", PLACE),
    ],
)
def test_no_offset_warning_when_there_is_nothing_wrong(start: str, place: object) -> None:
    assert parse(SOURCE, page(event(startDate=start, location=place)), CTX).warnings == ()


def test_events_outside_the_window_are_left_out() -> None:
    blocks = [event(name=name, startDate=start) for name, start in [
        ("Too early", "2026-10-01"), ("Still running", "2026-10-20"), ("In", "2027-05-01"),
        ("Too late", "2027-12-01"),
    ]]  # fmt: skip
    blocks[1]["endDate"] = "2026-11-30"
    titles = [item.title for item in parse(SOURCE, page(*blocks), CTX).events]
    assert titles == ["Still running", "In"]


# --- identity ---------------------------------------------------------------------------


def test_source_uid_is_the_id_then_the_url_then_a_hash() -> None:
    assert (
        one(event(**{"@id": "#main"}), head=CANONICAL).source_uid == "https://example.org/e/1#main"
    )
    assert one(event(url="/e/2?utm_source=x")).source_uid == "https://example.org/e/2"
    two = parse(SOURCE, page(event(name="A"), event(name="B")), CTX).events
    assert all(item.source_uid.startswith("jsonld-") for item in two)
    assert two[0].source_uid != two[1].source_uid
    again = parse(SOURCE, page(event(name="A"), event(name="B")), CTX).events
    assert [item.source_uid for item in again] == [item.source_uid for item in two]


CANONICAL = '<link rel="canonical" href="https://example.org/e/1">'


def test_a_single_event_page_is_the_event_url_and_names_it() -> None:
    item = one(event(), head=CANONICAL)
    assert (item.url, item.source_uid) == ("https://example.org/e/1", "https://example.org/e/1")
    # Without a canonical link the page may be a followed one known by its listing's
    # address, which must not become the identity of every event found that way.
    bare = one(event())
    assert bare.url == SOURCE.url and bare.source_uid.startswith("jsonld-")
    two = parse(SOURCE, page(event(name="A"), event(name="B")), CTX).events
    assert [item.url for item in two] == [None, None]


def test_a_shared_id_is_made_unique() -> None:
    shared = {"@id": "https://example.org/whats-on/"}
    items = parse(
        SOURCE,
        page(event(name="A", **shared), event(name="B", startDate="2027-03-03", **shared)),
        CTX,
    ).events
    assert [item.source_uid for item in items] == [
        "https://example.org/whats-on/",
        "https://example.org/whats-on//2027-03-03T00:00:00+00:00",
    ]


def test_the_same_event_in_json_ld_and_microdata_is_kept_once() -> None:
    microdata = (
        '<div itemscope itemtype="https://schema.org/Event"><span itemprop="name">Test event</span>'
        '<meta itemprop="startDate" content="2027-02-02T10:00:00+00:00"></div>'
    )
    result = parse(SOURCE, page(event(url="/e/9"), body=microdata), CTX)
    assert [item.url for item in result.events] == ["https://example.org/e/9"]


# --- links to follow ------------------------------------------------------------------


def test_item_list_entries_without_a_full_event_are_followed() -> None:
    listing = {
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "url": "https://example.org/e/1?utm_medium=x#top"},
            {
                "@type": "ListItem",
                "position": 2,
                "item": {"@type": "Event", "name": "Summary", "url": "/e/2"},
            },
            {"@type": "ListItem", "position": 3, "item": event(name="Full", url="/e/3")},
            {"@type": "ListItem", "position": 4, "item": {"@type": "Article", "url": "/news/1"}},
            "https://example.org/e/4",
            {"@type": "ListItem", "position": 5, "item": "https://example.org/e/1"},
        ],
    }
    crumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [{"@type": "ListItem", "item": "https://example.org/"}],
    }
    result = parse(SOURCE, page(listing, crumbs), CTX)
    assert [item.title for item in result.events] == ["Full"]
    assert result.warnings == ()  # a summary is a pointer, not a broken event
    assert result.follow == (
        "https://example.org/e/1",
        "https://example.org/e/2",
        "https://example.org/e/4",
    )


@pytest.mark.parametrize(
    ("href", "followed"),
    [
        ("https://www.eventbrite.co.uk/e/gov-meetup-tickets-123456789", True),
        ("https://www.eventbrite.com/e/gov-meetup-tickets-123456789?aff=x&utm_source=y", True),
        ("https://www.eventbrite.com.au/e/gov-meetup-tickets-123456789", True),
        ("https://www.eventbrite.co.uk/o/gov-organiser-123456789", False),
        ("https://www.eventbrite.co.uk/d/united-kingdom/events/", False),
        ("https://www.meetup.com/govdesign-london/events/301234567/", True),
        ("https://www.meetup.com/govdesign-london/events/", False),
        ("https://www.meetup.com/govdesign-london/", False),
        ("https://lu.ma/abc123xy", True),
        ("https://luma.com/pm-gov-metrics", True),
        ("https://lu.ma/discover", False),
        ("https://lu.ma/user/usr-1", False),
        ("https://ti.to/oneteamgov/unconference-2027", True),
        ("https://ti.to/oneteamgov", False),
        ("https://ti.to/oneteamgov/unconference-2027.ics", False),
        ("/event/open-data-hack-day/", True),
        ("/events/open-data-hack-day", True),
        ("/council/events/open-data-hack-day/", True),
        ("/events/", False),
        ("/events/page/2/", False),
        ("/events/category/digital/", False),
        ("/events/2027-05-12/", False),
        ("/events/list/?tribe-bar-date=2027-05-01", False),
        ("/event/open-data-hack-day/?ical=1", False),
        ("/news/open-data-hack-day/", False),
        ("https://elsewhere.example.net/events/their-event/", False),
        ("mailto:events@example.org", False),
        ("javascript:void(0)", False),
    ],
)
def test_links_that_look_like_event_pages_are_followed(href: str, followed: bool) -> None:
    result = parse(SOURCE, page(body=f'<a href="{href}">link</a>'), CTX)
    assert bool(result.follow) == followed, result.follow


def test_follow_links_are_absolute_clean_unique_and_in_page_order() -> None:
    links = "".join(
        f'<a href="{href}">x</a>'
        for href in [
            "/event/b/#details",
            "/event/a/?utm_campaign=z",
            "https://example.org/event/b/",
            "/event/a",
            "/whats-on/",  # the page itself
        ]
    )
    result = parse(SOURCE, page(body=links), CTX)
    assert result.follow == ("https://example.org/event/b/", "https://example.org/event/a/")


def test_a_base_element_sets_where_relative_links_point() -> None:
    body = '<a href="event/x/">x</a>'
    result = parse(SOURCE, page(body=body, head='<base href="https://example.org/council/">'), CTX)
    assert result.follow == ("https://example.org/council/event/x/",)


def test_pages_already_read_in_full_are_not_followed() -> None:
    result = read("eventbrite_organiser.html")
    assert result.follow == (
        "https://www.eventbrite.co.uk/e/service-owners-network-autumn-retreat-tickets-945678901234",
        "https://www.eventbrite.co.uk/e/service-owners-network-launch-event-tickets-887766554433",
    )
    # The summer meetup is before the window: left out, and not fetched again either.
    assert "Summer" not in " ".join(item.title for item in result.events)


# --- robustness ---------------------------------------------------------------------


def test_mangled_fixtures_never_raise() -> None:
    for fixture in sorted(FIXTURES.glob("*.html")):
        body = fixture.read_bytes()
        for cut in range(0, len(body), max(len(body) // 25, 1)):
            mangled = bytearray(body)
            mangled[cut : cut + 7] = b'\x00"{[,\\<'[: len(mangled[cut : cut + 7])]
            for variant in (body[:cut], bytes(mangled)):
                result = parse(SOURCE, variant, CTX)
                assert isinstance(result, ParseResult), fixture.name
                assert not (result.error or "").startswith("could not read the page"), fixture.name


def test_parsing_opens_no_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    # RDFa processors can fetch vocabularies and JSON-LD processors contexts: not here.
    def refuse(*args: object) -> None:
        raise AssertionError("the parser tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for fixture in sorted(FIXTURES.glob("*.html")):
        assert read(fixture.name).error is None


def test_a_bare_reference_to_an_event_is_no_event() -> None:
    listing = {"@type": "WebPage", "about": {"@type": "Event", "@id": "https://example.org/e/1"}}
    assert parse(SOURCE, page(listing), CTX).warnings == ()


def test_odd_values_never_raise() -> None:
    odd: list[dict[str, Any]] = [
        event(startDate="9999-12-31", endDate="9999-12-31"),
        event(startDate="2027-02-30"),
        event(startDate="2027-02-02T25:00"),
        event(startDate="2027-02-02T10:00+99:00"),
        event(duration="P99999999999D"),
        event(name=["A", "B"], startDate=[{"@value": "2027-02-02"}]),
        event(name={"@value": "Literal"}, location=[None, 3, {"@type": "Place"}]),
        event(offers=[{"price": "NaN"}, {"price": "-5"}, {"price": "1e400"}]),
        event(url="http://[::1", organizer=[3, None, {"name": ["X"]}]),
        event(**{"@type": None, "name": None}),
    ]
    result = parse(SOURCE, page(*odd), CTX)
    assert result.error is None
    assert {item.title for item in result.events} >= {"A", "Literal"}
    assert all(item.start.tzinfo is not None for item in result.events)
    assert all(item.end is None or item.end >= item.start for item in result.events)
    assert all(
        item.end is None or item.end - item.start < timedelta(days=10**6) for item in result.events
    )
