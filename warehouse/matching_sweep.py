"""The fuzzy sweep of warehouse.matching: every listing against the listings of the
previous 36 hours that share a blocking key. At scale it runs as two halves in two
forked processes: each half first replays the 36 hours before it (filling its blocking
buckets without scoring), so both halves score exactly the pairs one pass would, in the
same order."""

from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from typing import TypeVar

from warehouse.matching_score import MIN_TITLE, Features, pair_score
from warehouse.matching_text import title_similarity
from warehouse.matching_types import WINDOW_SECONDS, PairScore

T = TypeVar("T")
R = TypeVar("R")

# Below this many listings a second process costs more than it saves.
PARALLEL_FROM = 20_000

Edges = list[tuple[float, int, int]]
_shared: tuple[Sequence[Features], Sequence[tuple[str, ...]], set[tuple[int, int]], float]


def sweep(
    feats: Sequence[Features],
    keys: Sequence[tuple[str, ...]],
    seen: set[tuple[int, int]],
    threshold: float,
) -> tuple[list[PairScore], Edges]:
    global _shared
    n = len(feats)
    if not _can_fork(n):
        return _segment(feats, keys, seen, threshold, 0, n)
    _shared = (feats, keys, seen, threshold)  # read by the forked children, not pickled
    bounds = [(0, n // 2), (n // 2, n)]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        parts = pool.starmap(_shared_segment, bounds)
    pairs = [p for part_pairs, _ in parts for p in part_pairs]
    edges = [e for _, part_edges in parts for e in part_edges]
    return pairs, edges


def parallel_map(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """map() over two forked processes when there is enough work to pay for them."""
    if not _can_fork(len(items)):
        return list(map(fn, items))
    with multiprocessing.get_context("fork").Pool(2) as pool:
        return pool.map(fn, items, chunksize=max(1, len(items) // 8))


def _can_fork(n: int) -> bool:
    return (
        n >= PARALLEL_FROM
        and (os.cpu_count() or 1) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
    )


def _shared_segment(lo: int, hi: int) -> tuple[list[PairScore], Edges]:
    feats, keys, seen, threshold = _shared
    return _segment(feats, keys, seen, threshold, lo, hi)


def _segment(
    feats: Sequence[Features],
    keys: Sequence[tuple[str, ...]],
    seen: set[tuple[int, int]],
    threshold: float,
    lo: int,
    hi: int,
) -> tuple[list[PairScore], Edges]:
    first = lo
    if lo < len(feats):
        horizon = feats[lo].ts - WINDOW_SECONDS
        while first > 0 and feats[first - 1].ts >= horizon:
            first -= 1
    pairs: list[PairScore] = []
    edges: Edges = []
    buckets: dict[str, deque[int]] = defaultdict(deque)
    for i in range(first, hi):
        fi = feats[i]
        earliest = fi.ts - WINDOW_SECONDS
        candidates: set[int] = set()
        for key in keys[i]:
            bucket = buckets[key]
            while bucket and feats[bucket[0]].ts < earliest:
                bucket.popleft()
            candidates.update(bucket)
            bucket.append(i)
        if i >= lo:
            _score(feats, fi, i, candidates, seen, threshold, pairs, edges)
    return pairs, edges


def _score(
    feats: Sequence[Features],
    fi: Features,
    i: int,
    candidates: set[int],
    seen: set[tuple[int, int]],
    threshold: float,
    pairs: list[PairScore],
    edges: Edges,
) -> None:
    source, postcode, day, close = fi.listing.source, fi.postcode, fi.day, fi.ts - 3600
    for j in candidates:
        fj = feats[j]
        # The cheap hard rules first (same source, different postcodes, different days):
        # pairs they reject are not scored, hence not reported.
        if fj.listing.source == source or (fj.day != day and fj.ts < close):
            continue
        if postcode and fj.postcode and postcode != fj.postcode:
            continue
        if (j, i) in seen:
            continue
        title = title_similarity(
            fi.tokens, fi.grams, fi.compact_len, fj.tokens, fj.grams, fj.compact_len
        )
        if title < MIN_TITLE:
            continue
        result = pair_score(fi, fj, threshold, title=title)
        pairs.append(result)
        if result.matched:
            edges.append((result.score, j, i))
