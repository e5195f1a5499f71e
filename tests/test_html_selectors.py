"""scrapers.html: pages with no structured data, read by the CSS selectors of the source.

Each fixture NAME.html sits beside NAME.expected.json, checked by hand against the
fixture and the source settings in SOURCES below. After a deliberate change, rewrite them
with CONVENE_UPDATE_EXPECTED=1 pytest tests/test_html_selectors.py and read the diff.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from expected import check, snapshot

from scrapers.html import parse
from scrapers.model import ParseContext, ParseResult, Source

FIXTURES = Path(__file__).parent / "fixtures" / "html"
LONDON = ZoneInfo("Europe/London")
# Window: 2026-10-27 to 2027-11-26 (30 days back, 365 ahead).
CTX = ParseContext(now=datetime(2026, 11, 26, tzinfo=UTC))

COUNCIL = Source(
    id="northfield-digital",
    name="Northfield City Council Digital Services events",
    organiser="Northfield City Council",
    url="https://www.northfield.gov.example/digital/events",
    kind="html",
    selectors=(
        ("container", "li.event"),
        ("title", "h3"),
        ("date", ".when"),
        ("link", "a"),
        ("location", ".where"),
        ("description", ".summary"),
    ),
    date_format="%d %B %Y, %H:%M",
)
NETWORK = Source(
    id="nw-digital-network",
    name="North West Public Sector Digital Network",
    organiser="North West Public Sector Digital Network",
    url="https://nwdigital.example/whats-on/index.html",
    kind="html",
    selectors=(
        ("container", "div.card"),
        ("title", ".card-title"),
        ("date", ".date"),
        ("location", ".venue"),
    ),
)
SOURCES = {"council_events": COUNCIL, "network_cards": NETWORK}
SIMPLE = Source(
    id="simple",
    name="Simple page",
    organiser="Someone",
    url="https://example.org/events/",
    kind="html",
    selectors=(("container", "li.event"), ("title", "h3"), ("date", ".when")),
)


def page(*items: str) -> bytes:
    return ("<html><body><ul>" + "".join(items) + "</ul></body></html>").encode()


def item(title: str = "Show and tell", when: str = "12 March 2027", extra: str = "") -> str:
    return f'<li class="event"><h3>{title}</h3><p class="when">{when}</p>{extra}</li>'


HTML_PLACE = ("name", "postcode")
HTML_EXTRA = ("description",)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_fixture_gives_expected_events(name: str) -> None:
    expected_path = FIXTURES / f"{name}.expected.json"
    check(
        snapshot(
            parse(SOURCES[name], (FIXTURES / f"{name}.html").read_bytes(), CTX),
            HTML_PLACE,
            HTML_EXTRA,
        ),
        expected_path,
    )


def test_every_fixture_has_a_source() -> None:
    assert {path.stem for path in FIXTURES.glob("*.html")} == set(SOURCES)


def test_the_council_page_keeps_good_items_and_says_which_it_skipped() -> None:
    result = parse(COUNCIL, (FIXTURES / "council_events.html").read_bytes(), CTX)
    assert result.error is None
    assert [event.title for event in result.events] == [
        "Open data surgery",
        "Show & tell: sprint 42 of the new bins service",
        "Writing for the web: a half-day course",
        "CANCELLED: Accessibility clinic",
    ]
    assert result.warnings == (
        "item 4 ('Digital inclusion fair'): CSS selector \".when\" (date) matches nothing "
        "inside it; skipped",
        "item 5 ('Ward councillor drop-in: the new website'): the date \"Date to be confirmed\" "
        'does not match the date_format "%d %B %Y, %H:%M"; skipped',
    )
    surgery, show, course, clinic = result.events
    assert (
        surgery.url == "https://www.northfield.gov.example/digital/events/open-data-surgery-march"
    )
    assert surgery.start == datetime(2027, 3, 12, 10, tzinfo=LONDON)
    assert surgery.timezone == "Europe/London"
    # <time datetime> wins over text that the date_format could not read.
    assert show.start == datetime(2027, 4, 8, 13, tzinfo=UTC) and show.timezone is None
    assert (course.start, course.end) == (
        datetime(2027, 5, 20, 9, 30, tzinfo=LONDON),
        datetime(2027, 5, 20, 12, 30, tzinfo=LONDON),
    )
    assert (show.attendance, course.attendance, surgery.attendance) == (
        "mixed",
        "online",
        "in-person",
    )
    assert clinic.status == "cancelled" and clinic.url is None
    assert clinic.source_uid.startswith("sha256:")


def days(first: str, last: str | None = None) -> tuple[datetime, datetime, bool]:
    """An all-day span: midnight UTC of the first day to midnight after the last."""
    start = datetime.fromisoformat(first).replace(tzinfo=UTC)
    end = datetime.fromisoformat(last or first).replace(tzinfo=UTC) + timedelta(days=1)
    return start, end, True


def at(start: str, end: str | None = None) -> tuple[datetime, datetime | None, bool]:
    """A timed span in London time."""
    finish = datetime.fromisoformat(end).replace(tzinfo=LONDON) if end else None
    return datetime.fromisoformat(start).replace(tzinfo=LONDON), finish, False


@pytest.mark.parametrize(
    ("text", "date_format", "expected"),
    [
        ("12 March 2027", None, days("2027-03-12")),
        ("12 Mar 2027", None, days("2027-03-12")),
        ("Friday 12 March 2027", None, days("2027-03-12")),
        ("Fri 12 Mar 2027", None, days("2027-03-12")),
        ("12/03/2027", None, days("2027-03-12")),
        ("12 March 2027 18:30", None, at("2027-03-12 18:30")),
        ("12 March 2027, 18:30", None, at("2027-03-12 18:30")),
        ("12 March 2027 6:30PM", None, at("2027-03-12 18:30")),
        ("12 March 2027 6pm", None, at("2027-03-12 18:00")),
        ("Friday, 12th March 2027 at 6.30 p.m.", None, at("2027-03-12 18:30")),
        ("When: 12 July 2027, 18:30", None, at("2027-07-12 18:30")),
        ("Sept 12 2027", "%b %d %Y", days("2027-09-12")),
        ("12 March 2027, 10:00 to 16:00", None, at("2027-03-12 10:00", "2027-03-12 16:00")),
        ("12 March 2027 10am \u2013 4pm", None, at("2027-03-12 10:00", "2027-03-12 16:00")),
        ("12 March 2027 - 14 March 2027", None, days("2027-03-12", "2027-03-14")),
        (
            "12 March 2027, 10:00 to 13 March 2027, 16:00",
            None,
            at("2027-03-12 10:00", "2027-03-13 16:00"),
        ),
        ("12 March 2027, 10:00 to 09:00", None, at("2027-03-12 10:00")),  # ends before it starts
        ("2027-03-12", None, days("2027-03-12")),
        ("2027-03-12T18:30", None, at("2027-03-12 18:30")),
        ("2027-03-12T18:30:00Z", None, (datetime(2027, 3, 12, 18, 30, tzinfo=UTC), None, False)),
        ("12.03.2027 18:30", "%d.%m.%Y %H:%M", at("2027-03-12 18:30")),
        (
            "2027/03/12 18:30 +0100",
            "%Y/%m/%d %H:%M %z",
            (datetime(2027, 3, 12, 17, 30, tzinfo=UTC), None, False),
        ),
        ("12 - 14 March 2027", None, None),
        ("12 March 2027", "%d/%m/%Y", None),
        ("Next Tuesday", None, None),
        ("", None, None),
    ],
)
def test_date_formats(
    text: str, date_format: str | None, expected: tuple[datetime, datetime | None, bool] | None
) -> None:
    source = replace(SIMPLE, date_format=date_format)
    result = parse(source, page(item(when=text), item(title="Anchor", when="1 July 2027")), CTX)
    events = [event for event in result.events if event.title != "Anchor"]
    if expected is None:
        assert events == [] and "does not match" in result.warnings[0]
        return
    (event,) = events
    assert (event.start, event.end, event.all_day) == expected


@pytest.mark.parametrize(
    "when",
    [
        '<time datetime="2027-03-12T18:30:00+00:00">next Friday evening</time>',
        '<span>Friday</span> <time datetime="2027-03-12T18:30">evening</time>',
    ],
)
def test_a_time_element_wins_over_the_text(when: str) -> None:
    source = replace(SIMPLE, date_format="%d %B %Y")
    (event,) = parse(source, page(item(when=when)), CTX).events
    assert event.start == datetime(2027, 3, 12, 18, 30, tzinfo=UTC)


def test_a_date_element_that_is_itself_a_time_element() -> None:
    body = page(
        '<li class="event"><h3>Day</h3><time class="when" datetime="2027-03-12">Fri</time></li>'
    )
    (event,) = parse(SIMPLE, body, CTX).events
    assert event.all_day and (event.start, event.end) == (
        datetime(2027, 3, 12, tzinfo=UTC),
        datetime(2027, 3, 13, tzinfo=UTC),
    )


def test_a_time_element_with_only_a_clock_falls_back_to_the_text() -> None:
    body = page(item(when='12 March 2027, <time datetime="18:30">6.30pm</time>'))
    (event,) = parse(SIMPLE, body, CTX).events
    assert event.start == datetime(2027, 3, 12, 18, 30, tzinfo=LONDON)


def test_a_container_selector_that_matches_nothing_is_an_error() -> None:
    source = replace(
        SIMPLE, selectors=(("container", "div.event"), ("title", "h3"), ("date", ".when"))
    )
    result = parse(source, page(item()), CTX)
    assert result.error == (
        'CSS selector "div.event" (container) matches nothing on the page: the page layout may '
        "have changed"
    )
    assert parse(SIMPLE, b"", CTX).error == (
        'CSS selector "li.event" (container) matches nothing on the page: the response was empty'
    )


def test_one_broken_item_is_skipped_with_a_warning() -> None:
    result = parse(SIMPLE, page(item(), '<li class="event"><h3>No date</h3></li>'), CTX)
    assert [event.title for event in result.events] == ["Show and tell"]
    assert result.warnings == (
        "item 2 ('No date'): CSS selector \".when\" (date) matches nothing inside it; skipped",
    )


def test_an_empty_title_is_a_broken_item() -> None:
    result = parse(SIMPLE, page(item(), item(title=" ")), CTX)
    assert len(result.events) == 1
    assert result.warnings == ('item 2: its title ("h3") is empty; skipped',)


def test_every_item_broken_is_an_error() -> None:
    result = parse(
        SIMPLE,
        page('<li class="event"><p class="when">12 March 2027</p></li>') + page(item(when="soon")),
        CTX,
    )
    assert result.error == (
        'none of the 2 items that CSS selector "li.event" (container) matches could be read: '
        'the page layout may have changed. First problem: item 1: CSS selector "h3" (title) '
        "matches nothing inside it; skipped"
    )
    assert result.events == () and len(result.warnings) == 2


def test_items_outside_the_window_are_no_error() -> None:
    result = parse(SIMPLE, page(item(when="1 January 2020")), CTX)
    assert result == ParseResult()


@pytest.mark.parametrize(
    ("selectors", "missing"),
    [
        ((), "container and title and date"),
        ((("container", "li.event"),), "title and date"),
        ((("container", "li.event"), ("title", "h3"), ("date", "  ")), "date"),
    ],
)
def test_missing_selectors_are_an_error(
    selectors: tuple[tuple[str, str], ...], missing: str
) -> None:
    result = parse(replace(SIMPLE, selectors=selectors), page(item()), CTX)
    assert result.error == (
        f"the source has no CSS selector for {missing}: an html source needs selectors for "
        "container, title and date (link, location and description are optional)"
    )


def test_a_selector_that_is_not_css_is_an_error() -> None:
    source = replace(SIMPLE, selectors=(*SIMPLE.selectors, ("location", "p[class=")))
    result = parse(source, page(item()), CTX)
    assert result.error is not None
    assert result.error.startswith('CSS selector "p[class=" (location) is not valid CSS: ')


def test_an_optional_selector_that_matches_no_item_is_a_warning() -> None:
    source = replace(SIMPLE, selectors=(*SIMPLE.selectors, ("location", ".venue")))
    result = parse(source, page(item(), item(title="Other")), CTX)
    assert len(result.events) == 2
    assert result.warnings == (
        'CSS selector ".venue" (location) matches nothing in any item; '
        "check it still fits the page",
    )


def test_links_resolve_against_the_page_and_give_the_uid() -> None:
    body = page(
        item(title='<a href="/e/1">One</a>'),
        item(title="Two", extra='<a href="https://other.example/e/2">Book</a>'),
        item(title='<a href="#top">Three</a>'),
        item(title='<a href="/e/1">One again</a>', when="13 March 2027"),
    )
    events = parse(SIMPLE, body, CTX).events
    assert [event.url for event in events] == [
        "https://example.org/e/1",
        "https://other.example/e/2",
        None,
        "https://example.org/e/1",
    ]
    uids = [event.source_uid for event in events]
    assert uids[:2] == ["https://example.org/e/1", "https://other.example/e/2"]
    assert uids[2].startswith("sha256:")
    assert uids[3] == "https://example.org/e/1#2027-03-13T00:00:00+00:00"


def test_the_uid_without_a_link_is_stable_and_follows_title_and_date() -> None:
    def uid(title: str, when: str) -> str:
        return parse(SIMPLE, page(item(title=title, when=when)), CTX).events[0].source_uid

    assert uid("A", "12 March 2027") == uid("A", "12 March 2027")
    assert uid("A", "12 March 2027") != uid("A", "13 March 2027") != uid("B", "13 March 2027")


def test_an_unknown_source_zone_falls_back_to_london_with_a_warning() -> None:
    source = replace(SIMPLE, timezone="Mars/Olympus")
    result = parse(source, page(item(when="12 March 2027 18:30")), CTX)
    assert result.events[0].start == datetime(2027, 3, 12, 18, 30, tzinfo=LONDON)
    assert result.events[0].timezone == "Europe/London"
    assert "source time zone 'Mars/Olympus' is unknown" in result.warnings[0]


def test_mangled_fixtures_never_raise() -> None:
    for name, source in SOURCES.items():
        data = (FIXTURES / f"{name}.html").read_bytes()
        for cut in range(0, len(data), max(len(data) // 50, 1)):
            mangled = bytearray(data)
            mangled[cut : cut + 6] = b'<\x00>&;"'[: len(mangled[cut : cut + 6])]
            for variant in (data[:cut], bytes(mangled)):
                assert isinstance(parse(source, variant, CTX), ParseResult), name


def test_odd_bodies_never_raise() -> None:
    for body in (b"\x00\xff" * 100, b'{"events": []}', b"<li class=event>", bytes(range(256))):
        result = parse(SIMPLE, body, CTX)
        assert isinstance(result, ParseResult) and result.events == ()
    deep = page(item(when="<b>" * 500 + "12 March 2027" + "</b>" * 500))
    assert len(parse(SIMPLE, deep, CTX).events) == 1
