"""The `canonical_events` table: each canonical event as the feeds publish it, for the
analysts' views (warehouse/views.py explains the table and the views).

Written by warehouse.canonical.recluster, in the refresh transaction, from the entries
it has just merged and classified, so the table always agrees with the clusters and the
labels. Each recluster replaces the rows of the clusters listed now; a row whose cluster
is no longer listed is kept as history (`listed` false, `removed_at` set), unless one of
its listings now belongs to another cluster, which then stands for the same event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.frames import staged
from warehouse.records import StoredEvent

_TS = pa.timestamp("us", tz="UTC")
_TEXTS = pa.list_(pa.string())

_SCHEMA = pa.schema(
    [
        ("cluster_id", pa.string()),
        ("title", pa.string()),
        ("start_at", _TS),
        ("end_at", _TS),
        ("all_day", pa.bool_()),
        ("timezone", pa.string()),
        ("location_name", pa.string()),
        ("address", pa.string()),
        ("postcode", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("attendance", pa.string()),
        ("status", pa.string()),
        ("url", pa.string()),
        ("organiser", pa.string()),
        ("description", pa.string()),
        ("categories", _TEXTS),
        ("regions", _TEXTS),
        ("professions", _TEXTS),
        ("free", pa.bool_()),
        ("restricted", pa.string()),
        ("source_ids", _TEXTS),
        ("sources", _TEXTS),
        ("listings", _TEXTS),
        ("first_seen", _TS),
        ("last_changed", _TS),
    ]
)

# Sequence and dates come from the canonical table (just upserted); an event that names no
# organiser belongs to its published copy's source (whitespace tidied, as for the event's).
_INSERT = """
INSERT INTO canonical_events BY NAME
SELECT i.* EXCLUDE (organiser, first_seen, last_changed),
       coalesce(i.organiser, trim(regexp_replace(s.organiser, '\\s+', ' ', 'g')), i.sources[1])
           AS organiser,
       coalesce(c.sequence, 0) AS sequence,
       coalesce(c.first_seen, i.first_seen) AS first_seen,
       coalesce(c.last_changed, i.last_changed) AS last_changed,
       true AS listed, NULL AS removed_at, $now AS updated_at
FROM incoming_canonical_events i
LEFT JOIN sources s ON s.id = i.source_ids[1]
LEFT JOIN canonical c ON c.cluster_id = i.cluster_id
"""


def save_canonical_events(
    con: duckdb.DuckDBPyConnection,
    entries: Mapping[str, StoredEvent],
    members: Mapping[str, Sequence[StoredEvent]],
    previous: Mapping[str, str],
    now: datetime,
) -> None:
    """Replace the rows of the clusters in `entries` (merged and classified; `members`
    gives each cluster's listings, the published copy first) and mark the other listed
    rows as no longer listed. `previous`: listing id -> cluster id before this run."""
    listed_now = {_listing(m) for group in members.values() for m in group}
    # An old cluster some of whose listings are still listed lives on under another id.
    moved = sorted({previous[lid] for lid in listed_now if lid in previous} - set(entries))
    _write(con, entries, members, moved, now, unlist_others=True)


def replace_canonical_events(
    con: duckdb.DuckDBPyConnection,
    entries: Mapping[str, StoredEvent],
    members: Mapping[str, Sequence[StoredEvent]],
    now: datetime,
) -> None:
    """Replace the rows of the clusters in `entries` only, the other clusters being as
    they were (warehouse.canonical_incremental)."""
    _write(con, entries, members, [], now, unlist_others=False)


def _write(
    con: duckdb.DuckDBPyConnection,
    entries: Mapping[str, StoredEvent],
    members: Mapping[str, Sequence[StoredEvent]],
    moved: list[str],
    now: datetime,
    *,
    unlist_others: bool,
) -> None:
    rows = [_row(cid, entry, members[cid]) for cid, entry in entries.items()]
    with staged(con, "incoming_canonical_events", rows, "canonical_events", _SCHEMA):
        con.execute(
            """DELETE FROM canonical_events
               WHERE cluster_id IN (SELECT cluster_id FROM incoming_canonical_events)
                  OR cluster_id IN (SELECT unnest($moved::VARCHAR[]))""",
            {"moved": moved},
        )
        if unlist_others:
            con.execute(
                "UPDATE canonical_events SET listed = false, removed_at = $now,"
                " updated_at = $now WHERE listed",
                {"now": now},
            )
        con.execute(_INSERT, {"now": now})


def _listing(stored: StoredEvent) -> str:
    return f"{stored.event.source_id}/{stored.event.source_uid}"


def _row(cid: str, entry: StoredEvent, members: Sequence[StoredEvent]) -> dict[str, Any]:
    event, place = entry.event, entry.event.location
    organiser = " ".join((event.organiser or "").split()) or None
    return {
        "cluster_id": cid,
        "title": event.title,
        "start_at": event.start,
        "end_at": event.end,
        "all_day": event.all_day,
        "timezone": event.timezone,
        "location_name": place.name if place else None,
        "address": place.address if place else None,
        "postcode": place.postcode if place else None,
        "lat": place.lat if place else None,
        "lon": place.lon if place else None,
        "attendance": event.attendance,
        "status": event.status,
        "url": event.url,
        "organiser": organiser,
        "description": event.description,
        "categories": list(event.categories),
        "regions": list(entry.regions),
        "professions": list(entry.professions),
        "free": entry.free,
        "restricted": entry.restricted,
        "source_ids": [m.event.source_id for m in members],
        "sources": [m.source_name for m in members],
        "listings": [_listing(m) for m in members],
        "first_seen": entry.first_seen,
        "last_changed": entry.last_changed,
    }
