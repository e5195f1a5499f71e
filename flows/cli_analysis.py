"""`convene stats` and `convene export`: the analysts' numbers from the command line.

Both read the analysis copy (data/analysis.duckdb beside the database, written after
every refresh by warehouse.analysis), so they neither wait for a refresh nor hold one up;
before the first copy exists they read the database itself, read-only. Importing this
module does not import Prefect.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich import box
from rich.table import Table

from flows.cli import DbOpt, _open_read_only, app, err, fail, out
from warehouse.analysis import (
    analysis_path,
    counts_by,
    counts_by_month,
    events_by_month_svg,
    profession_name,
    region_name,
    write_if_changed,
)

FORMATS = {
    "parquet": "FORMAT parquet, COMPRESSION zstd",
    "csv": "FORMAT csv, HEADER true",
    "json": "FORMAT json, ARRAY true",
}
EXPORT_SQL = "SELECT * FROM canonical_events ORDER BY start_at, cluster_id"


def open_for_analysis(db: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """A read-only connection to the analysis copy of `db`, or to `db` when there is no
    copy yet; and the path it reads."""
    copy = analysis_path(db)
    if copy.exists():
        try:
            con = duckdb.connect(str(copy), read_only=True)
        except duckdb.Error as exc:
            raise fail(f"cannot open {copy}: {str(exc).splitlines()[0]}") from None
        con.execute("SET TimeZone = 'UTC'")
        return con, copy
    if not db.exists():
        raise fail(f"no database at {db}: run `convene refresh` first")
    con = _open_read_only(db)
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'canonical_events'"
    ).fetchall()
    if found[0][0] == 0:
        con.close()
        raise fail(f"{db} has no analysis views yet: run `convene refresh` to add them")
    return con, db


@app.command()
def stats(
    db: DbOpt = Path("data/convene.duckdb"),
    chart: Annotated[
        Path, typer.Option(help="Where to write the chart of events per month (SVG).")
    ] = Path("events-by-month.svg"),
) -> None:
    """Print the number of events by region, by profession and by month, and write a
    chart of events per month by region.

    Each event counts once however many sources list it; cancelled events do not count,
    and an event in two regions (or professions) counts in both. Months are UK months:
    the past eleven, this one and the next twelve.
    """
    now = datetime.now(UTC)
    con, path = open_for_analysis(db)
    try:
        regions = counts_by(con, "region", now)
        professions = counts_by(con, "profession", now)
        months = counts_by_month(con, now)
        svg = events_by_month_svg(con, now)
        [(refreshed,)] = con.execute("SELECT max(finished_at) FROM refreshes").fetchall()
    finally:
        con.close()
    when = f"{refreshed:%Y-%m-%d %H:%M} UTC" if refreshed else "never"
    err.print(f"Reading {path} (last refresh: {when})", highlight=False)
    out.print(_label_table("Events by region", "region", regions, region_name))
    out.print(_label_table("Events by profession", "profession", professions, profession_name))
    out.print(_month_table(months))
    try:
        write_if_changed(chart, svg.encode())
    except OSError as exc:
        raise fail(f"cannot write the chart to {chart}: {exc.strerror or exc}") from None
    out.print(f"Chart of events per month by region: {chart}", highlight=False)


def _label_table(
    title: str,
    heading: str,
    rows: Sequence[tuple[object, ...]],
    name: Callable[[str], str],
) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column(heading)
    table.add_column("this month on", justify="right")
    table.add_column("past 12 months", justify="right")
    for slug, upcoming, past in rows:
        table.add_row(name(str(slug)), str(upcoming), str(past))
    if not rows:
        table.add_row("(no events)", "", "")
    return table


def _month_table(months: Sequence[tuple[date, int]]) -> Table:
    table = Table(title="Events by month", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("month")
    table.add_column("events", justify="right")
    table.add_column("")
    most = max((n for _, n in months), default=0) or 1
    for month, n in months:
        table.add_row(f"{month:%b %Y}", str(n), "█" * round(n / most * 30))
    return table


@app.command()
def export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="parquet, csv or json.", show_default=False)
    ],
    out_path: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File to write (default: events.<format>)."),
    ] = None,
    db: DbOpt = Path("data/convene.duckdb"),
) -> None:
    """Write every canonical event (one row per event, however many sources list it) to
    a Parquet, CSV or JSON file: the canonical_events table, with `listed` false for
    events no source lists any more. JSON is one array of objects."""
    options = FORMATS.get(fmt.lower())
    if options is None:
        raise fail(f'unknown format "{fmt}": use parquet, csv or json')
    target = out_path or Path(f"events.{fmt.lower()}")
    if target.is_dir():
        raise fail(f"{target} is a folder: give a file name, e.g. {target / 'events'}.{fmt}")
    if not target.parent.is_dir():
        problem = "is not a folder" if target.parent.exists() else "does not exist"
        raise fail(f"cannot write {target}: {target.parent} {problem}")
    con, path = open_for_analysis(db)
    fresh = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        [(count,)] = con.execute("SELECT count(*) FROM canonical_events").fetchall()
        quoted = str(fresh).replace("'", "''")
        con.execute(f"COPY ({EXPORT_SQL}) TO '{quoted}' ({options})")
        os.replace(fresh, target)
    except (duckdb.Error, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc).splitlines()[0]
        raise fail(f"cannot write {target}: {reason or exc}") from None
    finally:
        con.close()
        fresh.unlink(missing_ok=True)
    err.print(f"Read {path}", highlight=False)
    out.print(f"Wrote {count} events to {target} ({fmt.lower()})", highlight=False)
