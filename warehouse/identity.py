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
    return [_stabilised(con, r) if r.status == "ok" else r for r in results]


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
