"""iCalendar (.ics) files: every VEVENT, recurrences expanded over the parse window.

Pure: bytes in, ParseResult out, never raises for bad input. A file that is not
iCalendar at all gives an error; an event that cannot be read is skipped with a
warning naming it, and the rest of the file still counts.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import x_wr_timezone
from icalendar import Component

from scrapers import ical_fields as fields
from scrapers.ical_checks import problem, salvage
from scrapers.ical_expand import Occurrence, expand
from scrapers.ical_read import decode, load
from scrapers.ical_series import Series, group, label
from scrapers.ical_times import (
    Zones,
    calendar_zones,
    instant_key,
    make_aware,
    span,
    zone_name,
)
from scrapers.model import Event, ParseContext, ParseResult, Source
from scrapers.places import source_zone

Memo = dict[int, fields.Details]
_DEFAULT_ZONE = "Europe/London"


def parse(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
    text, encoding_warning = decode(body)
    warnings = [encoding_warning] if encoding_warning else []
    loaded = load(text)
    if isinstance(loaded, str):
        return ParseResult(error=loaded, warnings=tuple(warnings))
    calendars, load_warnings = loaded
    warnings += load_warnings
    fallback = source_zone(source, warnings)
    components: list[Component] = []
    for calendar in calendars:
        components += _prepare(calendar, fallback, warnings)
    all_series, group_warnings = group(components)
    warnings += group_warnings
    events: list[Event] = []
    for series in all_series:
        events += _events(source, series, ctx, warnings)
    events.sort(key=lambda event: (event.start, event.source_uid))
    return ParseResult(events=tuple(events), warnings=tuple(dict.fromkeys(warnings)))


def _prepare(calendar: Component, fallback: ZoneInfo, warnings: list[str]) -> list[Component]:
    """The calendar's readable VEVENTs, every date-time in them made aware."""
    calendar = _standardise(calendar, warnings)
    zones = calendar_zones(calendar, fallback)
    ready: list[Component] = []
    for event in calendar.walk("VEVENT"):
        reason = problem(event)
        if reason:
            warnings.append(f"skipped {label(event)}: {reason}")
            continue
        warnings += [f"{label(event)}: {note}" for note in salvage(event)]
        make_aware(event, zones)
        ready.append(event)
    warnings += _zone_warnings(zones)
    return ready


def _standardise(calendar: Component, warnings: list[str]) -> Component:
    """Google exports times in UTC and names the real zone in X-WR-TIMEZONE."""
    try:
        standard: Component = x_wr_timezone.to_standard(calendar)
        return standard
    except Exception as exc:  # x_wr_timezone raises on zone names it cannot find
        zone = calendar.get("X-WR-TIMEZONE")
        warnings.append(f"ignored X-WR-TIMEZONE {str(zone)!r}: {type(exc).__name__}")
        return calendar


def _zone_warnings(zones: Zones) -> list[str]:
    return [
        f"unknown time zone {tzid!r}; its times were read as {zones.fallback.key}"
        for tzid in sorted(zones.unknown)
    ]


def _events(source: Source, series: Series, ctx: ParseContext, warnings: list[str]) -> list[Event]:
    try:
        occurrences, notes = expand(series, ctx)
    except Exception as exc:  # recurring_ical_events raises many kinds on odd rules
        warnings.append(f"skipped {label(series.components[0])}: {_why(exc)}")
        return []
    warnings += notes
    memo: Memo = {}
    return [_event(source, series, occurrence, memo) for occurrence in occurrences]


def _why(exc: Exception) -> str:
    message = " ".join(str(exc).split())[:200]
    return f"could not expand its dates ({type(exc).__name__}: {message})"


def _event(source: Source, series: Series, occurrence: Occurrence, memo: Memo) -> Event:
    # Occurrences made from one component share everything but their dates.
    key = id(occurrence.component)
    about = memo.get(key) or memo.setdefault(key, fields.details(occurrence.component))
    start, end, all_day = span(occurrence.start, occurrence.end)
    # The slot is the start an occurrence was planned for: it stays put when the
    # occurrence is moved, so a moved occurrence keeps its identity.
    uid = f"{series.uid}/{instant_key(occurrence.slot)}" if series.recurring else series.uid
    return Event(
        source_id=source.id,
        source_uid=uid,
        title=about.title,
        start=start,
        end=end,
        all_day=all_day,
        timezone=None if all_day else zone_name(start),
        url=about.url,
        description=about.description,
        location=about.location,
        attendance=about.attendance,
        status=about.status,
        organiser=about.organiser,
        categories=about.categories,
    )
