"""schema.org Events from any HTML page: JSON-LD, microdata and RDFa.

Pure: bytes in, ParseResult out, never raises for bad input. JSON-LD blocks are read
one by one, so a broken block (repaired where it can be) costs only itself; microdata
and RDFa come through extruct. A body that is no web page at all gives an error; an
Event that cannot be used is skipped with a warning naming it. Listing pages also give
the event pages they link to, in ParseResult.follow.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

from scrapers.jsonld_fields import HASHED, build
from scrapers.jsonld_links import follow_links
from scrapers.jsonld_nodes import Found, find, link
from scrapers.jsonld_page import Page, read_page
from scrapers.jsonld_values import Node, literal
from scrapers.model import Event, ParseContext, ParseResult, Source

NO_EVENTS = "no schema.org Event found on the page"


def parse(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
    try:
        return _parse(source, body, ctx)
    except Exception as exc:  # an lxml, extruct or rdflib bug must not take the run down
        return ParseResult(error=f"could not read the page: {type(exc).__name__}: {exc}")


def _parse(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
    warnings: list[str] = []
    page = read_page(source, body, warnings)
    if isinstance(page, str):
        return ParseResult(error=page, warnings=tuple(warnings))
    link(page.data)
    found = find(page.data)
    built = _build_all(found, page, warnings)
    events = _distinct(built)
    if len(events) == 1:
        events = [_single(events[0], page)]
    present = [url for event in built for url in (event.url, event.source_uid) if url]
    follow = follow_links(page, found.listed, present)
    if not found.events:
        warnings.append(NO_EVENTS)
    kept = [event for event in events if _in_window(event, ctx)]
    kept.sort(key=lambda event: (event.start, event.source_uid))
    return ParseResult(
        events=tuple(kept), warnings=tuple(dict.fromkeys(warnings)), follow=tuple(follow)
    )


def _build_all(found: Found, page: Page, warnings: list[str]) -> list[Event]:
    events: list[Event] = []
    for number, node in enumerate(found.events, 1):
        if node.keys() <= {"@id", "@type"}:
            continue  # a reference to an event described nowhere on this page
        if id(node) in found.entries and _pointer(node):
            continue  # a listing's link to an event page: followed, not read here
        try:
            event = build(node, found.holders.get(id(node)), page, warnings)
        except Exception as exc:  # one odd event must not cost the page its others
            warnings.append(f"event {number} on the page could not be read ({exc!r:.200})")
            continue
        events += [event] if event else []
    return events


def _single(event: Event, page: Page) -> Event:
    """A single-event page is itself the event's page, and names it when it has no id."""
    url = event.url or page.url
    hashed = event.source_uid.startswith(HASHED)
    # Only a page that named itself: a followed page without a canonical link is known
    # only by its listing's address, which every event found that way would share.
    uid = page.url if hashed and page.url_is_own else event.source_uid
    return replace(event, url=url, source_uid=uid)


def _pointer(node: Node) -> bool:
    return literal(node.get("startDate")) is None and literal(node.get("url")) is not None


def _distinct(events: list[Event]) -> list[Event]:
    """One event per name and start (JSON-LD first), and one per source_uid."""
    seen: set[tuple[str, object]] = set()
    uids: set[str] = set()
    out: list[Event] = []
    for event in events:
        key = (event.title.casefold(), event.start)
        if key in seen:
            continue
        seen.add(key)
        if event.source_uid in uids:
            # Some sites give every event on a listing the page's own @id.
            uid = f"{event.source_uid}/{event.start.astimezone(UTC).isoformat()}"
            event = replace(event, source_uid=uid)
        uids.add(event.source_uid)
        out.append(event)
    return out


def _in_window(event: Event, ctx: ParseContext) -> bool:
    # An event still running at the window's start is kept, like any overlap.
    return event.start <= ctx.window_end and (event.end or event.start) >= ctx.window_start
