"""Judgements that need a source's history: suspected breakages, and how long to keep it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import duckdb

from scrapers.pipeline import SourceResult

# A source that suddenly lists half as many events is more often a broken page
# than half its events cancelled; below this many events, swings are normal.
MIN_EVENTS_FOR_DROP_CHECK = 4
HISTORY_DAYS = 365  # fetch history kept; the issue asks for at least 90


def held_drops(con: duckdb.DuckDBPyConnection, ok: Sequence[SourceResult]) -> dict[str, str]:
    """Sources whose event count fell by half or more: source id -> why removals wait.

    The drop is applied when the next successful fetch shows it again.
    """
    if not ok:
        return {}
    rows = con.execute(
        """
        SELECT s.id,
               (SELECT count(*) FROM events e WHERE e.source_id = s.id AND e.removed_at IS NULL),
               coalesce((SELECT f.held FROM fetch_runs f WHERE f.source_id = s.id
                         ORDER BY f.fetched_at DESC LIMIT 1), false)
        FROM unnest($ids) AS s(id)
        """,
        {"ids": [r.source.id for r in ok]},
    ).fetchall()
    before = {sid: (active, was_held) for sid, active, was_held in rows}
    held: dict[str, str] = {}
    for result in ok:
        active, was_held = before[result.source.id]
        now_listed = len({e.source_uid for e in result.parsed.events})
        # A listing that suddenly lists nothing is held whatever it had before.
        dropped = now_listed * 2 <= active and (
            active >= MIN_EVENTS_FOR_DROP_CHECK or (now_listed == 0 and active > 0)
        )
        if dropped and not was_held:
            held[result.source.id] = (
                f"event count fell from {active} to {now_listed}: suspected breakage, "
                "so no event is removed until the next fetch confirms the drop"
            )
    return held


def prune_history(
    con: duckdb.DuckDBPyConnection, now: datetime, keep_days: int = HISTORY_DAYS
) -> int:
    row = con.execute(
        "DELETE FROM fetch_runs WHERE fetched_at < $cutoff RETURNING 1",
        {"cutoff": now - timedelta(days=max(keep_days, 90))},
    ).fetchall()
    return len(row)
