"""scrapers.jsonld over the shared corpus of real-world HTML (schema.org's Event examples
in JSON-LD, microdata and RDFa, and extruct's saved pages): it must never raise, and of
the files in which plain extruct finds an Event with a startDate, at least 95% must give
an event. The issue's own figure, files giving an event out of all files, is printed on
every run but cannot reach 95% on this corpus: about a quarter of its files hold no
dated Event at all (schema.org Action examples, eventSchedule-only events).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import extruct
import pytest

from scrapers.jsonld import parse
from scrapers.model import ParseContext, Source

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "html"
SOURCE = Source(
    id="corpus", name="Corpus", organiser="Corpus", url="https://example.org/page", kind="jsonld"
)
# Corpus events run from 1968 to 2019: a century either side keeps the window out of it.
WIDE = ParseContext(now=datetime(2020, 1, 1, tzinfo=UTC), days_back=100 * 365, days_ahead=100 * 365)
TARGET = 0.95  # the target; report the real figure rather than move it
_LOCAL = re.compile(r"^.*[/#:]")
_EVENTS_BY_NAME = {"Festival", "Hackathon", "CourseInstance"}


def _files() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    return sorted(path for path in CORPUS.iterdir() if path.is_file())


def _has_dated_event(body: bytes) -> bool:
    """Whether plain extruct finds an Event with a startDate: a check that shares no code
    with the parser, so a file it says no to yields no event legitimately."""
    syntaxes = ["json-ld", "microdata", "rdfa"]
    data = extruct.extract(body, syntaxes=syntaxes, uniform=True, errors="ignore")
    return _dated_event_in(data)


def _dated_event_in(value: Any) -> bool:
    if isinstance(value, list):
        return any(_dated_event_in(item) for item in value)
    if not isinstance(value, dict):
        return False
    declared = [value.get("@type", []), value.get("additionalType", [])]
    flat = [kind for kinds in declared for kind in (kinds if isinstance(kinds, list) else [kinds])]
    names = [_LOCAL.sub("", str(kind)) for kind in flat]
    is_event = any(name.endswith("Event") or name in _EVENTS_BY_NAME for name in names)
    if is_event and any(_LOCAL.sub("", str(key)) == "startDate" for key in value):
        return True
    return any(_dated_event_in(item) for item in value.values())


def test_corpus_never_raises_and_most_files_give_events() -> None:
    files = _files()
    began = time.perf_counter()
    with_events: list[str] = []
    nothing_to_give: list[str] = []
    lost: list[str] = []
    for path in files:
        body = path.read_bytes()
        try:
            result = parse(SOURCE, body, WIDE)
        except Exception as exc:
            pytest.fail(f"{path.name}: parse raised {type(exc).__name__}: {exc}")
        # parse() turns an unexpected exception into this error; none should need to.
        assert not (result.error or "").startswith("could not read the page"), path.name
        if result.events:
            with_events.append(path.name)
        elif not _has_dated_event(body):
            nothing_to_give.append(path.name)
        else:
            lost.append(f"{path.name}: {result.error or list(result.warnings)}")
    elapsed = time.perf_counter() - began
    counted = len(with_events) + len(nothing_to_give)
    dated = len(files) - len(nothing_to_give)
    print(
        f"\n{len(files)} files in {elapsed:.1f} s. {len(with_events)}/{len(files)} give at least "
        f"one event ({len(with_events) / len(files):.1%}); {len(nothing_to_give)} more have no "
        f"Event with a startDate, so give none legitimately; together {counted}/{len(files)} "
        f"= {counted / len(files):.1%}. Of the {dated} files with a dated Event, "
        f"{len(with_events)} give one ({len(with_events) / dated:.1%}, target {TARGET:.0%}). "
        "Files with a dated Event but no event from us:\n" + "\n".join(lost or ["none"])
    )
    assert len(with_events) / dated >= TARGET, "\n".join(lost)
