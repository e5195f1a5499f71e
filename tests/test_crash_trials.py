"""SIGKILL at random moments of a real refresh (`convene refresh`, Prefect flow, local HTTP
sources), and what must hold afterwards.

Each trial is a round in which two sources changed (tests/crash_sources.py). The refresh
is killed at a moment drawn (seeded) in its own slot of the span of a refresh measured
first, counted from the moment its flow begins (the second before, importing and creating
the flow run, touches nothing and varies most with the machine's load), so the kills
spread over fetching, storing and publishing. Then:

- the database opens and warehouse.integrity finds nothing wrong (the analysts' copy too);
- the render cache (SQLite) passes its own integrity check;
- the next refresh, given no time to wait for a lock (--lock-timeout 0: the kill left none),
  exits 0; every file the killed one left is whole and is its version from before the
  round or the one the next refresh leaves (stamps aside), no scratch file is left, and the
  events published are those of a refresh of the same round that nobody killed (a copy of
  the state before the kill, refreshed whole);
- when the kill came while publishing (when the render cache is written), a publish from
  the same database with no render cache gives the same files: the cache the crash left
  was used correctly or not at all.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from crash_sources import Place, sources_file, write_round
from forked_cli import ForkedCli, prefect_cli
from httpserver import serve
from published_files import Files, events_of, leftovers, mixed, same_render, snapshot
from test_integrity import _problems as integrity

from flows.refresh import publish_feeds
from scrapers.config import load_settings
from scrapers.registry import PARSERS
from scrapers.sources import load_sources
from warehouse.overrides import Overrides

pytestmark = [pytest.mark.slow, pytest.mark.prefect, pytest.mark.usefixtures("prefect_api")]

TRIALS = 20
SEED = 20251127
MORE = 8  # extra kills at most per phase, should a phase have had fewer than two
# What the refresh's log says as each phase ends, in order: a kill after the line of one
# and before that of the next landed in the phase named with the next.
FLOW_BEGAN = "Beginning flow run"
MARKS = (
    ("fetch", FLOW_BEGAN),
    ("store", "Task run 'collect_sources"),
    ("publish", "Task run 'store_results"),
    ("after publishing", "Task run 'publish_feeds"),
)


@pytest.fixture(scope="module")
def cli() -> Iterator[ForkedCli]:
    with prefect_cli() as forked:
        yield forked


def phase_of(log: Path) -> str:
    text = log.read_text(encoding="utf-8", errors="replace")
    reached = [phase for phase, mark in MARKS if mark in text]
    return reached[-1] if reached else "starting"


def flow_began(log: Path) -> float:
    """Wait until the refresh's flow has begun (its log says so); returns the moment."""
    deadline = time.monotonic() + 120
    while FLOW_BEGAN not in (log.read_text(errors="replace") if log.exists() else ""):
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.005)
    return time.monotonic()


def timeline(cli: ForkedCli, args: list[str], log: Path) -> dict[str, float]:
    """Run to the end, noting when each phase began, in seconds after the flow began."""
    log.unlink(missing_ok=True)  # an earlier run's log would say the flow had begun
    pid = cli.start(args, log)
    began = flow_began(log)
    seen: dict[str, float] = {}
    while len(seen) < len(MARKS) and time.monotonic() - began < 300:
        text = log.read_text(encoding="utf-8", errors="replace")
        for phase, mark in MARKS:
            if mark in text and phase not in seen:
                seen[phase] = time.monotonic() - began
        time.sleep(0.005)
    assert cli.wait(pid) == 0, log.read_text()
    return seen | {"fetch": 0.0, "exit": time.monotonic() - began}


def kill_moments(span: tuple[float, float], count: int, seed: int) -> list[float]:
    """One moment drawn in each of `count` equal slots of `span`, in a shuffled order."""
    rng = random.Random(seed)
    low, high = span
    width = (high - low) / count
    moments = [low + width * (k + rng.random()) for k in range(count)]
    rng.shuffle(moments)
    return moments


def render_cache_check(place: Place, scratch: Path) -> str:
    """SQLite's own check of the render cache, on a copy with its journal (opening the
    file would roll a hot journal back: the next refresh must meet it as the kill left it)."""
    scratch.mkdir()
    for path in place.folder.glob("*.render-cache*"):
        shutil.copy(path, scratch / path.name)
    con = sqlite3.connect(scratch / f"{place.db.name}.render-cache")
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()
        shutil.rmtree(scratch)


@dataclass
class Tally:
    phases: Counter[str] = field(default_factory=Counter)
    mixed_sets: int = 0  # kills after which some files were new and others still old
    wal: int = 0  # kills that left DuckDB's write-ahead log to replay
    journal: int = 0  # kills that left a hot SQLite journal beside the render cache
    aimed: int = 0  # kills aimed at a phase the spread ones missed


def kill(cli: ForkedCli, main: Place, sources: Path, work: Path, moment: float) -> str:
    """Start a refresh, SIGKILL it `moment` seconds after its flow began; the phase it had
    reached."""
    log = work / "killed.log"
    log.unlink(missing_ok=True)
    pid = cli.start(main.args(sources), log)
    time.sleep(max(0.0, flow_began(log) + moment - time.monotonic()))
    os.kill(pid, signal.SIGKILL)
    status = cli.wait(pid)
    assert status in (-signal.SIGKILL, 0), log.read_text()
    return phase_of(log) if status else "finished first"


def run_trial(
    cli: ForkedCli, main: Place, sources: Path, work: Path, moment: float, tally: Tally
) -> str:
    twin = main.copy(work / "twin")  # the state before the kill, to refresh unhurt
    old = snapshot(main.public)
    phase = kill(cli, main, sources, work, moment)
    tally.phases[phase] += 1
    tally.wal += main.db.with_name(main.db.name + ".wal").exists()
    tally.journal += main.db.with_name(main.db.name + ".render-cache-journal").exists()
    killed = snapshot(main.public)
    assert integrity(main.db) == [], phase
    if (copy := main.folder / "analysis.duckdb").exists():
        assert integrity(copy) == [], phase
    assert render_cache_check(main, work / "cache-check") == "ok", phase

    again = cli.start(main.args(sources, "--lock-timeout", "0"), work / "again.log")
    whole = cli.start(twin.args(sources), work / "twin.log")
    assert cli.wait(again) == 0, (work / "again.log").read_text()
    assert cli.wait(whole) == 0, (work / "twin.log").read_text()
    new = snapshot(main.public)
    assert mixed(killed, old, new) == {}, phase
    still_old, already_new = versions(killed, old, new)
    tally.mixed_sets += bool(still_old and already_new)
    assert leftovers(new) == [] and leftovers(p.name for p in main.folder.iterdir()) == []
    assert integrity(main.db) == []
    assert events_of(new["all.ics"]) == events_of((twin.public / "all.ics").read_bytes())
    if phase in ("publish", "after publishing"):  # when the render cache is written
        assert_cache_was_sound(main, sources, work)
    shutil.rmtree(twin.folder)
    return phase


def versions(killed: Files, old: Files, new: Files) -> tuple[list[str], list[str]]:
    """Of the files the round changed, those the kill left old and those already new."""
    changed = [n for n in killed if n in old and n in new and not same_render(old[n], new[n])]
    return (
        [n for n in changed if same_render(killed[n], old[n])],
        [n for n in changed if same_render(killed[n], new[n])],
    )


def assert_cache_was_sound(main: Place, sources: Path, work: Path) -> None:
    """A publish from the same database with no render cache gives the same files (run
    here, as the refresh flow's publish task runs it, to spare a Prefect run)."""
    fresh = main.copy(work / "fresh")
    (fresh.db.with_name(fresh.db.name + ".render-cache")).unlink()
    shutil.rmtree(fresh.public)
    settings = load_settings(sources)
    enabled = [s.id for s in load_sources(sources, PARSERS.keys()) if s.enabled]
    publish_feeds.fn(fresh.db, fresh.public, enabled, datetime.now(UTC), None, Overrides(),
                     settings.window)  # fmt: skip
    ours, theirs = snapshot(main.public), snapshot(fresh.public)
    assert sorted(ours) == sorted(theirs)
    assert [n for n in ours if not same_render(ours[n], theirs[n])] == []
    shutil.rmtree(fresh.folder)


def test_a_refresh_killed_at_any_moment_leaves_everything_whole(
    cli: ForkedCli, tmp_path: Path
) -> None:
    started = time.monotonic()
    site, main = tmp_path / "site", Place(tmp_path / "main")
    site.mkdir()
    main.folder.mkdir()
    tally, rounds = Tally(), iter(range(10**6))
    with serve(site) as server:
        sources = sources_file(tmp_path, server.base_url)
        # The first two refreshes fill the database and the render cache; the span is the
        # mean of the next two, as warm as the refreshes that will be killed.
        measured = []
        for _ in range(4):
            write_round(site, next(rounds))
            measured.append(timeline(cli, main.args(sources), tmp_path / "measured.log"))
        span = {k: (measured[2][k] + measured[3][k]) / 2 for k in measured[2]}
        for moment in kill_moments((0.0, span["exit"]), TRIALS, SEED):
            write_round(site, next(rounds))
            run_trial(cli, main, sources, tmp_path, moment, tally)
        # The machine's load moves the phases about: should a phase have had fewer than
        # two kills, more are aimed at it, each in its window measured again just before.
        rng = random.Random(SEED)
        for phase, end in (("fetch", "store"), ("store", "publish"), ("publish", "exit")):
            for _ in range(MORE):
                if tally.phases[phase] >= 2:
                    break
                write_round(site, next(rounds))
                now = timeline(cli, main.args(sources), tmp_path / "measured.log")
                write_round(site, next(rounds))
                moment = rng.uniform(now[phase], now[end])
                tally.aimed += 1
                run_trial(cli, main, sources, tmp_path, moment, tally)
    took = time.monotonic() - started
    print(f"\n{sum(tally.phases.values())} trials ({tally.aimed} aimed) in {took:.0f} s;"
          " phases began at"
          f" {({k: round(v, 2) for k, v in span.items()})} s; kills landed {dict(tally.phases)};"
          f" {tally.mixed_sets} left some changed files new and others old;"
          f" {tally.wal} left a DuckDB WAL, {tally.journal} a render-cache journal")  # fmt: skip
    for phase in ("fetch", "store", "publish"):
        assert tally.phases[phase] >= 2, tally.phases
