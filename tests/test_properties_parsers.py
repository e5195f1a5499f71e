"""Property tests of the parsers (scrapers.registry.PARSERS): bad input never escapes.

For every kind, random bytes (after prefixes that get them past the first checks), and
for each kind documents built by hypothesis that are nearly right (an iCalendar skeleton
with random property values, parameters, dates and repeat rules; RSS and Atom with random
text, dates and event fields; JSON-LD with random JSON where schema.org values go;
WordPress responses of random shape; pages for an html source's selectors) go through
the parser, which must:

- return a ParseResult, never raise;
- never need its last-resort handler: the parsers catch everything at the top ("could not
  read the feed: TypeError: ...") and around each entry or event, so that a bug costs one
  source and not the run; a document that reaches those handlers found a bug;
- give events with aware start and end times, and only text that can be stored: every
  string encodes as UTF-8 (DuckDB refuses a lone surrogate, and with it the whole refresh).

Recurrence cost is not this file's subject: the drawn DTSTARTs lie near the parse window
and rules that can never occur (BYDAY=1MO with BYMONTHDAY=8) are not drawn, because
dateutil walks such rules to the year 9999 (tests of the expansion bounds cover that).
"""

from __future__ import annotations

import json
import re
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

import pytest
from hostile_text import PIECES, hostile_text
from hypothesis import event, example, given
from hypothesis import strategies as st

from scrapers.model import Event, ParseContext, ParseResult, Source
from scrapers.registry import PARSERS

CTX = ParseContext(now=datetime(2026, 11, 26, tzinfo=UTC))
HTML_SELECTORS = (
    ("container", "li.event"),
    ("title", "h3"),
    ("date", ".when"),
    ("link", "a"),
    ("location", ".where"),
    ("description", ".summary"),
)
SOURCES = {
    kind: Source(
        id=f"fuzz-{kind}",
        name="Fuzz",
        organiser="Fuzz organiser",
        url="https://fuzz.example/events/",
        kind=kind,
        selectors=HTML_SELECTORS if kind == "html" else (),
        date_format="%d %B %Y, %H:%M" if kind == "html" else None,
    )
    for kind in PARSERS
}
# What the parsers' last-resort handlers write: the top one, and the one around each entry.
SAFETY_NET = re.compile(
    r"^could not read the (?:feed|page|events API response): \w+: "
    r"|(?:entry|event) \d+ (?:on the page )?could not be read \(\w+(?:Error|Exception)"
)


# The parse window is 2026-10-27 to 2027-11-26: most drawn dates fall inside it, so most
# documents reach the code that builds events, and the rest fuzz the date readers.
IN_WINDOW = st.datetimes(datetime(2026, 11, 1), datetime(2027, 10, 31))


# A title a parser keeps (not empty once trimmed), whatever follows it.
TITLES = hostile_text(3).map("Talk {}".format)


def mostly(valid: st.SearchStrategy[Any], fuzz: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The valid value two times in three, the fuzz the third."""
    return st.one_of(valid, valid, fuzz)


def _some(
    draw: st.DrawFn, required: dict[str, str], optional: dict[str, str]
) -> list[tuple[str, str]]:
    """The required fields and some of the optional ones, as name-value pairs, in a drawn
    order."""
    kept = draw(st.lists(st.sampled_from(sorted(optional)), max_size=6, unique=True))
    both = required | optional
    return [(name, both[name]) for name in draw(st.permutations([*required, *kept]))]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list):
        return [text for item in value for text in _strings(item)]
    if is_dataclass(value) and not isinstance(value, type):
        return [text for f in fields(value) for text in _strings(getattr(value, f.name))]
    return []


def read(kind: str, body: bytes) -> ParseResult:
    """The parser's result, after checking it holds what every result must."""
    result = PARSERS[kind](SOURCES[kind], body, CTX)
    assert isinstance(result, ParseResult)
    for said in (result.error, *result.warnings):
        assert said is None or not SAFETY_NET.search(said), said
    for found in result.events:
        assert isinstance(found, Event)
        assert found.start.utcoffset() is not None
        assert found.end is None or found.end.utcoffset() is not None
    for text in _strings(result):
        text.encode("utf-8")  # UnicodeEncodeError for a lone surrogate
    return result


def check(kind: str, body: bytes) -> None:
    """read(), in a property: how deep the draws reach is in the statistics
    (pytest --hypothesis-show-statistics)."""
    result = read(kind, body)
    event("error" if result.error else "events" if result.events else "no events")


# --- random bytes ------------------------------------------------------------------------

PREFIXES = [
    b"",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261201T100000Z\r\n",
    b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><item><title>",
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>',
    b'<html><head><script type="application/ld+json">{"@type": "Event", "name": "',
    b'{"events": [{"title": "',
    b'<ul><li class="event"><h3>',
]


# bs4 warns that XML bytes given to the html parser look like XML; that is the point here.
@pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning")
@pytest.mark.parametrize("kind", sorted(PARSERS))
@given(st.sampled_from(PREFIXES), st.binary(max_size=600))
def test_random_bytes_never_escape_a_parser(kind: str, prefix: bytes, body: bytes) -> None:
    check(kind, prefix + body)


# --- iCalendar -----------------------------------------------------------------------------

FUZZ_DATE_TIMES = st.one_of(
    st.builds(
        "{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}{}".format,
        st.sampled_from([1, 2025, 2026, 2027, 9999]) | st.integers(2020, 2030),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
        st.sampled_from(["", "Z", "z", "+0100"]),
    ),
    st.builds("{:%Y%m%d}".format, IN_WINDOW),
    hostile_text(3),
)
DATE_TIMES = mostly(
    st.builds("{:%Y%m%dT%H%M%S}{}".format, IN_WINDOW, st.sampled_from(["", "Z"])),
    FUZZ_DATE_TIMES,
)
ZONES = st.sampled_from(["Europe/London", "America/New_York", "W. Europe Standard Time",
                         "Nowhere/Else", "", "UTC", '"Europe/Paris"', "+01:00"])  # fmt: skip
FREQ = st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "MINUTELY",
                        "SECONDLY", "daily", "FORTNIGHTLY", ""])  # fmt: skip
RULE_PARTS = st.one_of(
    st.builds("COUNT={}".format, st.integers(-1, 3000)),
    st.builds("INTERVAL={}".format, st.integers(-1, 400)),
    st.builds("UNTIL={}".format, DATE_TIMES),
    st.builds("WKST={}".format, st.sampled_from(["MO", "SU", "XX"])),
    st.builds("BYHOUR={}".format, st.integers(-1, 25)),
)
# At most one of these: two of them can make a rule that never occurs.
RULE_BY = st.sampled_from(
    ["", "BYDAY=MO,WE", "BYDAY=-1FR", "BYDAY=5SU", "BYDAY=XX", "BYMONTHDAY=31",
     "BYMONTHDAY=-1", "BYMONTHDAY=0", "BYSETPOS=2"]
)  # fmt: skip
RULES = mostly(
    st.builds(
        lambda freq, parts, by: ";".join([f"FREQ={freq}", *parts, *([by] if by else [])]),
        FREQ,
        st.lists(RULE_PARTS, max_size=3),
        RULE_BY,
    ),
    hostile_text(3),
)
DATE_PARAMS = mostly(
    st.just(""),
    st.sampled_from([";VALUE=DATE", ";VALUE=DATE-TIME", ";VALUE=PERIOD"])
    | ZONES.map(";TZID={}".format),
)
DATED = st.tuples(DATE_PARAMS, DATE_TIMES).map(":".join)
PROPERTIES: dict[str, st.SearchStrategy[str]] = {
    "UID": hostile_text(3),
    "DTSTART": DATED,
    "DTEND": DATED,
    "DURATION": st.sampled_from(["PT1H", "P1D", "-PT1H", "P", "PT99999999H", "1H"]),
    "RRULE": RULES,
    "EXDATE": DATED,
    "RDATE": DATED,
    "RECURRENCE-ID": DATED,
    "SUMMARY": hostile_text(),
    "DESCRIPTION": hostile_text(),
    "LOCATION": hostile_text(4),
    "GEO": st.sampled_from(["51.5;-0.1", "91;181", "nan;nan", "1e400;0", "x;y", ";", "51.5"]),
    "STATUS": st.sampled_from(["CANCELLED", "TENTATIVE", "CONFIRMED", "POSTPONED", ""]),
    "URL": hostile_text(3),
    "ORGANIZER": st.tuples(hostile_text(2), hostile_text(2)).map(lambda p: f";CN={p[0]}:{p[1]}"),
    "SEQUENCE": st.integers(-2, 70).map(str),
    "CATEGORIES": hostile_text(3),
}


@st.composite
def vevents(draw: st.DrawFn) -> list[str]:
    """A VEVENT with a start, a UID and a SUMMARY, and up to seven other properties."""
    chosen = draw(st.lists(st.sampled_from(sorted(PROPERTIES)), max_size=7))
    lines = ["BEGIN:VEVENT"]
    for name in ["DTSTART", "UID", "SUMMARY", *chosen]:
        value = draw(PROPERTIES[name])
        lines.append(f"{name}{value}" if value[:1] in (";", ":") else f"{name}:{value}")
    return [*lines, "END:VEVENT"]


@st.composite
def calendars(draw: st.DrawFn) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fuzz//EN"]
    if draw(st.booleans()):
        lines.append(f"X-WR-TIMEZONE:{draw(ZONES)}")
    if draw(st.booleans()):
        offset = st.sampled_from(["+0100", "-0500", "+2400", "0100", "+01"])
        lines += ["BEGIN:VTIMEZONE", f"TZID:{draw(ZONES)}", "BEGIN:STANDARD",
                  f"DTSTART:{draw(DATE_TIMES)}", f"TZOFFSETFROM:{draw(offset)}",
                  f"TZOFFSETTO:{draw(offset)}", "END:STANDARD", "END:VTIMEZONE"]  # fmt: skip
    for _ in range(draw(st.integers(1, 3))):
        lines += draw(vevents())
    lines.append("END:VCALENDAR")
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    return newline.join(lines).encode("utf-8", "surrogatepass")


@given(calendars())
@example(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20261201T100000Z\r\nEND:VEVENT\r\n")
def test_near_valid_calendars_never_escape_the_ical_parser(body: bytes) -> None:
    check("ical", body)


# --- RSS and Atom --------------------------------------------------------------------------

FEED_DATES = mostly(
    st.builds("{:%Y-%m-%dT%H:%M:%S}{}".format, IN_WINDOW, st.sampled_from(["Z", "+01:00", ""])),
    st.one_of(
        st.builds(
            "{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} {}".format,
            st.sampled_from(["Mon", "Tue", "Xyz"]),
            st.integers(0, 32),
            st.sampled_from(["Jan", "Feb", "Dec", "Foo"]),
            st.integers(1, 9999),
            st.integers(0, 25),
            st.integers(0, 61),
            st.integers(0, 61),
            st.sampled_from(["GMT", "+0000", "-2400", "BST", "", "+99"]),
        ),
        st.builds(
            "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}{}".format,
            st.integers(1, 9999),
            st.integers(0, 13),
            st.integers(0, 32),
            st.integers(0, 25),
            st.integers(0, 61),
            st.sampled_from(["", "Z", "+01:00", "+25:00"]),
        ),
        hostile_text(3),
    ),
)
FEED_SPACES = (
    'xmlns:ev="http://purl.org/rss/1.0/modules/event/" '
    'xmlns:xCal="urn:ietf:params:xml:ns:xcal" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
)


def _xml_text(text: str, raw: bool) -> str:
    """Escaped, or raw: raw text can break the markup, which is fuzz too."""
    return text if raw else escape(text, quote=False)


@st.composite
def feed_items(draw: st.DrawFn, raw: bool) -> str:
    """An item with a title and an event start, and some other elements."""

    def text() -> str:
        return _xml_text(draw(hostile_text(4)), raw)

    def date() -> str:
        return _xml_text(draw(FEED_DATES), raw)

    start = draw(st.sampled_from(["ev:startdate", "xCal:dtstart"]))
    optional = {
        "link": text(), "description": text(), "pubDate": date(), "guid": text(),
        "author": text(), "ev:enddate": date(), "ev:location": text(), "ev:organizer": text(),
        "xCal:dtend": date(), "category": text(), "content:encoded": text(),
    }  # fmt: skip
    parts = _some(draw, {"title": text(), start: date()}, optional)
    return "".join(f"<{name}>{value}</{name}>" for name, value in parts)


@st.composite
def feeds(draw: st.DrawFn) -> bytes:
    raw = draw(st.sampled_from([False, False, False, True]))
    items = draw(st.lists(feed_items(raw), max_size=3))
    encoding = draw(mostly(st.just("utf-8"), st.sampled_from(["iso-8859-1", "utf-16", "bogus"])))
    if draw(st.booleans()):
        body = "".join(f"<item>{item}</item>" for item in items)
        document = (
            f'<rss version="2.0" {FEED_SPACES}><channel><title>t</title>{body}</channel></rss>'
        )
    else:
        body = "".join(f"<entry>{item}</entry>" for item in items)
        document = f'<feed xmlns="http://www.w3.org/2005/Atom" {FEED_SPACES}>{body}</feed>'
    head = f'<?xml version="1.0" encoding="{encoding}"?>'
    return (head + document).encode("utf-8", "surrogatepass")


@given(feeds())
# References to no character: feedparser's loose parser raised (its issue 591).
@example(b"<rss><channel><item><title>&#xD800;&#55357;&#56832;&#x110000;&#99999999999;</title>"
         b"<description>&#1114112;</description></item></channel></rss>")  # fmt: skip
# Tags closed out of order: feedparser's lenient parser raised KeyError 'tags' and 'links'
# (the second under a wrong encoding declaration, which lxml must not follow either).
@example(b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>T</title><category>0</title>'
         b"<item><title>extra</title></item></category></entry></feed>")  # fmt: skip
@example(b'<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><item><title>A'
         b"</title><link>0</title><item><title>B</title></item></link>"
         b"</item></channel></rss>")  # fmt: skip
def test_near_valid_feeds_never_escape_the_feed_parser(body: bytes) -> None:
    check("feed", body)


def test_broken_markup_feedparser_raises_on_still_gives_the_feeds_events() -> None:
    entry = "<entry><title>T</title><ev:startdate>2026-12-01T10:00Z</ev:startdate>"
    head = f'<feed xmlns="http://www.w3.org/2005/Atom" {FEED_SPACES}>{entry}'
    broken = read(
        "feed", f"{head}<category>0</title><item></item></category></entry></feed>".encode()
    )
    assert [event.title for event in broken.events] == ["T"]
    assert any("lxml repaired the markup" in said for said in broken.warnings)
    refs = read(
        "feed", f"{head}<summary>&#55357;&#56832;&#x110000;</summary></entry></feed>".encode()
    )
    assert [event.description for event in refs.events] == ["\ufffd\ufffd\ufffd"]


# --- JSON-LD -------------------------------------------------------------------------------

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | hostile_text(3)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text(2), inner, max_size=3),
    max_leaves=8,
)
ISO_DATES = mostly(
    st.builds("{:%Y-%m-%dT%H:%M}{}".format, IN_WINDOW, st.sampled_from(["", "Z", "+01:00"])),
    st.builds(
        "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}{}".format,
        st.integers(2025, 2028) | st.sampled_from([1, 9999]),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.integers(0, 61),
        st.sampled_from(["", "Z", "+01:00", "+25:00", ":00.5"]),
    )
    | JSON,
)
PLACES = st.fixed_dictionaries(
    {"@type": st.sampled_from(["Place", "VirtualLocation", "PostalAddress"])},
    optional={"name": hostile_text(3) | JSON, "address": hostile_text(3) | JSON,
              "geo": JSON, "url": JSON},
)  # fmt: skip
SCHEMA_EVENTS = st.fixed_dictionaries(
    {
        "@type": mostly(
            st.just("Event"), st.sampled_from(["EducationEvent", ["Event"], "Place", 5])
        ),
        "name": mostly(TITLES, JSON),
        "startDate": ISO_DATES,
    },
    optional={
        "@context": st.sampled_from(["https://schema.org", "http://schema.org/", 7]),
        "@id": JSON,
        "endDate": ISO_DATES,
        "location": PLACES | JSON | st.lists(PLACES, max_size=2),
        "url": hostile_text(3) | JSON,
        "description": hostile_text() | JSON,
        "eventStatus": st.sampled_from(["https://schema.org/EventCancelled", "EventPostponed"]),
        "eventAttendanceMode": st.sampled_from(["OnlineEventAttendanceMode", "x"]) | JSON,
        "organizer": JSON,
        "offers": JSON,
        "subEvent": JSON,
    },
)
LD = mostly(
    SCHEMA_EVENTS | st.lists(SCHEMA_EVENTS, min_size=1, max_size=3).map(lambda g: {"@graph": g}),
    JSON | st.lists(SCHEMA_EVENTS, max_size=3),
)


@st.composite
def pages(draw: st.DrawFn) -> bytes:
    blocks = []
    for value in draw(st.lists(LD, min_size=1, max_size=2)):
        block = json.dumps(value, ensure_ascii=draw(st.booleans()))
        if draw(st.integers(0, 3)) == 0:  # a template's mistakes: the repairs get fuzzed too
            before = draw(st.sampled_from(["<!--", "", ","]))
            block = before + block + draw(st.sampled_from(["-->", ",", "}", ""]))
        blocks.append(f'<script type="application/ld+json">{block}</script>')
    link = escape(draw(hostile_text(2)))
    page = f'<html><head>{"".join(blocks)}</head><body><a href="{link}">x</a></body></html>'
    return page.encode("utf-8", "surrogatepass")


# JSON escapes a lone surrogate, which json.loads keeps and DuckDB refuses.
LONE_SURROGATES = (
    b'<html><script type="application/ld+json">{"@type": "Event", "name": "T\\ud800",'
    b' "startDate": "2026-12-01T10:00", "url": "https://x.example/\\udc00"}</script></html>'
)


@given(pages())
@example(LONE_SURROGATES)
def test_near_valid_json_ld_never_escapes_the_jsonld_parser(body: bytes) -> None:
    check("jsonld", body)


# --- WordPress (The Events Calendar's REST API) --------------------------------------------

WP_MOMENTS = mostly(
    st.builds("{:%Y-%m-%d %H:%M:%S}".format, IN_WINDOW),
    st.builds(
        "{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}".format,
        st.integers(2025, 2028) | st.sampled_from([1, 9999]),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
    )
    | JSON,
)
VENUES = st.fixed_dictionaries(
    {}, optional=dict.fromkeys(["venue", "address", "city", "zip", "geo_lat", "geo_lng"], JSON)
)
WP_EVENTS = st.fixed_dictionaries(
    {"title": mostly(TITLES, JSON), "utc_start_date": WP_MOMENTS},
    optional={
        "id": JSON,
        "global_id": JSON,
        "start_date": WP_MOMENTS,
        "end_date": WP_MOMENTS,
        "utc_end_date": WP_MOMENTS,
        "all_day": JSON,
        "timezone": st.sampled_from(["Europe/London", "UTC+5.5", "UTC-99", "UTC+1:75"]) | JSON,
        "venue": VENUES | JSON,
        "organizer": JSON,
        "categories": JSON,
        "tags": JSON,
        "cost": JSON,
        "cost_details": JSON,
        "url": JSON,
        "description": hostile_text() | JSON,
    },
)
WP_BODIES = mostly(
    st.fixed_dictionaries(
        {"events": st.lists(mostly(WP_EVENTS, JSON), min_size=1, max_size=3)},
        optional={"rest_url": JSON, "next_rest_url": JSON, "total_pages": JSON, "code": JSON},
    ),
    JSON,
)


@given(WP_BODIES, st.booleans())
@example({"events": [{"title": "T\ud800", "utc_start_date": "2026-12-01 10:00:00"}]}, True)
# An offset of 24 hours or more made timezone() raise, which cost the page all its events.
@example({"events": [{"title": "T", "utc_start_date": "2026-12-01", "timezone": "UTC-99"}]}, False)
def test_near_valid_wordpress_responses_never_escape_its_parser(data: Any, ascii: bool) -> None:
    check("wordpress-events", json.dumps(data, ensure_ascii=ascii).encode("utf-8", "surrogatepass"))


# --- html, read by a source's selectors ----------------------------------------------------

HTML_DATES = mostly(
    st.builds("{:%d %B %Y, %H:%M}".format, IN_WINDOW),
    st.builds(
        "{:02d} {} {:04d}, {:02d}:{:02d}".format,
        st.integers(0, 32),
        st.sampled_from(["January", "February", "Smarch"]),
        st.integers(2025, 2028) | st.sampled_from([1, 9999]),
        st.integers(0, 25),
        st.integers(0, 61),
    )
    | hostile_text(3),
)


@st.composite
def listings(draw: st.DrawFn) -> bytes:
    raw = draw(st.sampled_from([False, False, False, True]))

    def text() -> str:
        return _xml_text(draw(hostile_text(4)), raw)

    items = [
        f'<li class="event"><h3>{_xml_text(draw(mostly(TITLES, hostile_text(3))), raw)}</h3>'
        '<span class="when">'
        f"{_xml_text(draw(HTML_DATES), raw)}</span>"
        f'<a href="{escape(draw(hostile_text(2)))}">{text()}</a>'
        f'<span class="where">{text()}</span><p class="summary">{text()}</p></li>'
        for _ in range(draw(st.integers(0, 3)))
    ]
    extra = draw(st.sampled_from(PIECES))
    page = f"<html><body><ul>{''.join(items)}</ul>{extra}</body></html>"
    return page.encode("utf-8", "surrogatepass")


@given(listings())
def test_near_valid_pages_never_escape_the_html_parser(body: bytes) -> None:
    check("html", body)
