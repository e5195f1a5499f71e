"""Every file of the shared corpus (../shared/corpus/) through the matching parser, each in
a worker process with a CPU-time limit and a 1 GiB address-space cap (bench/
corpus_robustness.py): no exception escapes, nothing hangs, nothing runs out of memory or
crashes, each folder's share of files yielding events is at least the underlying
library's, and no file the library yields from comes out empty from ours ("yields" per
folder is defined in bench/corpus_library.py).

The harness is tested too: targets that spin, sleep, segfault, exit, raise and eat
memory must each be caught for what they are, and the run must carry on with a fresh
worker after each.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.corpus_library import FOLDERS, corpus_files
from bench.corpus_pool import Job, Reply, Settings, run
from bench.corpus_robustness import FileRun, by_folder, problems, summarise, survey, table
from bench.corpus_worker import answer, ours
from scrapers.model import ParseContext, ParseResult, Source


@pytest.fixture(scope="module")
def runs() -> dict[str, list[FileRun]]:
    if not all(corpus_files(name) for name in FOLDERS):
        pytest.skip("no corpus at ../shared/corpus/ (ics, feeds, html)")
    began = time.perf_counter()
    grouped = by_folder(survey(list(FOLDERS), Settings()))
    elapsed = time.perf_counter() - began
    print(f"\n{table([summarise(group) for group in grouped.values()])}\n{elapsed:.1f} s")
    return grouped


@pytest.mark.slow
def test_no_file_raises_hangs_runs_out_of_memory_or_crashes(
    runs: dict[str, list[FileRun]],
) -> None:
    failed = [r for group in runs.values() for r in group if r.failed]
    assert problems(failed) == []
    for name, group in runs.items():
        assert len(group) == len(corpus_files(name)), name
        peak = summarise(group).ours_max_rss_mb
        assert 0 < peak < Settings().memory_mb, name  # measured, and inside the cap


@pytest.mark.slow
def test_ours_yields_from_at_least_the_library_share(runs: dict[str, list[FileRun]]) -> None:
    summaries = [summarise(group) for group in runs.values()]
    # A library that failed on a file would count as yielding nothing there: none may.
    assert {s.folder: s.library_failed for s in summaries} == dict.fromkeys(FOLDERS, 0)
    shares = {s.folder: (s.ours_yield, s.library_yield) for s in summaries}
    assert all(library > 0 for _, library in shares.values()), shares
    assert {name: ours >= library for name, (ours, library) in shares.items()} == dict.fromkeys(
        FOLDERS, True
    ), shares


@pytest.mark.slow
def test_no_file_the_library_yields_from_is_lost(runs: dict[str, list[FileRun]]) -> None:
    lost = [f"{r.folder.name}/{r.path.name}: {r.ours}" for g in runs.values() for r in g if r.lost]
    assert lost == []


HOSTILE = """
import os, signal, sys, time

from bench.corpus_worker import ours
from scrapers.model import ParseContext, ParseResult, Source


def spin(body):
    while True:
        pass


def balloon(body):
    held = [bytes(64 << 20) for _ in range(64)]  # 4 GiB of address space at most (calloc: lazy)
    return {"held_mb": 64 * len(held)}


def parser_that_swallows(source, body, ctx):
    try:  # as our parsers' catch-alls do
        balloon(body)
    except Exception as exc:
        return ParseResult(error=f"could not read the feed: {type(exc).__name__}: {exc}")
    return ParseResult()


def segfault(body):
    os.kill(os.getpid(), signal.SIGSEGV)


SOURCE = Source(id="t", name="t", organiser="t", url="file:t", kind="feed")
TARGETS = {
    "fine": lambda body: {"bytes": len(body)},
    "spin": spin,
    "sleep": lambda body: time.sleep(3600),
    "segfault": segfault,
    "exit": lambda body: sys.exit(3),
    "raise": lambda body: int(body),
    "balloon": balloon,
    "swallowed": ours(SOURCE, ParseContext(), parser_that_swallows),
}
"""


def _hostile_run(tmp_path: Path, names: Sequence[str], memory_mb: int = 1024) -> list[Reply]:
    (tmp_path / "hostile_targets.py").write_text(HOSTILE, encoding="utf-8")
    document = tmp_path / "document.txt"
    document.write_bytes(b"not a number")
    targets, path = "hostile_targets", (str(tmp_path),)
    settings = Settings(seconds=1.0, memory_mb=memory_mb, workers=1, targets=targets, path=path)
    return run([Job(name, document) for name in names], settings)


def test_the_harness_catches_hangs_crashes_and_memory_blowups(tmp_path: Path) -> None:
    hostile = ["spin", "sleep", "segfault", "exit", "raise", "balloon", "swallowed"]
    began = time.perf_counter()
    replies = dict(zip(hostile, _hostile_run(tmp_path, hostile), strict=True))
    elapsed = time.perf_counter() - began
    assert {name: reply.outcome for name, reply in replies.items()} == {
        "spin": "hung",  # 1 CPU second
        "sleep": "hung",  # no CPU used: the wall-clock backstop, 3 s
        "segfault": "crashed",
        "exit": "crashed",
        "raise": "raised",
        "balloon": "over-memory",  # RLIMIT_AS at 1 GiB stops it
        "swallowed": "over-memory",  # a parser's catch-all turned MemoryError into text
    }
    assert "SIGSEGV" in (replies["segfault"].detail or "")
    assert "exit status 3" in (replies["exit"].detail or "")
    assert replies["raise"].detail == (
        "ValueError: invalid literal for int() with base 10: b'not a number'"
    )
    assert elapsed < 60  # each hang costs its limit, not the run
    # The cap is what stops the blow-up: above 4 GiB the same target gets its memory.
    roomy = _hostile_run(tmp_path, ["balloon"], memory_mb=8192)[0]
    assert (roomy.outcome, roomy.result) == ("ok", {"held_mb": 4096})


def test_the_harness_carries_on_with_a_fresh_worker_after_each_failure(tmp_path: Path) -> None:
    names = ["fine", "spin", "fine", "segfault", "fine", "balloon", "fine"]
    replies = _hostile_run(tmp_path, names)
    assert [reply.outcome for reply in replies] == [
        "ok", "hung", "ok", "crashed", "ok", "over-memory", "ok"
    ]  # fmt: skip
    assert all(reply.result == {"bytes": 12} for reply in replies[::2])


def test_a_memory_error_a_parser_caught_still_counts_as_over_memory(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(b"<rss/>")
    source = Source(id="t", name="t", organiser="t", url="file:t", kind="feed")

    def swallowing(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
        return ParseResult(error="could not read the feed: MemoryError: ")

    def warning(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
        return ParseResult(warnings=("skipped an entry: MemoryError",))

    def plain(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
        return ParseResult(error="could not read the feed: ValueError: nope")

    replies = {p.__name__: answer(ours(source, ParseContext(), p), path)
               for p in (swallowing, warning, plain)}  # fmt: skip
    assert {name: reply["outcome"] for name, reply in replies.items()} == {
        "swallowing": "over-memory", "warning": "over-memory", "plain": "ok"
    }  # fmt: skip
    assert replies["plain"]["result"]["last_resort"] is True
