"""The whole benchmark suite, one script after another: a benchmark, not a test.

Each script in SUITE runs in a process of its own (so one's memory and imports do not
weigh on the next) with the same --quick flag, and its markdown tables are gathered into
one report, printed and, with --out, written to a file. A script that fails is reported
with its exit status and the rest still run; the exit status is then 1.

    .venv/bin/python bench/run_all.py            # the full suite: about half an hour
    .venv/bin/python bench/run_all.py --quick    # a smoke check for CI: two at a time
    .venv/bin/python bench/run_all.py --only suite publish_scale --out results.md

The bench dependency group holds the peers (splink, reader): `make bench` installs it.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


@dataclass(frozen=True)
class Script:
    name: str  # bench/<name>.py
    what: str


# The suite, in the order it runs: the scenarios and their peers.
SUITE: tuple[Script, ...] = (
    Script("suite", "scenarios 1, 2, 3 and 6: refreshes of synthetic sources, peak memory"),
    Script("fetch_scale", "fetching: default concurrency against concurrency 1, and the floor"),
    Script("reader_compare", "RSS: lemon24/reader against Convene's ingestion"),
    Script("store_scale", "storing: save_refresh against a bulk insert"),
    Script("dedupe_scale", "scenario 4: deduplicating 100,000 listings, and splink"),
    Script("publish_scale", "scenario 5: publishing 100,000 events, naive against cached"),
)


@dataclass(frozen=True)
class Outcome:
    script: Script
    status: int
    seconds: float
    output: str


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} {platform.release()},"
        f" Python {platform.python_version()}"
    )


def run(script: Script, quick: bool) -> Outcome:
    command = [sys.executable, str(BENCH / f"{script.name}.py"), *(["--quick"] if quick else [])]
    began = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    output = done.stdout + (f"\n```\n{done.stderr.strip()}\n```\n" if done.returncode else "")
    return Outcome(script, done.returncode, time.perf_counter() - began, output)


def report(outcomes: list[Outcome], quick: bool, began: datetime) -> str:
    lines = [
        f"# Benchmark run{' (--quick)' if quick else ''}, {began:%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}.",
        "",
        "| script | what | status | seconds |",
        "|---|---|---|---|",
    ]
    for o in outcomes:
        status = "ok" if o.status == 0 else f"failed (exit {o.status})"
        lines.append(f"| bench/{o.script.name}.py | {o.script.what} | {status} | {o.seconds:.1f} |")
    for o in outcomes:
        lines += ["", f"## bench/{o.script.name}.py", "", o.output.strip()]
    return "\n".join(lines) + "\n"


def announced(script: Script, quick: bool) -> Outcome:
    outcome = run(script, quick)
    verdict = "ok" if outcome.status == 0 else f"FAILED (exit {outcome.status})"
    print(f"bench/{script.name}.py: {verdict} in {outcome.seconds:.1f} s", flush=True)
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke check")
    names = [s.name for s in SUITE]
    parser.add_argument("--only", nargs="+", choices=names, help="run only these scripts")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    parser.add_argument(
        "--jobs",
        type=int,
        help="scripts run at once (default 1; 2 with --quick, whose figures are not judged)",
    )
    args = parser.parse_args()
    chosen = [s for s in SUITE if not args.only or s.name in args.only]
    began = datetime.now(UTC)
    with ThreadPoolExecutor(args.jobs or (2 if args.quick else 1)) as pool:
        outcomes = list(pool.map(lambda s: announced(s, args.quick), chosen))
    text = report(outcomes, args.quick, began)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0 if all(o.status == 0 for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
