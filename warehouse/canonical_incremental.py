"""Recluster only what changed, when matching cannot have changed.

The matcher (warehouse.matching) reads the set of listed events and, of each, its source,
uid, title, times, zone, URL, place, attendance and organiser; the overrides decide the
rest. When a refresh adds, revives and removes no listing, changes none of those fields,
and neither the sources, the overrides nor the classifier changed, `match` over all
listings would give back the stored clusters (stable ids keep every cluster's own id) and
the stored scored pairs. Then only the clusters holding a changed listing need merging,
classifying and publishing again; every other cluster's inputs are exactly as they were,
so its canonical row, labels and canonical_events row would be rewritten unchanged.

Anything less certain takes the full path (warehouse.canonical.recluster). Rows left
alone keep their `assigned_at`, `scored_at` and `updated_at` from the run that wrote them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import duckdb

from warehouse.canonical import _upsert_canonical, copy_rank, listing_id, merge
from warehouse.canonical_table import replace_canonical_events
from warehouse.classify import Classifier
from warehouse.labels import classify_entries
from warehouse.overrides import Overrides
from warehouse.read import active_events_in_clusters
from warehouse.records import StoredEvent

# What warehouse.canonical.to_listing hands the matcher, beside the key (description aside).
_MATCHED = ("title", "start_at", "end_at", "all_day", "timezone", "url", "location_name",
            "postcode", "attendance", "organiser")  # fmt: skip

_CHANGED_SQL = f"""
SELECT i.source_id || '/' || i.source_uid,
       e.source_uid IS NULL OR e.removed_at IS NOT NULL
       OR {" OR ".join(f"i.{c} IS DISTINCT FROM e.{c}" for c in _MATCHED)}
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
    if any(moves for _, moves in rows):
        return None
    return sorted(lid for lid, _ in rows)


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
