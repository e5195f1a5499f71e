"""A whole refresh, cold and then with every source answering 304: a benchmark, not a test.

The same steps as the Prefect flow `refresh` (recall validators, fetch, parse, store in
DuckDB, publish feeds), called directly so that Prefect's own start-up (10-25 s for
its temporary server, measured separately in the README) does not hide them. The
sources are those of bench/refresh_304.py: the test fault server on 127.0.0.1 with a
fixed latency per response, half iCal and half RSS.

    .venv/bin/python bench/refresh_pipeline.py [--sources 200] [--latency 0.1] [--events 20]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.refresh_304 import SETTINGS, make_sources
from feeds import publish
from scrapers.crawl import collect
from scrapers.model import ParseContext, Source
from scrapers.registry import PARSERS
from tests.faultserver import ConnectGuard, fault_server
from warehouse.cache import recall
from warehouse.canonical import published_events
from warehouse.store import RefreshRun, connect, save_refresh


def refresh_once(sources: list[Source], db: Path, public: Path) -> tuple[float, Counter[str]]:
    """One refresh, timed from recall to published feeds."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    con = connect(db)
    try:
        known = recall(con, now)
        ctx = ParseContext(now=now)
        results = asyncio.run(collect(sources, PARSERS, ctx, SETTINGS, known))
        run = RefreshRun(uuid.uuid4().hex, now, datetime.now(UTC), "bench")
        save_refresh(con, run, sources, results)
        events = published_events(con, [s.id for s in sources], run.finished_at)
    finally:
        con.close()
    publish(events, public, now)
    return time.perf_counter() - started, Counter(r.status for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per response")
    parser.add_argument("--events", type=int, default=20, help="events per source")
    args = parser.parse_args()
    guard = ConnectGuard()  # nothing but 127.0.0.1 can be reached from here on
    guard.install(setattr)
    with tempfile.TemporaryDirectory() as tmp, fault_server(latency=args.latency) as server:
        sources = make_sources(server, args.sources, args.events)
        refresh_once(sources[:2], Path(tmp) / "warm.duckdb", Path(tmp) / "warm")  # untimed
        db, public = Path(tmp) / "convene.duckdb", Path(tmp) / "public"
        first, first_status = refresh_once(sources, db, public)
        second, second_status = refresh_once(sources, db, public)
    print(
        f"{args.sources} sources on 127.0.0.1, {args.events} events each,"
        f" {args.latency * 1000:g} ms latency; per_host={SETTINGS.per_host},"
        f" host_delay={SETTINGS.host_delay:g} (one host stands in for many)"
    )
    print(f"first refresh  {first:6.2f} s  {dict(first_status)}")
    print(f"second refresh {second:6.2f} s  {dict(second_status)}")
    print(f"ratio second/first: {second / first:.2f}")


if __name__ == "__main__":
    main()
