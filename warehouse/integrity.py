"""What must hold in every database a refresh leaves behind, checked in plain words.

A refresh stores in one transaction (warehouse.store), so a crash at any moment leaves the
database as the last refresh left it; `convene check` and the crash trials
(tests/test_crash_trials.py) hold it to that. `problems` reads only: give it a read-only
connection. Each check below is one promise of the schema or of the store's code:

- the schema is the migrations' (every migration applied; tables, columns, types, NOT
  NULL and primary keys as they make them; no duplicate keys);
- every listing, post and fetch names a known source, every fetch a known refresh, and
  each refresh's fetch rows add up to its counts (while the history keeps them);
- a listing's dates run in order (first seen, last changed, missing, removed) and its
  content hash is a SHA-256;
- the clusters are of exactly the listed events, each has its canonical row and one listed
  published row (canonical_events) naming exactly its listings, with the canonical
  sequence; unlisted rows say when they went;
- labels belong to classified clusters, every change to a known listing, and the
  clustering's versions are recorded in meta.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from scrapers.pipeline import SUCCESS
from warehouse.history import HISTORY_DAYS
from warehouse.integrity_schema import (
    Layout,
    changed_parts,
    expected_layout,
    missing_parts,
    version_problems,
)

EXAMPLES = 3  # offending rows named in a problem
_LISTING = "e.source_id || '/' || e.source_uid"
_OK = ", ".join(f"'{status}'" for status in sorted(SUCCESS))


@dataclass(frozen=True)
class Check:
    """Rows that break one promise: `sql` gives one text per offending row (its name)."""

    says: str  # what the rows are, before their count: "listings whose source is unknown"
    sql: str


CHECKS: tuple[Check, ...] = (
    Check(
        "listings whose source is not in the sources table",
        "SELECT {l} FROM events e ANTI JOIN sources s ON s.id = e.source_id",
    ),
    Check(
        "posts whose source is not in the sources table",
        "SELECT p.source_id || '/' || p.source_uid FROM posts p"
        " ANTI JOIN sources s ON s.id = p.source_id",
    ),
    Check(
        "fetch rows whose source is not in the sources table",
        "SELECT f.run_id || ' ' || f.source_id FROM fetch_runs f"
        " ANTI JOIN sources s ON s.id = f.source_id",
    ),
    Check(
        "fetch rows of a refresh that is not in the refreshes table",
        "SELECT f.run_id || ' ' || f.source_id FROM fetch_runs f"
        " ANTI JOIN refreshes r ON r.run_id = f.run_id",
    ),
    Check(
        "refreshes whose fetch rows do not add up to their counts of sources",
        f"""SELECT r.run_id FROM refreshes r
            LEFT JOIN (SELECT run_id, count(*) AS n,
                              count(*) FILTER (WHERE status IN ({_OK})) AS ok
                       FROM fetch_runs GROUP BY run_id) f ON f.run_id = r.run_id
            WHERE (f.n IS NOT NULL AND (f.n <> r.sources_ok + r.sources_failed
                                        OR f.ok <> r.sources_ok))
               OR (f.n IS NULL AND r.sources_ok + r.sources_failed > 0
                   AND r.finished_at >= (SELECT max(finished_at) FROM refreshes)
                                        - INTERVAL {HISTORY_DAYS} DAY)""",
    ),
    Check(
        "refreshes that finished before they started",
        "SELECT run_id FROM refreshes WHERE finished_at < started_at",
    ),
    Check(
        "listings whose dates are out of order (first seen, last changed, removed)"
        " or whose sequence is negative",
        "SELECT {l} FROM events e WHERE e.last_changed < e.first_seen"
        " OR e.removed_at < e.first_seen OR e.sequence < 0",
    ),
    # Removal waits for a second fetch, so a removed listing was missing first; removals
    # from before migration 6 (which added missing_since) had no such wait.
    Check(
        "removed listings that were never marked missing before their removal",
        """SELECT {l} FROM events e WHERE e.removed_at IS NOT NULL
           AND e.removed_at > (SELECT applied_at FROM schema_migrations WHERE version = 6)
           AND (e.missing_since IS NULL OR e.missing_since > e.removed_at)""",
    ),
    Check(
        "listings or posts whose content hash is not a SHA-256",
        """SELECT {l} FROM events e WHERE NOT regexp_full_match(e.content_hash, '[0-9a-f]{{64}}')
           UNION ALL SELECT p.source_id || '/' || p.source_uid FROM posts p
           WHERE NOT regexp_full_match(p.content_hash, '[0-9a-f]{{64}}')""",
    ),
    Check(
        "listed events in no cluster",
        "SELECT {l} FROM events e ANTI JOIN clusters c ON c.listing_id = {l}"
        " WHERE e.removed_at IS NULL",
    ),
    Check(
        "cluster rows whose listing is not a listed event",
        "SELECT c.listing_id FROM clusters c ANTI JOIN events e"
        " ON c.listing_id = {l} AND e.removed_at IS NULL",
    ),
    Check(
        "clusters with no canonical row (sequence and dates)",
        "SELECT DISTINCT c.cluster_id FROM clusters c"
        " ANTI JOIN canonical k ON k.cluster_id = c.cluster_id",
    ),
    Check(
        "clusters whose published row (canonical_events) is missing, unlisted or names"
        " other listings",
        """SELECT c.cluster_id FROM (SELECT cluster_id, list_sort(list(listing_id)) AS ids
                                     FROM clusters GROUP BY cluster_id) c
           LEFT JOIN canonical_events p ON p.cluster_id = c.cluster_id
           WHERE p.cluster_id IS NULL OR NOT p.listed OR list_sort(p.listings) <> c.ids""",
    ),
    Check(
        "published rows (canonical_events) listed although no cluster has that id",
        "SELECT p.cluster_id FROM canonical_events p WHERE p.listed"
        " AND p.cluster_id NOT IN (SELECT cluster_id FROM clusters)",
    ),
    Check(
        "published rows (canonical_events) whose listed flag and removal date disagree",
        "SELECT cluster_id FROM canonical_events WHERE listed = (removed_at IS NOT NULL)",
    ),
    Check(
        "published rows (canonical_events) whose sequence is not their canonical row's",
        "SELECT p.cluster_id FROM canonical_events p JOIN canonical k USING (cluster_id)"
        " WHERE p.listed AND p.sequence <> k.sequence",
    ),
    Check(
        "labels of clusters that are not classified",
        "SELECT DISTINCT b.cluster_id FROM labels b"
        " ANTI JOIN classified k ON k.cluster_id = b.cluster_id",
    ),
    Check(
        "classified clusters that are not clusters",
        "SELECT k.cluster_id FROM classified k WHERE k.cluster_id NOT IN"
        " (SELECT cluster_id FROM clusters)",
    ),
    Check(
        "recorded changes of listings that are not in the events table",
        "SELECT DISTINCT e.source_id || '/' || e.source_uid FROM event_changes e"
        " ANTI JOIN events v ON v.source_id = e.source_id AND v.source_uid = e.source_uid",
    ),
    Check(
        "facts missing from meta although events are clustered (which matcher, overrides"
        " and classifier made the clusters)",
        """SELECT k FROM (VALUES ('matcher'), ('overrides'), ('classifier')) t(k)
           WHERE EXISTS (SELECT 1 FROM clusters) AND k NOT IN (SELECT key FROM meta)""",
    ),
)


def problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every broken promise, in plain words; empty when the database is sound."""
    found = version_problems(con)
    if found:
        return found
    expected, layout = expected_layout(), Layout.of(con)
    found = missing_parts(layout, expected)
    if found:  # the checks below would only fail to run
        return found
    found = changed_parts(layout, expected)
    for table, key in sorted(expected.keys.items()):
        found += _run(con, _duplicates(table, key))
    for check in CHECKS:
        found += _run(con, Check(check.says, check.sql.format(l=_LISTING)))
    return found


def _duplicates(table: str, key: tuple[str, ...]) -> Check:
    columns = ", ".join(f'"{c}"' for c in key)
    return Check(
        f"keys held by more than one row of {table} ({', '.join(key)})",
        f"SELECT concat_ws('/', {columns}) FROM \"{table}\" GROUP BY {columns} HAVING count(*) > 1",
    )


def _run(con: duckdb.DuckDBPyConnection, check: Check) -> list[str]:
    try:
        [(count, examples)] = con.execute(
            f"SELECT count(*), list(name ORDER BY name)[1:{EXAMPLES}]"
            f" FROM ({check.sql}) AS bad(name)"
        ).fetchall()
    except duckdb.Error as exc:
        return [f"could not check for {check.says}: {str(exc).splitlines()[0]}"]
    if not count:
        return []
    shown = ", ".join(str(e) for e in examples)
    more = ", ..." if count > len(examples) else ""
    return [f"{check.says}: {count} (e.g. {shown}{more})"]
