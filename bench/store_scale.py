"""How long `warehouse.store.save_refresh` takes to store N new events, and N unchanged
ones: a benchmark, not a test.

The events are bench/dedupe_scale.py's synthetic listings (UK cities, monthly series,
~30% listed by 2-4 of 300 sources with realistic variations) as parsed events, one
successful fetch per source, stored in one transaction into an empty database ("new":
upserts, change history, clustering, classification, canonical events), then the same
results an hour later ("unchanged": every source fetched and parsed again, nothing
different), then with every event of one source in twenty given a new description ("5% of
sources changed": the changed events upserted, every listing clustered again, the changed
clusters classified again).

Floors, beside each: for "new", DuckDB bulk-inserting the very rows save_refresh left in
every table, from Arrow tables, into an empty database in one transaction, with no logic;
for "unchanged", turning the parsed events into an Arrow table with content hashes
(warehouse.frames) plus DuckDB's anti-join of that table against the stored events.

    .venv/bin/python bench/store_scale.py [--events 20000 100000] [--repeat 1]
    .venv/bin/python bench/store_scale.py --quick          # 3,000 events
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb
import pyarrow as pa

from bench.dedupe_scale import generate
from scrapers.fetch_types import Fetched
from scrapers.model import Event, Location, ParseResult, Source
from scrapers.pipeline import SourceResult
from warehouse.classify import Classifier
from warehouse.frames import events_table
from warehouse.overrides import Overrides
from warehouse.store import RefreshRun, connect, save_refresh

# Every table a first refresh writes rows into.
TABLES = ("sources", "events", "event_changes", "fetch_runs", "refreshes", "http_cache",
          "clusters", "match_pairs", "canonical", "canonical_events", "labels", "classified",
          "meta")  # fmt: skip


def synthetic(total: int) -> tuple[list[Source], list[SourceResult]]:
    """The listings of bench/dedupe_scale.py as one parsed, successful fetch per source."""
    listings, _ = generate(total, seed=7)
    by_source: dict[str, list[Event]] = {}
    for x in listings:
        where = (
            Location(x.location_name, None, x.postcode) if x.location_name or x.postcode else None
        )
        event = Event(x.source, x.source_uid, x.title, x.start, x.start + timedelta(hours=2),
                      x.all_day, url=x.url, location=where, organiser=x.organiser,
                      description=f"{x.title}: talks and a chat.")  # fmt: skip
        by_source.setdefault(x.source, []).append(event)
    sources, results = [], []
    for sid in sorted(by_source):
        source = Source(sid, sid, "Bench", f"https://{sid}.example.org/events.ics", "ical")
        outcome = Fetched(source.url, b"", 200, "text/calendar", 0.2, raw_bytes=1000)
        sources.append(source)
        results.append(SourceResult(source, "ok", outcome, ParseResult(tuple(by_source[sid])),
                                    None, f"digest-{sid}"))  # fmt: skip
    return sources, results


def changed(results: list[SourceResult], share: float) -> list[SourceResult]:
    """Every event of `share` of the sources with a new description."""
    every = round(1 / share)
    return [
        replace(r, parsed=ParseResult(tuple(
            replace(e, description=f"{e.description} Now with lunch.") for e in r.parsed.events
        ))) if n % every == 0 else r
        for n, r in enumerate(results)
    ]  # fmt: skip


def store_rounds(
    db: Path, sources: list[Source], results: list[SourceResult]
) -> tuple[list[float], dict[str, pa.Table]]:
    """Seconds storing them new, again unchanged, again with 5% of the sources changed;
    and the tables after the first."""
    now = datetime(2026, 12, 20, 6, tzinfo=UTC)
    con = connect(db)
    try:
        seconds, tables = [], {}
        for n, round_results in enumerate([results, results, changed(results, 0.05)]):
            run = RefreshRun(f"run{n}", now, now, "bench.toml")
            began = time.perf_counter()
            save_refresh(con, run, sources, round_results, Overrides(), Classifier())
            seconds.append(time.perf_counter() - began)
            now += timedelta(hours=1)
            if n == 0:  # what the first refresh wrote
                tables = {t: con.sql(f"SELECT * FROM {t}").to_arrow_table() for t in TABLES}
    finally:
        con.close()
    return seconds, tables


def insert_floor(db: Path, tables: dict[str, pa.Table]) -> float:
    """Seconds for DuckDB to bulk-insert the same rows into the same (empty) tables."""
    connect(db).close()  # the schema, untimed
    con = duckdb.connect(str(db))
    try:
        began = time.perf_counter()
        con.begin()
        for name, table in tables.items():
            con.register("rows", table)
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM rows")
            con.unregister("rows")
        con.commit()
        return time.perf_counter() - began
    finally:
        con.close()


def compare_floor(db: Path, results: list[SourceResult]) -> float:
    """Seconds to make the incoming Arrow table (with hashes) and find nothing changed."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        began = time.perf_counter()
        incoming = events_table([e for r in results for e in r.parsed.events])
        con.register("incoming", incoming)
        [(changed,)] = con.execute(
            """SELECT count(*) FROM incoming i ANTI JOIN events e
               ON e.source_id = i.source_id AND e.source_uid = i.source_uid
               AND e.content_hash = i.content_hash"""
        ).fetchall()
        assert changed == 0, changed
        return time.perf_counter() - began
    finally:
        con.close()


def measure(total: int, folder: Path, repeat: int) -> list[float]:
    sources, results = synthetic(total)
    runs = []
    for k in range(repeat):
        db = folder / f"s{total}-{k}.duckdb"
        (new, same, some), tables = store_rounds(db, sources, results)
        runs.append((new, insert_floor(folder / f"f{total}-{k}.duckdb", tables), same,
                     compare_floor(db, changed(results, 0.05)), some))  # fmt: skip
    return [statistics.median(run[i] for run in runs) for i in range(5)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--repeat", type=int, default=1, help="median of this many runs")
    parser.add_argument("--quick", action="store_true", help="3,000 events, once")
    args = parser.parse_args()
    sizes = [3_000] if args.quick else args.events
    pa.array([1])  # pyarrow imports pandas (when installed) on first use: not the store's cost
    print(f"DuckDB {duckdb.__version__}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC,"
          f" median of {args.repeat if not args.quick else 1}\n")  # fmt: skip
    print("| events | store, new | floor: bulk insert | ratio | µs/event |"
          " store, unchanged | floor: hash + compare | ratio | µs/event |"
          " store, 5% of sources changed |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for total in sizes:
            new, floor, same, compare, some = measure(
                total, Path(tmp), 1 if args.quick else args.repeat
            )
            print(f"| {total:,} | {new:.2f} s | {floor:.2f} s | {new / floor:.1f}x |"
                  f" {new / total * 1e6:.0f} | {same:.2f} s | {compare:.2f} s |"
                  f" {same / compare:.1f}x | {same / total * 1e6:.0f} | {some:.2f} s |",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
