"""`convene check`: whether the database holds what the schema and the store promise
(warehouse.integrity), for after a crash, a disk problem or a hand edit."""

from __future__ import annotations

from pathlib import Path

import duckdb
import typer

from flows.cli import DbOpt, app, err, fail, out
from warehouse.integrity import problems
from warehouse.store import connect


@app.command("check")
def check_command(db: DbOpt = Path("data/convene.duckdb")) -> None:
    """Check the database against the promises of its schema, reading only.

    The schema is the migrations' (tables, columns, primary keys, no duplicate keys);
    every listing, post and fetch names a known source and refresh, and each refresh's
    fetch rows add up; a listing's dates run in order; the clusters are of exactly the
    listed events, each with its canonical and published rows; labels and recorded
    changes belong to known clusters and listings.

    Exit status 0 when every check passes, 1 when a problem is found (each is listed in
    plain words) or the file is not a readable database, 2 when there is no database or
    a refresh has it open. Works on the analysis copy too (--db data/analysis.duckdb).
    """
    if not db.is_file():
        raise fail(f"no database at {db}: run `convene refresh` first")
    con = _open(db)
    try:
        found = problems(con)
    finally:
        con.close()
    if not found:
        out.print(f"{db}: no problems found", highlight=False)
        return
    err.print(f"{db}: {len(found)} problem(s) found:", highlight=False)
    for problem in found:
        err.print(f"- {problem}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _open(db: Path) -> duckdb.DuckDBPyConnection:
    try:
        return connect(db, read_only=True)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        if "lock" in first.lower():
            raise fail(
                f"the database {db} is in use by another Convene process (a refresh?); "
                "check it when that ends"
            ) from None
        raise fail(f"{db} cannot be read as a database: {first}", code=1) from None
