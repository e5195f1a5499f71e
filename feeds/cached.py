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
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING

from feeds.ical_text import (
    VEventText,
    explanation_text,
    ics_document,
    utc_stamp,
    vevent_text,
)
from feeds.rss_text import change_item, changes_document, event_item, rss_document
from feeds.specs import FeedSpec, explain
from warehouse.news_types import Change
from warehouse.records import StoredEvent

if TYPE_CHECKING:
    from feeds.render_store import RenderStore


# The render store's kinds the feeds use (the pages use the others).
FEED_PIECES = ("vevent", "item", "change")


def digest(value: object) -> bytes:
    # The records are frozen dataclasses of plain values, so repr() is a faithful and
    # stable serialisation of everything a render reads.
    return hashlib.sha256(repr(value).encode()).digest()


class Cache:
    """Each event's and each change's pieces, keyed by the object: the publisher hands
    the same objects to every feed that carries them, and keeps them alive meanwhile.
    With a `store` (feeds.render_store), pieces rendered by an earlier publish are
    reused by the digest of their record, and the new ones kept for the next."""

    def __init__(
        self, now: datetime, base_url: str | None, store: RenderStore | None = None
    ) -> None:
        self.now = now
        self.base_url = base_url
        self.store = store
        self._stamp = utc_stamp(now)
        self._vevents: dict[int, VEventText] = {}
        self._items: dict[int, str] = {}
        self._digests: dict[int, bytes] = {}

    def digest_of(self, record: object) -> bytes:
        found = self._digests.get(id(record))
        if found is None:
            if isinstance(record, Change):
                # A change's repr holds its whole event, most often an event this
                # publish has digested already: its digest stands in for it.
                found = digest((_change_own(record), self.digest_of(record.entry)))
            else:
                found = digest(record)
            self._digests[id(record)] = found
        return found

    def seen(self) -> set[bytes]:
        """The digest of every record this publish fingerprinted or rendered."""
        return set(self._digests.values())

    def vevent(self, stored: StoredEvent) -> VEventText:
        key = id(stored)
        found = self._vevents.get(key)
        if found is None:
            found = self._vevents[key] = self._stored_vevent(stored)
        return found

    def _stored_vevent(self, stored: StoredEvent) -> VEventText:
        if self.store is None:
            return vevent_text(stored, self.now)
        key = self.digest_of(stored)
        kept = self.store.get("vevent", key)
        restamped = _restamped(kept, self._stamp) if isinstance(kept, tuple) else None
        if restamped is not None:
            return restamped
        made = vevent_text(stored, self.now)
        self.store.put("vevent", key, _vevent_piece(made, self._stamp))
        return made

    def item(self, record: StoredEvent | Change) -> str:
        key = id(record)
        found = self._items.get(key)
        if found is None:
            found = self._items[key] = self._stored_item(record)
        return found

    def _stored_item(self, record: StoredEvent | Change) -> str:
        if self.store is None:
            return _item(record)
        kind = "item" if isinstance(record, StoredEvent) else "change"
        key = self.digest_of(record)
        kept = self.store.get(kind, key)
        if isinstance(kept, str):
            return kept
        made = _item(record)
        self.store.put(kind, key, made)
        return made

    def fingerprint(self, key: str, head: object, records: Sequence[object]) -> str:
        """A digest of everything the render of `key` reads except the clock: `head`
        (the feed) and each record, each record's digest made once."""
        total = hashlib.sha256(repr((key, self.base_url, head)).encode())
        for record in records:
            total.update(self.digest_of(record))
        return total.hexdigest()

    def drop_texts(self) -> None:
        """Free the rendered pieces once every feed is written (keeping the new ones in
        the render store first); the digests stay."""
        self._vevents.clear()
        self._items.clear()
        if self.store is not None:
            self.store.flush(FEED_PIECES, self.seen())

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


def _change_own(change: Change) -> tuple[object, ...]:
    """A change's fields but its event, in order."""
    return tuple(getattr(change, f.name) for f in fields(Change) if f.name != "entry")


def _item(record: StoredEvent | Change) -> str:
    return event_item(record) if isinstance(record, StoredEvent) else change_item(record)


def _vevent_piece(made: VEventText, stamp: str) -> tuple[object, ...]:
    tzids = tuple(sorted(made.tzids))
    return (stamp, made.before, made.done, made.open, made.after, tzids, made.years)


def _restamped(piece: tuple[object, ...], stamp: str) -> VEventText | None:
    """A VEVENT kept from an earlier publish, its DTSTAMP (the time the feed was made,
    RFC 5545 3.8.7.2 under METHOD:PUBLISH) moved to this one's; None if the piece is not
    one. The line follows SUMMARY and the times, whose text cannot hold a bare CRLF, so
    its first match is it."""
    if len(piece) != 7:
        return None
    old, before, done, opened, after, tzids, years = piece
    texts = (old, before, done, opened, after)
    if not all(isinstance(t, str) for t in texts) or not isinstance(tzids, list | tuple):
        return None
    if not (isinstance(years, list | tuple) and len(years) == 2):
        return None
    if not all(isinstance(y, int) for y in years):
        return None
    old, before, done, opened, after = (str(t) for t in texts)
    if old != stamp:
        before = before.replace(f"\r\nDTSTAMP:{old}\r\n", f"\r\nDTSTAMP:{stamp}\r\n", 1)
    return VEventText(before, done, opened, after, frozenset(map(str, tzids)), (years[0], years[1]))
