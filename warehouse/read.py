"""Reads for publishers and people: published events and source health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from scrapers.model import Event, Location
from warehouse.records import StoredEvent

_EVENT_SQL = """
SELECT e.source_id, e.source_uid, e.title, e.start_at, e.end_at, e.all_day, e.timezone,
       e.url, e.description, e.location_name, e.address, e.postcode, e.lat, e.lon,
       e.attendance, e.status, e.organiser, e.categories,
       s.name, s.regions, s.professions, e.first_seen, e.last_changed, e.sequence
FROM events e JOIN sources s ON s.id = e.source_id
WHERE e.removed_at IS NULL
  AND list_contains($ids, e.source_id)
  AND coalesce(e.end_at, e.start_at) >= $since
  AND e.start_at <= $until
ORDER BY e.start_at, e.source_id, e.source_uid
"""


def published_events(
    con: duckdb.DuckDBPyConnection,
    source_ids: Sequence[str],
    now: datetime,
    days_back: int = 30,
    days_ahead: int = 365,
) -> list[StoredEvent]:
    """Events the feeds should carry: still listed, from configured sources, in the window."""
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
    return StoredEvent(event, sname, tuple(regions), tuple(profs), first, changed, seq)


@dataclass(frozen=True)
class SourceHealth:
    source_id: str
    last_fetched: datetime | None
    status: str | None
    http_status: int | None
    events_stored: int
    error: str | None


_HEALTH_SQL = """
WITH last AS (
    SELECT source_id, fetched_at, status, http_status, error,
           row_number() OVER (PARTITION BY source_id ORDER BY fetched_at DESC) AS n
    FROM fetch_runs
)
SELECT s.id, l.fetched_at, l.status, l.http_status,
       (SELECT count(*) FROM events e WHERE e.source_id = s.id AND e.removed_at IS NULL),
       l.error
FROM sources s LEFT JOIN last l ON l.source_id = s.id AND l.n = 1
"""


def source_health(con: duckdb.DuckDBPyConnection) -> dict[str, SourceHealth]:
    rows = con.execute(_HEALTH_SQL).fetchall()
    return {r[0]: SourceHealth(*r) for r in rows}
