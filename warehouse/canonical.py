"""One event, one entry: listings clustered by warehouse.matching, and the canonical
event each cluster publishes.

A cluster's id is one of its members' listing ids ("source_id/source_uid") and stays
the same while copies join or leave (see warehouse.matching), so the published UID of a
lone listing does not change when it gains copies. Its fields come from the member
whose source has the highest configured `priority`, then the most complete member (known
end, place, link, description, organiser, categories), then the member seen first.
The members' sources' default regions and professions are united, then the merged
event is classified (warehouse.classify), which replaces them with labels and reasons.
The canonical SEQUENCE goes up whenever the published content changes, and never down.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import duckdb

from warehouse.canonical_table import save_canonical_events
from warehouse.classify import Classifier
from warehouse.frames import staged
from warehouse.labels import classify_entries, with_stored_labels
from warehouse.matching import Clustering, Listing, match
from warehouse.matching_incremental import MATCHER
from warehouse.overrides import Overrides
from warehouse.read import active_events, listed_events
from warehouse.records import StoredEvent


def listing_id(stored: StoredEvent) -> str:
    return f"{stored.event.source_id}/{stored.event.source_uid}"


def to_listing(stored: StoredEvent) -> Listing:
    event, place = stored.event, stored.event.location
    return Listing(
        id=listing_id(stored),
        source=event.source_id,
        source_uid=event.source_uid,
        title=event.title,
        start=event.start,
        end=event.end,
        all_day=event.all_day,
        timezone=event.timezone,
        url=event.url,
        location_name=place.name if place else None,
        postcode=place.postcode if place else None,
        online=True if event.attendance == "online" else None,
        organiser=event.organiser,
        description=event.description,
    )


def copy_rank(stored: StoredEvent) -> tuple[int, int, float, str]:
    """Which copy gives the published fields: the source's priority, then completeness,
    then the copy seen first."""
    event = stored.event
    known = (event.end, event.location, event.url, event.description, event.organiser)
    filled = sum(value is not None for value in known) + bool(event.categories)
    return (-stored.source_priority, -filled, stored.first_seen.timestamp(), listing_id(stored))


def merge(
    cluster_id: str, members: Sequence[StoredEvent], overrides: Overrides | None = None
) -> StoredEvent:
    """The entry a cluster publishes (sequence and dates come from the canonical table);
    corrections in the overrides file win over every copy."""
    fixed = (overrides or Overrides()).corrections_for({listing_id(m) for m in members})
    if len(members) == 1 and not fixed and _as_merged(cluster_id, members[0]):
        return members[0]  # most clusters: what the replace below would give, equal
    ordered = sorted(members, key=copy_rank)
    best = ordered[0]
    source_id, _, source_uid = cluster_id.partition("/")
    return replace(
        best,
        event=replace(best.event, source_id=source_id, source_uid=source_uid, **fixed),  # type: ignore[arg-type]
        regions=tuple(dict.fromkeys(r for m in ordered for r in m.regions)),
        professions=tuple(dict.fromkeys(p for m in ordered for p in m.professions)),
        first_seen=min(m.first_seen for m in ordered),
        last_changed=max(m.last_changed for m in ordered),
        also_listed=tuple((m.source_name, m.event.url) for m in ordered[1:]),
    )


def _as_merged(cluster_id: str, only: StoredEvent) -> bool:
    """Whether merging a one-member cluster would give back its member unchanged."""
    source_id, _, source_uid = cluster_id.partition("/")
    return (
        (only.event.source_id, only.event.source_uid) == (source_id, source_uid)
        and not only.also_listed
        and len(set(only.regions)) == len(only.regions)
        and len(set(only.professions)) == len(only.professions)
    )


def _content_hash(entry: StoredEvent) -> str:
    text = repr(
        (entry.event, entry.regions, entry.professions, entry.also_listed, entry.free,
         entry.restricted)
    )  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()


def recluster(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    overrides: Overrides | None = None,
    classifier: Classifier | None = None,
) -> Clustering:
    """Cluster every listed event again, then classify the clusters whose content
    changed; keep ids, scored pairs and canonical sequences."""
    overrides = overrides or Overrides()
    classifier = classifier or Classifier()
    stored = active_events(con)
    previous = dict(con.execute("SELECT listing_id, cluster_id FROM clusters").fetchall())
    result = match(
        [to_listing(s) for s in stored],
        previous=previous,
        same=overrides.same,
        different=overrides.different,
    )
    # The matcher's version: warehouse.canonical_incremental builds on these clusters and
    # pairs only when the same matcher wrote them.
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ('overrides', $fingerprint), ('classifier', $rules),"
        " ('matcher', $matcher)",
        {"fingerprint": overrides.fingerprint, "rules": classifier.fingerprint,
         "matcher": MATCHER},
    )  # fmt: skip
    _replace(con, "clusters", [
        {"listing_id": lid, "cluster_id": cid, "assigned_at": now}
        for lid, cid in sorted(result.cluster_of.items())
    ])  # fmt: skip
    _replace(con, "match_pairs", [
        {"a": p.a, "b": p.b, "score": p.score, "rule": p.rule, "matched": p.matched,
         "components": json.dumps(dict(p.components)), "scored_at": now}
        # An override of a pair comes after its score and replaces it: it decided.
        for p in {(p.a, p.b): p for p in result.pairs}.values()
    ])  # fmt: skip
    groups: dict[str, list[StoredEvent]] = defaultdict(list)
    for s in stored:
        groups[result.cluster_of[listing_id(s)]].append(s)
    entries = {cid: merge(cid, members, overrides) for cid, members in groups.items()}
    classified = classify_entries(con, entries, now, classifier)
    _upsert_canonical(con, classified, now)
    ranked = {cid: sorted(members, key=copy_rank) for cid, members in groups.items()}
    save_canonical_events(con, classified, ranked, previous, now)
    return result


def _replace(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, object]]) -> None:
    con.execute(f"DELETE FROM {table}")
    if rows:
        with staged(con, "incoming_rows", rows, table):
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows")


def _upsert_canonical(
    con: duckdb.DuckDBPyConnection, entries: dict[str, StoredEvent], now: datetime
) -> None:
    rows = [
        {"cluster_id": cid, "content_hash": _content_hash(e), "first_seen": e.first_seen}
        for cid, e in entries.items()
    ]
    if not rows:
        return
    with staged(con, "incoming_canonical", rows, "canonical"):
        con.execute(
            """
            INSERT INTO canonical
            SELECT cluster_id, content_hash, 0, first_seen, $now FROM incoming_canonical
            ON CONFLICT (cluster_id) DO UPDATE SET
                content_hash = excluded.content_hash,
                sequence = canonical.sequence + 1,
                last_changed = excluded.last_changed
            WHERE canonical.content_hash <> excluded.content_hash
            """,
            {"now": now},
        )


def published_events(
    con: duckdb.DuckDBPyConnection,
    source_ids: Sequence[str],
    now: datetime,
    days_back: int = 30,
    days_ahead: int = 365,
    overrides: Overrides | None = None,
    cancelled_days: int = 30,
) -> list[StoredEvent]:
    """What the feeds carry: one entry per event, from the configured sources, in the
    window; a cancelled event only for `cancelled_days` after it was cancelled."""
    found = read_published(con, source_ids, now, days_back, days_ahead, overrides)
    return found.events(now, cancelled_days)


@dataclass(frozen=True)
class Published:
    """Every entry in the window before cancelled ones are cut, by start, and each
    cluster's published copy: read once, then cut for the event feeds and the changes
    feeds (which keep cancelled events longer)."""

    entries: tuple[StoredEvent, ...]
    copies: dict[str, StoredEvent]

    def events(self, now: datetime, cancelled_days: int) -> list[StoredEvent]:
        return [e for e in self.entries if not _cancelled_long_ago(e, now, cancelled_days)]


def read_published(
    con: duckdb.DuckDBPyConnection,
    source_ids: Sequence[str],
    now: datetime,
    days_back: int = 30,
    days_ahead: int = 365,
    overrides: Overrides | None = None,
) -> Published:
    listed = listed_events(con, source_ids, now, days_back, days_ahead)
    cluster_of = dict(con.execute("SELECT listing_id, cluster_id FROM clusters").fetchall())
    canon = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT cluster_id, sequence, first_seen, last_changed FROM canonical"
        ).fetchall()
    }
    groups: dict[str, list[StoredEvent]] = defaultdict(list)
    for s in listed:
        groups[cluster_of.get(listing_id(s), listing_id(s))].append(s)
    merged = {cid: merge(cid, members, overrides) for cid, members in groups.items()}
    dates = {
        cid: {"sequence": row[0], "first_seen": row[1], "last_changed": row[2]}
        for cid, row in canon.items()
        if cid in merged
    }
    entries = with_stored_labels(con, merged, dates)
    entries.sort(key=lambda e: (e.event.start, listing_id(e)))
    copies = {cid: min(members, key=copy_rank) for cid, members in groups.items()}
    return Published(tuple(entries), copies)


def _cancelled_long_ago(entry: StoredEvent, now: datetime, days: int) -> bool:
    # The cancellation is the entry's last change (its SEQUENCE went up with it).
    return entry.event.status == "cancelled" and entry.last_changed < now - timedelta(days=days)


def applied_overrides(con: duckdb.DuckDBPyConnection) -> str | None:
    return _meta(con, "overrides")


def applied_classifier(con: duckdb.DuckDBPyConnection) -> str | None:
    return _meta(con, "classifier")


def _meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("SELECT value FROM meta WHERE key = $key", {"key": key}).fetchall()
    return rows[0][0] if rows else None


def cluster_members(
    con: duckdb.DuckDBPyConnection, event_id: str
) -> tuple[str, list[StoredEvent], list[tuple[object, ...]]] | None:
    """A cluster (named by its id, a member's listing id, or a feed UID) with its listed
    members and every scored pair among them; None when nothing is known by that id."""
    key = event_id.removesuffix("@convene")
    cluster_of = dict(con.execute("SELECT listing_id, cluster_id FROM clusters").fetchall())
    cluster_id = cluster_of.get(key, key if key in cluster_of.values() else None)
    if cluster_id is None:
        return None
    ids = {lid for lid, cid in cluster_of.items() if cid == cluster_id}
    members = [s for s in active_events(con) if listing_id(s) in ids]
    pairs = con.execute(
        "SELECT a, b, score, rule, matched, components FROM match_pairs"
        " WHERE list_contains($ids, a) OR list_contains($ids, b) ORDER BY score DESC",
        {"ids": sorted(ids)},
    ).fetchall()
    return cluster_id, sorted(members, key=copy_rank), pairs
