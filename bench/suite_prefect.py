"""Prefect's own cost, in a process of its own: the real `refresh` flow on the synthetic
sources (its time set against the same refresh's steps called directly), and one Prefect
task per source against the single collect task the flow uses.

Prefect runs against its temporary test server (prefect_test_harness), whose start-up is
timed apart and left out: a deployment's server is already running. Prints one JSON line.

    .venv/bin/python -m bench.suite_prefect '{"sources_file": ..., "workdir": ..., ...}'
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.testing.utilities import prefect_test_harness

import flows  # noqa: F401  (sets Prefect's telemetry switches before Prefect is imported)
from bench.synth_server import bench_hosts
from flows.refresh import collect_sources, refresh
from scrapers.config import load_settings
from scrapers.crawl import collect
from scrapers.fetch_types import FetchSettings
from scrapers.model import ParseContext, Source
from scrapers.pipeline import SourceResult
from scrapers.registry import PARSERS
from scrapers.sources import load_sources


@dataclass(frozen=True)
class Plan:
    sources_file: str
    workdir: str
    per_task_sources: int  # how many sources the task-granularity experiment fetches
    repeats: int = 2


@task(cache_policy=NO_CACHE)
async def collect_one(source: Source, settings: FetchSettings, ctx: ParseContext) -> SourceResult:
    """One source on its own: what a task per source would run."""
    return (await collect([source], PARSERS, ctx, settings, {}))[0]


@flow(name="bench-per-source")
async def per_source(sources: Sequence[Source], settings: FetchSettings) -> int:
    ctx = ParseContext()
    limit = asyncio.Semaphore(settings.concurrency)  # the fetch's own limit, across tasks

    async def one(source: Source) -> SourceResult:
        async with limit:
            return await collect_one(source, settings, ctx)

    results = await asyncio.gather(*(one(s) for s in sources))
    return sum(len(r.parsed.events) for r in results)


@flow(name="bench-batched")
async def batched(sources: Sequence[Source], settings: FetchSettings) -> int:
    results = await collect_sources(sources, settings, ParseContext(), {})
    return sum(len(r.parsed.events) for r in results)


def timed(run: object) -> float:
    started = time.perf_counter()
    asyncio.run(run)  # type: ignore[arg-type]
    return time.perf_counter() - started


def whole_flow(plan: Plan) -> float:
    work = Path(plan.workdir)
    return timed(
        refresh(
            sources_file=plan.sources_file,
            db=str(work / "prefect.duckdb"),
            public=str(work / "prefect-public"),
            overrides_file=str(work / "no-overrides.toml"),
        )
    )


def granularity(plan: Plan) -> dict[str, list[float]]:
    """Seconds for each way, alternated `repeats` times so drift hits both alike."""
    # The last sources, each on a host of its own: one task per source runs one fetch per
    # source, which cannot keep a shared host's gap, so shared hosts would flatter it.
    sources = list(load_sources(Path(plan.sources_file), PARSERS.keys()))[-plan.per_task_sources :]
    settings = load_settings(Path(plan.sources_file)).fetch
    seconds: dict[str, list[float]] = {"batched": [], "per-source": []}
    for _ in range(plan.repeats):
        seconds["batched"].append(timed(batched(sources, settings)))
        seconds["per-source"].append(timed(per_source(sources, settings)))
    return seconds


def main() -> None:
    plan = Plan(**json.loads(sys.argv[1]))
    started = time.perf_counter()
    with bench_hosts(), prefect_test_harness(server_startup_timeout=180):
        harness = time.perf_counter() - started
        timed(batched(list(load_sources(Path(plan.sources_file), PARSERS.keys()))[:2],
                      FetchSettings()))  # fmt: skip
        flow_seconds = whole_flow(plan)
        tasks = granularity(plan)
    print(json.dumps({"harness": harness, "flow": flow_seconds, "granularity": tasks}))


if __name__ == "__main__":
    main()
