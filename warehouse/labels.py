"""Classification of canonical events, stored in DuckDB with the reason for every label.

An event is classified again only when what the classifier reads (its merged fields and
its sources' defaults) or the classifier itself (rules, data files, model) has changed:
the stored input hash says which. Publishing reads the stored labels.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import duckdb

from warehouse.classify import Classification, Classifier, applied, subject_of, summarise
from warehouse.frames import staged
from warehouse.records import Label, StoredEvent, Subject

# A semi-join: list_contains tests every row against the whole list, three times slower
# with the ~100,000 ids of the clusters left as they were.
_IDS = "(SELECT unnest($ids::VARCHAR[]))"


def input_hash(subject: Subject, classifier: Classifier) -> str:
    return hashlib.sha256(f"{subject!r}|{classifier.fingerprint}".encode()).hexdigest()


def classify_entries(
    con: duckdb.DuckDBPyConnection,
    entries: dict[str, StoredEvent],
    now: datetime,
    classifier: Classifier,
    *,
    only_these: bool = False,
) -> dict[str, StoredEvent]:
    """Every entry with its labels; (re)classifies and stores those whose input changed.
    The labels of clusters not in `entries` are dropped, unless `only_these` (the entries
    are some of the clusters, the others unchanged)."""
    subjects = {cid: subject_of(entry) for cid, entry in entries.items()}
    hashes = {cid: input_hash(s, classifier) for cid, s in subjects.items()}
    sql = "SELECT cluster_id, input_hash FROM classified"
    params: dict[str, object] = {}
    if only_these:
        sql += f" WHERE cluster_id IN {_IDS}"
        params["ids"] = list(entries)
    known = dict(con.execute(sql, params).fetchall())
    stale = [cid for cid in entries if known.get(cid) != hashes[cid]]
    fresh = dict(zip(stale, classifier.classify_many([subjects[c] for c in stale]), strict=True))
    kept = stored_labels(con, [cid for cid in entries if cid not in fresh])
    _save(con, fresh, hashes, now, keep=None if only_these else set(entries))
    return {
        cid: applied(entry, fresh[cid] if cid in fresh else summarise(kept.get(cid, ())))
        for cid, entry in entries.items()
    }


def stored_labels(
    con: duckdb.DuckDBPyConnection, cluster_ids: Sequence[str] | None = None
) -> dict[str, tuple[Label, ...]]:
    """cluster id -> its labels in the order they were found (all clusters when None)."""
    sql = "SELECT cluster_id, kind, label, method, reason, score FROM labels"
    params: dict[str, object] = {}
    if cluster_ids is not None:
        if not cluster_ids:
            return {}
        sql += f" WHERE cluster_id IN {_IDS}"
        params["ids"] = list(cluster_ids)
    found: dict[str, list[Label]] = defaultdict(list)
    for cid, kind, label, method, reason, score in con.execute(
        sql + " ORDER BY cluster_id, position", params
    ).fetchall():
        found[cid].append(Label(kind, label, method, reason, score))
    return {cid: tuple(labels) for cid, labels in found.items()}


def with_stored_labels(
    con: duckdb.DuckDBPyConnection,
    entries: dict[str, StoredEvent],
    also: Mapping[str, dict[str, Any]] | None = None,
) -> list[StoredEvent]:
    """Entries with their stored labels; one never classified (not yet clustered) is
    classified by the rules on the spot rather than published without regions. `also`
    has other fields to replace in an entry, by cluster id, in the same copy."""
    stored = stored_labels(con)
    rules = Classifier()
    more = also or {}
    return [
        applied(entry, summarise(stored[cid]), **more.get(cid, {}))
        if cid in stored
        else applied(entry, rules.classify(subject_of(entry)), **more.get(cid, {}))
        for cid, entry in entries.items()
    ]


def _save(
    con: duckdb.DuckDBPyConnection,
    fresh: dict[str, Classification],
    hashes: dict[str, str],
    now: datetime,
    keep: set[str] | None,
) -> None:
    """Store the fresh classifications; drop those of clusters not in `keep` (None: keep
    every other cluster's)."""
    drop = set(fresh)
    if keep is not None:
        gone = [cid for (cid,) in con.execute("SELECT cluster_id FROM classified").fetchall()]
        drop |= set(gone) - keep
    if drop:
        ids = sorted(drop)
        con.execute(f"DELETE FROM labels WHERE cluster_id IN {_IDS}", {"ids": ids})
        con.execute(f"DELETE FROM classified WHERE cluster_id IN {_IDS}", {"ids": ids})
    label_rows: list[dict[str, object]] = [
        {"cluster_id": cid, "kind": lb.kind, "label": lb.value, "method": lb.method,
         "reason": lb.reason, "score": lb.score, "position": n}
        for cid, result in fresh.items()
        for n, lb in enumerate(result.labels)
    ]  # fmt: skip
    done_rows: list[dict[str, object]] = [
        {"cluster_id": c, "input_hash": hashes[c], "classified_at": now} for c in fresh
    ]
    _insert(con, "labels", label_rows)
    _insert(con, "classified", done_rows)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    with staged(con, "incoming_labels", rows, table):
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_labels")
