"""Stable identities for sources whose UIDs change on every fetch.

Some publishers (reported for Office 365 calendars and some platforms) give every event
a new UID each time the feed is generated. Left alone, each refresh would remove every
event and add it again. When none of a source's UIDs survive from one fetch to the next
while most titles and start times do, each event keeps the UID it had (matched by
normalised title and start), and an event with no earlier match gets a key derived
from its title and start instead of the throwaway UID.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import duckdb

from scrapers.model import Event
from scrapers.pipeline import SourceResult
from warehouse.frames import staged
from warehouse.matching import normalise_title

MIN_EVENTS = 2  # with fewer, a changed UID is as likely a different event
# Share of events (of the smaller of the two fetches) whose title and start were seen
# before: a calendar that gained or lost a few events is still the same calendar.
SAME_SHARE = 0.8


def _key(title: str, start: datetime) -> str:
    return f"{normalise_title(title)}|{start.astimezone(UTC).isoformat()}"


def derived_uid(event: Event) -> str:
    digest = hashlib.sha256(_key(event.title, event.start).encode()).hexdigest()[:16]
    return f"derived:{digest}"


def stabilise(
    con: duckdb.DuckDBPyConnection, results: Sequence[SourceResult]
) -> list[SourceResult]:
    suspects = _all_uids_new(con, [r for r in results if r.status == "ok"])
    return [_stabilised(con, r) if r.source.id in suspects else r for r in results]


def _all_uids_new(con: duckdb.DuckDBPyConnection, ok: Sequence[SourceResult]) -> set[str]:
    """Sources with enough events, now and stored, none of whose stored UIDs is listed
    now: one query for every source rather than one per source (a second at 1,000)."""
    ids, uids = [], []
    for r in ok:
        if len(r.parsed.events) >= MIN_EVENTS:
            ids += [r.source.id] * len(r.parsed.events)
            uids += [e.source_uid for e in r.parsed.events]
    if not ids:
        return set()
    pairs = [{"source_id": i, "source_uid": u} for i, u in zip(ids, uids, strict=True)]
    with staged(con, "incoming_uids", pairs, "events"):
        rows = con.execute(
            """
            WITH i AS (SELECT DISTINCT source_id, source_uid FROM incoming_uids)
            SELECT e.source_id FROM events e
            LEFT JOIN i ON i.source_id = e.source_id AND i.source_uid = e.source_uid
            WHERE e.removed_at IS NULL AND e.source_id IN (SELECT source_id FROM i)
            GROUP BY e.source_id
            HAVING count(*) >= $least AND count(i.source_uid) = 0
            """,
            {"least": MIN_EVENTS},
        ).fetchall()
    return {sid for (sid,) in rows}


def _stabilised(con: duckdb.DuckDBPyConnection, result: SourceResult) -> SourceResult:
    events = result.parsed.events
    if len(events) < MIN_EVENTS:
        return result
    old = con.execute(
        "SELECT source_uid, title, start_at FROM events"
        " WHERE source_id = $id AND removed_at IS NULL",
        {"id": result.source.id},
    ).fetchall()
    if len(old) < MIN_EVENTS or {u for u, _, _ in old} & {e.source_uid for e in events}:
        return result
    known = {_key(title, start): uid for uid, title, start in old}
    seen = sum(_key(e.title, e.start) in known for e in events)
    if seen < SAME_SHARE * min(len(events), len(old)):
        return result  # a different calendar behind the same URL, not churning UIDs
    kept = tuple(
        replace(e, source_uid=known.get(_key(e.title, e.start)) or derived_uid(e)) for e in events
    )
    note = (
        "every UID changed since the last fetch while titles and times did not: events "
        "are matched by title and start time instead"
    )
    parsed = replace(result.parsed, events=kept, warnings=(*result.parsed.warnings, note))
    return replace(result, parsed=parsed)
