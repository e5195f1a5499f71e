"""Render one feed as RSS 2.0, for people who follow events in a feed reader.

Built with the standard library's ElementTree: the document is small and fixed,
and owning every element keeps the output byte-for-byte deterministic. The channel and
item helpers here are shared with the changes feeds (feeds.changes_feed) and the news
feeds (feeds.news); every item description goes through feeds.sanitise last.
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
from feeds.sanitise import sanitise_html, web_url
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


def start_title(event: Event) -> str:
    """'Tue 3 Feb 2026, 18:30 — Title': when it starts, in UK time, then what it is."""
    return f"{_start_text(event)} {DASH} {clean_text(event.title).strip()}"


def item_title(event: Event) -> str:
    """start_title with a status prefix first ('Cancelled: '), so it is seen first."""
    return f"{status_prefix(event)}{start_title(event)}"


def paragraph(label: str | None, text: str) -> str:
    """Plain text as one escaped HTML paragraph, with an optional bold label."""
    body = html.escape(clean_text(text)).replace("\n", "<br>")
    return f"<p><strong>{html.escape(label)}:</strong> {body}</p>" if label else f"<p>{body}</p>"


def item_html(stored: StoredEvent) -> str:
    """The item body as escaped HTML: when, where, what, and who listed it (add_item
    sanitises it on the way out)."""
    event = stored.event
    parts = [paragraph("When", when_text(event))]
    where = location_text(event)
    if where:
        parts.append(paragraph("Where", where))
    description = clean_text(event.description or "").strip()
    if description:
        parts.extend(paragraph(None, block) for block in description.split("\n\n"))
    listings = [(stored.source_name, event.url), *stored.also_listed]
    links = ", ".join(listing_link(name, url) for name, url in listings)
    parts.append(f"<p>Listed by: {links}</p>")
    return "\n".join(parts)


def listing_link(name: str, url: str | None) -> str:
    """The name, linked to the address when it is a web address."""
    text = html.escape(clean_text(name))
    href = web_url(url)
    return f'<a href="{html.escape(href)}">{text}</a>' if href else text


def add_text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = clean_text(text)
    return element


def rfc822(moment: datetime) -> str:
    return format_datetime(as_utc(moment), usegmt=True)


def add_item(
    channel: ET.Element,
    *,
    title: str,
    link: str | None,
    description_html: str,
    guid: str,
    published: datetime,
    categories: Sequence[str] = (),
) -> ET.Element:
    """One <item>: the link only when it is a web address, the guid never a permalink
    (readers must not fetch it), and the description sanitised."""
    item = ET.SubElement(channel, "item")
    add_text(item, "title", title)
    href = web_url(link)
    if href:
        add_text(item, "link", href)
    add_text(item, "description", sanitise_html(description_html))
    add_text(item, "guid", guid, isPermaLink="false")
    add_text(item, "pubDate", rfc822(published))
    for name in categories:
        add_text(item, "category", name)
    return item


def start_channel(
    title: str, description: str, slug: str, now: datetime, base_url: str | None
) -> tuple[ET.Element, ET.Element]:
    """The <rss> root and its <channel>, for the file {slug}.xml."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    base = base_url.rstrip("/") + "/" if base_url else ""
    # Without a base URL, links stay relative to wherever the files are served.
    add_text(channel, "title", title)
    add_text(channel, "link", f"{base}index.html")
    add_text(channel, "description", description)
    add_text(channel, "language", "en-gb")
    add_text(channel, "lastBuildDate", rfc822(now))
    add_text(channel, "ttl", "360")  # minutes; the same six hours as the iCal refresh
    ET.SubElement(
        channel,
        f"{{{ATOM_NS}}}link",
        {"href": f"{base}{slug}.xml", "rel": "self", "type": "application/rss+xml"},
    )
    return rss, channel


def to_bytes(rss: ET.Element) -> bytes:
    """The document as UTF-8 bytes, one element a line (feeds.write ignores the line
    with lastBuildDate when it compares a new render with the file on disk)."""
    ET.indent(rss)
    body = ET.tostring(rss, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'.encode()


def render_rss(
    spec: FeedSpec, events: Sequence[StoredEvent], now: datetime, base_url: str | None
) -> bytes:
    """The feed as RSS 2.0 bytes (UTF-8), items in start order, soonest first. An item's
    pubDate is when Convene first published the event; its time is in the title."""
    rss, channel = start_channel(spec.title, spec.description, spec.slug, now, base_url)
    for stored in sorted(events, key=sort_key):
        add_item(
            channel,
            title=item_title(stored.event),
            link=stored.event.url,
            description_html=item_html(stored),
            guid=event_uid(stored.event),
            published=stored.first_seen,
            categories=profession_names(stored),
        )
    return to_bytes(rss)
