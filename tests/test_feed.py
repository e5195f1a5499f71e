"""The RSS/Atom parser against real-world-shaped fixtures and hostile input."""

from __future__ import annotations

import json
import random
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser.http
import pytest

from scrapers import feed
from scrapers.feed_text import attendance, find_postcode, plain_text
from scrapers.model import Event, ParseContext, ParseResult, Post, Source

FIXTURES = Path(__file__).parent / "fixtures" / "feed"
CTX = ParseContext(now=datetime(2026, 1, 15, tzinfo=UTC))
SOURCE_URLS = {
    "gds_blog": "https://gds.blog.gov.uk/feed/",
    "ukgovcamp_feed": "https://www.ukgovcamp.com/feed.xml",
    "events_page": "https://www.example-council.gov.uk/events/",
}


def source(name: str = "test", url: str = "https://example.org/feed/", **kw: Any) -> Source:
    return Source(id=name, name=name, organiser="Example", url=url, kind="feed", **kw)


def parse_fixture(name: str) -> ParseResult:
    [body_path] = [p for p in FIXTURES.glob(f"{name}.*") if p.name != f"{name}.expected.json"]
    url = SOURCE_URLS.get(name, "https://example.org/feed/")
    return feed.parse(source(name, url), body_path.read_bytes(), CTX)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def serialise_event(event: Event) -> dict[str, Any]:
    location = event.location
    return {
        "kind": "event",
        "source_uid": event.source_uid,
        "title": event.title,
        "url": event.url,
        "start": iso(event.start),
        "end": iso(event.end),
        "all_day": event.all_day,
        "timezone": event.timezone,
        "location": {"name": location.name, "postcode": location.postcode} if location else None,
        "attendance": event.attendance,
        "status": event.status,
        "organiser": event.organiser,
        "categories": list(event.categories),
        "description": event.description,
    }


def serialise_post(post: Post) -> dict[str, Any]:
    return {
        "kind": "post",
        "source_uid": post.source_uid,
        "title": post.title,
        "url": post.url,
        "published": iso(post.published),
        "author": post.author,
        "summary": post.summary,
    }


def serialise(result: ParseResult) -> dict[str, Any]:
    return {
        "error": result.error,
        "warnings": list(result.warnings),
        "events": [serialise_event(e) for e in result.events],
        "posts": [serialise_post(p) for p in result.posts],
    }


FIXTURE_NAMES = sorted(
    p.name.removesuffix(".expected.json") for p in FIXTURES.glob("*.expected.json")
)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_matches_expected(name: str) -> None:
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert serialise(parse_fixture(name)) == expected


def test_fixtures_cover_the_cases_we_promise() -> None:
    assert {
        "gds_blog",
        "ukgovcamp_feed",
        "events_ev",
        "events_xcal",
        "broken_rss",
        "events_page",
        "empty",
    } <= set(FIXTURE_NAMES)


def test_blog_feed_gives_posts_and_never_events() -> None:
    result = parse_fixture("gds_blog")
    # The first post announces a meetup with a date and a postcode in prose: still a post.
    assert result.events == ()
    assert len(result.posts) == 3
    assert all(p.published and p.published.tzinfo for p in result.posts)


def test_event_feed_drops_events_outside_the_window() -> None:
    result = parse_fixture("events_ev")
    titles = {e.title for e in result.events}
    assert "Local gov digital unconference 2025" not in titles
    assert all(CTX.window_start <= e.start <= CTX.window_end for e in result.events)


def test_unreadable_event_date_keeps_the_entry_as_a_post() -> None:
    result = parse_fixture("events_ev")
    assert "Content design community day" in {p.title for p in result.posts}
    assert any("'TBC'" in w for w in result.warnings)


@pytest.mark.parametrize("name", ["events_page", "empty", "json_feed", "gzipped"])
def test_non_feeds_are_errors_in_plain_words(name: str) -> None:
    result = parse_fixture(name)
    assert result.error and result.error.startswith("not an RSS or Atom feed: ")
    assert result.events == ()
    assert result.posts == ()


def test_html_page_error_names_the_advertised_feed() -> None:
    error = parse_fixture("events_page").error or ""
    assert "https://www.example-council.gov.uk/feed/" in error


def test_broken_feed_keeps_entries_and_warns() -> None:
    result = parse_fixture("broken_rss")
    assert result.error is None
    assert len(result.posts) == 4
    assert result.warnings and "not well-formed XML" in result.warnings[0]


def test_naive_times_use_the_source_timezone() -> None:
    body = _ev_feed("2026-07-02T18:00:00")
    [event] = feed.parse(source(timezone="Europe/London"), body, CTX).events
    assert event.start.utcoffset() is not None
    assert event.start.astimezone(UTC) == datetime(2026, 7, 2, 17, 0, tzinfo=UTC)
    assert event.timezone == "Europe/London"
    [event] = feed.parse(source(timezone="America/New_York"), body, CTX).events
    assert event.start.astimezone(UTC) == datetime(2026, 7, 2, 22, 0, tzinfo=UTC)


def test_unknown_timezone_falls_back_to_london_with_a_warning() -> None:
    result = feed.parse(source(timezone="Mars/Olympus"), _ev_feed("2026-07-02T18:00"), CTX)
    [event] = result.events
    assert event.start.astimezone(UTC).hour == 17
    assert any("Mars/Olympus" in w for w in result.warnings)


def test_source_uid_falls_back_from_guid_to_link_to_hash() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>A</title><guid isPermaLink="false">g-1</guid><link>https://x.org/a</link></item>
    <item><title>B</title><link>https://x.org/b</link></item>
    <item><title>C</title></item>
    <item><title>C</title></item>
    </channel></rss>"""
    posts = feed.parse(source(), body, CTX).posts
    uids = [p.source_uid for p in posts]
    assert uids[:2] == ["g-1", "https://x.org/b"]
    assert uids[2].startswith("sha256:") and uids[2] == uids[3]
    # Stable from one run to the next, so a re-fetch updates rather than duplicates.
    assert feed.parse(source(), body, CTX).posts[2].source_uid == uids[2]


def test_relative_links_resolve_against_the_source_url() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>A</title><link>/news/a</link></item></channel></rss>"""
    [post] = feed.parse(source(url="https://council.example.gov.uk/feed/"), body, CTX).posts
    assert post.url == "https://council.example.gov.uk/news/a"


def test_atom_tag_ids_are_not_taken_for_urls() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>tag:x,2026:f</id>
    <entry><title>A</title><id>tag:x,2026:1</id><updated>2026-01-01T00:00:00Z</updated></entry>
    </feed>"""
    [post] = feed.parse(source(), body, CTX).posts
    assert post.source_uid == "tag:x,2026:1"
    assert post.url is None


def test_summary_is_plain_text_capped_near_1000_chars() -> None:
    words = " ".join(["<p>word&nbsp;<b>bold</b>,</p>"] * 400)
    body = (
        "<rss version='2.0'><channel><title>t</title><item><title>A</title>"
        f"<description><![CDATA[{words}]]></description></item></channel></rss>"
    ).encode()
    [post] = feed.parse(source(), body, CTX).posts
    assert post.summary is not None
    assert len(post.summary) <= 1000 and post.summary.endswith("…")
    assert post.summary.startswith("word bold, word bold,")
    assert "<" not in post.summary


def test_posts_are_never_filtered_by_date() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>Old</title><pubDate>Mon, 01 Jan 2001 00:00:00 GMT</pubDate></item>
    <item><title>Future</title><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
    </channel></rss>"""
    assert len(feed.parse(source(), body, CTX).posts) == 2


def test_publication_dates_never_make_events() -> None:
    # The Events Calendar (WordPress) swaps each pubDate for the event's start and adds
    # no event fields: with nothing but a pubDate to go on, it stays a post.
    body = b"""<rss version="2.0"><channel><title>Events</title>
    <item><title>Show and tell</title><link>https://x.gov.uk/event/show-and-tell/</link>
    <guid isPermaLink="false">https://x.gov.uk/?post_type=tribe_events&amp;p=812</guid>
    <pubDate>Wed, 04 Feb 2026 14:00:00 +0000</pubDate></item></channel></rss>"""
    result = feed.parse(source(), body, CTX)
    assert result.events == ()
    assert [p.published for p in result.posts] == [datetime(2026, 2, 4, 14, 0, tzinfo=UTC)]


def test_event_namespaces_are_found_under_any_prefix() -> None:
    body = b"""<rss version="2.0" xmlns:x="urn:ietf:params:xml:ns:xcal"
    xmlns:cal="http://www.w3.org/2002/12/cal/ical#"><channel><title>t</title>
    <item><title>A</title><x:dtstart>20260203T100000Z</x:dtstart></item>
    <item><title>B</title><cal:dtstart>2026-02-04T10:00:00</cal:dtstart></item>
    </channel></rss>"""
    result = feed.parse(source(), body, CTX)
    assert [e.title for e in result.events] == ["A", "B"]


# --- never fetch, never read files, never raise --------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the feed parser tried to fetch something")

    monkeypatch.setattr(feedparser.http, "get", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.mark.usefixtures("no_network")
def test_a_url_as_body_is_not_fetched() -> None:
    result = feed.parse(source(), b"https://gds.blog.gov.uk/feed/", CTX)
    assert result.error and result.error.startswith("not an RSS or Atom feed")


@pytest.mark.usefixtures("no_network")
def test_a_file_path_as_body_is_not_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text(
        "<rss version='2.0'><channel><title>t</title><item><title>SECRET</title></item>"
        "</channel></rss>"
    )
    result = feed.parse(source(), str(secret).encode(), CTX)
    assert result.posts == ()
    assert result.error is not None


@pytest.mark.usefixtures("no_network")
def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">'
        '<!ENTITY remote SYSTEM "http://127.0.0.1:9/x">]>'
        "<rss version='2.0'><channel><title>t</title><item><title>A &xxe; &remote;</title>"
        "<description>&xxe;</description></item></channel></rss>"
    ).encode()
    result = feed.parse(source(), body, CTX)
    assert len(result.posts) == 1
    assert "SECRET-CONTENT" not in repr(result)


@pytest.mark.usefixtures("no_network")
def test_random_bytes_never_raise() -> None:
    rng = random.Random(20260115)
    seeds = [p.read_bytes() for p in sorted(FIXTURES.glob("*.xml"))]
    for _ in range(300):
        body = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            if body:
                at = rng.randrange(len(body))
                del body[at : at + rng.randint(1, 40)]
                body.insert(rng.randrange(len(body) + 1), rng.randrange(256))
        assert isinstance(feed.parse(source(), bytes(body), CTX), ParseResult)


# --- the small helpers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 Downing Street, London SW1A2AA", "SW1A 2AA"),
        ("Leeds LS1 5AB, UK", "LS1 5AB"),
        ("Manchester M2 3GX", "M2 3GX"),
        ("The White Chapel Building, London E1 8QS", "E1 8QS"),
        ("Room 2.14 at 6pm on 3 February", None),
        ("Online", None),
    ],
)
def test_find_postcode(text: str, expected: str | None) -> None:
    assert find_postcode(text) == expected


@pytest.mark.parametrize(
    ("place", "prose", "expected"),
    [
        ("Online via Zoom", "", "online"),
        ("Microsoft Teams", "", "online"),
        (None, "A webinar on data", "online"),
        ("Civic Hall, Leeds LS1 1UR", "", "in-person"),
        ("Civic Hall, Leeds LS1 1UR", "You can also join online.", "mixed"),
        ("Civic Hall, Leeds LS1 1UR and online", "", "mixed"),
        (None, "How product teams redesigned online services", "unknown"),
        (None, "", "unknown"),
    ],
)
def test_attendance(place: str | None, prose: str, expected: str) -> None:
    assert attendance(place, prose) == expected


def test_plain_text_keeps_punctuation_with_inline_markup() -> None:
    html = "<p>Hello <a href='/x'>world</a>.</p><p>Next&nbsp;para</p><script>x()</script>"
    assert plain_text(html) == "Hello world. Next para"


def _ev_feed(start: str) -> bytes:
    return (
        '<rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/"><channel>'
        f"<title>t</title><item><title>E</title><ev:startdate>{start}</ev:startdate>"
        "</item></channel></rss>"
    ).encode()
