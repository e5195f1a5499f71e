"""scrapers.ical over the shared corpus of real-world .ics files (test suites of calagator,
icalendar and recurring-ical-events): it must never raise, and must lose no file that
plain icalendar can read events from.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.corpus_library import FOLDERS, corpus_files, could_be_in_window, icalendar_starts
from scrapers.ical import parse

SPEC = FOLDERS["ics"]
SOURCE, WIDE = SPEC.source, SPEC.ctx


def _files() -> list[Path]:
    files = corpus_files("ics")
    if not files:
        pytest.skip("no corpus at ../shared/corpus/ics")
    return files


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
        starts = icalendar_starts(body)
        if not starts:
            continue
        by_icalendar.append(path.name)
        if not result.events:
            if could_be_in_window(starts, WIDE):
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
