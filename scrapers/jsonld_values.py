"""Readers for single schema.org values as JSON-LD, microdata and RDFa give them.

Every property may repeat, so any value may be a list; RDFa and expanded JSON-LD wrap
literals as {"@value": ...} and enumeration members as {"@id": ...}. These helpers hide
that, and never raise for a value of an unexpected shape.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

Node = dict[str, Any]

_SPACE = re.compile(r"\s+")
_SCHEMA_PREFIX = re.compile(r"^(?:schema:|https?://(?:www\.)?schema\.org/?)", re.I)
# Basic and extended ISO 8601, seconds and fractions optional, "Z" or an offset.
_MOMENT = re.compile(
    r"(\d{4})-?(\d{2})-?(\d{2})"
    r"(?:[T ](\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?",
    re.I,
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        ("jan january", "feb february", "mar march", "apr april", "may", "jun june",
         "jul july", "aug august", "sep sept september", "oct october", "nov november",
         "dec december"),
        1,
    )
    for name in names.split()
}  # fmt: skip
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})", re.I)
_MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.I)
_DURATION = re.compile(
    r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", re.I
)


@dataclass(frozen=True)
class Moment:
    """A date or a date-time as published: naive when no offset was given."""

    value: date | datetime
    text: str

    @property
    def timed(self) -> bool:
        return isinstance(self.value, datetime)

    @property
    def has_offset(self) -> bool:
        return isinstance(self.value, datetime) and self.value.tzinfo is not None


def local_name(name: str) -> str:
    """Local name: schema:startDate and https://schema.org/startDate become startDate."""
    return _SCHEMA_PREFIX.sub("", name.strip())


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def first(value: Any) -> Any:
    """The first of a repeated value (schema.org allows any property to repeat)."""
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    return value


def literal(value: Any) -> str | None:
    """A literal or enumeration member as a string; None for a node or nothing."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("@value", value.get("@id") if len(value) == 1 else None)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) else None


def clean(value: Any) -> str | None:
    """A literal as one tidy line: entities decoded, whitespace collapsed."""
    raw = literal(value)
    if raw is None:
        return None
    tidy = _SPACE.sub(" ", html.unescape(raw)).strip()
    return tidy or None


def texts(value: Any) -> list[str]:
    """Every literal of a repeated value, tidied, empty ones dropped."""
    found = (clean(item) for item in as_list(value) if not isinstance(item, list))
    return [item for item in found if item]


def nodes(value: Any) -> list[Node]:
    """The typed or structured items of a repeated value (not bare literals)."""
    return [item for item in as_list(value) if isinstance(item, dict) and "@value" not in item]


def enum_name(value: Any) -> str:
    """An enumeration member's lowercased local name: EventCancelled -> eventcancelled."""
    raw = literal(value) or ""
    return re.split(r"[/#:]", local_name(raw))[-1].strip().lower()


def read_moment(value: Any) -> Moment | None:
    raw = literal(value)
    if raw is None:
        return None
    match = _MOMENT.fullmatch(raw.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        if hour is None:
            return Moment(date(int(year), int(month), int(day)), raw.strip())
        when = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        return Moment(when.replace(tzinfo=_offset(offset)) if offset else when, raw.strip())
    except ValueError:  # month 13, hour 25 and the like
        return None


def read_written_date(value: Any) -> Moment | None:
    """ "Sat 13 June 2015" or "June 13, 2015": a date as people write it, no time."""
    raw = (literal(value) or "").strip()
    if match := _DAY_MONTH_YEAR.search(raw):
        day, month, year = match.groups()
    elif match := _MONTH_DAY_YEAR.search(raw):
        month, day, year = match.groups()
    else:
        return None
    number = _MONTHS.get(month.lower())
    try:
        return Moment(date(int(year), number, int(day)), raw) if number else None
    except ValueError:
        return None


def _offset(text: str) -> timezone:
    if text.upper() in ("Z", "UTC"):
        return UTC
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    if minutes >= 24 * 60:
        raise ValueError(text)
    return timezone(timedelta(minutes=-minutes if text[0] == "-" else minutes))


def read_duration(value: Any) -> timedelta | None:
    raw = literal(value)
    match = _DURATION.fullmatch(raw.strip()) if raw else None
    if not match:
        return None
    weeks, days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    try:
        span = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:  # "P99999999999D"
        return None
    return span if span > timedelta(0) else None


def offset_text(offset: timedelta | None) -> str:
    """An offset as ISO 8601 writes it: +01:00."""
    minutes = int((offset or timedelta(0)).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
