"""Fetch, parse, and follow the links parsers ask for: event pages linked from a
listing, the next page of an API. Bounded per source, and only to the source's own
host or a known event platform, so a listing cannot send Convene across the web."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

from scrapers.fetch import fetch_all
from scrapers.fetch_types import FetchOutcome, FetchSettings, Remembered
from scrapers.model import Event, ParseContext, Parser, ParseResult, Source
from scrapers.pipeline import SourceResult, parse_outcome
from scrapers.robots import RobotsCache

# Hosts whose event pages a listing on another host may link to.
PLATFORM_HOSTS = ("eventbrite.", "meetup.com", "lu.ma", "luma.com", "ti.to")
# How many rounds of links to follow. A listing links to event pages (depth 1);
# an API's pages link to the next page, one round per page.
FOLLOW_DEPTH: Mapping[str, int] = {"wordpress-events": 1000}
DEFAULT_DEPTH = 1


def allowed(source: Source, link: str) -> bool:
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    home = (urlsplit(source.url).hostname or "").lower()
    host = parts.hostname.lower()
    same_site = host == home or host.removeprefix("www.") == home.removeprefix("www.")
    return same_site or any(p in host for p in PLATFORM_HOSTS)


async def collect(
    sources: Sequence[Source],
    parsers: Mapping[str, Parser],
    ctx: ParseContext,
    settings: FetchSettings | None = None,
    known: Mapping[str, Remembered] | None = None,
) -> list[SourceResult]:
    """Fetch and parse `sources`, then the pages they link to.

    `known` holds what earlier refreshes remembered: each URL's validators and digest,
    and each site's robots.txt answer (see RobotsRecord), reused while young enough.
    The outcomes carry the robots.txt answers read afresh, for the store to remember.
    """
    known = known or {}
    validators = {url: k.validators for url, k in known.items()}
    robots = _robots_cache(known, settings or FetchSettings())
    # Each document is parsed on a worker thread as soon as it arrives, while the event
    # loop goes on fetching: parsing after the last fetch left the network idle for the
    # whole parse (first refresh of 1,000 sources: 0.69x the time, bench/fetch_parse_overlap.py).
    with ThreadPoolExecutor(1, thread_name_prefix="parse") as pool:
        parsing: dict[str, Future[SourceResult]] = {}

        def parse_soon(s: Source, outcome: FetchOutcome) -> None:
            digest = known[s.url].digest if s.url in known else None
            parsing[s.id] = pool.submit(parse_outcome, s, outcome, parsers[s.kind], ctx, digest)

        await fetch_all(sources, settings, validators, robots=robots, on_outcome=parse_soon)
        results = [parsing[s.id].result() for s in sources]
    return await _follow(results, parsers, ctx, settings, robots)


def _robots_cache(known: Mapping[str, Remembered], settings: FetchSettings) -> RobotsCache:
    records = [k.robots for k in known.values() if k.robots is not None]
    return RobotsCache(remembered=records, max_age=timedelta(hours=settings.robots_max_age_hours))


async def _follow(
    results: list[SourceResult],
    parsers: Mapping[str, Parser],
    ctx: ParseContext,
    settings: FetchSettings | None,
    robots: RobotsCache,
) -> list[SourceResult]:
    merged = {r.source.id: r for r in results}
    budget = {r.source.id: r.source.max_pages for r in results}
    seen = {r.source.id: {r.source.url} for r in results}
    frontier = {r.source.id: r.parsed.follow for r in results if r.status == "ok"}
    for _depth in range(max([DEFAULT_DEPTH, *FOLLOW_DEPTH.values()])):
        pages = _next_pages(merged, frontier, budget, seen)
        if not pages:
            break
        # The same robots.txt answers as the listings': one request per site per refresh.
        outcomes = await fetch_all([page for page, _ in pages], settings, robots=robots)
        frontier = {}
        for page, parent in pages:
            parsed = _parse_page(page, parent, outcomes[page.id], parsers, ctx)
            merged[parent.id] = _merge(merged[parent.id], parsed)
            if _depth + 1 < FOLLOW_DEPTH.get(parent.kind, DEFAULT_DEPTH):
                frontier[parent.id] = frontier.get(parent.id, ()) + parsed.follow
    return [merged[r.source.id] for r in results]


def _next_pages(
    merged: Mapping[str, SourceResult],
    frontier: Mapping[str, tuple[str, ...]],
    budget: dict[str, int],
    seen: dict[str, set[str]],
) -> list[tuple[Source, Source]]:
    pages: list[tuple[Source, Source]] = []
    for source_id, links in frontier.items():
        parent = merged[source_id].source
        for link in links:
            if budget[source_id] <= 0 or link in seen[source_id] or not allowed(parent, link):
                continue
            budget[source_id] -= 1
            seen[source_id].add(link)
            page_id = f"{source_id}#{len(seen[source_id])}"
            pages.append((replace(parent, id=page_id, url=link), parent))
    return pages


def _parse_page(
    page: Source,
    parent: Source,
    outcome: FetchOutcome,
    parsers: Mapping[str, Parser],
    ctx: ParseContext,
) -> ParseResult:
    result = parse_outcome(page, outcome, parsers[parent.kind], ctx)
    if result.status != "ok":
        return ParseResult(warnings=(f"linked page {page.url}: {result.error}",))
    events = tuple(_owned(e, parent) for e in result.parsed.events)
    posts = tuple(replace(p, source_id=parent.id) for p in result.parsed.posts)
    warnings = tuple(f"linked page {page.url}: {w}" for w in result.parsed.warnings)
    return ParseResult(events, posts, warnings, follow=result.parsed.follow)


def _owned(event: Event, parent: Source) -> Event:
    return replace(event, source_id=parent.id)


def _merge(result: SourceResult, page: ParseResult) -> SourceResult:
    """Add a linked page's events; the listing's own copy of an event wins."""
    have = {e.source_uid for e in result.parsed.events}
    events = result.parsed.events + tuple(e for e in page.events if e.source_uid not in have)
    parsed = replace(
        result.parsed,
        events=events,
        posts=result.parsed.posts + page.posts,
        warnings=result.parsed.warnings + page.warnings,
        follow=(),
    )
    return replace(result, parsed=parsed)
