"""RSS items written directly as text: the fast path of the cached publisher.

feeds.rss builds each feed with ElementTree, the reference the tests read. An item is
the same in every feed that carries the event, so here it is written once, with the
escaping and the indentation ElementTree gives it (ET.indent, two spaces a level; an
empty element as "<tag />"), and each feed is its channel followed by its items. The
bytes are the same as feeds.rss's and feeds.changes_feed's (tests/test_feeds_fast.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from feeds.changes_feed import change_html, change_title, changes_description, changes_slug
from feeds.changes_feed import changes_title as changes_feed_title
from feeds.ical import clean_text, event_uid, profession_names
from feeds.rss import ATOM_NS, item_html, item_title, rfc822
from feeds.sanitise import sanitise_html, web_url
from feeds.specs import FeedSpec
from warehouse.news_types import Change
from warehouse.records import StoredEvent

_CHILD = "\n      "  # before each element of an item: the item is at level 2
_CLOSE = "\n  </channel>\n</rss>\n"


def escape(text: str) -> str:
    """ElementTree's escaping of element text."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _element(tag: str, text: str, attrs: str = "") -> str:
    body = escape(clean_text(text))
    return f"<{tag}{attrs}>{body}</{tag}>" if body else f"<{tag}{attrs} />"


def item_text(
    *,
    title: str,
    link: str | None,
    description_html: str,
    guid: str,
    published: datetime,
    categories: Sequence[str] = (),
) -> str:
    """feeds.rss.add_item's <item>, as text indented for its place in a channel."""
    parts = [_element("title", title)]
    href = web_url(link)
    if href:
        parts.append(_element("link", href))
    parts.append(_element("description", sanitise_html(description_html)))
    parts.append(_element("guid", guid, ' isPermaLink="false"'))
    parts.append(_element("pubDate", rfc822(published)))
    parts += [_element("category", name) for name in categories]
    return "<item>" + "".join(_CHILD + part for part in parts) + "\n    </item>"


def event_item(stored: StoredEvent) -> str:
    """The item of feeds.rss.render_rss for one event, the same in every feed."""
    return item_text(
        title=item_title(stored.event),
        link=stored.event.url,
        description_html=item_html(stored),
        guid=event_uid(stored.event),
        published=stored.first_seen,
        categories=profession_names(stored),
    )


def change_item(change: Change) -> str:
    """The item of feeds.changes_feed.render_changes for one change."""
    return item_text(
        title=change_title(change),
        link=change.entry.event.url,
        description_html=change_html(change),
        guid=change.guid,
        published=change.at,
        categories=profession_names(change.entry),
    )


def escape_attribute(text: str) -> str:
    """ElementTree's escaping of an attribute value."""
    text = escape(text).replace('"', "&quot;")
    return text.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")


@lru_cache(maxsize=2048)
def _channel_parts(
    title: str, description: str, slug: str, base_url: str | None
) -> tuple[str, str]:
    """feeds.rss.start_channel's document up to its first item, without closing tags,
    split around lastBuildDate: the only part that changes between publishes. Written
    as text because building and serialising the ElementTree cost about a millisecond a
    file, three files a feed."""
    base = base_url.rstrip("/") + "/" if base_url else ""
    self_link = escape_attribute(f"{base}{slug}.xml")
    before = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<rss xmlns:atom="{ATOM_NS}" version="2.0">\n  <channel>\n    '
        f"{_element('title', title)}\n    "
        f"{_element('link', f'{base}index.html')}\n    "
        f"{_element('description', description)}\n    "
        "<language>en-gb</language>\n    <lastBuildDate>"
    )
    after = (
        "</lastBuildDate>\n    <ttl>360</ttl>\n    "
        f'<atom:link href="{self_link}" rel="self" type="application/rss+xml" />'
    )
    return before, after


def _channel(title: str, description: str, slug: str, now: datetime, base: str | None) -> str:
    """The document up to its first item: an empty channel without its closing tags."""
    before, after = _channel_parts(title, description, slug, base)
    return f"{before}{escape(rfc822(now))}{after}"


def rss_document(
    spec: FeedSpec, items: Sequence[str], now: datetime, base_url: str | None
) -> bytes:
    """feeds.rss.render_rss's bytes from the feed's items, in its order."""
    head = _channel(spec.title, spec.description, spec.slug, now, base_url)
    return _join(head, items)


def changes_document(
    spec: FeedSpec, items: Sequence[str], now: datetime, base_url: str | None
) -> bytes:
    """feeds.changes_feed.render_changes's bytes from the feed's change items, newest
    first."""
    title, text = changes_feed_title(spec), changes_description(spec)
    return _join(_channel(title, text, changes_slug(spec), now, base_url), items)


def _join(head: str, items: Sequence[str]) -> bytes:
    return "".join([head, *("\n    " + item for item in items), _CLOSE]).encode()
