"""One schema.org Event node as a Convene Event, or None with a warning saying why."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from scrapers.feed_text import truncate
from scrapers.jsonld_links import tidy
from scrapers.jsonld_nodes import types
from scrapers.jsonld_page import Page
from scrapers.jsonld_place import venue
from scrapers.jsonld_text import categories, description, organiser
from scrapers.jsonld_values import (
    Moment,
    Node,
    clean,
    enum_name,
    literal,
    nodes,
    offset_text,
    read_duration,
    read_moment,
    read_written_date,
)
from scrapers.model import Event, Status

LONDON = ZoneInfo("Europe/London")
HASHED = "jsonld-"  # source_uid prefix when nothing stable was published
_TITLE_LIMIT = 300
_DAY = timedelta(days=1)
_STATUS: dict[str, Status] = {
    "eventcancelled": "cancelled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "eventpostponed": "postponed",
    "postponed": "postponed",
}


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime | None
    all_day: bool
    timezone: str | None


def build(node: Node, holder: Node | None, page: Page, warnings: list[str]) -> Event | None:
    title = _title(node, holder)
    if not title:
        warnings.append(f"skipped {_nameless(node)}: it has no name")
        return None
    start = _start(node, title, warnings)
    if start is None:
        return None
    span = _span(start, node, page.zone, title, warnings)
    place = venue(node)
    if place.in_uk:
        _check_offset(title, start, span.start, warnings)
    own_url = web_url(node.get("url"), page.base)
    return Event(
        source_id=page.source.id,
        source_uid=_uid(node, own_url, title, span.start, page.base),
        title=truncate(title, _TITLE_LIMIT),
        start=span.start,
        end=span.end,
        all_day=span.all_day,
        timezone=span.timezone,
        url=own_url,
        description=description(node),
        location=place.location,
        attendance=place.attendance,
        status=_STATUS.get(enum_name(node.get("eventStatus")), "scheduled"),
        organiser=organiser(node),
        categories=categories(node),
    )


def _title(node: Node, holder: Node | None) -> str | None:
    """The event's name; else its film's or play's, else its holder's (a Course names
    its CourseInstances, a band its gigs: schema.org puts the name there)."""
    works = nodes(node.get("workPresented")) + nodes(node.get("workFeatured"))
    named = [node, *works, *([holder] if holder else [])]
    return next((name for item in named if (name := clean(item.get("name")))), None)


def _nameless(node: Node) -> str:
    kind = next(iter(types(node)), "Event")
    article = "an" if kind[:1] in "AEIOU" else "a"
    raw = literal(node.get("startDate"))
    return f"{article} {kind} starting {raw}" if raw else f"{article} {kind}"


def _start(node: Node, title: str, warnings: list[str]) -> Moment | None:
    raw = literal(node.get("startDate"))
    if raw is None:
        # Schedules ("every Wednesday at 19:00") are not expanded: no dates, no events.
        why = "its dates are only an eventSchedule" if node.get("eventSchedule") else ""
        warnings.append(f"skipped event {title!r}: no startDate" + (f" ({why})" if why else ""))
        return None
    moment = _moment(raw, f"event {title!r}: its startDate", warnings)
    if moment is None:
        warnings.append(f"skipped event {title!r}: its startDate {raw!r} is not a date")
    return moment


def _moment(raw: str, what: str, warnings: list[str]) -> Moment | None:
    """ISO 8601 as schema.org asks; else a date as people write it, with a warning."""
    moment = read_moment(raw)
    if moment is None and (moment := read_written_date(raw)):
        day = moment.value.isoformat()
        warnings.append(f"{what} {raw!r} is not ISO 8601; read it as the whole day {day}")
    return moment


def _span(start: Moment, node: Node, zone: ZoneInfo, title: str, warnings: list[str]) -> Span:
    raw_end = literal(node.get("endDate"))
    end = _moment(raw_end, f"event {title!r}: its endDate", warnings) if raw_end else None
    if raw_end and end is None:
        warnings.append(f"event {title!r}: ignored its endDate {raw_end!r}, which is not a date")
    if not isinstance(start.value, datetime):
        return _all_day(start.value, end, title, warnings)
    begin = _aware(start.value, zone)
    finish = _timed_end(begin, end, zone) if end else None
    duration = read_duration(node.get("duration"))
    if end is None and duration:
        finish = begin + duration
    if finish is not None and finish < begin:
        warnings.append(f"event {title!r}: ignored its endDate {raw_end!r}, before its start")
        finish = None
    return Span(begin, finish, False, _zone_name(start, begin, zone))


def _all_day(first: date, end: Moment | None, title: str, warnings: list[str]) -> Span:
    begin = datetime.combine(first, time(), UTC)
    finish = begin + _DAY  # the model's end is exclusive: the day after the last day
    if end is not None:
        last = end.value.date() if isinstance(end.value, datetime) else end.value
        finish = datetime.combine(last, time(), UTC) + _DAY
        if finish <= begin:
            warnings.append(f"event {title!r}: ignored its endDate {end.text!r}, before its start")
            finish = begin + _DAY
    return Span(begin, finish, True, None)


def _timed_end(begin: datetime, end: Moment, zone: ZoneInfo) -> datetime | None:
    if isinstance(end.value, datetime):
        return _aware(end.value, zone)
    # A date-only end for a timed start: the event runs to the end of that day.
    if end.value == begin.astimezone(zone).date():
        return None
    return datetime.combine(end.value + _DAY, time(), zone)


def _aware(value: datetime, zone: tzinfo) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _zone_name(start: Moment, begin: datetime, zone: ZoneInfo) -> str | None:
    """The source's zone for local times and offsets that agree with it; "UTC" for Z."""
    if not start.has_offset or begin.utcoffset() == begin.astimezone(zone).utcoffset():
        return zone.key
    return "UTC" if begin.utcoffset() == timedelta(0) else None


def _check_offset(title: str, start: Moment, begin: datetime, warnings: list[str]) -> None:
    """Platforms sometimes label UK events with the organiser's US offset."""
    if not start.has_offset:
        return
    london = begin.astimezone(LONDON).utcoffset()
    if begin.utcoffset() != london:
        warnings.append(
            f"Event {title}: start {begin.isoformat()} has offset "
            f"{offset_text(begin.utcoffset())}, but the venue is in the UK (Europe/London is "
            f"{offset_text(london)} then); check the source"
        )


def web_url(value: Any, base: str) -> str | None:
    raw = clean(value)
    if not raw:
        return None
    try:
        absolute = urljoin(base, raw)
    except ValueError:  # "http://[::1" and other broken hosts
        return None
    # Tracking parameters would make the same event look new on every visit.
    return tidy(absolute, keep_fragment=True)


def _uid(node: Node, own_url: str | None, title: str, start: datetime, base: str) -> str:
    ident = clean(node.get("@id"))
    if ident and not ident.startswith("_:"):
        return ident if ":" in ident.split("/")[0] else (web_url(ident, base) or ident)
    if own_url:
        return own_url
    # Nothing stable was published: the name and start are the next best identity.
    seed = f"{title}\n{start.astimezone(UTC).isoformat()}"
    return HASHED + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:16]
