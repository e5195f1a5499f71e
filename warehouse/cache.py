"""What each server told us last time (ETag, Last-Modified, body digest).

Remembered only for a day after the last real parse: recurring events are
expanded over a window that moves with the clock, so an unchanged calendar still
needs parsing now and then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from scrapers.fetch_types import Fetched, Remembered, Validators
from scrapers.pipeline import SourceResult

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


def remember(
    con: duckdb.DuckDBPyConnection, results: Sequence[SourceResult], now: datetime
) -> None:
    """Keep validators from successful fetches; forget them after a parse error."""
    forget = [r.source.url for r in results if r.status == "parse-error"]
    if forget:
        con.execute("DELETE FROM http_cache WHERE list_contains($urls, url)", {"urls": forget})
    rows = [_row(r, now) for r in results if r.succeeded and isinstance(r.outcome, Fetched)]
    if not rows:
        return
    con.register("incoming_cache", pa.Table.from_pylist(rows))
    try:
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
    finally:
        con.unregister("incoming_cache")


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
