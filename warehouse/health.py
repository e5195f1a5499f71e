"""Source health as people need it: is it working, since when not, and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from scrapers.model import Source

STALE_AFTER_DAYS = 14

_SQL = """
WITH runs AS (
    SELECT source_id, fetched_at, status, http_status, error, moved_to, url,
           status IN ('ok', 'not-modified', 'unchanged') AS good
    FROM fetch_runs
),
last_good AS (SELECT source_id, max(fetched_at) AS at FROM runs WHERE good GROUP BY ALL),
latest AS (
    SELECT * FROM runs
    QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY fetched_at DESC) = 1
),
fails AS (
    SELECT r.source_id, count(*) AS n, min(r.fetched_at) AS since
    FROM runs r LEFT JOIN last_good g USING (source_id)
    WHERE NOT r.good AND (g.at IS NULL OR r.fetched_at > g.at)
    GROUP BY ALL
)
SELECT s.id, l.fetched_at, l.status, l.http_status, g.at, coalesce(f.n, 0), f.since,
       l.error, CASE WHEN l.url = s.url THEN l.moved_to END,
       (SELECT count(*) FROM events e WHERE e.source_id = s.id AND e.removed_at IS NULL)
FROM sources s
LEFT JOIN latest l ON l.source_id = s.id
LEFT JOIN last_good g ON g.source_id = s.id
LEFT JOIN fails f ON f.source_id = s.id
"""


@dataclass(frozen=True)
class SourceHealth:
    source_id: str
    state: str  # ok | not modified | unchanged | failing | stale | disabled | never fetched
    last_fetched: datetime | None
    last_status: str | None
    http_status: int | None
    last_success: datetime | None
    consecutive_failures: int
    failing_since: datetime | None
    events: int
    last_error: str | None
    suggested_url: str | None  # after a permanent redirect

    def as_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.source_id,
            "state": self.state,
            "last_fetched": iso(self.last_fetched),
            "last_success": iso(self.last_success),
            "consecutive_failures": self.consecutive_failures,
            "failing_since": iso(self.failing_since),
            "http_status": self.http_status,
            "events": self.events,
            "last_error": self.last_error,
            "suggested_url": self.suggested_url,
        }


def source_health(
    con: duckdb.DuckDBPyConnection | None,
    sources: Sequence[Source],
    now: datetime,
    stale_after_days: int = STALE_AFTER_DAYS,
) -> list[SourceHealth]:
    """Health of each configured source, in the order configured."""
    rows = {r[0]: r for r in con.execute(_SQL).fetchall()} if con is not None else {}
    stale_after = timedelta(days=stale_after_days)
    return [_health(s, rows.get(s.id), now, stale_after) for s in sources]


def _health(
    source: Source, row: tuple[Any, ...] | None, now: datetime, stale_after: timedelta
) -> SourceHealth:
    if row is None:
        row = (source.id, None, None, None, None, 0, None, None, None, 0)
    _, fetched, status, http, success, failures, since, error, moved, events = row
    return SourceHealth(
        source.id,
        _state(source, status, failures, since, now, stale_after),
        fetched,
        status,
        http,
        success,
        failures,
        since,
        events,
        error,
        moved,
    )


def _state(
    source: Source,
    status: str | None,
    failures: int,
    since: datetime | None,
    now: datetime,
    stale_after: timedelta,
) -> str:
    if not source.enabled:
        return "disabled"
    if status is None:
        return "never fetched"
    if failures == 0:
        return status.replace("-", " ")
    if since is not None and now - since >= stale_after:
        return "stale"
    return "failing"
