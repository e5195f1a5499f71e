"""How long publishing the analysis copy takes: a benchmark, not a test.

`warehouse.analysis.publish_analysis` runs after every refresh: it copies the whole
database to data/analysis.duckdb (COPY FROM DATABASE into a scratch file, then
os.replace), exports the public views as Parquet and draws the chart. This times it on

1. the sample database: a real refresh of examples/sample-sources.toml (files, the real
   parsers, save_refresh), about a hundred events;
2. the same database grown to --rows listings: every sample listing cloned with a new uid
   and its start spread over two years, with a canonical event, cluster, labels and a
   change row for each clone, and a year of fetch history (8 sources, 4 runs a day).

    .venv/bin/python bench/analysis_copy.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import duckdb

from tests.analysis_db import SAMPLE_FILE, sample_results, sample_sources
from warehouse.analysis import PUBLIC_EXPORTS, publish_analysis
from warehouse.store import RefreshRun, connect, save_refresh

# Clone k of a sample row: uid suffixed "~bench<k>", start moved by (k mod 730) - 365 days.
_GROW = """
CREATE TEMP TABLE k AS SELECT range AS k FROM range(1, $copies + 1);
INSERT INTO events BY NAME
SELECT e.* REPLACE (e.source_uid || '~bench' || k AS source_uid,
                    e.start_at + to_days(CAST(k % 730 - 365 AS INTEGER)) AS start_at,
                    e.end_at + to_days(CAST(k % 730 - 365 AS INTEGER)) AS end_at)
FROM (SELECT * FROM events ORDER BY source_id, source_uid) e, k
LIMIT $rows;
INSERT INTO clusters
SELECT source_id || '/' || source_uid, source_id || '/' || source_uid, now()
FROM events WHERE contains(source_uid, '~bench');
INSERT INTO canonical_events BY NAME
SELECT c.* REPLACE (c.cluster_id || '~bench' || k AS cluster_id,
                    [c.listings[1] || '~bench' || k] AS listings,
                    c.start_at + to_days(CAST(k % 730 - 365 AS INTEGER)) AS start_at,
                    c.end_at + to_days(CAST(k % 730 - 365 AS INTEGER)) AS end_at)
FROM (SELECT * FROM canonical_events ORDER BY cluster_id) c, k
LIMIT $rows;
INSERT INTO labels BY NAME
SELECT l.* REPLACE (l.cluster_id || '~bench' || k AS cluster_id)
FROM labels l, k WHERE l.cluster_id || '~bench' || k IN (SELECT cluster_id FROM canonical_events);
INSERT INTO event_changes
SELECT first_seen, source_id, source_uid, 'listed', NULL, 'listed'
FROM events WHERE contains(source_uid, '~bench');
INSERT INTO fetch_runs BY NAME
SELECT 'bench-' || d || '-' || h AS run_id, f.source_id,
       f.fetched_at - to_days(CAST(d AS INTEGER)) - to_hours(CAST(6 * h AS INTEGER))
           AS fetched_at,
       f.* EXCLUDE (run_id, source_id, fetched_at)
FROM (SELECT * FROM fetch_runs QUALIFY row_number() OVER (PARTITION BY source_id) = 1) f,
     range(1, 366) d(d), range(4) h(h);
"""


def sample_db(path: Path) -> None:
    now = datetime.now(UTC)
    con = connect(path)
    try:
        run = RefreshRun("bench", now, now, str(SAMPLE_FILE))
        save_refresh(con, run, sample_sources(), list(sample_results(now)))
    finally:
        con.close()


def grow(path: Path, rows: int) -> dict[str, int]:
    con = connect(path)
    try:
        [(listed,)] = con.execute("SELECT count(*) FROM events").fetchall()
        copies = -(-rows // listed)
        con.begin()
        con.execute(_GROW.replace("$copies", str(copies)).replace("$rows", str(rows)))
        con.commit()
        con.execute("CHECKPOINT")
        tables = ("events", "canonical_events", "clusters", "labels", "event_changes",
                  "fetch_runs")  # fmt: skip
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in tables}
    finally:
        con.close()


def time_publish(db: Path, public: Path, repeat: int) -> list[tuple[float, float, float]]:
    """(copy, exports and chart, whole call) seconds for each run."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        report = publish_analysis(db, public, datetime.now(UTC))
        runs.append((report.copy_seconds, report.export_seconds, time.perf_counter() - started))
    return runs


def _size(size: int) -> str:
    return f"{size / 1e6:,.1f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} kB"


def report(name: str, db: Path, public: Path, runs: list[tuple[float, float, float]]) -> None:
    parquet = sum((public / "data" / f"{n}.parquet").stat().st_size for n in PUBLIC_EXPORTS)
    copy = db.with_name("analysis.duckdb")
    print(f"\n{name}: database {_size(db.stat().st_size)}, analysis copy "
          f"{_size(copy.stat().st_size)}, Parquet {_size(parquet)}")  # fmt: skip
    started = time.perf_counter()
    shutil.copyfile(db, db.with_name("plain-copy.duckdb"))  # for comparison only
    plain = time.perf_counter() - started
    db.with_name("plain-copy.duckdb").unlink()
    print(f"  {'(plain file copy':16} {plain:13.2f} s, for comparison: not what publish does)")
    for label, column in (("copy", 0), ("exports + chart", 1), ("whole publish", 2)):
        values = [run[column] for run in runs]
        shown = ", ".join(f"{v:.2f}" for v in values)
        print(f"  {label:16} median {statistics.median(values):6.2f} s   ({shown})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"DuckDB {duckdb.__version__}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    with tempfile.TemporaryDirectory() as tmp:
        small, public = Path(tmp) / "sample" / "convene.duckdb", Path(tmp) / "public-sample"
        sample_db(small)
        report("sample", small, public, time_publish(small, public, args.repeat))
        big, public = Path(tmp) / "big" / "convene.duckdb", Path(tmp) / "public-big"
        big.parent.mkdir()
        shutil.copy(small, big)
        started = time.perf_counter()
        counts = grow(big, args.rows)
        print(f"\ngrew to {counts} in {time.perf_counter() - started:.1f} s")
        report(f"{args.rows:,} rows", big, public, time_publish(big, public, args.repeat))


if __name__ == "__main__":
    main()
