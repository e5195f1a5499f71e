"""The fetch of scenarios 1 and 2 alone (no parse, no store), at several global limits on
requests in flight, with the per-host rules unchanged: a benchmark, not a test.

bench/suite.py's synthetic sources (bench/synth.py: 10% on platform hosts shared by
several sources) are served by bench/synth_server.py in a process of its own, a fresh one
per concurrency. Per concurrency: the first fetch (scenario 1: robots.txt, then every
document, 200) and, with the validators and robots.txt answers it returned, the second
(scenario 2: every document 304, robots.txt remembered). Floors: the larger of requests x
latency / concurrency and the busiest host's chain (its requests one gap apart).

    .venv/bin/python bench/fetch_concurrency.py [--sources 1000] [--concurrency 16 32 64]
    .venv/bin/python bench/fetch_concurrency.py --quick    # 100 sources, 16 and 64
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import Spec, sources_toml
from bench.synth_server import Running, bench_hosts, serving
from scrapers.fetch import fetch_all
from scrapers.fetch_types import Fetched, FetchOutcome, FetchSettings, Validators
from scrapers.model import Source
from scrapers.registry import PARSERS
from scrapers.robots import RobotsCache
from scrapers.sources import load_sources
from scrapers.transfer import host_key

T = TypeVar("T")


@dataclass(frozen=True)
class Fetch:
    scenario: str
    concurrency: int
    seconds: float
    cpu: float
    requests: int
    ok: int
    floor: float
    peak_fds: int


def _timed(
    label: str,
    sources: list[Source],
    settings: FetchSettings,
    server: Running,
    latency: float,
    **kw: object,
) -> tuple[Fetch, dict[str, FetchOutcome]]:
    server.stats(reset=True)
    fds = _FdPeak()
    began, cpu = time.perf_counter(), time.process_time()
    outcomes = asyncio.run(fds.around(fetch_all(sources, settings, **kw)))  # type: ignore[arg-type]
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    counts = server.stats()
    requests = counts.get("200", 0) + counts.get("304", 0) + counts.get("robots", 0)
    ok = sum(isinstance(o, Fetched) for o in outcomes.values())
    chain = _chain(sources, settings, latency, counts.get("robots", 0) > 0)
    floor = max(requests * latency / settings.concurrency, chain)
    return Fetch(label, settings.concurrency, seconds, cpu, requests, ok, floor, fds.peak), outcomes


def _chain(sources: list[Source], settings: FetchSettings, latency: float, robots: bool) -> float:
    """The busiest host's requests (its robots.txt first, if read), one gap apart."""
    busiest = max(Counter(host_key(s.url) for s in sources).values()) + robots
    return (busiest - 1) * settings.host_delay + latency


class _FdPeak:
    """The most file descriptors this process had open, sampled every 20 ms."""

    def __init__(self) -> None:
        self.peak = 0

    async def around(self, work: Coroutine[Any, Any, T]) -> T:
        async def sample() -> None:
            while True:
                self.peak = max(self.peak, len(os.listdir("/proc/self/fd")))
                await asyncio.sleep(0.02)

        sampler = asyncio.create_task(sample())
        try:
            return await work
        finally:
            sampler.cancel()


def measure(spec: Spec, latency: float, concurrency: int) -> list[Fetch]:
    settings = FetchSettings(concurrency=concurrency)
    with tempfile.TemporaryDirectory() as tmp, serving(spec, latency, process=True) as server:
        path = Path(tmp) / "sources.toml"
        path.write_text(sources_toml(spec, server.port), encoding="utf-8")
        sources = list(load_sources(path, PARSERS.keys()))
        with bench_hosts():
            robots = RobotsCache()
            first, outcomes = _timed("1 first", sources, settings, server, latency, robots=robots)
            validators = {
                s.url: Validators(o.etag, o.last_modified)
                for s in sources
                if isinstance(o := outcomes[s.id], Fetched)
            }
            remembered = [o.robots for o in outcomes.values() if o.robots is not None]
            second, _ = _timed(
                "2 unchanged", sources, settings, server, latency,
                validators=validators, robots=RobotsCache(remembered=remembered),
            )  # fmt: skip
    return [first, second]


def table(runs: list[Fetch]) -> str:
    lines = [
        "| scenario | concurrency | measured s | floor s | ratio | requests | fetched"
        " | CPU s | CPU ms per request | peak open files |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(runs, key=lambda r: (r.scenario, r.concurrency)):
        lines.append(
            f"| {r.scenario} | {r.concurrency} | {r.seconds:.2f} | {r.floor:.2f}"
            f" | {r.seconds / r.floor:.2f} | {r.requests:,} | {r.ok:,} | {r.cpu:.2f}"
            f" | {r.cpu / max(r.requests, 1) * 1000:.2f} | {r.peak_fds} |"
        )
    return "\n".join(lines)


def _file_limit() -> int:
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--quick", action="store_true", help="100 sources, 2 per platform")
    args = parser.parse_args()
    spec = Spec(sources=args.sources)
    if args.quick:
        spec = replace(spec, sources=100, per_platform=2)
        args.concurrency = [16, 64]
    spec = spec.fixed()
    runs = [run for c in args.concurrency for run in measure(spec, args.latency, c)]
    settings = FetchSettings()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nFetch alone: {spec.sources:,} synthetic sources, {args.latency * 1000:g} ms per"
        f" answer, per host {settings.per_host} at once and {settings.host_delay:g} s apart"
        f" (peak RSS {peak_mb:.0f} MB, open-file limit {_file_limit()})\n"
    )
    print(table(runs))


if __name__ == "__main__":
    main()
