"""Render what changed in one feed as RSS 2.0: {slug}-changes.xml beside {slug}.xml.

One item per change (warehouse.changelog): a new event, a reschedule, a change of venue,
a cancellation. Each item's guid names the change itself (cluster, kind and when), so a
feed reader shows each change once however often the file is fetched; pubDate is when
Convene saw the change; items are newest first. Pure: the same changes, the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from feeds.ical import location_text, profession_names
from feeds.rss import (
    add_item,
    listing_link,
    paragraph,
    start_channel,
    start_title,
    to_bytes,
    when_text,
)
from feeds.specs import FeedSpec
from scrapers.model import Event
from warehouse.news_types import CHANGES_DAYS, Change

LABELS = {
    "new": "New",
    "rescheduled": "Rescheduled",
    "venue": "Venue changed",
    "cancelled": "Cancelled",
}
NO_PLACE = "no place given"


def changes_slug(spec: FeedSpec) -> str:
    return f"{spec.slug}-changes"


def changes_title(spec: FeedSpec) -> str:
    return f"{spec.title}: what changed"


def changes_description(spec: FeedSpec) -> str:
    return (
        f"New, rescheduled, moved and cancelled events of the last {CHANGES_DAYS} days, "
        f"newest first. {spec.description}"
    )


def _event_then(change: Change) -> Event:
    """The event as the change left it: a reschedule shows the time it moved to."""
    event = change.entry.event
    if change.kind == "rescheduled" and change.new_start is not None:
        return replace(event, start=change.new_start, end=change.new_end)
    return event


def change_title(change: Change) -> str:
    """'Rescheduled: Tue 3 Feb 2026, 18:30 — Show and tell'."""
    return f"{LABELS[change.kind]}: {start_title(_event_then(change))}"


def _was_and_now(change: Change) -> list[str]:
    event = change.entry.event
    if change.kind == "rescheduled":
        was = "not known"
        if change.old_start is not None:
            was = when_text(replace(event, start=change.old_start, end=change.old_end))
        return [paragraph("Was", was), paragraph("Now", when_text(_event_then(change)))]
    if change.kind == "venue":
        return [
            paragraph("Was", change.old_place or NO_PLACE),
            paragraph("Now", change.new_place or NO_PLACE),
        ]
    if change.kind == "cancelled":
        return [paragraph(None, "The listing now says this event is cancelled.")]
    return [paragraph(None, "Newly listed on Convene.")]


def change_html(change: Change) -> str:
    """What changed, then the event as it is listed now."""
    stored = change.entry
    event = stored.event
    parts = _was_and_now(change)
    if change.kind != "rescheduled":
        parts.append(paragraph("When", when_text(event)))
    where = location_text(event)
    if where and change.kind != "venue":
        parts.append(paragraph("Where", where))
    listings = [(stored.source_name, event.url), *stored.also_listed]
    links = ", ".join(listing_link(name, url) for name, url in listings)
    parts.append(f"<p>Listed by: {links}</p>")
    return "\n".join(parts)


def render_changes(
    spec: FeedSpec, changes: Sequence[Change], now: datetime, base_url: str | None
) -> bytes:
    """The changes feed of `spec` as RSS 2.0 bytes (UTF-8), newest change first."""
    rss, channel = start_channel(
        changes_title(spec), changes_description(spec), changes_slug(spec), now, base_url
    )
    for change in sorted(changes, key=lambda c: (c.at, c.guid), reverse=True):
        add_item(
            channel,
            title=change_title(change),
            link=change.entry.event.url,
            description_html=change_html(change),
            guid=change.guid,
            published=change.at,
            categories=profession_names(change.entry),
        )
    return to_bytes(rss)
