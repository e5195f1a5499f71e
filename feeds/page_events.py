"""Upcoming events as HTML: grouped by UK date, each with its time, place, every listing,
its flags and why it is classified as it is.

Each event carries the facts the filters read (data-r: the regions whose feeds carry it,
data-rp: the places whose in-person feeds carry it, data-p: its professions, data-free),
worked out here by feeds.specs so that the page shows what the feeds carry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import lru_cache
from itertools import groupby
from typing import TYPE_CHECKING

from feeds.ical import all_day_dates, as_utc, display_title, location_text, sort_key
from feeds.page_html import esc, link, long_day, uk_date
from feeds.rss import UK, when_text
from feeds.specs import PLACES, in_region
from scrapers.model import Event
from scrapers.vocab import PROFESSIONS, REGIONS
from warehouse.records import Label, StoredEvent

if TYPE_CHECKING:
    from feeds.cached import Cache

RESTRICTIONS = {
    "civil-servants-only": "Civil servants only",
    "public-sector-only": "Public sector only",
    "invite-only": "Invite only",
}
_KINDS = {"region": "Region", "profession": "Profession", "free": "Price", "restricted": "Who"}


def upcoming(events: Sequence[StoredEvent], now: datetime) -> list[StoredEvent]:
    """Events that have not ended yet, in start order."""
    now = as_utc(now)
    kept = [s for s in events if as_utc(s.event.end or s.event.start) >= now]
    return sorted(kept, key=sort_key)


def first_day(event: Event) -> date:
    return all_day_dates(event)[0] if event.all_day else uk_date(event.start)


def time_text(event: Event) -> str:
    """'18:30 to 20:00 UK time' within a day; the whole span when it runs over days."""
    if event.all_day:
        first, end = all_day_dates(event)
        return "All day" if (end - first).days == 1 else when_text(event)
    start = as_utc(event.start).astimezone(UK)
    if event.end is None or as_utc(event.end) <= as_utc(event.start):
        return f"{start:%H:%M} UK time"
    end = as_utc(event.end).astimezone(UK)
    if end.date() != start.date():
        return when_text(event)
    return f"{start:%H:%M} to {end:%H:%M} UK time"


def place_text(event: Event) -> str:
    where = location_text(event)
    if event.attendance == "online":
        return "Online"
    if event.attendance == "mixed":
        return f"{where}, and online" if where else "In person and online"
    return where or "Place not given"


def label_text(label: Label) -> str:
    if label.kind == "region":
        return REGIONS.get(label.value, label.value)
    if label.kind == "profession":
        return PROFESSIONS.get(label.value, label.value)
    if label.kind == "free":
        return "Free" if label.value == "true" else "Paid"
    return RESTRICTIONS.get(label.value, label.value)


def flags(stored: StoredEvent) -> list[tuple[str, str]]:
    """(css class, text) of each flag: status, price, who may come."""
    found = []
    if stored.event.status in ("cancelled", "postponed"):
        found.append(("flag-status", stored.event.status.capitalize()))
    if stored.free is not None:
        found.append(("flag-free", "Free") if stored.free else ("flag-paid", "Paid"))
    if stored.restricted:
        found.append(("flag-restricted", RESTRICTIONS.get(stored.restricted, stored.restricted)))
    return found


def reasons(stored: StoredEvent) -> list[tuple[str, str, str]]:
    """(kind, value, reason) for every label; regions and professions the classifier left
    no reason for still appear, so the list says what the event is filed under."""
    found = [(_KINDS[lb.kind], label_text(lb), lb.reason) for lb in stored.labels]
    labelled = {(lb.kind, lb.value) for lb in stored.labels}
    for kind, slugs, names in (
        ("region", stored.regions, REGIONS),
        ("profession", stored.professions, PROFESSIONS),
    ):
        found += [
            (_KINDS[kind], names.get(slug, slug), "no reason recorded")
            for slug in slugs
            if (kind, slug) not in labelled
        ]
    return found


def filter_data(stored: StoredEvent) -> str:
    """The data attributes the filters read (see the module docstring)."""
    regions = " ".join(r for r in REGIONS if in_region(r, stored) is not None)
    in_person = " ".join(r for r in PLACES if in_region(r, stored, in_person=True) is not None)
    professions = " ".join(p for p in PROFESSIONS if p in stored.professions)
    free = "1" if stored.free else "0"
    return f'data-r="{regions}" data-rp="{in_person}" data-p="{professions}" data-free="{free}"'


def _listed(stored: StoredEvent) -> str:
    listings = [(stored.source_name, stored.event.url), *stored.also_listed]
    links = [link(url, name) for name, url in listings]
    joined = links[0] if len(links) == 1 else ", ".join(links[:-1]) + " and " + links[-1]
    return f'<p class="listed">Listed by {joined}</p>'


def _why(stored: StoredEvent) -> str:
    items = "".join(
        f"<li><strong>{esc(kind)}: {esc(value)}</strong> ({esc(reason)})</li>"
        for kind, value, reason in reasons(stored)
    )
    if not items:
        return ""
    return (
        '<details class="why"><summary>Why it is classified like this</summary>'
        f"<ul>{items}</ul></details>"
    )


def _item_parts(stored: StoredEvent, heading: int) -> tuple[str, str]:
    """event_item before and after its "In this feed because" line."""
    event = stored.event
    tags = "".join(f'<li class="flag {cls}">{esc(text)}</li>' for cls, text in flags(stored))
    before = (
        f'<li class="event" {filter_data(stored)}>\n'
        f"<h{heading}>{esc(display_title(event))}</h{heading}>\n"
        f'<p class="when"><time datetime="{as_utc(event.start):%Y-%m-%dT%H:%M:%SZ}">'
        f"{esc(time_text(event))}</time></p>\n"
        f'<p class="where">{esc(place_text(event))}</p>\n'
        + (f'<ul class="flags" aria-label="Flags">{tags}</ul>\n' if tags else "")
        + f"{_listed(stored)}\n"
    )
    return before, f"{_why(stored)}</li>"


def event_item(stored: StoredEvent, heading: int, because: str | None = None) -> str:
    before, after = _item_parts(stored, heading)
    return _joined(before, after, because)


def _joined(before: str, after: str, because: str | None) -> str:
    return f"{before}{_because_line(because) if because else ''}{after}"


@lru_cache(maxsize=4096)
def _because_line(because: str) -> str:
    """Shared by every event of a page: most of its events are there for one reason."""
    return f'<p class="because">In this feed because: {esc(because)}</p>\n'


class ItemCache:
    """Each event's HTML and day, made once for every page that lists it: an event is
    on the index and about ten feed pages. Keyed by the object, which the site writer
    hands to every page and keeps alive meanwhile. With the publisher's `pieces` cache
    (feeds.cached.Cache) and its render store, an event's HTML made by an earlier
    publish is reused by the digest of the event."""

    def __init__(self, pieces: Cache | None = None) -> None:
        self._pieces = pieces
        self._parts: dict[tuple[int, int], tuple[str, str]] = {}
        self._keys: dict[int, tuple[date, tuple[datetime, str]]] = {}

    def item(self, stored: StoredEvent, heading: int, because: str | None) -> str:
        key = (id(stored), heading)
        parts = self._parts.get(key)
        if parts is None:
            parts = self._parts[key] = self._stored_parts(stored, heading)
        return _joined(*parts, because)

    def _stored_parts(self, stored: StoredEvent, heading: int) -> tuple[str, str]:
        store = self._pieces.store if self._pieces else None
        if self._pieces is None or store is None:
            return _item_parts(stored, heading)
        kind, key = f"page{heading}", self._pieces.digest_of(stored)
        kept = store.get(kind, key)
        if isinstance(kept, tuple) and len(kept) == 2 and all(isinstance(k, str) for k in kept):
            return str(kept[0]), str(kept[1])
        made = _item_parts(stored, heading)
        store.put(kind, key, made)
        return made

    def order(self, stored: StoredEvent) -> tuple[date, tuple[datetime, str]]:
        key = self._keys.get(id(stored))
        if key is None:
            key = self._keys[id(stored)] = (first_day(stored.event), sort_key(stored))
        return key


def events_by_day(
    events: Sequence[StoredEvent],
    heading: int = 3,
    because: Callable[[StoredEvent], str] | None = None,
    *,
    cache: ItemCache | None = None,
    limit: int | None = None,
    more: str = "",
) -> str:
    """Day headings (level `heading`), each followed by that day's events; `because`
    says why an event is in the page's feed. Only the first `limit` events are listed,
    then a note of how many there are and `more` (HTML: where to find the rest)."""
    if not events:
        return '<p class="empty">No upcoming events.</p>'
    cache = cache or ItemCache()
    days = []
    ordered = sorted(events, key=cache.order)
    shown = ordered if limit is None else ordered[:limit]
    for day, group in groupby(shown, key=lambda s: cache.order(s)[0]):
        items = "\n".join(
            cache.item(s, heading + 1, because(s) if because else None) for s in group
        )
        days.append(
            f'<div class="day" data-day="{day.isoformat()}">\n'
            f'<h{heading}><time datetime="{day.isoformat()}">{esc(long_day(day))}</time>'
            f'</h{heading}>\n<ul class="events">\n{items}\n</ul>\n</div>'
        )
    if len(shown) < len(ordered):
        days.append(
            f'<p class="more">The first {len(shown):,} of {len(ordered):,} upcoming events.'
            f" {more}</p>"
        )
    return "\n".join(days)
