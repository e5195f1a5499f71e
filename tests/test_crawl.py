"""Following links from listings and API pages: host rules, caps, depth, merging."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from httpserver import serve

from scrapers.crawl import allowed, collect
from scrapers.fetch_types import FetchSettings
from scrapers.model import Event, ParseContext, ParseResult, Source
from scrapers.registry import PARSERS

NOW = datetime(2026, 11, 26, tzinfo=UTC)
SETTINGS = FetchSettings(per_host=8, host_delay=0, timeout=5, backoff_base=0.01)


def tiny(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
    """A toy format: 'event NAME' and 'follow URL' lines, to test the crawl alone."""
    events, follow = [], []
    for line in body.decode().splitlines():
        word, _, rest = line.partition(" ")
        if word == "event":
            events.append(Event(source.id, rest, rest, NOW + timedelta(days=1)))
        elif word == "follow":
            follow.append(rest if "://" in rest else source.url.rsplit("/", 1)[0] + "/" + rest)
    return ParseResult(tuple(events), follow=tuple(follow))


def _source(url: str, kind: str = "jsonld", max_pages: int = 50) -> Source:
    return Source("listing", "Listing", "Org", url, kind, local=True, max_pages=max_pages)


def _collect(source: Source) -> tuple[list[str], list[str]]:
    parsers = {"jsonld": tiny, "wordpress-events": tiny}
    [result] = asyncio.run(collect([source], parsers, ParseContext(now=NOW), SETTINGS))
    assert result.status == "ok" and all(e.source_id == "listing" for e in result.parsed.events)
    return [e.source_uid for e in result.parsed.events], list(result.parsed.warnings)


def test_listing_follows_event_pages_once_and_merges(tmp_path: Path) -> None:
    (tmp_path / "list").write_text(
        "event a\nfollow e1\nfollow e2\nfollow e1\nfollow missing\n"
        "follow https://elsewhere.example/e9\n"
    )
    (tmp_path / "e1").write_text("event a\nevent b\nfollow e3\n")  # 'a' is the listing's own
    (tmp_path / "e2").write_text("event c\n")
    (tmp_path / "e3").write_text("event d\n")  # depth 2: not followed for listings
    with serve(tmp_path) as server:
        uids, warnings = _collect(_source(server.url("list")))
    assert uids == ["a", "b", "c"]
    assert len(warnings) == 1 and "linked page" in warnings[0] and "missing" in warnings[0]
    assert "HTTP 404" in warnings[0]


def test_cap_on_pages_per_source(tmp_path: Path) -> None:
    (tmp_path / "list").write_text("".join(f"follow e{n}\n" for n in range(10)))
    for n in range(10):
        (tmp_path / f"e{n}").write_text(f"event e{n}\n")
    with serve(tmp_path) as server:
        uids, _ = _collect(_source(server.url("list"), max_pages=3))
    assert uids == ["e0", "e1", "e2"]


def test_api_pages_are_followed_page_after_page(tmp_path: Path) -> None:
    for n in range(1, 5):
        nxt = f"follow p{n + 1}\n" if n < 4 else ""
        (tmp_path / f"p{n}").write_text(f"event x{n}\n{nxt}")
    with serve(tmp_path) as server:
        uids, warnings = _collect(_source(server.url("p1"), kind="wordpress-events"))
    assert uids == ["x1", "x2", "x3", "x4"] and warnings == []


def test_only_own_site_and_event_platforms_are_followed() -> None:
    source = _source("https://www.camp.example/events/")
    assert allowed(source, "https://camp.example/event/ukgovcamp-2027/")
    assert allowed(source, "https://www.eventbrite.co.uk/e/camp-tickets-123")
    assert allowed(source, "https://www.meetup.com/group/events/123/")
    assert allowed(source, "https://lu.ma/abc") and allowed(source, "https://ti.to/org/event")
    assert not allowed(source, "https://tracker.example/pixel")
    assert not allowed(source, "javascript:alert(1)")
    assert not allowed(source, "file:///etc/passwd")


def _event_page(name: str, start: str) -> str:
    return (
        '<html><head><script type="application/ld+json">{"@context": "https://schema.org",'
        f' "@type": "Event", "name": "{name}", "startDate": "{start}",'
        ' "location": {"@type": "Place", "name": "Civic Hall", "address": "Leeds LS1 1UR"}}'
        "</script></head><body><h1>" + name + "</h1></body></html>"
    )


def test_a_real_listing_page_with_the_jsonld_parser(tmp_path: Path) -> None:
    # A camp site's events page: no JSON-LD of its own, links to its event pages.
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "index.html").write_text(
        '<html><body><h1>Events</h1><ul><li><a href="/event/camp-day/">Camp day</a></li>'
        '<li><a href="/event/fringe/">Fringe</a></li>'
        '<li><a href="/event/broken/">Broken</a></li></ul></body></html>'
    )
    for slug, name, start in (
        ("camp-day", "LeedsCamp 2027", "2027-02-06T09:30:00+00:00"),
        ("fringe", "LeedsCamp fringe", "2027-02-05T18:00:00+00:00"),
    ):
        (tmp_path / "event" / slug).mkdir(parents=True)
        (tmp_path / "event" / slug / "index.html").write_text(_event_page(name, start))
    (tmp_path / "event" / "broken").mkdir()
    (tmp_path / "event" / "broken" / "index.html").write_text("<html><p>No event</p></html>")
    with serve(tmp_path) as server:
        listing = Source("camp", "Camp", "Org", server.url("events/"), "jsonld", local=True)
        [result] = asyncio.run(collect([listing], PARSERS, ParseContext(now=NOW), SETTINGS))
    assert result.status == "ok"
    titles = sorted(e.title for e in result.parsed.events)
    assert titles == ["LeedsCamp 2027", "LeedsCamp fringe"]
    assert {e.source_id for e in result.parsed.events} == {"camp"}
    assert {e.location.postcode for e in result.parsed.events if e.location} == {"LS1 1UR"}
    assert any("broken" in w and "no schema.org Event" in w for w in result.parsed.warnings)


def test_documents_are_parsed_on_a_worker_while_others_are_fetched(tmp_path: Path) -> None:
    """A parse starts as soon as its document arrives, off the event loop's thread, and
    results come back in the sources' order, each parsed once."""
    parsed: list[tuple[str, str]] = []

    def slow(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
        parsed.append((source.id, threading.current_thread().name))
        return tiny(source, body, ctx)

    for n in range(6):
        (tmp_path / f"l{n}").write_text(f"event e{n}\n")
    sources = [Source(f"s{n}", f"S{n}", "Org", "", "jsonld", local=True) for n in range(6)]
    with serve(tmp_path) as server:
        sources = [replace(s, url=server.url(f"l{n}")) for n, s in enumerate(sources)]
        results = asyncio.run(collect(sources, {"jsonld": slow}, ParseContext(now=NOW), SETTINGS))
    assert [r.source.id for r in results] == [s.id for s in sources]
    assert [[e.source_uid for e in r.parsed.events] for r in results] == [
        [f"e{n}"] for n in range(6)
    ]
    assert sorted(i for i, _ in parsed) == [s.id for s in sources]
    assert {name for _, name in parsed} != {threading.main_thread().name}
    assert all(name.startswith("parse") for _, name in parsed)


def test_a_parser_bug_is_raised_not_swallowed(tmp_path: Path) -> None:
    def broken(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
        raise ZeroDivisionError("a bug in a parser")

    (tmp_path / "list").write_text("event a\n")
    with serve(tmp_path) as server, pytest.raises(ZeroDivisionError, match="a bug in a parser"):
        source = _source(server.url("list"))
        asyncio.run(collect([source], {"jsonld": broken}, ParseContext(now=NOW), SETTINGS))
