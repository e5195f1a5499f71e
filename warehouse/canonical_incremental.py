"""Recluster only what changed, when matching cannot have changed.

The matcher (warehouse.matching) reads the set of listed events and, of each, its source,
uid, title, times, zone, URL, place, attendance and organiser; the overrides decide the
rest. When a refresh adds, revives and removes no listing, changes none of those fields,
and neither the sources, the overrides nor the classifier changed, `match` over all
listings would give back the stored clusters (stable ids keep every cluster's own id) and
the stored scored pairs. Then only the clusters holding a changed listing need merging,
classifying and publishing again; every other cluster's inputs are exactly as they were,
so its canonical row, labels and canonical_events row would be rewritten unchanged.

When listings are added, removed or their matched fields change, warehouse.
matching_incremental finds the listings whose pairs or clusters can change and matches
only those, exactly as `match` over all listings would (its docstring says why); the
clusters it forms again, and those of changed listings, are merged and published again.

Anything less certain takes the full path (warehouse.canonical.recluster): the stored
clusters not of exactly the listings there were, stored by another version of the matcher
(meta "matcher"), changed sources, overrides or classifier, or too many listings to match
again. Rows left alone keep their `assigned_at`, `scored_at` and `updated_at` from the run
that wrote them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from warehouse.canonical import _meta, _upsert_canonical, copy_rank, listing_id, merge
from warehouse.canonical_table import replace_canonical_events
from warehouse.classify import Classifier
from warehouse.frames import staged
from warehouse.labels import classify_entries
from warehouse.matching_incremental import MATCHER, Before, Light, Rematch, Stored, rematch
from warehouse.matching_types import Listing
from warehouse.overrides import Overrides
from warehouse.read import active_events_in_clusters
from warehouse.records import StoredEvent

# What warehouse.canonical.to_listing hands the matcher, beside the key (description aside).
_MATCHED = ("title", "start_at", "end_at", "all_day", "timezone", "url", "location_name",
            "postcode", "attendance", "organiser")  # fmt: skip

_LIGHT = "e.source_uid, e.title, e.organiser, e.url, epoch(e.start_at)"
_CHANGED_SQL = f"""
SELECT i.source_id || '/' || i.source_uid,
       e.source_uid IS NULL OR e.removed_at IS NOT NULL
       OR {" OR ".join(f"i.{c} IS DISTINCT FROM e.{c}" for c in _MATCHED)},
       e.source_uid IS NOT NULL AND e.removed_at IS NULL, {_LIGHT}
FROM incoming_events i
LEFT JOIN events e ON e.source_id = i.source_id AND e.source_uid = i.source_uid
WHERE e.source_uid IS NULL OR e.removed_at IS NOT NULL OR e.content_hash <> i.content_hash
"""

# Every listed event has a cluster and every cluster row a listed event: the stored
# clustering is of exactly the listings there are.
_IN_STEP_SQL = """
SELECT (SELECT count(*) FROM events WHERE removed_at IS NULL) = (SELECT count(*) FROM clusters)
   AND NOT EXISTS (SELECT 1 FROM events e ANTI JOIN clusters c
                   ON c.listing_id = e.source_id || '/' || e.source_uid
                   WHERE e.removed_at IS NULL)
"""


def changed_listings(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """Listing ids whose content `incoming_events` changes, before it is stored; None when
    a change reaches the matcher (a new or revived listing, a matched field changed)."""
    rows = con.execute(_CHANGED_SQL).fetchall()
    if any(row[1] for row in rows):
        return None
    return sorted(row[0] for row in rows)


def clusters_in_step(con: duckdb.DuckDBPyConnection) -> bool:
    [(ok,)] = con.execute(_IN_STEP_SQL).fetchall()
    return bool(ok)


def recluster_changed(
    con: duckdb.DuckDBPyConnection,
    changed: Sequence[str],
    now: datetime,
    overrides: Overrides,
    classifier: Classifier,
) -> None:
    """What warehouse.canonical.recluster would write, for the clusters of `changed` only
    (the caller has checked that matching is unaffected)."""
    if not changed:
        return
    stored = active_events_in_clusters(con, changed)
    cluster_of = dict(
        con.execute(
            "SELECT listing_id, cluster_id FROM clusters WHERE cluster_id IN"
            " (SELECT cluster_id FROM clusters WHERE listing_id IN"
            " (SELECT unnest($ids::VARCHAR[])))",
            {"ids": list(changed)},
        ).fetchall()
    )
    groups: dict[str, list[StoredEvent]] = defaultdict(list)
    for s in stored:
        groups[cluster_of[listing_id(s)]].append(s)
    entries = {cid: merge(cid, members, overrides) for cid, members in groups.items()}
    classified = classify_entries(con, entries, now, classifier, only_these=True)
    _upsert_canonical(con, classified, now)
    ranked = {cid: sorted(members, key=copy_rank) for cid, members in groups.items()}
    replace_canonical_events(con, classified, ranked, now)


@dataclass(frozen=True)
class Prior:
    """Read before a refresh's events are stored: what it changes, and the listings whose
    matched fields it changes as the matcher last saw them."""

    changed: tuple[str, ...]  # listing ids whose content changes (new and revived ones too)
    moves: bool  # a listing is new or revived, or a matched field changed
    moved: dict[str, Light]  # listed ones whose matched fields change, as they were


def prior(con: duckdb.DuckDBPyConnection) -> Prior | None:
    """None when the stored clusters cannot be built on: not of exactly the listings
    there are, or written by another version of the matcher."""
    if _meta(con, "matcher") != MATCHER or not clusters_in_step(con):
        return None
    rows = con.execute(_CHANGED_SQL).fetchall()
    moved = {row[0]: Light(row[0], *row[3:]) for row in rows if row[1] and row[2]}
    return Prior(tuple(sorted(row[0] for row in rows)), any(row[1] for row in rows), moved)


def recluster_incrementally(
    con: duckdb.DuckDBPyConnection,
    before: Prior,
    now: datetime,
    overrides: Overrides,
    classifier: Classifier,
) -> bool:
    """Recluster what the refresh changed (after its events are stored), exactly as the
    full recluster would; False when it cannot, and the full recluster is needed."""
    if not before.moves and clusters_in_step(con):
        recluster_changed(con, before.changed, now, overrides, classifier)
        return True
    rows = con.execute(_LIGHTS_SQL).fetchall()
    new = {row[0]: Light(*row[:6]) for row in rows if row[6]}
    old = {row[0]: before.moved.get(row[0], Light(*row[:6])) for row in rows if row[7]}
    previous = {row[0]: row[7] for row in rows if row[7]}
    matched = [Stored(*row) for row in con.execute(_MATCHED_SQL).fetchall()]
    moved = [x for x in before.moved if x in new and x in old]
    found = rematch(
        Before(old, previous, matched), new, moved, lambda ids: _load(con, ids),
        overrides.same, overrides.different,
    )  # fmt: skip
    if found is None:
        return False
    _store_rematch(con, found, previous, now)
    again = [*found.cluster_of, *(x for x in before.changed if x in new)]
    recluster_changed(con, sorted(set(again)), now, overrides, classifier)
    gone = {previous[x] for x in found.region if x in previous} - set(found.cluster_of.values())
    moved_on = {previous[x] for x in found.region if x in previous and x in new} & gone
    _retire(con, sorted(gone), sorted(moved_on), now)
    return True


# Every listing the last run matched (a cluster row) or this one will (listed now).
_LIGHTS_SQL = f"""
SELECT e.source_id || '/' || e.source_uid AS lid, {_LIGHT}, e.removed_at IS NULL, c.cluster_id
FROM events e LEFT JOIN clusters c ON c.listing_id = e.source_id || '/' || e.source_uid
WHERE e.removed_at IS NULL OR c.cluster_id IS NOT NULL
"""
_MATCHED_SQL = "SELECT a, b, score, rule FROM match_pairs WHERE matched"
_IDS = "(SELECT unnest($ids::VARCHAR[]))"
_LOAD_SQL = f"""
SELECT source_id, source_uid, title, start_at, end_at, all_day, timezone, url,
       location_name, postcode, attendance, organiser
FROM events WHERE removed_at IS NULL AND source_id || '/' || source_uid IN {_IDS}
"""


def _load(con: duckdb.DuckDBPyConnection, ids: Collection[str]) -> list[Listing]:
    """Listings as warehouse.canonical.to_listing gives them to the matcher."""
    if not ids:
        return []
    rows = con.execute(_LOAD_SQL, {"ids": list(ids)}).fetchall()
    out = []
    for sid, uid, title, start, end, all_day, tz, url, name, postcode, attendance, who in rows:
        out.append(
            Listing(
                id=f"{sid}/{uid}",
                source=sid,
                source_uid=uid,
                title=title,
                start=start,
                end=end,
                all_day=all_day,
                timezone=tz,
                url=url,
                location_name=name,
                postcode=postcode,
                online=True if attendance == "online" else None,
                organiser=who,
            )
        )
    return out


def _store_rematch(
    con: duckdb.DuckDBPyConnection, found: Rematch, previous: dict[str, str], now: datetime
) -> None:
    """Replace the pairs of the dirty listings and the cluster rows of the region."""
    con.execute(
        f"DELETE FROM match_pairs WHERE a IN {_IDS} OR b IN {_IDS}", {"ids": sorted(found.dirty)}
    )
    _insert(con, "match_pairs", [
        {"a": p.a, "b": p.b, "score": p.score, "rule": p.rule, "matched": p.matched,
         "components": json.dumps(dict(p.components)), "scored_at": now}
        for p in found.pairs
    ])  # fmt: skip
    region = sorted(x for x in found.region if x in previous)
    con.execute(f"DELETE FROM clusters WHERE listing_id IN {_IDS}", {"ids": region})
    _insert(con, "clusters", [
        {"listing_id": lid, "cluster_id": cid, "assigned_at": now}
        for lid, cid in sorted(found.cluster_of.items())
    ])  # fmt: skip


def _retire(
    con: duckdb.DuckDBPyConnection, gone: list[str], moved_on: list[str], now: datetime
) -> None:
    """What the full recluster does to clusters that no longer exist: their labels go; the
    published row goes when a listing of it is still listed (another cluster stands for the
    event now), else it stays as history, no longer listed."""
    if not gone:
        return
    con.execute(f"DELETE FROM labels WHERE cluster_id IN {_IDS}", {"ids": gone})
    con.execute(f"DELETE FROM classified WHERE cluster_id IN {_IDS}", {"ids": gone})
    con.execute(f"DELETE FROM canonical_events WHERE cluster_id IN {_IDS}", {"ids": moved_on})
    con.execute(
        "UPDATE canonical_events SET listed = false, removed_at = $now, updated_at = $now"
        f" WHERE listed AND cluster_id IN {_IDS}",
        {"now": now, "ids": gone},
    )


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    with staged(con, "incoming_rows", rows, table):
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows")
