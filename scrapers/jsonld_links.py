"""Links from a listing page to event pages, for the fetch layer to follow.

Only links that look like single events are kept: entries of a schema.org ItemList,
event pages on the platforms reformers use (Eventbrite, Meetup, Luma, ti.to), and this
site's own /event/... pages. The caller decides which hosts it may fetch and how many.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from scrapers.jsonld_page import Page

_TRACKING = re.compile(r"^(?:utm_.*|fbclid|gclid|mc_cid|mc_eid|_ga)$", re.I)
_MEETUP_TRACKING = frozenset({"recId", "recSource", "eventOrigin", "searchId"})
_EVENTBRITE = re.compile(r"(?:^|\.)eventbrite(?:\.[a-z]{2,3}){1,2}$")
_EVENTBRITE_PATH = re.compile(r"/e/(?:[^/]+-tickets-\d+|\d+)/?")
_MEETUP_PATH = re.compile(r"/[^/]+/events/\d+/?")
_LUMA_PATH = re.compile(r"/([A-Za-z0-9][\w-]*)/?")
_TITO_PATH = re.compile(r"/([\w-]+)/[\w-]+/?")
# Site pages on these platforms that share the event-link shape.
_PLATFORM_PAGES = frozenset({
    "about", "blog", "calendar", "create", "discover", "docs", "explore", "features", "help",
    "home", "login", "pricing", "privacy", "signin", "signup", "terms",
})  # fmt: skip
# /events/<this> is a listing view, not an event (WordPress event plugins and others).
_LISTING_WORDS = frozenset({
    "archive", "calendar", "categories", "category", "day", "export", "feed", "ical", "list",
    "map", "month", "organiser", "organisers", "organizer", "organizers", "page", "past",
    "photo", "rss", "search", "series", "summary", "tag", "tags", "today", "upcoming",
    "venue", "venues", "week",
})  # fmt: skip
_DATE_SEGMENT = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")
_FILES = (".ics", ".xml", ".rss", ".json", ".pdf", ".jpg", ".jpeg", ".png", ".gif", ".svg")


def follow_links(page: Page, listed: list[str], present: list[str]) -> list[str]:
    """Absolute, de-duplicated, in page order, without pages already read in full."""
    skip = {_key(url) for url in [page.url, page.source.url, *present] if url}
    found: dict[str, str] = {}
    candidates = [(url, True) for url in listed] + [(url, False) for url in _anchors(page)]
    own_hosts = _hosts(page)
    for raw, from_list in candidates:
        url = tidy(_join(page.base, raw))
        if url is None or _key(url) in skip:
            continue
        if from_list or _looks_like_event(url, own_hosts):
            found.setdefault(_key(url), url)
    return list(found.values())


def tidy(url: str | None, keep_fragment: bool = False) -> str | None:
    """An http(s) URL without tracking parameters (and its fragment), or None."""
    try:
        parts = urlsplit(url or "")
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if not _tracking(name, host)]
    # An untouched query keeps its own encoding; a rebuilt one is re-encoded.
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    fragment = parts.fragment if keep_fragment else ""
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", query, fragment))


def _tracking(name: str, host: str) -> bool:
    # Eventbrite's "aff" and Meetup's "recId" name the link's referrer, not the event.
    if _EVENTBRITE.search(host):
        return bool(_TRACKING.match(name)) or name == "aff"
    if host.removeprefix("www.") == "meetup.com":
        return bool(_TRACKING.match(name)) or name in _MEETUP_TRACKING
    return bool(_TRACKING.match(name))


def _key(url: str) -> str:
    """The same page, whatever its scheme, host case or trailing slash."""
    parts = urlsplit(tidy(url) or url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}?{parts.query}"


def _join(base: str, href: str) -> str | None:
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None


def _anchors(page: Page) -> Iterator[str]:
    if page.tree is None:
        return
    for anchor in page.tree.iter("a"):
        href = anchor.get("href")
        if href and not href.lstrip().lower().startswith(("javascript:", "mailto:", "tel:")):
            yield href


def _hosts(page: Page) -> set[str]:
    return {(urlsplit(url).hostname or "").removeprefix("www.") for url in (page.url, page.base)}


def _looks_like_event(url: str, own_hosts: set[str]) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    path = parts.path
    if path.lower().endswith(_FILES) or "ical" in parts.query.lower():
        return False
    if _EVENTBRITE.search(host):
        return bool(_EVENTBRITE_PATH.fullmatch(path))
    if host == "meetup.com":
        return bool(_MEETUP_PATH.fullmatch(path))
    if host in ("lu.ma", "luma.com"):
        return _platform_page(_LUMA_PATH.fullmatch(path))
    if host == "ti.to":
        return _platform_page(_TITO_PATH.fullmatch(path))
    return host in own_hosts and _site_event_path(path)


def _platform_page(match: re.Match[str] | None) -> bool:
    return match is not None and match.group(1).lower() not in _PLATFORM_PAGES


def _site_event_path(path: str) -> bool:
    segments = [segment for segment in path.split("/") if segment]
    for here, after in pairwise(segments):
        if here.lower() in ("event", "events"):
            word = after.lower()
            return word not in _LISTING_WORDS and not _DATE_SEGMENT.fullmatch(word)
    return False
