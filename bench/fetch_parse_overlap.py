"""Scenario 1's fetch and parse (first round: every source's own URL, no linked pages),
with the parse after the fetch in the event loop as scrapers.crawl does it, and with the
parse overlapping the fetch: each document handed, as soon as it arrives
(fetch_all's `on_outcome`), to a worker thread or to worker processes. A benchmark, not
a test.

The sources are bench/suite.py's (bench/synth.py, served by bench/synth_server.py in a
process of its own with --latency per answer); each mode runs against a fresh server, so
each fetches robots.txt and every document with a 200. Floors: fetch,
requests (robots.txt and documents) x latency / concurrency; parse,
the parse CPU of the serial run; the overlapped run's floor is the larger of the two.

    .venv/bin/python bench/fetch_parse_overlap.py [--sources 1000] [--concurrency 16]
    .venv/bin/python bench/fetch_parse_overlap.py --quick     # 100 sources, 20 ms
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import Spec, sources_toml
from bench.synth_server import bench_hosts, serving
from scrapers.fetch import fetch_all
from scrapers.fetch_types import FetchOutcome, FetchSettings
from scrapers.model import ParseContext, Source
from scrapers.pipeline import SourceResult, parse_outcome
from scrapers.registry import PARSERS
from scrapers.sources import load_sources

CTX = ParseContext()


def parse_one(source: Source, outcome: FetchOutcome) -> SourceResult:
    """Top level, so a worker process can run it (source and outcome are pickled)."""
    return parse_outcome(source, outcome, PARSERS[source.kind], CTX)


@dataclass(frozen=True)
class Run:
    mode: str
    seconds: float
    fetch_seconds: float  # until the last document arrived
    requests: int  # robots.txt and documents the server answered
    parse_cpu: float  # parse time in this process's event loop (serial mode only)
    events: int
    ok: int


async def _serial(sources: list[Source], settings: FetchSettings) -> tuple[float, float, int, int]:
    began = time.perf_counter()
    outcomes = await fetch_all(sources, settings)
    fetched = time.perf_counter() - began
    parse_began = time.process_time()
    results = [parse_one(s, outcomes[s.id]) for s in sources]
    parse_cpu = time.process_time() - parse_began
    return fetched, parse_cpu, *_counts(results)


async def _overlapped(
    sources: list[Source], settings: FetchSettings, pool: Executor
) -> tuple[float, float, int, int]:
    began = time.perf_counter()
    futures: list[Future[SourceResult]] = []

    def hand_over(source: Source, outcome: FetchOutcome) -> None:
        futures.append(pool.submit(parse_one, source, outcome))

    await fetch_all(sources, settings, on_outcome=hand_over)
    fetched = time.perf_counter() - began
    results = [await asyncio.wrap_future(f) for f in futures]
    return fetched, 0.0, *_counts(results)


def _counts(results: list[SourceResult]) -> tuple[int, int]:
    return sum(len(r.parsed.events) for r in results), sum(r.status == "ok" for r in results)


def measure(mode: str, spec: Spec, latency: float, settings: FetchSettings) -> Run:
    with tempfile.TemporaryDirectory() as tmp, serving(spec, latency, process=True) as server:
        path = Path(tmp) / "sources.toml"
        path.write_text(sources_toml(spec, server.port), encoding="utf-8")
        sources = list(load_sources(path, PARSERS.keys()))
        began = time.perf_counter()
        with bench_hosts(), _pool(mode) as pool:
            if pool is None:
                fetched, parse_cpu, events, ok = asyncio.run(_serial(sources, settings))
            else:
                fetched, parse_cpu, events, ok = asyncio.run(_overlapped(sources, settings, pool))
        seconds = time.perf_counter() - began
        counts = server.stats()
    requests = counts.get("200", 0) + counts.get("304", 0) + counts.get("robots", 0)
    return Run(mode, seconds, fetched, requests, parse_cpu, events, ok)


def _pool(mode: str) -> Executor | _NoPool:
    if mode == "thread":
        return ThreadPoolExecutor(1)
    if mode.startswith("process"):
        return ProcessPoolExecutor(int(mode.split("x")[-1]) if "x" in mode else 1)
    return _NoPool()


class _NoPool:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def table(runs: list[Run], latency: float, concurrency: int) -> str:
    serial = runs[0]
    fetch_floor = serial.requests * latency / concurrency
    lines = [
        "| mode | measured s | fetch part s | fetch floor s | parse CPU s (serial)"
        " | floor s | ratio | vs serial | events |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        floor = (
            fetch_floor + serial.parse_cpu if r is serial else max(fetch_floor, serial.parse_cpu)
        )
        lines.append(
            f"| {r.mode} | {r.seconds:.2f} | {r.fetch_seconds:.2f} | {fetch_floor:.2f}"
            f" | {serial.parse_cpu:.2f} | {floor:.2f} | {r.seconds / floor:.2f}"
            f" | {r.seconds / serial.seconds:.2f}x | {r.events:,} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=FetchSettings().concurrency)
    parser.add_argument("--modes", nargs="+", default=["serial", "thread", "process", "process x2"])
    parser.add_argument("--quick", action="store_true", help="100 sources, 20 ms")
    args = parser.parse_args()
    if args.quick:
        args.sources, args.latency = 100, 0.02
    spec = Spec(sources=args.sources).fixed()
    settings = FetchSettings(concurrency=args.concurrency)
    modes = ["serial", *[m for m in args.modes if m != "serial"]]
    runs = [measure(m.replace(" ", ""), spec, args.latency, settings) for m in modes]
    runs = [replace(r, mode=m) for r, m in zip(runs, modes, strict=True)]
    print(
        f"\nScenario 1's first fetch round and parse: {args.sources:,} synthetic sources,"
        f" {args.latency * 1000:g} ms per answer, concurrency {args.concurrency}\n"
    )
    print(table(runs, args.latency, args.concurrency))


if __name__ == "__main__":
    main()
