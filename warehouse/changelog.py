"""What changed, and what was posted: the records behind the changes and news feeds.

Changes come from event_changes (one row per listing, field and refresh) and the
canonical table's first_seen, as one record per canonical event (cluster) and change:
"new" when Convene first published it, "rescheduled" when its start or end moved (one
record when both moved in one refresh), "venue" when its place changed, "cancelled" when
its status became cancelled.

Only the history of each cluster's published copy counts: the member whose fields the
feeds show (warehouse.canonical's ranking). The alternative, every copy's history
deduplicated by field and new value, would announce moves the feeds do not show: a copy
that is not published can change on its own (a stale aggregator page, a copy that lags a
day behind), and its move would be reported while the published time stays put. With one
copy per cluster, a move that several copies report is counted once, by construction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from scrapers.vocab import PROFESSIONS
from warehouse.canonical import Published, listing_id, read_published
from warehouse.news_types import CHANGES_DAYS, NEWS_DAYS, Change, NewsPost
from warehouse.overrides import Overrides
from warehouse.professions import from_text
from warehouse.records import StoredEvent


@dataclass(frozen=True)
class _Row:
    seen_at: datetime
    field: str
    old: str | None
    new: str | None


def change_records(
    con: duckdb.DuckDBPyConnection,
    source_ids: Sequence[str],
    now: datetime,
    days_back: int = 30,
    days_ahead: int = 365,
    overrides: Overrides | None = None,
    days: int = CHANGES_DAYS,
    published: Published | None = None,
) -> list[Change]:
    """The changes of the last `days` days to events in the feeds' window, newest first.

    A cancelled event stays for the whole `days`, even after it has left the event feeds.
    `published`: what read_published gave for the same sources, window and overrides,
    so a publish that already read it does not read and merge every event again.
    """
    since = now - timedelta(days=days)
    if published is None:
        published = read_published(con, source_ids, now, days_back, days_ahead, overrides)
    entries = published.events(now, days)
    copies = published.copies
    history = _history(con, [listing_id(copy) for copy in copies.values()])
    changes: list[Change] = []
    for entry in entries:
        cid = listing_id(entry)
        changes.append(Change("new", cid, entry.first_seen, entry))
        copy = copies.get(cid)
        if copy is not None:
            changes += _changes_of(cid, entry, copy, history.get(listing_id(copy), []))
    kept = [c for c in changes if since <= c.at <= now]
    return sorted(kept, key=lambda c: (c.at, c.guid), reverse=True)


def _history(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, list[_Row]]:
    """listing id -> its recorded changes of time, place and status, oldest first."""
    if not ids:
        return {}
    found: dict[str, list[_Row]] = defaultdict(list)
    for lid, seen_at, field, old, new in con.execute(
        """SELECT source_id || '/' || source_uid AS lid, seen_at, field, old_value, new_value
           FROM event_changes
           WHERE field IN ('start', 'end', 'location', 'status') AND list_contains($ids, lid)
           ORDER BY lid, seen_at, field""",
        {"ids": list(ids)},
    ).fetchall():
        found[lid].append(_Row(seen_at, field, old, new))
    return found


def _changes_of(
    cid: str, entry: StoredEvent, copy: StoredEvent, rows: Sequence[_Row]
) -> list[Change]:
    found: list[Change] = []
    times = {f: [r for r in rows if r.field == f] for f in ("start", "end")}
    moved_at = sorted({r.seen_at for f in times for r in times[f]})
    current = {"start": copy.event.start, "end": copy.event.end}
    for at in moved_at:
        old = {f: _time_at(times[f], at, current[f], before=True) for f in times}
        new = {f: _time_at(times[f], at, current[f], before=False) for f in times}
        if old != new:
            found.append(
                Change("rescheduled", cid, at, entry, old["start"], old["end"],
                       new["start"], new["end"])
            )  # fmt: skip
    for row in rows:
        if row.field == "location":
            found.append(
                Change("venue", cid, row.seen_at, entry, old_place=row.old or "",
                       new_place=row.new or "")
            )  # fmt: skip
        elif row.field == "status" and row.new == "cancelled" and row.old != "cancelled":
            found.append(Change("cancelled", cid, row.seen_at, entry))
    return found


def _time_at(
    rows: Sequence[_Row], at: datetime, current: datetime | None, *, before: bool
) -> datetime | None:
    """The field's value just before (or just after) the refresh at `at`, replayed from
    its history: the last value set by then, else the value the next change replaced,
    else the value the copy has now."""
    done = [r for r in rows if r.seen_at < at or (not before and r.seen_at == at)]
    if done:
        return _parse_time(done[-1].new)
    later = [r for r in rows if r not in done]
    return _parse_time(later[0].old) if later else current


def _parse_time(value: str | None) -> datetime | None:
    # event_changes holds times as DuckDB writes a TIMESTAMPTZ: "2027-01-23 09:00:00+00".
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def post_professions(defaults: Iterable[str], title: str, summary: str | None) -> tuple[str, ...]:
    """The source's default professions, then those the post's own words name."""
    found = [f.slug for f in from_text({"title": title, "description": summary})]
    return tuple(p for p in dict.fromkeys([*defaults, *found]) if p in PROFESSIONS)


def news_posts(
    con: duckdb.DuckDBPyConnection,
    source_ids: Sequence[str],
    now: datetime,
    days: int = NEWS_DAYS,
) -> list[NewsPost]:
    """Posts from the given sources dated in the last `days` days, newest first."""
    rows = con.execute(
        """SELECT p.source_id, p.source_uid, s.name, p.title, p.url, p.summary, p.author,
                  coalesce(p.published, p.first_seen) AS dated, s.professions
           FROM posts p JOIN sources s ON s.id = p.source_id
           WHERE list_contains($ids, p.source_id) AND dated >= $since AND dated <= $until
           ORDER BY dated DESC, p.source_id, p.source_uid""",
        {"ids": list(source_ids), "since": now - timedelta(days=days), "until": now},
    ).fetchall()
    return [
        NewsPost(sid, uid, name, title, url, summary, author, dated,
                 post_professions(defaults, title, summary))
        for sid, uid, name, title, url, summary, author, dated, defaults in rows
    ]  # fmt: skip
