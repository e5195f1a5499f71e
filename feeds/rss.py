"""Render one feed as RSS 2.0, for people who follow events in a feed reader.

Built with the standard library's ElementTree: the document is small and fixed,
and owning every element keeps the output byte-for-byte deterministic.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from feeds.ical import (
    DEFAULT_ZONE,
    all_day_dates,
    as_utc,
    clean_text,
    event_uid,
    location_text,
    profession_names,
    sort_key,
    status_prefix,
)
from feeds.specs import FeedSpec
from scrapers.model import Event
from warehouse.records import StoredEvent

ATOM_NS = "http://www.w3.org/2005/Atom"
ET.register_namespace("atom", ATOM_NS)

# Fixed English names: strftime's %a and %b follow the process locale.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UK = ZoneInfo(DEFAULT_ZONE)
DASH = "\u2014"  # em dash between the date and the title


def day_text(day: date) -> str:
    """'Tue 3 Feb 2026'."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def uk_time_text(moment: datetime) -> str:
    """'Tue 3 Feb 2026, 18:30' in UK local time, whatever zone the event uses."""
    local = as_utc(moment).astimezone(UK)
    return f"{day_text(local.date())}, {local:%H:%M}"


def _start_text(event: Event) -> str:
    if event.all_day:
        return day_text(all_day_dates(event)[0])
    return uk_time_text(event.start)


def when_text(event: Event) -> str:
    """The full span, e.g. 'Tue 3 Feb 2026, 18:30 to 20:00 UK time'."""
    if event.all_day:
        first, end = all_day_dates(event)
        last = end - timedelta(days=1)  # iCal ends are exclusive; people read inclusive
        span = day_text(first) if last == first else f"{day_text(first)} to {day_text(last)}"
        return f"{span} (all day)"
    start = as_utc(event.start).astimezone(UK)
    if event.end is None or as_utc(event.end) <= as_utc(event.start):
        return f"{uk_time_text(start)} UK time"
    end = as_utc(event.end).astimezone(UK)
    until = f"{end:%H:%M}" if end.date() == start.date() else uk_time_text(end)
    return f"{uk_time_text(start)} to {until} UK time"


def item_title(event: Event) -> str:
    """'Tue 3 Feb 2026, 18:30 — Title'; a status prefix goes first so it is seen first."""
    title = clean_text(event.title).strip()
    return f"{status_prefix(event)}{_start_text(event)} {DASH} {title}"


def _paragraph(label: str | None, text: str) -> str:
    body = html.escape(text).replace("\n", "<br>")
    return f"<p><strong>{html.escape(label)}:</strong> {body}</p>" if label else f"<p>{body}</p>"


def item_html(stored: StoredEvent) -> str:
    """The item body as escaped HTML: when, where, what, and who listed it."""
    event = stored.event
    parts = [_paragraph("When", when_text(event))]
    where = location_text(event)
    if where:
        parts.append(_paragraph("Where", where))
    description = clean_text(event.description or "").strip()
    if description:
        parts.extend(_paragraph(None, block) for block in description.split("\n\n"))
    listings = [(stored.source_name, event.url), *stored.also_listed]
    links = ", ".join(_listing_link(name, url) for name, url in listings)
    parts.append(f"<p>Listed by: {links}</p>")
    return "\n".join(parts)


def _listing_link(name: str, url: str | None) -> str:
    text = html.escape(clean_text(name))
    return f'<a href="{html.escape(clean_text(url))}">{text}</a>' if url else text


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = clean_text(text)
    return element


def _rfc822(moment: datetime) -> str:
    return format_datetime(as_utc(moment), usegmt=True)


def _add_item(channel: ET.Element, stored: StoredEvent) -> None:
    event = stored.event
    item = ET.SubElement(channel, "item")
    _text(item, "title", item_title(event))
    if event.url:
        _text(item, "link", event.url.strip())
    _text(item, "description", item_html(stored))
    _text(item, "guid", event_uid(event), isPermaLink="false")
    _text(item, "pubDate", _rfc822(stored.first_seen))
    for name in profession_names(stored):
        _text(item, "category", name)


def _channel(rss: ET.Element, spec: FeedSpec, now: datetime, base_url: str | None) -> ET.Element:
    channel = ET.SubElement(rss, "channel")
    base = base_url.rstrip("/") + "/" if base_url else ""
    # Without a base URL, links stay relative to wherever the files are served.
    _text(channel, "title", spec.title)
    _text(channel, "link", f"{base}index.html")
    _text(channel, "description", spec.description)
    _text(channel, "language", "en-gb")
    _text(channel, "lastBuildDate", _rfc822(now))
    _text(channel, "ttl", "360")  # minutes; the same six hours as the iCal refresh
    ET.SubElement(
        channel,
        f"{{{ATOM_NS}}}link",
        {"href": f"{base}{spec.slug}.xml", "rel": "self", "type": "application/rss+xml"},
    )
    return channel


def render_rss(
    spec: FeedSpec, events: Sequence[StoredEvent], now: datetime, base_url: str | None
) -> bytes:
    """The feed as RSS 2.0 bytes (UTF-8), items in start order, soonest first."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _channel(rss, spec, now, base_url)
    for stored in sorted(events, key=sort_key):
        _add_item(channel, stored)
    ET.indent(rss)
    body = ET.tostring(rss, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'.encode()
