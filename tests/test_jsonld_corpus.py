"""scrapers.jsonld over the shared corpus of real-world HTML (schema.org's Event examples
in JSON-LD, microdata and RDFa, and extruct's saved pages): it must never raise, and of
the files in which plain extruct finds an Event with a startDate, at least 95% must give
an event. The issue's own figure, files giving an event out of all files, is printed on
every run but cannot reach 95% on this corpus: about a quarter of its files hold no
dated Event at all (schema.org Action examples, eventSchedule-only events).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.corpus_library import FOLDERS, corpus_files, has_dated_event
from scrapers.jsonld import parse

SOURCE, WIDE = FOLDERS["html"].source, FOLDERS["html"].ctx
TARGET = 0.95  # the target; report the real figure rather than move it


def _files() -> list[Path]:
    files = corpus_files("html")
    if not files:
        pytest.skip("no corpus at ../shared/corpus/html")
    return files


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
        elif not has_dated_event(body):
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
