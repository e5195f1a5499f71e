"""Whether a database's tables are the ones the migrations make (warehouse.schema).

The reference is the migrations themselves, run into an empty in-memory database, so this
never falls behind a new migration. Extra tables or columns are left alone (an analyst may
add some); what the code relies on must be there: every table, view and column, each
column's type and NOT NULL, and each primary key (the unique keys the store's upserts
depend on).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import duckdb

from warehouse.schema import MIGRATIONS, migrate

_COLUMNS = """
SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns()
WHERE database_name = current_database() AND schema_name = 'main'
"""
_KEYS = """
SELECT table_name, constraint_column_names FROM duckdb_constraints()
WHERE database_name = current_database() AND schema_name = 'main'
  AND constraint_type = 'PRIMARY KEY'
"""
_RELATIONS = """
SELECT table_name, 'table' FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
UNION ALL
SELECT view_name, 'view' FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
"""


@dataclass(frozen=True)
class Layout:
    """A database's tables and views, columns and primary keys."""

    relations: dict[str, str]  # name -> "table" or "view"
    columns: dict[tuple[str, str], tuple[str, bool]]  # (table, column) -> (type, nullable)
    keys: dict[str, tuple[str, ...]]  # table -> primary key columns

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection) -> Layout:
        return cls(
            dict(con.execute(_RELATIONS).fetchall()),
            {(t, c): (kind, bool(null)) for t, c, kind, null in con.execute(_COLUMNS).fetchall()},
            {table: tuple(cols) for table, cols in con.execute(_KEYS).fetchall()},
        )


@cache
def expected_layout() -> Layout:
    """What the migrations make (the same for the life of the process)."""
    con = duckdb.connect(":memory:")
    try:
        migrate(con)
        return Layout.of(con)
    finally:
        con.close()


def version_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Whether every migration, and no unknown one, is recorded as applied."""
    latest = MIGRATIONS[-1].version
    try:
        done = {int(v) for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    except duckdb.CatalogException:
        return ["the database has no schema_migrations table: it was not made by Convene"]
    if done and max(done) > latest:
        return [
            f"the database is at schema version {max(done)}, newer than this Convene knows "
            f"({latest}): use the Convene that wrote it"
        ]
    missing = sorted(set(range(1, latest + 1)) - done)
    if done and max(done) < latest:
        return [
            f"the database is at schema version {max(done)} of {latest}: "
            "run `convene refresh` to bring it up to date"
        ]
    if missing:
        return [f"migration(s) {', '.join(map(str, missing))} not recorded as applied"]
    return []


def missing_parts(found: Layout, expected: Layout) -> list[str]:
    """Tables, views and columns the migrations make that the database lacks."""
    problems = [
        f"the {kind} {name} is missing"
        for name, kind in sorted(expected.relations.items())
        if found.relations.get(name) != kind
    ]
    for table, column in sorted(expected.columns):
        of_table = expected.relations.get(table) == "table" and table in found.relations
        if of_table and (table, column) not in found.columns:
            problems.append(f"the table {table} has no column {column}")
    return problems


def changed_parts(found: Layout, expected: Layout) -> list[str]:
    """Columns of another type or that accept NULL where the migrations forbid it, and
    primary keys that are gone or differ."""
    problems = []
    for (table, column), (kind, nullable) in sorted(expected.columns.items()):
        have = found.columns.get((table, column))
        if have is None or expected.relations.get(table) != "table":
            continue
        if have[0] != kind:
            problems.append(f"the column {table}.{column} is {have[0]}, not {kind}")
        elif have[1] and not nullable:
            problems.append(f"the column {table}.{column} accepts empty (NULL) values")
    for table, key in sorted(expected.keys.items()):
        if table in found.relations and found.keys.get(table) != key:
            problems.append(
                f"the table {table} lost its primary key ({', '.join(key)}): "
                "duplicate rows are no longer refused"
            )
    return problems
