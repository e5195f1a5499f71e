"""The refresh scenarios of issue 9 on synthetic sources, each beside its physical floor.

(1) first refresh of 1,000 sources x 20 events into an empty database; (2) the same again,
nothing changed; (3) again with 5% of the sources changed; (6) peak memory of (1) and of
10,000 sources x 20. Then Prefect's own cost: the real flow against the same refresh's
steps called directly, and one task per source against the single collect task.

The sources (bench/synth.py: a quarter each iCal, RSS, JSON-LD pages and WordPress API,
20% of occurrences in weekly series, 20% copied across sources with variations, 10% of
sources on shared platform hosts) are served by one local server (bench/synth_server.py)
in a process of its own, with `--latency` per response; each refresh runs in a child
process (bench/suite_refresh.py) with the default FetchSettings, so its peak memory is
its own. Floors: bench/suite_floors.py.

    .venv/bin/python bench/suite.py                 # about 5 minutes
    .venv/bin/python bench/suite.py --quick         # under a minute
    .venv/bin/python bench/suite.py --scenario 1 2  # some scenarios only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.suite_floors import FetchFloor, fetch_floor, parse_floor  # noqa: E402
from bench.suite_tables import memory_table, prefect_tables, scenario_tables  # noqa: E402
from bench.synth import Spec, sources_toml  # noqa: E402
from bench.synth_server import serving  # noqa: E402
from scrapers.fetch_types import FetchSettings  # noqa: E402

CHANGED_SHARE = 0.05


@dataclass(frozen=True)
class Options:
    sources: int
    events: int
    per_platform: int
    latency: float
    big_sources: int  # scenario 6's large run; 0 skips it
    big_latency: float
    prefect: bool
    per_task_sources: int
    scenarios: tuple[int, ...]
    keep: Path | None  # a folder to keep the databases and feeds in, for profiling


def options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 40 x 10, 20 ms")
    parser.add_argument("--scenario", type=int, nargs="+", choices=(1, 2, 3, 6))
    parser.add_argument("--sources", type=int)
    parser.add_argument("--events", type=int)
    parser.add_argument("--latency", type=float, help="seconds per response (default 0.1)")
    parser.add_argument("--big-sources", type=int, default=10_000,
                        help="sources in scenario 6's large run (default 10,000)")  # fmt: skip
    parser.add_argument("--big-latency", type=float, default=0.02,
                        help="latency for the 10,000-source memory run (default 0.02)")  # fmt: skip
    parser.add_argument(
        "--per-platform",
        type=int,
        help="sources on each shared platform host (default 5; 2 with --quick)",
    )
    parser.add_argument("--no-prefect", action="store_true",
                        help="skip the Prefect runs (always skipped with --quick: its"
                        " temporary server alone takes 15-40 s to start)")  # fmt: skip
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="work in DIR and keep its databases, sources.toml and feeds"
                        " (for bench/publish_steps.py or a profiler)")  # fmt: skip
    args = parser.parse_args(argv)
    quick = args.quick
    scenarios = tuple(args.scenario or (1, 2, 3, 6))
    return Options(
        sources=args.sources or (40 if quick else 1000),
        events=args.events or (10 if quick else 20),
        per_platform=args.per_platform or (2 if quick else 5),
        latency=args.latency if args.latency is not None else (0.02 if quick else 0.1),
        big_sources=0 if quick or 6 not in scenarios else args.big_sources,
        big_latency=args.big_latency,
        prefect=not (args.no_prefect or quick) and args.scenario is None,
        per_task_sources=30 if quick else 200,
        scenarios=scenarios,
        keep=args.keep,
    )


def child(module: str, plan: dict[str, Any]) -> Any:
    """Run bench/<module>.py in a fresh Python and read the JSON line it prints last."""
    command = [sys.executable, "-m", f"bench.{module}", json.dumps(plan)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"bench/{module}.py failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def refreshes(spec: Spec, latency: float, runs: list[tuple[str, float]], work: Path) -> Any:
    """The runs, in order, against a fresh server and database: (reports, server port)."""
    work.mkdir(parents=True, exist_ok=True)
    with serving(spec, latency, process=True) as server:
        sources_file = work / "sources.toml"
        sources_file.write_text(sources_toml(spec, server.port), encoding="utf-8")
        plan = {"sources_file": str(sources_file), "port": server.port,
                "workdir": str(work), "runs": runs}  # fmt: skip
        return child("suite_refresh", plan), sources_file


def prefect_runs(spec: Spec, opts: Options, work: Path) -> Any:
    work.mkdir(parents=True, exist_ok=True)
    with serving(spec, opts.latency, process=True) as server:
        sources_file = work / "sources.toml"
        sources_file.write_text(sources_toml(spec, server.port), encoding="utf-8")
        plan = {"sources_file": str(sources_file), "workdir": str(work),
                "per_task_sources": opts.per_task_sources}  # fmt: skip
        return child("suite_prefect", plan)


def floors(spec: Spec, opts: Options, reports: list[dict[str, Any]]) -> dict[str, Any]:
    settings = FetchSettings()
    parse, body_bytes = parse_floor(spec)
    fetches: dict[str, FetchFloor] = {}
    for r in reports:
        documents = r["server"].get("200", 0) + r["server"].get("304", 0)
        fetches[r["label"]] = fetch_floor(
            spec, documents, r["server"].get("robots", 0), opts.latency,
            settings.concurrency, settings.host_delay,
        )  # fmt: skip
    return {"parse": parse, "body_bytes": body_bytes, "fetch": fetches, "settings": settings}


def runs_for(scenarios: tuple[int, ...]) -> list[tuple[str, float]]:
    runs = [("1 first", 0.0)]
    if 2 in scenarios or 3 in scenarios:
        runs.append(("2 unchanged", 0.0))
    if 3 in scenarios:
        runs.append((f"3 changed {CHANGED_SHARE:.0%}", CHANGED_SHARE))
    return runs


def main() -> None:
    opts = options()
    spec = Spec(sources=opts.sources, events=opts.events, per_platform=opts.per_platform).fixed()
    began = time.perf_counter()
    print(
        f"# Refresh scenarios: {opts.sources:,} synthetic sources x {opts.events} events,"
        f" {opts.latency * 1000:g} ms per response, default FetchSettings"
        f" (concurrency {FetchSettings().concurrency}, per host {FetchSettings().per_host},"
        f" {FetchSettings().host_delay:g} s between requests to a host); 10% of sources on"
        f" platform hosts shared by {opts.per_platform}\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = opts.keep or Path(tmp)
        reports, _ = refreshes(spec, opts.latency, runs_for(opts.scenarios), work / "main")
        print(scenario_tables(reports, floors(spec, opts, reports), CHANGED_SHARE))
        if 6 in opts.scenarios:
            big: list[dict[str, Any]] = []
            if opts.big_sources:
                big_spec = replace(spec, sources=opts.big_sources)
                label = [(f"6 first {opts.big_sources:,}", 0.0)]
                big, _ = refreshes(big_spec, opts.big_latency, label, work / "big")
            print(memory_table(reports[0], big, opts))
        if opts.prefect:
            direct = sum(reports[0]["steps"].values())
            print(prefect_tables(prefect_runs(spec, opts, work / "prefect"), direct, opts))
    print(f"\nWhole suite: {time.perf_counter() - began:.0f} s.")


if __name__ == "__main__":
    main()
