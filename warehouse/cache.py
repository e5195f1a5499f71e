"""What each server told us last time (ETag, Last-Modified, body digest).

Remembered only for a day after the last real parse: recurring events are
expanded over a window that moves with the clock, so an unchanged calendar still
needs parsing now and then.

Each site's robots.txt answer is remembered too (RobotsRecord), so a refresh within
its maximum age (FetchSettings.robots_max_age_hours) asks no site for it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import duckdb

from scrapers.fetch_types import ROBOTS_KEY, Fetched, Remembered, RobotsRecord, Validators
from scrapers.pipeline import SourceResult
from warehouse.frames import staged

REPARSE_AFTER = timedelta(days=1)


def recall(
    con: duckdb.DuckDBPyConnection, now: datetime, reparse_after: timedelta = REPARSE_AFTER
) -> dict[str, Remembered]:
    """URL -> memory, leaving out URLs due a full parse and sources held for a re-check."""
    rows = con.execute(
        """
        WITH last AS (
            SELECT source_id, held,
                   row_number() OVER (PARTITION BY source_id ORDER BY fetched_at DESC) AS n
            FROM fetch_runs
        )
        SELECT c.url, c.etag, c.last_modified, c.content_digest
        FROM http_cache c
        WHERE c.parsed_at >= $since
          AND NOT EXISTS (SELECT 1 FROM sources s JOIN last l ON l.source_id = s.id AND l.n = 1
                          WHERE s.url = c.url AND l.held)
        """,
        {"since": now - reparse_after},
    ).fetchall()
    return {
        url: Remembered(Validators(etag, modified), digest) for url, etag, modified, digest in rows
    }


def recall_robots(con: duckdb.DuckDBPyConnection) -> dict[str, Remembered]:
    """Every remembered robots.txt answer, under ROBOTS_KEY + site; the fetcher decides
    which are young enough to use (its setting, not the database's)."""
    tables = con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'robots_cache'")
    if tables.fetchone() is None:  # a read-only connection to a database not yet migrated
        return {}
    rows = con.execute("SELECT site, status, body, fetched_at FROM robots_cache").fetchall()
    return {
        ROBOTS_KEY + site: Remembered(Validators(), None, RobotsRecord(site, status, body, at))
        for site, status, body, at in rows
    }


def remember(
    con: duckdb.DuckDBPyConnection, results: Sequence[SourceResult], now: datetime
) -> None:
    """Keep validators from successful fetches; forget them after a parse error. Keep
    the robots.txt answers read afresh, whether or not the source itself worked."""
    _remember_robots(con, results)
    forget = [r.source.url for r in results if r.status == "parse-error"]
    if forget:
        con.execute("DELETE FROM http_cache WHERE list_contains($urls, url)", {"urls": forget})
    rows = [_row(r, now) for r in results if r.succeeded and isinstance(r.outcome, Fetched)]
    if not rows:
        return
    with staged(con, "incoming_cache", rows, "http_cache"):
        con.execute(
            """
            INSERT INTO http_cache BY NAME
            SELECT url, etag, last_modified, content_digest, parsed_at, updated_at
            FROM incoming_cache
            ON CONFLICT (url) DO UPDATE SET
                etag = coalesce(excluded.etag, http_cache.etag),
                last_modified = coalesce(excluded.last_modified, http_cache.last_modified),
                content_digest = coalesce(excluded.content_digest, http_cache.content_digest),
                parsed_at = coalesce(excluded.parsed_at, http_cache.parsed_at),
                updated_at = excluded.updated_at
            """
        )


def _row(result: SourceResult, now: datetime) -> dict[str, object]:
    outcome = result.outcome
    assert isinstance(outcome, Fetched)
    parsed = result.status == "ok"
    return {
        "url": result.source.url,
        "etag": outcome.etag,
        "last_modified": outcome.last_modified,
        "content_digest": result.content_digest if parsed else None,
        "parsed_at": now if parsed else None,
        "updated_at": now,
    }


def _remember_robots(con: duckdb.DuckDBPyConnection, results: Sequence[SourceResult]) -> None:
    records = {r.outcome.robots.site: r.outcome.robots for r in results if r.outcome.robots}
    if not records:
        return
    rows = [
        {"site": r.site, "status": r.status, "body": r.body, "fetched_at": r.fetched_at}
        for r in records.values()
    ]
    with staged(con, "incoming_robots", rows, "robots_cache"):
        con.execute(
            """
            INSERT OR REPLACE INTO robots_cache (site, status, body, fetched_at)
            SELECT site, status, body, fetched_at FROM incoming_robots
            """
        )
