"""The bytes of each synthetic source, written the way each kind of publisher writes them.

Times follow each event's zone_style: iCal in UTC, with an IANA TZID or with Outlook's
Windows zone name; RSS, JSON-LD and WordPress in UTC, with an offset or in local time.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from bench.synth import LONDON, Spec, SynthEvent, SynthSource, Venue, events, occurrences, source

TYPES = {
    "ical": "text/calendar; charset=utf-8",
    "feed": "application/rss+xml; charset=utf-8",
    "jsonld": "text/html; charset=utf-8",
    "wordpress-events": "application/json; charset=UTF-8",
}
_EVENT_NS = "http://purl.org/rss/1.0/modules/event/"


def render(spec: Spec, index: int, version: int = 0) -> tuple[bytes, str]:
    """Body and Content-Type of source `index` at `version`."""
    home = source(spec, index)
    listed = events(spec, index, version)
    body = _RENDERERS[home.kind](home, listed, spec.start_day().isoformat())
    return body.encode("utf-8"), TYPES[home.kind]


def where(venue: Venue, style: int) -> str:
    """A venue as one source writes it: the styles are the spellings copies vary by."""
    if style == 1:
        return f"{venue.name.removeprefix('The ')} ({venue.town}), {venue.postcode}"
    if style == 2:
        return f"{venue.name}, {venue.street}, {venue.town}"
    postcode = venue.postcode.lower().replace(" ", "") if style == 3 else venue.postcode
    return f"{venue.name}, {venue.street}, {venue.town} {postcode}"


def _iso(moment: datetime, style: str) -> str:
    local = moment.astimezone(LONDON)
    if style == "utc":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "offset":
        return local.isoformat(timespec="seconds")
    return local.strftime("%Y-%m-%dT%H:%M:%S")  # floating: read in the source's zone


def _occurrence_url(event: SynthEvent, start: datetime) -> str:
    return event.url if not event.series else f"{event.url}{start:%Y-%m-%d}/"


# --- iCal ------------------------------------------------------------------------------


def _ical(home: SynthSource, listed: list[SynthEvent], stamp: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{home.organiser}//Events//EN",
        f"X-WR-CALNAME:{home.organiser} events",
    ]
    for event in listed:
        lines += _vevent(event, stamp)
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def _vevent(event: SynthEvent, stamp: str) -> list[str]:
    place = where(event.venue, event.venue_style) if event.venue else "Online"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{stamp.replace('-', '')}T000000Z",
        *_ical_times(event),
        f"SUMMARY:{_ical_text(event.title)}",
        f"DESCRIPTION:{_ical_text(event.description)}",
        f"LOCATION:{_ical_text(place)}",
        f"URL:{event.url}",
    ]
    if event.series:
        lines.append(f"RRULE:FREQ=WEEKLY;COUNT={event.series}")
    return [*lines, "END:VEVENT"]


def _ical_times(event: SynthEvent) -> list[str]:
    if event.zone_style == "utc":
        return [f"DTSTART:{event.start:%Y%m%dT%H%M%SZ}", f"DTEND:{event.end:%Y%m%dT%H%M%SZ}"]
    zone = "Europe/London" if event.zone_style == "local" else "GMT Standard Time"
    start, end = event.start.astimezone(LONDON), event.end.astimezone(LONDON)
    return [
        f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID={zone}:{end:%Y%m%dT%H%M%S}",
    ]


def _ical_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")


# --- RSS 2.0 with the event module -------------------------------------------------------


def _rss(home: SynthSource, listed: list[SynthEvent], stamp: str) -> str:
    items = [_item(event, start) for event in listed for start in occurrences(event)]
    built = format_datetime(datetime.fromisoformat(f"{stamp}T00:00:00+00:00"), usegmt=True)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<rss version="2.0" xmlns:ev="{_EVENT_NS}">\n<channel>\n'
        f"<title>{escape(home.organiser)} events</title>\n"
        f"<link>https://{home.host}/events/</link>\n"
        f"<description>What {escape(home.organiser)} has on</description>\n"
        f"<lastBuildDate>{built}</lastBuildDate>\n" + "".join(items) + "</channel>\n</rss>\n"
    )


def _item(event: SynthEvent, start: datetime) -> str:
    place = where(event.venue, event.venue_style) if event.venue else "Online"
    end = start + timedelta(minutes=event.minutes)
    guid = event.uid if not event.series else f"{event.uid}/{start:%Y-%m-%d}"
    return (
        "<item>"
        f"<title>{escape(event.title)}</title>"
        f"<link>{escape(_occurrence_url(event, start))}</link>"
        f'<guid isPermaLink="false">{escape(guid)}</guid>'
        f"<description>{escape(event.description)}</description>"
        f"<ev:startdate>{_iso(start, event.zone_style)}</ev:startdate>"
        f"<ev:enddate>{_iso(end, event.zone_style)}</ev:enddate>"
        f"<ev:location>{escape(place)}</ev:location>"
        "</item>\n"
    )


# --- HTML with schema.org JSON-LD ----------------------------------------------------------


def _page(home: SynthSource, listed: list[SynthEvent], stamp: str) -> str:
    nodes = [_node(home, e, start) for e in listed for start in occurrences(e)]
    block = json.dumps({"@context": "https://schema.org", "@graph": nodes}, ensure_ascii=False)
    block = block.replace("</", "<\\/")  # a title cannot end the script element
    links = "\n".join(
        f'<li><a href="{html.escape(str(n["url"]))}">{html.escape(str(n["name"]))}</a></li>'
        for n in nodes
    )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>What's on - {html.escape(home.organiser)}</title>\n"
        f'<link rel="canonical" href="https://{home.host}{home.path}">\n'
        f'<script type="application/ld+json">{block}</script>\n'
        f"</head>\n<body>\n<h1>What's on</h1>\n<ul>\n{links}\n</ul>\n</body>\n</html>\n"
    )


def _node(home: SynthSource, event: SynthEvent, start: datetime) -> dict[str, object]:
    end = start + timedelta(minutes=event.minutes)
    # Pages write UTC as the UK offset: a "Z" on a UK venue draws a (fair) parser warning.
    style = "offset" if event.zone_style == "utc" else event.zone_style
    node: dict[str, object] = {
        "@type": "Event",
        "name": event.title,
        "startDate": _iso(start, style),
        "endDate": _iso(end, style),
        "url": _occurrence_url(event, start),
        "description": event.description,
        "organizer": {"@type": "Organization", "name": home.organiser},
    }
    if event.venue is None:
        node["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
        node["location"] = {"@type": "VirtualLocation", "url": f"{event.url}join"}
        return node
    venue = event.venue
    address = {
        "@type": "PostalAddress",
        "streetAddress": venue.street,
        "addressLocality": venue.town,
        "addressRegion": venue.region,
    }
    if event.venue_style != 2:
        address["postalCode"] = venue.postcode.lower() if event.venue_style == 3 else venue.postcode
    name = f"{venue.name}, {venue.town}" if event.venue_style == 1 else venue.name
    node["location"] = {"@type": "Place", "name": name, "address": address}
    return node


# --- The Events Calendar's REST API -------------------------------------------------------


def _wordpress(home: SynthSource, listed: list[SynthEvent], stamp: str) -> str:
    rows = [_tribe(home, e, start, n) for n, e in enumerate(listed) for start in occurrences(e)]
    base = f"https://{home.host}{home.path}"
    page = {"events": rows, "rest_url": base, "total": len(rows), "total_pages": 1}
    return json.dumps(page)


def _tribe(home: SynthSource, event: SynthEvent, start: datetime, n: int) -> dict[str, object]:
    end = start + timedelta(minutes=event.minutes)
    local_start, local_end = start.astimezone(LONDON), end.astimezone(LONDON)
    ident = home.index * 10_000 + n * 10 + (start - event.start).days // 7
    hours = int((local_start.utcoffset() or timedelta()).total_seconds() // 3600)
    zone = {"utc": "UTC", "local": "Europe/London", "offset": f"UTC+{hours}"}[event.zone_style]
    return {
        "id": ident,
        "global_id": f"{home.host}?id={ident}",
        "url": _occurrence_url(event, start),
        "title": html.escape(event.title).replace("&#x27;", "&#8217;"),
        "description": f"<p>{html.escape(event.description)}</p>\n",
        "all_day": False,
        "start_date": f"{local_start:%Y-%m-%d %H:%M:%S}",
        "end_date": f"{local_end:%Y-%m-%d %H:%M:%S}",
        "utc_start_date": f"{start:%Y-%m-%d %H:%M:%S}",
        "utc_end_date": f"{end:%Y-%m-%d %H:%M:%S}",
        "timezone": zone,
        "cost": "Free" if n % 3 else "",
        "venue": _tribe_venue(event) if event.venue else [],
        "organizer": [{"organizer": home.organiser}],
        "categories": [],
        "tags": [],
    }


def _tribe_venue(event: SynthEvent) -> dict[str, object]:
    venue = event.venue
    assert venue is not None
    postcode = "" if event.venue_style == 2 else venue.postcode
    name = venue.name.upper() if event.venue_style == 1 else venue.name
    return {
        "venue": name,
        "address": venue.street,
        "city": venue.town,
        "zip": postcode.lower() if event.venue_style == 3 else postcode,
        "country": "United Kingdom",
    }


_RENDERERS = {"ical": _ical, "feed": _rss, "jsonld": _page, "wordpress-events": _wordpress}
