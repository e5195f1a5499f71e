"""What one shard worker fetches and parses per hour, and how long a merge of N events takes:
a benchmark, not a test.

worker: the real `fetch_shard` (what `convene fetch --shard 1/1` runs: fetch, parse, write
Parquet) on N sources, each on its own host as most real sources are: one test fault server
(tests/faultserver.py) per source on 127.0.0.1, each a different host to the fetch layer,
so robots.txt is fetched per host and the default FetchSettings apply unchanged
(concurrency 16, 2 per host, 1 s apart). Every response, robots.txt included, waits
--latency seconds. Half the sources are iCal, half RSS, --events events each.

merge: N synthetic listings from bench/dedupe_scale.py (cities, series, ~30% listed by
2-4 of 300 sources with realistic variations) as parsed events, written as 4 shards; then
the steps of `merge_shards` timed one by one into an empty database (read the Parquet,
store through save_refresh: upserts, clustering and labels in one transaction, publish
the feeds and pages), then the same shards again (nothing changed).

    .venv/bin/python bench/shard_merge.py worker [--sources 400] [--latency 0.1 0.5] [--events 20]
        [--concurrency 16]
    .venv/bin/python bench/shard_merge.py merge [--events 20000 100000] [--no-publish]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.store_scale import synthetic
from flows.cli_shard import fetch_shard
from scrapers.config import load_settings
from scrapers.model import ParseContext
from scrapers.registry import PARSERS
from scrapers.sources import load_sources
from tests.faultserver import RSS_TYPE, ConnectGuard, Doc, FaultState, _Server, ical_body, rss_body
from warehouse.classify import make_classifier
from warehouse.overrides import Overrides
from warehouse.shards import Manifest, Shard, file_digest, read_shard, write_shard
from warehouse.store import RefreshRun


@contextmanager
def servers(count: int, latency: float) -> Iterator[tuple[FaultState, list[int]]]:
    """`count` fault servers sharing one set of documents: `count` hosts on 127.0.0.1."""
    state = FaultState(latency=latency)
    running = [_Server(state) for _ in range(count)]
    threads = [threading.Thread(target=s.serve_forever, args=(0.5,), daemon=True) for s in running]
    for thread in threads:
        thread.start()
    try:
        yield state, [s.server_address[1] for s in running]
    finally:
        state.stopping.set()
        with ThreadPoolExecutor(64) as pool:  # each shutdown waits for its poll
            list(pool.map(lambda s: s.shutdown(), running))
        for server in running:
            server.server_close()


def sources_toml(rows: list[tuple[str, str, str]]) -> str:
    return "".join(
        f'[[source]]\nid = "{sid}"\nname = "{sid}"\norganiser = "Bench"\nurl = "{url}"\n'
        f'kind = "{kind}"\nlocal = true\n\n'
        for sid, url, kind in rows
    )


def worker(count: int, latency: float, events: int, folder: Path, at_once: int | None) -> None:
    with servers(count, latency) as (state, ports):
        rows = []
        for n, port in enumerate(ports):
            name = f"cal-{n}" if n % 2 == 0 else f"rss-{n}"
            if n % 2 == 0:
                state.docs[name] = Doc(ical_body(name, events=events))
            else:
                state.docs[name] = Doc(rss_body(name, items=events), RSS_TYPE)
            rows.append(
                (name, f"http://127.0.0.1:{port}/ok/{name}", "ical" if n % 2 == 0 else "feed")
            )
        path = folder / f"worker-{latency:g}.toml"
        settings = f"[settings]\nconcurrency = {at_once}\n\n" if at_once else ""
        path.write_text(settings + sources_toml(rows), encoding="utf-8")
        began = time.perf_counter()
        _, results = asyncio.run(fetch_shard(path, Shard(1, 1), folder / "shard"))
        wall = time.perf_counter() - began
        bodies = {r.source.id: state.docs[r.source.id].body for r in results}
    sources = {s.id: s for s in load_sources(path, PARSERS.keys())}
    began = time.perf_counter()
    for sid, body in bodies.items():
        PARSERS[sources[sid].kind](sources[sid], body, ParseContext())
    parse = time.perf_counter() - began
    found = sum(len(r.parsed.events) for r in results)
    size = sum(p.stat().st_size for p in (folder / "shard").iterdir())
    statuses = dict(Counter(r.status for r in results))
    print(
        f"worker: {count} sources, {count} hosts, latency {latency * 1000:g} ms,"
        f" {load_settings(path).fetch.concurrency} at once: {wall:.2f} s {statuses},"
        f" {found} events, shard {size / 1024:.0f} KiB; parse alone {parse:.2f} s CPU;"
        f" {count / wall * 3600:,.0f} sources/hour"
    )


def merge(total: int, folder: Path, publish: bool, shards: int = 4) -> None:
    from flows.refresh import publish_feeds, store_results

    sources, results = synthetic(total)
    path = folder / f"merge-{total}.toml"
    path.write_text(sources_toml([(s.id, s.url, s.kind) for s in sources]), encoding="utf-8")
    now = datetime(2026, 12, 20, 6, tzinfo=UTC)
    began = time.perf_counter()
    shard_dirs = [folder / f"m{total}" / str(index) for index in range(1, shards + 1)]
    for index, shard_dir in enumerate(shard_dirs, 1):
        mine = [r for r in results if Shard(index, shards).holds(r.source)]
        ids = tuple(r.source.id for r in mine)
        manifest = Manifest(Shard(index, shards), now, now, file_digest(path), ids)
        write_shard(shard_dir, manifest, mine)
    written = time.perf_counter() - began
    size = sum(f.stat().st_size for d in shard_dirs for f in d.iterdir()) / 1024 / 1024
    print(f"{total:,} events of {len(sources)} sources: {shards} shards written in"
          f" {written:.1f} s, {size:.1f} MiB of Parquet")  # fmt: skip
    configured = load_sources(path, PARSERS.keys())
    db, public = folder / f"m{total}.duckdb", folder / f"public-{total}"
    classifier = make_classifier(False, None)
    window = load_settings(path).window
    source_ids = [s.id for s in configured]
    for label in ("into an empty database", "same shards again"):
        t0 = time.perf_counter()
        back = [r for d in shard_dirs for r in read_shard(d)[1]]
        t1 = time.perf_counter()
        run = RefreshRun(label, now, now, str(path))
        summaries = store_results.fn(db, run, configured, back, Overrides(), classifier)
        t2 = time.perf_counter()
        line = f"  merge {label}: read {t1 - t0:.1f} s, store {t2 - t1:.1f} s"
        if publish:
            report = publish_feeds.fn(db, public, source_ids, now, None, Overrides(), window)
            line += (
                f", publish {time.perf_counter() - t2:.1f} s ({report.event_count:,} events,"
                f" {len(report.changed)} feeds rendered)"
            )
        new = sum(s.new for s in summaries)
        print(f"{line}; total {time.perf_counter() - t0:.1f} s; {new:,} new", flush=True)
        now += timedelta(hours=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("part", choices=["worker", "merge"])
    parser.add_argument("--sources", type=int, default=400)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.1, 0.5])
    parser.add_argument("--events", type=int, nargs="+", default=None)
    parser.add_argument("--no-publish", action="store_true", help="merge: store only")
    parser.add_argument("--concurrency", type=int, help="worker: instead of the default 16")
    args = parser.parse_args()
    ConnectGuard().install(setattr)  # nothing but 127.0.0.1 can be reached from here on
    with tempfile.TemporaryDirectory() as tmp:
        if args.part == "worker":
            for latency in args.latency:
                worker(args.sources, latency, (args.events or [20])[0], Path(tmp), args.concurrency)
        else:
            for total in args.events or [20_000, 100_000]:
                merge(total, Path(tmp), not args.no_publish)


if __name__ == "__main__":
    main()
