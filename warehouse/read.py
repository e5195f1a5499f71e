"""Reads for publishers: the events each feed may carry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import duckdb

from scrapers.model import Event, Location
from warehouse.records import StoredEvent

_EVENT_SQL = """
SELECT e.source_id, e.source_uid, e.title, e.start_at, e.end_at, e.all_day, e.timezone,
       e.url, e.description, e.location_name, e.address, e.postcode, e.lat, e.lon,
       e.attendance, e.status, e.organiser, e.categories,
       s.name, s.regions, s.professions, e.first_seen, e.last_changed, e.sequence,
       coalesce(s.priority, 0)
FROM events e JOIN sources s ON s.id = e.source_id
WHERE e.removed_at IS NULL
  AND list_contains($ids, e.source_id)
  AND coalesce(e.end_at, e.start_at) >= $since
  AND e.start_at <= $until
ORDER BY e.start_at, e.source_id, e.source_uid
"""
_ACTIVE_SQL = (
    _EVENT_SQL.split("WHERE")[0]
    + """WHERE e.removed_at IS NULL
ORDER BY e.start_at, e.source_id, e.source_uid
"""
)


def active_events(con: duckdb.DuckDBPyConnection) -> list[StoredEvent]:
    """Every event some source still lists, whatever its date: what clustering sees."""
    return [_stored(row) for row in con.execute(_ACTIVE_SQL).fetchall()]


_IN_CLUSTERS_SQL = (
    _EVENT_SQL.split("WHERE")[0]
    + """WHERE e.removed_at IS NULL
  AND e.source_id || '/' || e.source_uid IN (
      SELECT listing_id FROM clusters WHERE cluster_id IN (
          SELECT cluster_id FROM clusters WHERE listing_id IN (SELECT unnest($ids::VARCHAR[]))))
ORDER BY e.start_at, e.source_id, e.source_uid
"""
)


def active_events_in_clusters(
    con: duckdb.DuckDBPyConnection, listing_ids: Sequence[str]
) -> list[StoredEvent]:
    """The listed members of the stored clusters of these listings, in the order of
    `active_events`."""
    rows = con.execute(_IN_CLUSTERS_SQL, {"ids": list(listing_ids)}).fetchall()
    return [_stored(row) for row in rows]


def listed_events(
    con: duckdb.DuckDBPyConnection,
    source_ids: Sequence[str],
    now: datetime,
    days_back: int = 30,
    days_ahead: int = 365,
) -> list[StoredEvent]:
    """Events still listed by the given sources, in the window, one row per listing
    (warehouse.canonical turns them into one entry per event)."""
    params = {
        "ids": list(source_ids),
        "since": now - timedelta(days=days_back),
        "until": now + timedelta(days=days_ahead),
    }
    return [_stored(row) for row in con.execute(_EVENT_SQL, params).fetchall()]


def _stored(row: tuple[Any, ...]) -> StoredEvent:
    (
        sid,
        uid,
        title,
        start,
        end,
        all_day,
        tz,
        url,
        desc,
        lname,
        addr,
        pc,
        lat,
        lon,
        attendance,
        status,
        organiser,
        cats,
        sname,
        regions,
        profs,
        first,
        changed,
        seq,
        priority,
    ) = row
    has_location = any(v is not None for v in (lname, addr, pc, lat, lon))
    location = Location(lname, addr, pc, lat, lon) if has_location else None
    event = Event(
        source_id=sid,
        source_uid=uid,
        title=title,
        start=start,
        end=end,
        all_day=all_day,
        timezone=tz,
        url=url,
        description=desc,
        location=location,
        attendance=attendance,
        status=status,
        organiser=organiser,
        categories=tuple(cats),
    )
    return StoredEvent(
        event, sname, tuple(regions), tuple(profs), first, changed, seq, source_priority=priority
    )
