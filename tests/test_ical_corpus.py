"""scrapers.ical over the shared corpus of real-world .ics files (test suites of calagator,
icalendar and recurring-ical-events): it must never raise, and must lose no file that
plain icalendar can read events from.
"""

from __future__ import annotations

import time
import warnings
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import pytest
from icalendar.prop import vDDDTypes

from scrapers.ical import parse
from scrapers.ical_times import as_instant
from scrapers.model import ParseContext, Source

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "ics"
SOURCE = Source(id="corpus", name="Corpus", organiser="Corpus", url="file:corpus", kind="ical")
# Corpus events are old: 1920 to 2070.
WIDE = ParseContext(now=datetime(2020, 1, 1, tzinfo=UTC), days_back=36500, days_ahead=18250)


def _files() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    return sorted(path for path in CORPUS.iterdir() if path.is_file())


def _icalendar_starts(body: bytes) -> list[tuple[date, bool]] | None:
    """(DTSTART, repeats) of each VEVENT plain icalendar reads, or None if it reads none."""
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
    return found or None


def _could_be_in_window(starts: list[tuple[date, bool]]) -> bool:
    """Whether any of them can give an event in WIDE (a series may reach into it)."""
    return any(repeats or WIDE.window_start <= _instant(start) <= WIDE.window_end
               for start, repeats in starts)  # fmt: skip


def _instant(start: date) -> datetime:
    if isinstance(start, datetime) and start.tzinfo is None:
        return start.replace(tzinfo=UTC)
    return as_instant(start)


def test_corpus_never_raises_and_loses_no_file_icalendar_reads() -> None:
    files = _files()
    began = time.perf_counter()
    by_icalendar, with_events, said_something, outside, lost = [], [], [], [], []
    for path in files:
        body = path.read_bytes()
        try:
            result = parse(SOURCE, body, WIDE)
        except Exception as exc:
            pytest.fail(f"{path.name}: parse raised {type(exc).__name__}: {exc}")
        if result.events:
            with_events.append(path.name)
        if result.events or result.warnings:
            said_something.append(path.name)
        starts = _icalendar_starts(body)
        if starts is None:
            continue
        by_icalendar.append(path.name)
        if not result.events:
            if _could_be_in_window(starts):
                lost.append(f"{path.name}: {result.error or result.warnings or 'no events'}")
            else:
                outside.append(path.name)
    elapsed = time.perf_counter() - began
    print(
        f"\n{len(files)} files in {elapsed:.1f} s. Plain icalendar reads VEVENTs with a "
        f"DTSTART from {len(by_icalendar)}; we give events for {len(with_events)} and "
        f"events or warnings for {len(said_something)}. Every event outside the window: "
        f"{', '.join(outside) or 'none'}."
    )
    assert not lost, "files icalendar reads but we lose:\n" + "\n".join(lost)
