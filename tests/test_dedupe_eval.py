"""Convene's matcher on the labelled evaluation set in tests/dedupe_eval/ (see its README).

The set is committed; tests/dedupe_eval/build.py regenerates it byte for byte.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.dedupe_eval import (  # noqa: E402
    EVAL,
    failures,
    load_records,
    pairs_of,
    scores,
    to_listings,
)


@pytest.fixture(scope="module")
def evalset() -> tuple[list[dict[str, Any]], dict[str, str], list[dict[str, str]]]:
    return load_records()


@pytest.fixture(scope="module")
def clusters(evalset: Any) -> dict[str, str]:
    from warehouse.matching import match

    records, _, _ = evalset
    return dict(match(to_listings(records)).cluster_of)


def test_set_size_and_difficulty(evalset: Any) -> None:
    records, labels, hard = evalset
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == len(labels) >= 400
    assert set(ids) == set(labels)
    assert len(pairs_of(labels)) >= 120
    assert len(hard) >= 120
    for h in hard:
        assert labels[h["a"]] != labels[h["b"]], h
    assert len({(h["a"], h["b"]) for h in hard}) == len(hard)


def test_committed_set_matches_generator() -> None:
    sys.path.insert(0, str(EVAL))
    import build

    b = build.build()
    lines = (EVAL / "labels.jsonl").read_text().splitlines()
    assert len(lines) == len(b.labels)
    assert [r["id"] for r in b.listings] == [r["id"] for r in load_records()[0]]


def test_no_hard_negative_is_merged(evalset: Any, clusters: dict[str, str]) -> None:
    _, _, hard = evalset
    merged = [h for h in hard if clusters[h["a"]] == clusters[h["b"]]]
    assert not merged, merged


def test_matcher_reaches_precision_and_recall_targets(
    evalset: Any, clusters: dict[str, str]
) -> None:
    records, labels, hard = evalset
    truth = pairs_of(labels)
    p, r, f = scores(pairs_of(clusters), truth)
    report = "\n".join(failures(clusters, truth, records, hard))
    assert p >= 0.99 and r >= 0.95, f"precision {p:.4f} recall {r:.4f} F1 {f:.4f}\n{report}"
