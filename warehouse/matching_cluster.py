"""Clusters from matched pairs, conservatively, and stable cluster ids (rules in matching.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from warehouse.matching_score import Features
from warehouse.matching_types import WINDOW_SECONDS


class _Components:
    """Union-find that refuses a union putting a hard non-match into one cluster.

    Each root keeps what the check needs: its members, sources, postcodes and start range.
    Clusters are a handful of listings, so checking members one by one is cheap.
    """

    def __init__(self, feats: Sequence[Features], apart: Mapping[int, set[int]]) -> None:
        self.parent = list(range(len(feats)))
        self.members: list[list[int]] = [[i] for i in range(len(feats))]
        self.sources = [{f.listing.source} for f in feats]
        self.postcodes = [{f.postcode} if f.postcode else set() for f in feats]
        self.low = [f.ts for f in feats]
        self.high = [f.ts for f in feats]
        self.apart = apart  # `different` overrides, both directions

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def _kept_apart(self, ra: int, rb: int) -> bool:
        small, other = (ra, rb) if len(self.members[ra]) <= len(self.members[rb]) else (rb, ra)
        for m in self.members[small]:
            for n in self.apart.get(m, ()):
                if self.find(n) == other:
                    return True
        return False

    def _hard_non_match(self, ra: int, rb: int) -> bool:
        if self.sources[ra] & self.sources[rb]:
            return True  # one source never lists one event twice
        if len(self.postcodes[ra] | self.postcodes[rb]) > 1:
            return True
        span = max(self.high[ra], self.high[rb]) - min(self.low[ra], self.low[rb])
        return span > WINDOW_SECONDS

    def union(self, i: int, j: int, forced: bool) -> bool:
        """Join the clusters of i and j unless that breaks a rule; True when joined.

        `forced` (a `same` override) skips the hard rules but still yields to `different`.
        """
        ra = self.find(i)
        rb = self.find(j)
        if ra == rb:
            return True
        if (not forced and self._hard_non_match(ra, rb)) or self._kept_apart(ra, rb):
            return False
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members[rb])
        self.sources[ra] |= self.sources[rb]
        self.postcodes[ra] |= self.postcodes[rb]
        self.low[ra] = min(self.low[ra], self.low[rb])
        self.high[ra] = max(self.high[ra], self.high[rb])
        self.members[rb] = []
        return True


def cluster(
    feats: Sequence[Features],
    same: Iterable[tuple[int, int]],
    edges: Iterable[tuple[float, int, int]],
    apart: Mapping[int, set[int]],
) -> list[list[int]]:
    """Groups of listing indexes. `same` pairs are joined first; then matched edges from the
    strongest down, each skipped if it would join a hard non-match (so a chain loses its
    weakest link, not its strongest)."""
    comps = _Components(feats, apart)
    for i, j in same:
        comps.union(i, j, forced=True)
    for _, i, j in sorted(edges, key=lambda e: (-e[0], e[1], e[2])):
        comps.union(i, j, forced=False)
    return [members for root, members in enumerate(comps.members) if comps.find(root) == root]


def stable_ids(
    groups: Sequence[Sequence[int]],
    feats: Sequence[Features],
    previous: Mapping[str, str] | None,
    taken: Iterable[str] = (),
) -> dict[str, str]:
    """listing id -> cluster id, keeping the previous run's ids where the rules allow.
    `taken`: ids held by clusters outside `groups` (left as they were by an incremental
    recluster), which a whole run would have granted before any new id."""

    def ordered(group: Sequence[int]) -> list[str]:
        return [
            feats[i].listing.id
            for i in sorted(group, key=lambda i: (feats[i].ts, feats[i].listing.id))
        ]

    members = [ordered(g) for g in groups]
    chosen: list[str | None] = [None] * len(groups)
    used: set[str] = set(taken)
    if previous:
        claims: list[tuple[int, int, str, int]] = []
        for k, ids in enumerate(members):
            held = Counter(previous[m] for m in ids if m in previous)
            claims.extend((-count, -len(ids), old, k) for old, count in held.items())
        # most members first; on a split the larger part; then the smallest old id
        for _, _, old, k in sorted(claims):
            if chosen[k] is None and old not in used:
                chosen[k] = old
                used.add(old)
    # New ids are member ids, so they cannot collide with each other; they can collide with
    # a kept id (a listing that left its old cluster), hence the order and the fallback.
    for k, ids in enumerate(members):
        if chosen[k] is not None:
            continue
        free = next((m for m in ids if m not in used), None)
        if free is None:
            n = 2
            while f"{ids[0]}~{n}" in used:
                n += 1
            free = f"{ids[0]}~{n}"
        chosen[k] = free
        used.add(free)
    result: dict[str, str] = {}
    for k, ids in enumerate(members):
        cid = chosen[k]
        assert cid is not None
        for m in ids:
            result[m] = cid
    return result
