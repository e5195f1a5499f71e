"""Refreshes of the synthetic sources, step by step, in a process of its own so its peak
memory (ru_maxrss) is the refresh's alone. Run by bench/suite.py, which starts the
server; prints one JSON line with each run's step timings, server counts and memory.

The steps are the Prefect flow's tasks called through `.fn`, as bench/refresh_pipeline.py
does, so Prefect's own costs are measured apart (bench/suite_prefect.py).

    .venv/bin/python -m bench.suite_refresh '{"sources_file": ..., "port": ..., ...}'
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import os
import resource
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import patch

from bench.synth_server import Running, bench_hosts
from feeds.render_store import RenderStore
from flows.refresh import collect_sources, publish_feeds, recall_validators, store_results
from scrapers.config import FeedWindow, load_settings
from scrapers.model import ParseContext, Source
from scrapers.registry import PARSERS
from scrapers.sources import load_sources
from warehouse.analysis import analysis_path
from warehouse.classify import Classifier
from warehouse.overrides import Overrides
from warehouse.store import RefreshRun


@dataclass(frozen=True)
class Plan:
    sources_file: str
    port: int
    workdir: str
    runs: tuple[tuple[str, float], ...]  # (label, share of sources changed first)


@dataclass
class RunReport:
    label: str
    steps: dict[str, float] = field(default_factory=dict)
    server: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    events: int = 0
    changed: int = 0
    # step -> (bytes it had to write, seconds to write them again): see write_floor
    written: dict[str, tuple[int, float]] = field(default_factory=dict)
    maxrss_mib: float = 0.0
    # The largest process the refresh forked (the store's classification workers), if any:
    # ru_maxrss of RUSAGE_CHILDREN is the largest child's peak, not their sum.
    workers_maxrss_mib: float = 0.0
    # step -> the largest resident size seen while it ran (sampled every 20 ms)
    step_peak_mib: dict[str, float] = field(default_factory=dict)
    # the render store's pieces reused and made, by kind (feeds.render_store)
    pieces: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.steps.values())


def refresh(sources: Sequence[Source], plan: Plan, db: Path, public: Path) -> RunReport:
    """One refresh, each step timed, as the flow's `_fetch_and_store` and publish do it."""
    report = RunReport("")
    fetch = load_settings(Path(plan.sources_file)).fetch
    now = datetime.now(UTC)
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        report.steps[step] = time.perf_counter() - clock
        clock = time.perf_counter()

    with Sampler(report.step_peak_mib) as sampler:
        known = recall_validators.fn(db, now)
        lap("recall")
        sampler.step = "fetch+parse"
        results = asyncio.run(collect_sources.fn(sources, fetch, ParseContext(now=now), known))
        lap("fetch+parse")
        sampler.step = "store"
        run = RefreshRun(uuid.uuid4().hex, now, datetime.now(UTC), plan.sources_file)
        ids = [s.id for s in sources]
        store_results.fn(db, run, sources, results, Overrides(), Classifier())
        lap("store")
        sampler.step = "publish"
        with _counting_pieces(report.pieces), _profiled(f"publish-{db.stem}"):
            publish_feeds.fn(db, public, ids, run.finished_at, None, Overrides(), _window(plan))
        lap("publish")
    report.events = sum(len(r.parsed.events) for r in results)
    for r in results:
        report.statuses[r.status] = report.statuses.get(r.status, 0) + 1
    return report


@contextmanager
def _profiled(name: str) -> Iterator[None]:
    """With BENCH_PROFILE=DIR, pyinstrument's text profile of the block in DIR (numbered
    by run): where a step's time goes, at a scale a unit profile never reaches."""
    folder = os.environ.get("BENCH_PROFILE")
    if not folder:
        yield
        return
    # A developer's tool, not a bench dependency: `uv pip install pyinstrument` first.
    profiler = importlib.import_module("pyinstrument").Profiler()
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        number = len(list(out.glob(f"{name}-*.txt"))) + 1
        (out / f"{name}-{number}.txt").write_text(profiler.output_text(), encoding="utf-8")


@contextmanager
def _counting_pieces(into: dict[str, dict[str, int]]) -> Iterator[None]:
    """Record the render store's hits and misses of the publish run inside."""
    made: list[RenderStore] = []

    class Counted(RenderStore):
        def __init__(self, path: Path | None, version: str) -> None:
            super().__init__(path, version)
            made.append(self)

    with patch("flows.refresh.RenderStore", Counted):
        yield
    for store in made:
        into["reused"] = dict(store.hits)
        into["made"] = dict(store.misses)


class Sampler:
    """The resident size of this process, sampled on a thread, kept per step: the peak
    of the whole process (ru_maxrss) says how much, this says where."""

    def __init__(self, peaks: dict[str, float]) -> None:
        self.peaks = peaks
        self.step = "recall"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE") / 2**20
        while not self._stop.wait(0.02):
            with open("/proc/self/statm", encoding="ascii") as statm:
                mib = int(statm.read().split()[1]) * page
            self.peaks[self.step] = max(self.peaks.get(self.step, 0.0), mib)


def _window(plan: Plan) -> FeedWindow:
    return load_settings(Path(plan.sources_file)).window


def snapshot(public: Path, db: Path) -> dict[str, str]:
    """A digest of every published file: the public folder, and the analysis copy that
    publishing writes beside the database."""
    files = [*public.rglob("*"), analysis_path(db)] if public.exists() else []
    return {
        str(p): hashlib.sha1(p.read_bytes(), usedforsecurity=False).hexdigest()
        for p in files
        if p.is_file()
    }


def write_floor(
    before: dict[str, str], public: Path, db: Path, db_before: int
) -> dict[str, tuple[int, float]]:
    """The bytes each writing step had to write (publish: output files whose content
    changed; store: the database's growth) and the seconds it takes to write them again,
    file by file, to a scratch folder (no fsync: the publisher does none). One file is
    held at a time: this runs in the refresh's process, after its peak is read."""
    after = snapshot(public, db)
    changed = [Path(p) for p, digest in after.items() if before.get(p) != digest]
    growth = max(db.stat().st_size - db_before, 0)
    return {
        "publish": _rewrite((p.read_bytes() for p in changed), public.parent),
        "store": _rewrite(iter([b"\0" * growth]), public.parent),
    }


def _rewrite(files: Iterator[bytes], work: Path) -> tuple[int, float]:
    scratch = work / "scratch"
    scratch.mkdir(exist_ok=True)
    size, seconds = 0, 0.0
    for number, data in enumerate(files):
        started = time.perf_counter()
        (scratch / f"{number}.out").write_bytes(data)
        seconds += time.perf_counter() - started
        size += len(data)
    for path in scratch.iterdir():
        path.unlink()
    return size, seconds


def main() -> None:
    plan = Plan(**json.loads(sys.argv[1]))
    plan = Plan(plan.sources_file, plan.port, plan.workdir, tuple(map(tuple, plan.runs)))  # type: ignore[arg-type]
    server = Running(plan.port)
    work = Path(plan.workdir)
    with bench_hosts():
        sources = list(load_sources(Path(plan.sources_file), PARSERS.keys()))
        refresh(sources[:2], plan, work / "warm.duckdb", work / "warm")  # first-use costs
        db, public = work / "convene.duckdb", work / "public"
        reports = []
        for label, share in plan.runs:
            changed = server.change(share) if share else []
            server.stats(reset=True)
            before, db_before = snapshot(public, db), db.stat().st_size if db.exists() else 0
            report = refresh(sources, plan, db, public)
            report.label, report.changed = label, len(changed)
            # Read before write_floor, which reads the published files back: ru_maxrss is
            # a high-water mark, so a later run's figure is the largest so far.
            report.maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            report.workers_maxrss_mib = (
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            )
            report.server = dict(server.stats())
            report.written = write_floor(before, public, db, db_before)
            reports.append(report)
    print(json.dumps([asdict(r) for r in reports]))


if __name__ == "__main__":
    main()
