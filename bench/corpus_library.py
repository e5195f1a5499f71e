"""The shared real-world corpus (../shared/corpus/), folder by folder: which of Convene's
parsers reads it, the wide parse context it is read with, and what the underlying library
finds in a file on its own, with no code of ours.

Used by the in-process corpus tests (tests/test_*_corpus.py) and by the isolated run
(bench/corpus_robustness.py). What "the library yields" means per folder:

- ics: plain icalendar reads a VEVENT with a DTSTART that can give an event inside the
  window (a series may reach into it; a single event outside it cannot).
- feeds: feedparser finds entries. Our feed parser turns an entry with a real event date
  into an event and every other entry into a post, and a post is kept, not lost, so
  ours is compared by items (events + posts) against feedparser's entries.
- html: extruct (JSON-LD, microdata, RDFa) finds an Event with a startDate and a name in
  reach (its own, or any inside or around it). An event with no name cannot be listed,
  so ours skips it with a warning; `found` still counts such Events. The check is wider
  than ours (any name in reach, a venue's included), so it errs against our parser.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import extruct
import feedparser
import icalendar
from icalendar.prop import vDDDTypes

from scrapers.ical_times import as_instant
from scrapers.model import ParseContext, Source

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
Start = tuple[date, bool]  # a VEVENT's DTSTART, and whether it repeats


@dataclass(frozen=True)
class Verdict:
    """What a library makes of one file on its own."""

    clean: bool  # read without an exception (feedparser: bozo=0)
    found: int  # VEVENTs with a DTSTART, feed entries, Events with a startDate
    usable: bool  # "the library yields": see the module docstring


@dataclass(frozen=True)
class Folder:
    name: str  # the corpus folder
    kind: str  # the key in scrapers.registry.PARSERS
    source: Source
    ctx: ParseContext
    library: Callable[[bytes], Verdict]
    posts_count: bool  # whether our posts count as yielding (feeds only)


def _source(kind: str, url: str) -> Source:
    return Source(id="corpus", name="Corpus", organiser="Corpus", url=url, kind=kind)


# Corpus events are old: 1920 to 2070.
ICAL_CTX = ParseContext(now=datetime(2020, 1, 1, tzinfo=UTC), days_back=36500, days_ahead=18250)
# Feeds date from 2002 onwards: a thousand years either side keeps the window out of a
# comparison about losing entries.
FEED_CTX = ParseContext(
    now=datetime(2026, 1, 15, tzinfo=UTC), days_back=365_000, days_ahead=365_000
)
# HTML events run from 1968 to 2019: a century either side keeps the window out of it.
JSONLD_CTX = ParseContext(
    now=datetime(2020, 1, 1, tzinfo=UTC), days_back=100 * 365, days_ahead=100 * 365
)


def icalendar_starts(body: bytes) -> list[Start] | None:
    """(DTSTART, repeats) of each VEVENT plain icalendar reads; None if it raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            calendars = icalendar.Calendar.from_ical(body, multiple=True)
    except Exception:
        return None
    found = []
    for calendar in calendars:
        for event in calendar.walk("VEVENT"):
            start = event.get("DTSTART")
            if isinstance(start, vDDDTypes) and isinstance(start.dt, date):
                found.append((start.dt, "RRULE" in event or "RDATE" in event))
    return found


def could_be_in_window(starts: list[Start], ctx: ParseContext) -> bool:
    """Whether any of them can give an event in ctx's window."""
    return any(repeats or ctx.window_start <= _instant(start) <= ctx.window_end
               for start, repeats in starts)  # fmt: skip


def _instant(start: date) -> datetime:
    if isinstance(start, datetime) and start.tzinfo is None:
        return start.replace(tzinfo=UTC)
    return as_instant(start)


def icalendar_verdict(body: bytes) -> Verdict:
    starts = icalendar_starts(body)
    if starts is None:
        return Verdict(clean=False, found=0, usable=False)
    return Verdict(True, len(starts), could_be_in_window(starts, ICAL_CTX))


def feedparser_verdict(body: bytes) -> Verdict:
    parsed = feedparser.parse(io.BytesIO(body))
    entries = len(parsed.entries)
    return Verdict(clean=not parsed.get("bozo"), found=entries, usable=entries > 0)


_LOCAL = re.compile(r"^.*[/#:]")
_EVENTS_BY_NAME = {"Festival", "Hackathon", "CourseInstance"}
_SYNTAXES = ["json-ld", "microdata", "rdfa"]


def dated_events(body: bytes) -> tuple[bool, list[tuple[dict[str, Any], bool]]]:
    """Whether extruct read the page without an error, and every Event (by @type or
    additionalType) with a startDate that it finds, nested ones included, each with
    whether a name is in reach: its own, or one in a node inside it or around it (a
    Course names its CourseInstances, a play its performances)."""
    try:
        data = extruct.extract(body, syntaxes=_SYNTAXES, uniform=True, errors="strict")
        clean = True
    except Exception:
        data = extruct.extract(body, syntaxes=_SYNTAXES, uniform=True, errors="ignore")
        clean = False
    found: list[tuple[dict[str, Any], bool]] = []
    _collect(data, False, found)
    return clean, found


def has_dated_event(body: bytes) -> bool:
    """Whether plain extruct finds an Event with a startDate: a check that shares no code
    with the parser, so a file it says no to yields no event legitimately."""
    return bool(dated_events(body)[1])


def _collect(value: Any, named_around: bool, found: list[tuple[dict[str, Any], bool]]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, named_around, found)
        return
    if not isinstance(value, dict):
        return
    if _is_event(value) and "startDate" in _local_keys(value):
        found.append((value, named_around or _has_name(value)))
    named_around = named_around or bool(_local_keys(value).get("name"))
    for item in value.values():
        _collect(item, named_around, found)


def _has_name(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_name(item) for item in value)
    if not isinstance(value, dict):
        return False
    return bool(_local_keys(value).get("name")) or any(map(_has_name, value.values()))


def _is_event(node: dict[str, Any]) -> bool:
    declared = [node.get("@type", []), node.get("additionalType", [])]
    flat = [kind for kinds in declared for kind in (kinds if isinstance(kinds, list) else [kinds])]
    names = [_LOCAL.sub("", str(kind)) for kind in flat]
    return any(name.endswith("Event") or name in _EVENTS_BY_NAME for name in names)


def _local_keys(node: dict[str, Any]) -> dict[str, Any]:
    return {_LOCAL.sub("", str(key)): value for key, value in node.items()}


def extruct_verdict(body: bytes) -> Verdict:
    clean, events = dated_events(body)
    return Verdict(clean=clean, found=len(events), usable=any(named for _, named in events))


FOLDERS: dict[str, Folder] = {
    "ics": Folder("ics", "ical", _source("ical", "file:corpus"), ICAL_CTX, icalendar_verdict,
                  posts_count=False),
    "feeds": Folder("feeds", "feed", _source("feed", "https://example.org/feed/"), FEED_CTX,
                    feedparser_verdict, posts_count=True),
    "html": Folder("html", "jsonld", _source("jsonld", "https://example.org/page"), JSONLD_CTX,
                   extruct_verdict, posts_count=False),
}  # fmt: skip


def corpus_files(folder: str, root: Path = CORPUS) -> list[Path]:
    """The folder's files in name order; empty when the corpus is not there."""
    path = root / folder
    return sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else []
