"""What analysts read, published after each refresh without ever blocking one.

- `data/analysis.duckdb`: a copy of the whole database (tables and the views of
  warehouse/views.py): its file copied byte for byte after a CHECKPOINT, under DuckDB's
  exclusive lock, to a new file beside it, checked, and moved over the old one with
  os.replace. Readers open it read-only; a reader that has it open keeps the copy it
  opened (the old file lives until it is closed), and a reader that opens it during a
  refresh gets the old copy or the new one, never a half-written one. Nobody but the
  refresh opens the main database, so no analyst's query holds up a refresh.
- `public/data/<view>.parquet`: the main views and `canonical_events`, for people who
  download the data from the published site; each made in a scratch folder and moved
  into place the same way, only when its bytes changed.
- `public/data/events-by-month.svg`: events per month by region (warehouse.chart),
  rewritten only when it changes.

Queries for `convene stats` live here too, so the numbers in the chart, the Parquet files
and the command all come from the same views.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from scrapers.vocab import PROFESSIONS, REGIONS
from warehouse.chart import OTHER_COLOUR, PALETTE, Series, stacked_bars_svg

ANALYSIS_NAME = "analysis.duckdb"
DATA_DIR = "data"  # under the public folder
CHART_NAME = "events-by-month.svg"
SCRATCH_PREFIX = ".analysis-"  # the folder each publish makes its files in, beside the copy
# Views order their own rows; canonical_events is exported as stored (sorting a million
# rows would triple the export time). Not source_health_daily: it changes at every
# refresh, and a refresh that finds nothing new leaves the published folder as it was
# (the index shows source health already).
PUBLIC_EXPORTS = (
    "upcoming_events",
    "events_by_region_month",
    "events_by_profession_month",
    "organisers",
    "event_changes_view",
    "duplicate_clusters",
    "canonical_events",
)
MONTHS_BACK, MONTHS_AHEAD = 11, 12  # the chart's months around the current one
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class AnalysisReport:
    copy: Path
    copy_seconds: float  # copying the database
    export_seconds: float  # Parquet files and the chart
    files: tuple[Path, ...]  # written under public/data


def analysis_path(db_path: Path) -> Path:
    """Where the analysts' copy of a database goes: beside it."""
    return db_path.with_name(ANALYSIS_NAME)


def publish_analysis(
    db_path: Path, public_dir: Path, now: datetime, copy_path: Path | None = None
) -> AnalysisReport:
    """Copy the database to the analysts' copy and export the views; each file appears
    whole or not at all, and a public file is rewritten only when its bytes change. The
    database must not be open for writing in this process."""
    target = copy_path or analysis_path(db_path)
    data_dir = public_dir / DATA_DIR
    target.parent.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Everything is made in a scratch folder beside the copy, never in public/: a quiet
    # refresh must leave the published folders exactly as they were.
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=target.parent) as scratch:
        fresh, made = Path(scratch) / target.name, Path(scratch)
        started = time.perf_counter()
        copy_database(db_path, fresh)
        copied = time.perf_counter() - started
        con = duckdb.connect(str(fresh), read_only=True)
        try:
            con.execute("SET TimeZone = 'UTC'")
            for name in PUBLIC_EXPORTS:
                out = _literal(made / f"{name}.parquet")
                con.execute(f"COPY {name} TO {out} (FORMAT parquet, COMPRESSION zstd)")
            svg = events_by_month_svg(con, now).encode()
        finally:
            con.close()
        os.replace(fresh, target)
        files = [
            data_dir / f"{name}.parquet"
            for name in PUBLIC_EXPORTS
            if _publish(made / f"{name}.parquet", data_dir / f"{name}.parquet")
        ]
    if write_if_changed(data_dir / CHART_NAME, svg):
        files.append(data_dir / CHART_NAME)
    exported = time.perf_counter() - started - copied
    return AnalysisReport(target, copied, exported, tuple(files))


def remove_scratch(folder: Path) -> list[Path]:
    """Delete the scratch folders (`.analysis-*`) that publishes killed before the end of
    publish_analysis left in `folder`, the copy's folder: each can hold a whole copy of the
    database. Only while no publish can be at work there (a refresh holds the lock)."""
    removed = []
    for path in folder.glob(f"{SCRATCH_PREFIX}*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def copy_database(db_path: Path, fresh: Path) -> None:
    """Copy the database's file to `fresh`, byte for byte, and check the copy.

    COPY FROM DATABASE rebuilds every table and index (51 s at a million listings); the
    file itself copies at disk speed. A read-write connection takes DuckDB's exclusive
    lock on the file, so no other process can write it (or open it) while it is copied,
    and CHECKPOINT first moves everything in the write-ahead log into the file.
    """
    if not db_path.is_file():  # a read-write connection would create an empty database
        raise duckdb.IOException(f"no database at {db_path}")
    con = duckdb.connect(str(db_path))
    try:
        con.execute("CHECKPOINT")
        shutil.copyfile(db_path, fresh)
        expected = _row_counts(con)
    finally:
        con.close()
    copy = duckdb.connect(str(fresh), read_only=True)
    try:
        found = _row_counts(copy)
    finally:
        copy.close()
    if found != expected:
        raise duckdb.IOException(f"the copy of {db_path} differs: {found} != {expected}")


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " AND NOT temporary ORDER BY table_name"
    ).fetchall()]  # fmt: skip
    return {t: int(con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]) for t in tables}


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _publish(made: Path, path: Path) -> bool:
    """Put a file made elsewhere at `path`, atomically, unless `path` holds the same
    bytes; True if written."""
    if path.exists() and filecmp.cmp(made, path, shallow=False):
        return False
    fresh = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        shutil.copyfile(made, fresh)
        os.replace(fresh, path)
    finally:
        fresh.unlink(missing_ok=True)
    return True


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds these bytes; True if written."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    fresh = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        fresh.write_bytes(data)
        os.replace(fresh, path)
    finally:
        fresh.unlink(missing_ok=True)
    return True


def this_month(now: datetime) -> date:
    return now.astimezone(LONDON).date().replace(day=1)


def add_months(month: date, n: int) -> date:
    k = month.year * 12 + month.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def chart_months(now: datetime) -> list[date]:
    first = add_months(this_month(now), -MONTHS_BACK)
    return [add_months(first, k) for k in range(MONTHS_BACK + MONTHS_AHEAD + 1)]


def events_by_month_svg(con: duckdb.DuckDBPyConnection, now: datetime) -> str:
    """The chart of events per month by region, for the months around `now`: the seven
    regions with most events in them, then the rest together."""
    months = chart_months(now)
    rows = con.execute(
        "SELECT month, region, events FROM events_by_region_month"
        " WHERE month BETWEEN $first AND $last",
        {"first": months[0], "last": months[-1]},
    ).fetchall()
    counts: dict[str, list[int]] = {}
    for month, region, events in rows:
        counts.setdefault(region, [0] * len(months))[months.index(month)] = int(events)
    order = list(REGIONS)
    ranked = sorted(counts, key=lambda r: (-sum(counts[r]), _rank(order, r), r))
    shown, rest = ranked[: len(PALETTE)], ranked[len(PALETTE) :]
    series = [
        Series(region_name(r), tuple(counts[r]), colour)
        for r, colour in zip(shown, PALETTE[: len(shown)], strict=True)
    ]
    if rest:
        other = tuple(sum(counts[r][i] for r in rest) for i in range(len(months)))
        series.append(Series("Other regions", other, OTHER_COLOUR))
    # The year under each January, and under the first month unless January follows it.
    bars = [(m.strftime("%b"), str(m.year) if m.month == 1 or (k == 0 and m.month < 12) else "")
            for k, m in enumerate(months)]  # fmt: skip
    span = f"{months[0]:%B %Y} to {months[-1]:%B %Y}"
    return stacked_bars_svg(
        bars,
        series,
        "Events per month by region",
        f"Events starting each month from {span}, stacked by region; an event in two "
        "regions counts in both. The figures are in events_by_region_month.parquet.",
    )


def _rank(order: list[str], slug: str) -> int:
    return order.index(slug) if slug in order else len(order)


def region_name(slug: str) -> str:
    return REGIONS.get(slug, "No region" if slug == "none" else slug)


def profession_name(slug: str) -> str:
    return PROFESSIONS.get(slug, "No profession" if slug == "none" else slug)


_BY_LABEL = """
SELECT {label},
       coalesce(sum(events) FILTER (WHERE month >= $this_month), 0) AS upcoming,
       coalesce(sum(events) FILTER (WHERE month < $this_month AND month >= $year_ago), 0)
           AS last_12_months
FROM {view} GROUP BY ALL
HAVING upcoming > 0 OR last_12_months > 0
ORDER BY upcoming DESC, last_12_months DESC, {label}
"""

_BY_MONTH = """
SELECT CAST(date_trunc('month', start_at AT TIME ZONE 'Europe/London') AS DATE) AS month,
       count(*) AS events
FROM event_history GROUP BY ALL
HAVING month BETWEEN $first AND $last
ORDER BY month
"""


def counts_by(con: duckdb.DuckDBPyConnection, kind: str, now: datetime) -> list[tuple[Any, ...]]:
    """(slug, events this month and later, events in the 12 months before) per region or
    profession (`kind`), most upcoming first."""
    label, view = {
        "region": ("region", "events_by_region_month"),
        "profession": ("profession", "events_by_profession_month"),
    }[kind]
    month = this_month(now)
    params = {"this_month": month, "year_ago": add_months(month, -12)}
    return con.execute(_BY_LABEL.format(label=label, view=view), params).fetchall()


def counts_by_month(con: duckdb.DuckDBPyConnection, now: datetime) -> list[tuple[date, int]]:
    """Events (each counted once) starting in each month of the chart's months."""
    months = chart_months(now)
    found = dict(con.execute(_BY_MONTH, {"first": months[0], "last": months[-1]}).fetchall())
    return [(m, int(found.get(m, 0))) for m in months]
