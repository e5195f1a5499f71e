"""Append-only history of the changes people care about: title, times, place,
attendance mode, status, and whether a source still lists the event."""

from __future__ import annotations

from datetime import datetime

import duckdb

# field -> SQL expression over an events row (e) or an incoming row (i)
TRACKED = {
    "title": "{t}.title",
    "start": "CAST({t}.start_at AS VARCHAR)",
    "end": "CAST({t}.end_at AS VARCHAR)",
    "location": "concat_ws(', ', {t}.location_name, {t}.address, {t}.postcode)",
    "attendance": "{t}.attendance",
    "status": "{t}.status",
}


def record_changes(con: duckdb.DuckDBPyConnection, now: datetime) -> int:
    """Rows for every tracked field that incoming_events changes; call before the upsert.

    A listing seen for the first time, or listed again after removal, is recorded as
    a change of "listed"; removals are recorded by record_removals.
    """
    parts = [
        f"""SELECT $now, i.source_id, i.source_uid, '{field}',
                   {expr.format(t="e")}, {expr.format(t="i")}
            FROM incoming_events i JOIN events e
              ON e.source_id = i.source_id AND e.source_uid = i.source_uid
            WHERE {expr.format(t="e")} IS DISTINCT FROM {expr.format(t="i")}"""
        for field, expr in TRACKED.items()
    ]
    parts.append(
        """SELECT $now, i.source_id, i.source_uid, 'listed',
                  CASE WHEN e.source_uid IS NULL THEN NULL ELSE 'removed' END, 'listed'
           FROM incoming_events i LEFT JOIN events e
             ON e.source_id = i.source_id AND e.source_uid = i.source_uid
           WHERE e.source_uid IS NULL OR e.removed_at IS NOT NULL"""
    )
    rows = con.execute(
        "INSERT INTO event_changes " + " UNION ALL ".join(parts) + " RETURNING 1", {"now": now}
    ).fetchall()
    return len(rows)


def record_removals(
    con: duckdb.DuckDBPyConnection, removed: list[tuple[str, str]], now: datetime
) -> None:
    if removed:
        con.executemany(
            "INSERT INTO event_changes VALUES (?, ?, ?, 'listed', 'listed', 'removed')",
            [(now, sid, uid) for sid, uid in removed],
        )
