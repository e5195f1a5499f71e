"""Writes and reads of the DuckDB file. One transaction per refresh."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from scrapers.model import Source
from scrapers.pipeline import SUCCESS, SourceResult
from warehouse.cache import remember
from warehouse.canonical import applied_classifier, applied_overrides, recluster
from warehouse.canonical_incremental import Prior, prior, recluster_incrementally
from warehouse.changes import record_changes, record_removals
from warehouse.classify import Classifier
from warehouse.frames import EVENT_SCHEMA, POST_SCHEMA, event_rows, post_rows, staged
from warehouse.history import held_drops, prune_history
from warehouse.identity import stabilise
from warehouse.overrides import Overrides
from warehouse.schema import migrate

# Recluster only the clusters of changed listings when matching cannot have changed
# (warehouse.canonical_incremental); tests turn it off to compare with the full path.
INCREMENTAL = True


@dataclass(frozen=True)
class RefreshRun:
    run_id: str
    started_at: datetime
    finished_at: datetime
    sources_file: str


@dataclass(frozen=True)
class SourceSummary:
    source_id: str
    name: str
    status: str
    events_found: int
    posts_found: int
    new: int
    updated: int
    removed: int
    error: str | None
    held: str | None = None  # why removals were put off (a suspected breakage)
    moved_to: str | None = None
    attempts: int = 1


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database; a writable connection also brings the schema up to date."""
    if read_only:
        con = duckdb.connect(str(path), read_only=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        migrate(con)
    return con


def save_refresh(
    con: duckdb.DuckDBPyConnection,
    run: RefreshRun,
    sources: Sequence[Source],
    results: Sequence[SourceResult],
    overrides: Overrides | None = None,
    classifier: Classifier | None = None,
) -> list[SourceSummary]:
    """Store one refresh atomically: a crash part-way leaves the previous state."""
    con.begin()
    try:
        sources_changed = _upsert_sources(con, sources, run.finished_at)
        summaries = _store_results(
            con, run, results, overrides or Overrides(), classifier or Classifier(),
            sources_changed,
        )  # fmt: skip
        _insert_refresh(con, run, summaries)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return summaries


def _store_results(
    con: duckdb.DuckDBPyConnection,
    run: RefreshRun,
    results: Sequence[SourceResult],
    overrides: Overrides,
    classifier: Classifier,
    sources_changed: bool = True,
) -> list[SourceSummary]:
    results = stabilise(con, results)
    ok = [r for r in results if r.status == "ok"]
    held = held_drops(con, ok)
    events = event_rows([e for r in ok for e in r.parsed.events])
    posts = post_rows([p for r in ok for p in r.parsed.posts])
    with (
        staged(con, "incoming_events", events, "events", EVENT_SCHEMA),
        staged(con, "incoming_posts", posts, "posts", POST_SCHEMA),
    ):
        before = prior(con) if INCREMENTAL and not sources_changed else None
        new, updated = _count_changes(con)
        removed = _mark_removed(con, [r.source.id for r in ok], held, run.finished_at)
        record_changes(con, run.finished_at)
        _upsert_events(con, run.finished_at)
        _upsert_posts(con, run.finished_at)
    summaries = [_summary(r, new, updated, removed, held.get(r.source.id)) for r in results]
    _insert_fetch_runs(con, run, results, summaries)
    # Clusters and labels depend only on the listed events, the overrides and the
    # classifier: when none changed (every source answered 304, say), they are as they were.
    changed = any(s.new or s.updated or s.removed for s in summaries)
    rules_changed = applied_classifier(con) != classifier.fingerprint
    overridden = applied_overrides(con) != overrides.fingerprint
    if changed or rules_changed or overridden or not _clustered(con):
        trusted = None if rules_changed or overridden else before
        _recluster(con, trusted, run.finished_at, overrides, classifier)
    remember(con, results, run.finished_at)
    prune_history(con, run.finished_at)
    return summaries


def _recluster(
    con: duckdb.DuckDBPyConnection,
    before: Prior | None,
    now: datetime,
    overrides: Overrides,
    classifier: Classifier,
) -> None:
    """Only what changed when that gives what the full recluster gives, else everything."""
    done = (
        before is not None
        and _clustered(con)
        and recluster_incrementally(con, before, now, overrides, classifier)
    )
    if not done:
        recluster(con, now, overrides, classifier)


def _clustered(con: duckdb.DuckDBPyConnection) -> bool:
    [(done,)] = con.execute(
        "SELECT EXISTS (SELECT 1 FROM canonical_events) OR NOT EXISTS (SELECT 1 FROM events)"
    ).fetchall()
    return bool(done)


def _summary(
    r: SourceResult,
    new: Counter[str],
    updated: Counter[str],
    removed: Counter[str],
    held: str | None,
) -> SourceSummary:
    sid = r.source.id
    return SourceSummary(
        sid,
        r.source.name,
        r.status,
        len(r.parsed.events),
        len(r.parsed.posts),
        new[sid],
        updated[sid],
        removed[sid],
        r.error,
        held,
        r.outcome.moved_to,
        r.outcome.attempts,
    )


def _count_changes(con: duckdb.DuckDBPyConnection) -> tuple[Counter[str], Counter[str]]:
    rows = con.execute(
        """
        SELECT i.source_id,
               count(*) FILTER (WHERE e.source_uid IS NULL),
               count(*) FILTER (WHERE e.source_uid IS NOT NULL
                                AND (e.content_hash <> i.content_hash OR e.removed_at IS NOT NULL))
        FROM incoming_events i
        LEFT JOIN events e ON e.source_id = i.source_id AND e.source_uid = i.source_uid
        GROUP BY i.source_id
        """
    ).fetchall()
    return Counter({r[0]: r[1] for r in rows}), Counter({r[0]: r[2] for r in rows})


_NOT_LISTED = """removed_at IS NULL AND list_contains($ids, source_id)
    AND NOT EXISTS (SELECT 1 FROM incoming_events i
                    WHERE i.source_id = events.source_id AND i.source_uid = events.source_uid)"""


def _mark_removed(
    con: duckdb.DuckDBPyConnection, ok_ids: list[str], held: Collection[str], now: datetime
) -> Counter[str]:
    """Remove events a source stopped listing, once a second successful fetch agrees.

    Only sources fetched and parsed this run count: a failing source keeps what it had.
    A first miss sets missing_since (the event stays published); the next successful
    fetch that still misses it removes it, unless that source's drop is held.
    """
    if not ok_ids:
        return Counter()
    con.execute(
        """UPDATE events SET missing_since = NULL WHERE missing_since IS NOT NULL
           AND EXISTS (SELECT 1 FROM incoming_events i WHERE i.source_id = events.source_id
                       AND i.source_uid = events.source_uid)"""
    )
    applying = [sid for sid in ok_ids if sid not in held]
    rows = con.execute(
        f"""UPDATE events SET removed_at = $now, last_changed = $now, sequence = sequence + 1
            WHERE missing_since IS NOT NULL AND {_NOT_LISTED}
            RETURNING source_id, source_uid""",
        {"now": now, "ids": applying},
    ).fetchall()
    con.execute(
        f"UPDATE events SET missing_since = $now WHERE missing_since IS NULL AND {_NOT_LISTED}",
        {"now": now, "ids": ok_ids},
    )
    record_removals(con, [(r[0], r[1]) for r in rows], now)
    return Counter(r[0] for r in rows)


_EVENT_COLS = [f.name for f in EVENT_SCHEMA]


def _upsert_events(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    cols = ", ".join(_EVENT_COLS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _EVENT_COLS[2:])
    con.execute(
        f"""
        INSERT INTO events ({cols}, sequence, first_seen, last_changed, removed_at)
        SELECT {cols}, 0, $now, $now, NULL FROM incoming_events
        ON CONFLICT (source_id, source_uid) DO UPDATE SET {updates},
            sequence = events.sequence + 1, last_changed = excluded.last_changed,
            removed_at = NULL
        WHERE events.content_hash <> excluded.content_hash OR events.removed_at IS NOT NULL
        """,
        {"now": now},
    )


def _upsert_posts(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    con.execute(
        """
        INSERT INTO posts
        SELECT source_id, source_uid, title, url, published, summary, author, content_hash,
               $now, $now
        FROM incoming_posts
        ON CONFLICT (source_id, source_uid) DO UPDATE SET
            title = excluded.title, url = excluded.url, published = excluded.published,
            summary = excluded.summary, author = excluded.author,
            content_hash = excluded.content_hash, last_changed = excluded.last_changed
        WHERE posts.content_hash <> excluded.content_hash
        """,
        {"now": now},
    )


def _upsert_sources(
    con: duckdb.DuckDBPyConnection, sources: Sequence[Source], now: datetime
) -> bool:
    """Store the sources; True when any is new or differs from its stored row."""
    rows = [
        {
            "id": s.id,
            "name": s.name,
            "organiser": s.organiser,
            "url": s.url,
            "kind": s.kind,
            "regions": list(s.regions),
            "professions": list(s.professions),
            "enabled": s.enabled,
            "priority": s.priority,
            "timezone": s.timezone,
            "updated_at": now,
        }
        for s in sources
    ]
    with staged(con, "incoming_sources", rows, "sources"):
        [(differ,)] = con.execute(_SOURCES_DIFFER).fetchall()
        con.execute(
            """
            INSERT OR REPLACE INTO sources BY NAME
            SELECT id, name, organiser, url, kind, regions, professions, enabled, timezone,
                   updated_at, priority
            FROM incoming_sources
            """
        )
    return bool(differ)


_SOURCE_COLS = ("name", "organiser", "url", "kind", "regions", "professions", "enabled",
                "priority", "timezone")  # fmt: skip
_SOURCES_DIFFER = f"""
SELECT EXISTS (SELECT 1 FROM incoming_sources i LEFT JOIN sources s ON s.id = i.id
               WHERE s.id IS NULL
                  OR {" OR ".join(f"i.{c} IS DISTINCT FROM s.{c}" for c in _SOURCE_COLS)})
"""


def _insert_fetch_runs(
    con: duckdb.DuckDBPyConnection,
    run: RefreshRun,
    results: Sequence[SourceResult],
    summaries: Sequence[SourceSummary],
) -> None:
    rows = [
        {
            "run_id": run.run_id,
            "source_id": r.source.id,
            "fetched_at": run.finished_at,
            "status": r.status,
            "http_status": r.http_status,
            "duration_ms": r.seconds * 1000,
            "bytes": r.bytes,
            "body_sha256": r.content_digest,
            "events_found": s.events_found,
            "posts_found": s.posts_found,
            "events_new": s.new,
            "events_updated": s.updated,
            "events_removed": s.removed,
            "warnings": [*r.parsed.warnings, *([s.held] if s.held else [])],
            "error": r.error,
            "url": r.source.url,
            "final_url": r.outcome.final_url,
            "attempts": r.outcome.attempts,
            "not_modified": r.status == "not-modified",
            "error_kind": r.error_kind,
            "moved_to": r.outcome.moved_to,
            "held": s.held is not None,
        }
        for r, s in zip(results, summaries, strict=True)
    ]
    if not rows:
        return
    with staged(con, "incoming_runs", rows, "fetch_runs"):
        con.execute("INSERT INTO fetch_runs BY NAME SELECT * FROM incoming_runs")


def _insert_refresh(
    con: duckdb.DuckDBPyConnection, run: RefreshRun, summaries: Sequence[SourceSummary]
) -> None:
    ok = sum(1 for s in summaries if s.status in SUCCESS)
    con.execute(
        "INSERT INTO refreshes VALUES (?, ?, ?, ?, ?, ?)",
        [run.run_id, run.started_at, run.finished_at, run.sources_file, ok, len(summaries) - ok],
    )
