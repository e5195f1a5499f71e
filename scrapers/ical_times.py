"""Dates and time zones of iCalendar components.

Every date-time in a VEVENT is made aware before recurrences are expanded, so the
expansion keeps local wall time across summer-time changes: floating times are read
in the source's zone, and TZIDs that name no IANA or Windows zone use the VTIMEZONE
of the same file (icalendar caches custom zones process-wide, so a "Customized Time
Zone" seen in an earlier file could otherwise leak into this one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Component, Timezone
from icalendar.prop import vDDDLists, vDDDTypes
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

_SINGLE = ("DTSTART", "DTEND", "RECURRENCE-ID")
_LISTS = ("EXDATE", "RDATE")


@lru_cache(maxsize=512)
def iana_zone(tzid: str) -> ZoneInfo | None:
    """The IANA zone a TZID names: directly, as a Windows name, or after a prefix."""
    cleaned = tzid.strip().strip('"').strip()
    # Prefixed ids ("/freeassociation.sourceforge.net/Europe/Berlin", "posix/Europe/Vaduz")
    # end in an IANA name; the longest match wins so "America/Argentina/Salta" stays whole.
    parts = cleaned.strip("/").split("/")
    candidates = [WINDOWS_TO_OLSON.get(cleaned, "")]
    candidates += ["/".join(parts[i:]) for i in range(len(parts))]
    for candidate in candidates:
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None


@dataclass
class Zones:
    """How to read the date-times of one calendar."""

    fallback: ZoneInfo
    local: dict[str, tzinfo] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)

    def resolve(self, value: datetime, tzid: str | None) -> datetime:
        if tzid is None:
            return value if value.tzinfo is not None else value.replace(tzinfo=self.fallback)
        if isinstance(value.tzinfo, ZoneInfo):
            return value
        # A named zone beats the file's VTIMEZONE for it: Outlook's "GMT Standard Time"
        # becomes Europe/London, with every future rule change.
        own = iana_zone(tzid) or self.local.get(tzid)
        if own is not None:
            return value.replace(tzinfo=own)
        self.unknown.add(tzid)
        return value.replace(tzinfo=self.fallback)


def calendar_zones(calendar: Component, fallback: ZoneInfo) -> Zones:
    zones = Zones(fallback)
    for vtimezone in calendar.walk("VTIMEZONE"):
        tzid = str(vtimezone.get("TZID", ""))
        if not isinstance(vtimezone, Timezone) or not tzid or iana_zone(tzid) is not None:
            continue
        try:
            zones.local[tzid] = vtimezone.to_tz(lookup_tzid=False)
        except Exception:  # a broken VTIMEZONE leaves its TZID unknown, reported later
            continue
    return zones


def make_aware(event: Component, zones: Zones) -> None:
    """Give every date-time of the event a zone, in place."""
    for name in _SINGLE:
        prop = event.get(name)
        if isinstance(prop, vDDDTypes):
            fixed = _fix(prop.dt, prop.params.get("TZID"), zones)
            if fixed is not prop.dt:
                event[name] = vDDDTypes(fixed)
    for name in _LISTS:
        value = event.get(name)
        items = value if isinstance(value, list) else [value]
        if value is not None and all(isinstance(item, vDDDLists) for item in items):
            event[name] = [_fix_list(item, zones) for item in items]


def _fix_list(prop: vDDDLists, zones: Zones) -> vDDDLists:
    tzid = prop.params.get("TZID")
    values = [_fix(item.dt, tzid, zones) for item in prop.dts]
    return vDDDLists(values)


def _fix(value: Any, tzid: str | None, zones: Zones) -> Any:
    if isinstance(value, tuple):  # an RDATE period
        return tuple(_fix(part, tzid, zones) for part in value)
    if isinstance(value, datetime):
        return zones.resolve(value, tzid)
    return value


def moment(component: Component, name: str) -> date | datetime | None:
    """A DTSTART-like property as a date or date-time, or None when absent or unreadable."""
    prop = component.get(name)
    value = prop.dt if isinstance(prop, vDDDTypes) else None
    return value if isinstance(value, date) else None


def to_utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def instant_key(value: date | datetime) -> str:
    """An occurrence's identity: UTC ISO 8601 for times, the date for all-day."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def as_instant(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else to_utc_midnight(value)


def zone_name(value: datetime) -> str | None:
    return value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None


def portable(value: datetime) -> datetime:
    """Keep IANA zones; anything else (a file's own VTIMEZONE) becomes UTC."""
    return value if isinstance(value.tzinfo, ZoneInfo) else value.astimezone(UTC)


def span(start: date | datetime, end: Any) -> tuple[datetime, datetime | None, bool]:
    """(start, end, all_day) as the model wants them."""
    if not isinstance(start, datetime):
        first = to_utc_midnight(start)
        last = to_utc_midnight(end.date() if isinstance(end, datetime) else end) if end else None
        if last is None or last <= first:
            last = first + timedelta(days=1)
        return first, last, True
    if isinstance(end, date) and not isinstance(end, datetime):
        end = datetime.combine(end, time(), start.tzinfo)
    # recurring_ical_events gives an event with no DTEND or DURATION an end equal to its
    # start; the model keeps that, and an end before the start, as "no end given".
    if not isinstance(end, datetime) or end <= start:
        return portable(start), None, False
    return portable(start), portable(end), False
