"""lemon24/reader against Convene on the same RSS sources: a first update, then a second
with nothing changed. A benchmark, not a test.

The RSS sources of bench/synth.py (RSS 2.0 with event-module dates), each on a host of
its own, served by bench/synth_server.py with `--latency` per response. reader
(`make_reader` on a SQLite file, `add_feed` per source, `update_feeds(scheduled=False,
workers=16)`) fetches with requests, parses with feedparser and stores entries in
SQLite; it sends ETag/Last-Modified back on the second update, reads no robots.txt and
keeps no gap between requests to a host. Convene runs the refresh flow's own steps:
recall validators, collect_sources (fetch_all with robots.txt and its per-host gap, then
the feed parser) and store_results into DuckDB, timed with and without the store. A
second Convene row sets host_delay to 0, the closest to reader's manners.

    .venv/bin/python bench/reader_compare.py [--quick] [--sources 250] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reader import make_reader

from bench.synth import Spec, sources
from bench.synth_server import Running, bench_hosts, serving
from flows.refresh import collect_sources, recall_validators, store_results
from scrapers.fetch_types import FetchSettings
from scrapers.model import ParseContext, Source
from warehouse.classify import Classifier
from warehouse.overrides import Overrides
from warehouse.store import RefreshRun

WORKERS = FetchSettings().concurrency


@dataclass(frozen=True)
class Update:
    seconds: float
    collect: float  # Convene: fetch + parse alone; reader: the same as seconds
    items: int  # entries (reader) or events (Convene) found
    server: dict[str, int]


def feed_sources(spec: Spec, server: Running) -> list[Source]:
    return [
        Source(s.id, s.id, s.organiser, server.url(s.host, s.path), "feed", local=True)
        for s in sources(spec)
        if s.kind == "feed"
    ]


def reader_updates(urls: list[str], work: Path, server: Running) -> list[Update]:
    """reader's first and second update, on a fresh database."""
    db = make_reader(str(work / f"reader-{uuid.uuid4().hex}.sqlite"))
    try:
        for url in urls:
            # reader checks URLs against its retrievers; allow_invalid_url keeps a URL
            # it would refuse (none here, but a real list has some) from stopping the run.
            db.add_feed(url, exist_ok=True, allow_invalid_url=True)
        updates = []
        for _ in range(2):
            server.stats(reset=True)
            started = time.perf_counter()
            failed = [r for r in db.update_feeds_iter(scheduled=False, workers=WORKERS) if r.error]
            seconds = time.perf_counter() - started
            if failed:
                print(f"reader: {len(failed)} feeds failed, e.g. {failed[0].error!r}")
            count = db.get_entry_counts().total or 0
            updates.append(Update(seconds, seconds, count, dict(server.stats())))
        return updates
    finally:
        db.close()


def convene_updates(
    feeds: list[Source], work: Path, server: Running, settings: FetchSettings
) -> list[Update]:
    """Convene's first and second refresh of the feeds alone: recall, collect, store."""
    db = work / f"convene-{uuid.uuid4().hex}.duckdb"
    updates = []
    for _ in range(2):
        server.stats(reset=True)
        now = datetime.now(UTC)
        started = time.perf_counter()
        known = recall_validators.fn(db, now)
        results = asyncio.run(collect_sources.fn(feeds, settings, ParseContext(now=now), known))
        collected = time.perf_counter() - started
        run = RefreshRun(uuid.uuid4().hex, now, datetime.now(UTC), "reader_compare")
        store_results.fn(db, run, feeds, results, Overrides(), Classifier())
        seconds = time.perf_counter() - started
        events = sum(len(r.parsed.events) for r in results)
        updates.append(Update(seconds, collected, events, dict(server.stats())))
    return updates


def compare(
    listed: list[Source], work: Path, server: Running, repeats: int
) -> dict[str, list[list[Update]]]:
    default = FetchSettings()
    no_gap = replace(default, host_delay=0.0)
    convene_updates(listed[:2], work, server, default)  # first-use costs, untimed
    reader_updates([s.url for s in listed[:2]], work, server)
    rows: dict[str, list[list[Update]]] = {"reader": [], "Convene": [], "Convene, no gap": []}
    for _ in range(repeats):  # alternated, so drift hits each alike
        rows["reader"].append(reader_updates([s.url for s in listed], work, server))
        rows["Convene"].append(convene_updates(listed, work, server, default))
        rows["Convene, no gap"].append(convene_updates(listed, work, server, no_gap))
    return rows


def table(rows: dict[str, list[list[Update]]]) -> str:
    lines = [
        "| who | first update s | second (unchanged) s | second / first | fetch+parse only:"
        " first / second s | items | requests (200 / 304 / robots.txt), first run |",
        "|---|---|---|---|---|---|---|",
    ]
    for who, repeats in rows.items():
        first = statistics.median(r[0].seconds for r in repeats)
        second = statistics.median(r[1].seconds for r in repeats)
        collect = [statistics.median(r[i].collect for r in repeats) for i in (0, 1)]
        s = repeats[0][0].server
        lines.append(
            f"| {who} | {first:.2f} | {second:.2f} | {second / first:.2f} |"
            f" {collect[0]:.2f} / {collect[1]:.2f} | {repeats[0][0].items:,} |"
            f" {s.get('200', 0)} / {s.get('304', 0)} / {s.get('robots', 0)} |"
        )
    return "\n".join(lines)


def main() -> None:
    # reader logs "bozo feed ... NonXMLContentType: no Content-type specified" for every
    # feed, though the server sends Content-Type: application/rss+xml: its vendored
    # feedparser misses the header. The error is one reader survives; the log is noise.
    logging.getLogger("reader").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 feeds x 10 items, 20 ms, one run")
    parser.add_argument("--sources", type=int, help="RSS sources (default 250)")
    parser.add_argument("--events", type=int, help="items per feed (default 20)")
    parser.add_argument("--latency", type=float, help="seconds per response (default 0.1)")
    parser.add_argument("--repeats", type=int, help="runs, median reported (default 2; 1 quick)")
    args = parser.parse_args()
    feeds = args.sources or (20 if args.quick else 250)
    repeats = args.repeats or (1 if args.quick else 2)
    events = args.events or (10 if args.quick else 20)
    latency = args.latency if args.latency is not None else (0.02 if args.quick else 0.1)
    spec = Spec(sources=feeds * 4, events=events, shared_hosts=0.0).fixed()
    with (
        tempfile.TemporaryDirectory() as tmp,
        bench_hosts(),
        serving(spec, latency, process=True) as server,
    ):
        rows = compare(feed_sources(spec, server), Path(tmp), server, repeats)
    print(
        f"# lemon24/reader against Convene: {feeds} RSS feeds x {events} items, each on its own"
        f" host, {latency * 1000:g} ms per response; {WORKERS} workers / concurrency {WORKERS};"
        f" median of {repeats}\n"
    )
    print(table(rows))
    reader_first = statistics.median(r[0].seconds for r in rows["reader"])
    convene_first = statistics.median(r[0].seconds for r in rows["Convene"])
    print(f"\nConvene / reader, first update: {convene_first / reader_first:.2f}")
    print(f"Fetch floor: {feeds} x {latency:g} s / {WORKERS} = {feeds * latency / WORKERS:.2f} s.")


if __name__ == "__main__":
    main()
