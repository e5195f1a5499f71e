"""Event dates carried by feed entries: the RSS event module, xCal and RDF iCal.

feedparser keeps elements of namespaces it does not know under the document's own
prefix, lowercased ("xCal:dtstart" becomes "xcal_dtstart"), so the prefixes are
looked up in the namespaces each feed declares.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any


@dataclass(frozen=True)
class Vocabulary:
    """Where one namespace keeps an entry's event fields."""

    prefix: str
    start: str
    end: str
    place: str
    # The RSS event module's end date names the last day; iCalendar's DTEND the day after.
    inclusive_end_date: bool


@dataclass(frozen=True)
class Moment:
    when: datetime
    all_day: bool
    floating: bool  # no offset given, so it was read in the source's timezone


_KNOWN = {
    "http://purl.org/rss/1.0/modules/event": ("ev", "startdate", "enddate", "location", True),
    "urn:ietf:params:xml:ns:xcal": ("xcal", "dtstart", "dtend", "location", False),
    "http://www.w3.org/2002/12/cal/ical": ("ical", "dtstart", "dtend", "location", False),
}
_DATE_ONLY = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")


def vocabularies(namespaces: Mapping[str, str]) -> list[Vocabulary]:
    """The event vocabularies a feed can use, under its own prefixes and the usual ones."""
    found: dict[str, Vocabulary] = {}
    declared = [(prefix.lower(), uri) for prefix, uri in namespaces.items() if prefix]
    for uri, (usual, start, end, place, inclusive) in _KNOWN.items():
        prefixes = [p for p, u in declared if u.lower().rstrip("/#") == uri] + [usual]
        for prefix in prefixes:
            found.setdefault(prefix, Vocabulary(prefix, start, end, place, inclusive))
    return list(found.values())


def field(entry: Mapping[str, Any], key: str) -> str | None:
    value = entry.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def event_fields(
    entry: Mapping[str, Any], vocabs: list[Vocabulary]
) -> tuple[Vocabulary, str] | None:
    """The vocabulary that gives this entry a start, and the raw start text."""
    for vocab in vocabs:
        raw = field(entry, f"{vocab.prefix}_{vocab.start}")
        if raw:
            return vocab, raw
    return None


def read_moment(raw: str, zone: tzinfo) -> Moment | None:
    """A W3CDTF, iCalendar basic or RFC 822 date, or None if it is none of those."""
    text = raw.strip()
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return Moment(datetime(day.year, day.month, day.day, tzinfo=UTC), True, False)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if when.tzinfo is None:
        return Moment(when.replace(tzinfo=zone), False, True)
    return Moment(when, False, False)


def read_end(raw: str | None, start: Moment, vocab: Vocabulary, zone: tzinfo) -> datetime | None:
    end = read_moment(raw, zone) if raw else None
    if end is None:
        return None
    when = end.when
    if end.all_day and vocab.inclusive_end_date and when.date() < date.max:
        when += timedelta(days=1)
    # An end before the start is a publishing slip; the start alone is still right.
    return when if when > start.when else None
