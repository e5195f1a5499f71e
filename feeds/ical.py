"""Render one feed as an iCalendar (RFC 5545) file.

Pure: the same events and the same `now` give the same bytes, so a publish that
changed nothing rewrites identical files and calendar apps see no churn.

The small helpers at the top (UIDs, titles, locations, dates) are shared with the
RSS renderer so that an RSS guid is always the same string as the iCal UID.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, vCalAddress
from icalendar import Event as VEvent

from feeds.ical_parts import (
    Text,
    categories,
    clean_url,
    geo,
    param_text,
    plain_text,
    vtimezone,
    writable_time,
)
from feeds.specs import FeedSpec, explain
from scrapers.model import Event, Status
from scrapers.vocab import PROFESSIONS
from warehouse.records import StoredEvent

PRODID = "-//Convene//Convene feeds//EN"
DEFAULT_ZONE = "Europe/London"
# Six hours matches how often the publish flow runs; asking for more frequent
# refreshes only costs subscribers' clients and our host bandwidth.
REFRESH = timedelta(hours=6)
# ORGANIZER must carry a URI (RFC 5545 3.8.4.3: cal-address). We never know the
# organiser's address, and a real-looking one would invite replies, so we use
# the reserved .invalid TLD (RFC 6761): it can never deliver mail anywhere.
ORGANIZER_URI = "mailto:noreply@convene.invalid"

_STATUS: dict[Status, tuple[str, str]] = {
    # status -> (iCal STATUS, title prefix). RFC 5545 has no "postponed"; the
    # date is no longer reliable, which is what TENTATIVE says.
    "scheduled": ("CONFIRMED", ""),
    "tentative": ("TENTATIVE", ""),
    "cancelled": ("CANCELLED", "Cancelled: "),
    "postponed": ("TENTATIVE", "Postponed: "),
}
# Characters XML 1.0 forbids and RFC 5545 calls CTL, C1 controls (mojibake, in
# practice), and lone surrogates, which cannot be encoded at all; scraped text has them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Unicode's other line breaks (NEL, LINE and PARAGRAPH SEPARATOR) are newlines.
_NEWLINES = re.compile("\r\n?|[\x85\u2028\u2029]")
# Source UIDs are often "id@domain" (RFC 5545 suggests it), so "@" stays.
_UID_UNSAFE = re.compile(r"[^A-Za-z0-9._~:/+=@-]")
_UID_MAX = 200


def clean_text(text: str) -> str:
    """Normalise newlines and drop control characters no feed format allows."""
    return _CONTROL.sub("", _NEWLINES.sub("\n", text))


def event_uid(event: Event) -> str:
    return uid_for(event.source_id, event.source_uid)


def uid_for(source_id: str, source_uid: str) -> str:
    """A UID that is stable across runs and safe in every client.

    Anything outside a conservative character set is replaced, and then a short
    hash of the original is appended so two source UIDs can never collapse into
    one. Long UIDs are cut for the same reason some clients choke on them.
    """
    raw = f"{source_id}/{source_uid}"
    safe = _UID_UNSAFE.sub("_", raw)
    if safe != raw or len(safe) > _UID_MAX:
        # surrogatepass: a lone surrogate (from a JSON "\\ud800" escape) still hashes.
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        safe = f"{safe[:_UID_MAX]}-{digest}"
    return f"{safe}@convene"


def status_prefix(event: Event) -> str:
    """'Cancelled: ' or 'Postponed: ' so the change shows wherever the title does."""
    return _STATUS[event.status][1]


def display_title(event: Event) -> str:
    return status_prefix(event) + clean_text(event.title).strip()


def location_text(event: Event) -> str | None:
    """Name, address and postcode, skipping parts an earlier part already contains."""
    if event.location is None:
        return "Online" if event.attendance == "online" else None
    text = ""
    loc = event.location
    for part in (loc.name, loc.address, loc.postcode):
        part = clean_text(part or "").strip()
        if part and part.casefold() not in text.casefold():
            text = f"{text}, {part}" if text else part
    return text or None


def event_zone(event: Event) -> ZoneInfo:
    """The zone the event was published in, or Europe/London if unknown or unusable."""
    try:
        return ZoneInfo(event.timezone or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def as_utc(moment: datetime) -> datetime:
    # Naive values should not reach us; reading them as UTC rather than as the
    # machine's local time keeps the output the same on every machine.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def all_day_dates(event: Event) -> tuple[date, date]:
    """First day and exclusive end day of an all-day event."""
    first = as_utc(event.start).date()
    if event.end is None:
        return first, first + timedelta(days=1)
    end = as_utc(event.end)
    # An end after midnight still covers that day: round up, never down.
    last = end.date() + timedelta(days=1 if end.time() != datetime.min.time() else 0)
    return first, max(last, first + timedelta(days=1))


def sort_key(stored: StoredEvent) -> tuple[datetime, str]:
    return as_utc(stored.event.start), event_uid(stored.event)


def profession_names(stored: StoredEvent) -> list[str]:
    return [PROFESSIONS.get(slug, slug) for slug in dict.fromkeys(stored.professions)]


def _listing(name: str, url: str | None) -> str:
    """One "Listed by" line: the source's name and its link, as the URL property has it."""
    link = clean_url(url) if url else ""
    return " ".join(part for part in (clean_text(name).strip(), link) if part)


def event_description(spec: FeedSpec, stored: StoredEvent) -> str:
    event = stored.event
    listings = [(stored.source_name, event.url), *stored.also_listed]
    listed = "\n".join(_listing(name, url) for name, url in listings)
    label = "Listed by" if len(listings) == 1 else "Listed by (every copy)"
    footer = f"{label}: {listed}\nIn this feed because: {explain(spec, stored)}"
    body = clean_text(event.description or "").strip()
    return clean_text(f"{body}\n\n{footer}" if body else footer)


def description_head(stored: StoredEvent) -> str:
    """event_description up to its feed's explanation, which is all that differs
    between feeds: the cached publisher (feeds.ical_text) writes this part once."""
    event = stored.event
    listings = [(stored.source_name, event.url), *stored.also_listed]
    listed = "\n".join(_listing(name, url) for name, url in listings)
    label = "Listed by" if len(listings) == 1 else "Listed by (every copy)"
    footer = f"{label}: {listed}\nIn this feed because: "
    body = clean_text(event.description or "").strip()
    return clean_text(f"{body}\n\n{footer}" if body else footer)


def _add_times(vevent: VEvent, event: Event) -> None:
    if event.all_day:
        first, end = all_day_dates(event)
        vevent.add("dtstart", first)
        vevent.add("dtend", end)
        return
    zone = event_zone(event)
    vevent.add("dtstart", writable_time(as_utc(event.start), zone))
    if event.end is not None and as_utc(event.end) > as_utc(event.start):
        vevent.add("dtend", writable_time(as_utc(event.end), zone))


def _add_place(vevent: VEvent, event: Event) -> None:
    where = location_text(event)
    if where:
        vevent.add("location", Text(where))
    position = geo(event.location.lat, event.location.lon) if event.location else None
    if position is not None:
        vevent.add("geo", position)


def _organizer(name: str) -> vCalAddress:
    address = vCalAddress(ORGANIZER_URI)
    address.params["CN"] = param_text(name)  # icalendar quotes it
    return address


def build_vevent(spec: FeedSpec, stored: StoredEvent, now: datetime) -> VEvent:
    event = stored.event
    vevent = VEvent()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", as_utc(now))
    vevent.add("created", as_utc(stored.first_seen))
    vevent.add("last-modified", as_utc(stored.last_changed))
    vevent.add("sequence", stored.sequence)
    vevent.add("status", _STATUS[event.status][0])
    vevent.add("summary", Text(display_title(event)))
    _add_times(vevent, event)
    _add_place(vevent, event)
    url = clean_url(event.url or "")
    if url:
        vevent.add("url", url)
    names = profession_names(stored)
    if names:
        vevent.add("categories", categories(names))
    organiser = param_text(clean_text(event.organiser or ""))
    if organiser:
        vevent.add("organizer", _organizer(organiser))
    vevent.add("description", Text(event_description(spec, stored)))
    # These are listings, not commitments: never mark the subscriber as busy.
    vevent.add("transp", "TRANSPARENT")
    return vevent


def _zone_window(events: Sequence[StoredEvent], now: datetime) -> tuple[date, date]:
    """The years the VTIMEZONEs must cover: every event, plus a year of slack."""
    # A day either side: a zone's wall time can be in another year than the UTC one,
    # and ical.js reads a time before a VTIMEZONE's first observance as UTC.
    day = timedelta(days=1)
    years = [as_utc(now).year]
    for stored in events:
        years.append((as_utc(stored.event.start) - day).year)
        if stored.event.end is not None:
            years.append((as_utc(stored.event.end) + day).year)
    return date(min(years), 1, 1), date(max(years) + 2, 1, 1)


def _add_timezones(calendar: Calendar, first: date, last: date) -> None:
    # Calendar.add_missing_timezones() would do this, but it walks a set, so with
    # two or more zones the order would change between runs. Sorting keeps the
    # bytes stable. Europe/London is always present: it is our fallback zone, and
    # it keeps an empty feed a valid calendar (RFC 5545 wants one component).
    tzids = sorted(calendar.get_missing_tzids() | {DEFAULT_ZONE})
    zones = [vtimezone(tzid, first, last) for tzid in tzids]
    calendar.subcomponents[0:0] = zones


def calendar_shell(spec: FeedSpec) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", plain_text(spec.title))
    calendar.add("x-wr-calname", plain_text(spec.title))
    calendar.add("description", Text(spec.description))
    calendar.add("x-wr-caldesc", plain_text(spec.description))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    return calendar


def render_ics(spec: FeedSpec, events: Sequence[StoredEvent], now: datetime) -> bytes:
    """The feed as iCalendar bytes: CRLF lines folded at 75 octets, UTF-8."""
    calendar = calendar_shell(spec)
    for stored in sorted(events, key=sort_key):
        calendar.add_component(build_vevent(spec, stored, now))
    _add_timezones(calendar, *_zone_window(events, now))
    data: bytes = calendar.to_ical()
    return data
