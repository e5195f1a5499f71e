"""The cached publisher: every event serialised once per publish, whatever its feeds.

An event is in about ten feeds (everything, its regions, their in-person feeds, its
professions, their combinations). feeds.ical and feeds.rss render each feed on its own,
so each event was built and serialised about ten times, and fingerprinting a feed for the
manifest (feeds.write) took the repr() of every event of every feed. Here each event's
VEVENT (feeds.ical_text), RSS item (feeds.rss_text) and digest are made at most once,
when a feed that needs them is first rendered, and every feed is assembled from them.
The output is byte for byte what the reference renderers give (tests/test_feeds_fast.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from feeds.ical_text import VEventText, explanation_text, ics_document, vevent_text
from feeds.rss_text import change_item, changes_document, event_item, rss_document
from feeds.specs import FeedSpec, explain
from warehouse.news_types import Change
from warehouse.records import StoredEvent


def digest(value: object) -> bytes:
    # The records are frozen dataclasses of plain values, so repr() is a faithful and
    # stable serialisation of everything a render reads.
    return hashlib.sha256(repr(value).encode()).digest()


class Cache:
    """Each event's and each change's pieces, keyed by the object: the publisher hands
    the same objects to every feed that carries them, and keeps them alive meanwhile."""

    def __init__(self, now: datetime, base_url: str | None) -> None:
        self.now = now
        self.base_url = base_url
        self._vevents: dict[int, VEventText] = {}
        self._items: dict[int, str] = {}
        self._digests: dict[int, bytes] = {}

    def vevent(self, stored: StoredEvent) -> VEventText:
        key = id(stored)
        found = self._vevents.get(key)
        if found is None:
            found = self._vevents[key] = vevent_text(stored, self.now)
        return found

    def item(self, record: StoredEvent | Change) -> str:
        key = id(record)
        found = self._items.get(key)
        if found is None:
            made = event_item(record) if isinstance(record, StoredEvent) else change_item(record)
            found = self._items[key] = made
        return found

    def fingerprint(self, key: str, head: object, records: Sequence[object]) -> str:
        """A digest of everything the render of `key` reads except the clock: `head`
        (the feed) and each record, each record's digest made once."""
        total = hashlib.sha256(repr((key, self.base_url, head)).encode())
        digests = self._digests
        for record in records:
            found = digests.get(id(record))
            if found is None:
                found = digests[id(record)] = digest(record)
            total.update(found)
        return total.hexdigest()

    def drop_texts(self) -> None:
        """Free the rendered pieces once every feed is written; the digests stay."""
        self._vevents.clear()
        self._items.clear()

    def ics(self, spec: FeedSpec, events: Sequence[StoredEvent]) -> bytes:
        """feeds.ical.render_ics(spec, events, now) for events already in its order."""
        pieces = [(self.vevent(s), explanation_text(explain(spec, s))) for s in events]
        return ics_document(spec, pieces, self.now)

    def rss(self, spec: FeedSpec, events: Sequence[StoredEvent]) -> bytes:
        """feeds.rss.render_rss for events already in its order."""
        return rss_document(spec, [self.item(s) for s in events], self.now, self.base_url)

    def changes(self, spec: FeedSpec, changes: Sequence[Change]) -> bytes:
        """feeds.changes_feed.render_changes for changes already newest first."""
        items = [self.item(change) for change in changes]
        return changes_document(spec, items, self.now, self.base_url)
