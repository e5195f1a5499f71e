"""Match again only around what changed, with exactly the result of `match` over every listing.

Why a local match can be exact (warehouse.matching for the rules):

* Whether `match` scores a pair, and the score, depend on the two listings, their blocking
  keys and whether their shared URL's group allows an exact match (at most 20 listings,
  each from another source). So a pair of two listings that are *clean* (not added,
  removed or changed, with the same keys and URL group as before) is scored as it was.
  The *dirty* listings: the added, removed and changed ones; those whose keys change
  (keys depend on every title's word counts and on the listing count, so one new title
  can change another listing's keys); those sharing a URL with an added, removed or
  changed listing (its group's size or sources change). Their pairs are scored again by
  the real `scored_pairs` over them and every listing they could be scored with (sharing
  a key within 36 hours, a uid, a URL or an override).
* Clustering is union-find over the matched pairs strongest first (ties in start order),
  so a connected component of matched pairs is clustered from its own pairs alone. The
  *region*: every listing connected to a dirty one by the old or the new matched pairs,
  and every listing of an old cluster it meets. Outside it, components and their pairs
  are as before, so their clusters are the old ones and keep their ids (each is the only
  claimant of its id). Inside, the region is clustered by the real `cluster` in start
  order, and `stable_ids` gives ids as a whole run would, with the outside ids taken.

Too many dirty listings make this slower than `match`: the caller then runs `match`.
"""

from __future__ import annotations

import bisect
import hashlib
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from warehouse.matching import (
    blocking_key,
    common_limit,
    overridden,
    scored_pairs,
)
from warehouse.matching_cluster import cluster, stable_ids
from warehouse.matching_score import Features, features, title_parts_of
from warehouse.matching_text import canonical_url, is_specific_url
from warehouse.matching_types import THRESHOLD, WINDOW_SECONDS, Listing, PairScore

_EXACT = frozenset({"uid", "url", "fuzzy"})  # scored rules (not overrides)
Keys = dict[str, frozenset[str]]
Loader = Callable[[Collection[str]], Sequence[Listing]]


class Light(NamedTuple):
    """What deciding the dirty listings reads of every listing."""

    id: str
    source_uid: str
    title: str
    organiser: str | None
    url: str | None
    ts: float  # start, seconds since the epoch (a window bound, so slack is harmless)


class Stored(NamedTuple):
    """A matched pair of the last run, as stored."""

    a: str
    b: str
    score: float
    rule: str


@dataclass(frozen=True)
class Rematch:
    dirty: frozenset[str]  # listings (old or new) whose pairs were scored again
    region: frozenset[str]  # listings (old or new) whose clusters were formed again
    pairs: tuple[PairScore, ...]  # every pair touching a dirty listing, as match() stores it
    cluster_of: dict[str, str]  # listing id -> cluster id, for the region's current listings


@dataclass(frozen=True)
class Before:
    """The last run's matching: its listings (`old`), clusters and matched pairs."""

    old: Mapping[str, Light]
    previous: Mapping[str, str]  # listing id -> cluster id
    matched: Sequence[Stored]


def rematch(
    before: Before,
    new: Mapping[str, Light],
    moved: Collection[str],
    load: Loader,
    same: Sequence[tuple[str, str]] = (),
    different: Sequence[tuple[str, str]] = (),
    limit: float = 0.25,
) -> Rematch | None:
    """What match() over `new` (with `previous`) gives, for the listings it changes.
    `moved`: listings in both whose matched fields changed. None when more than `limit`
    of the listings are dirty (match() is then as quick)."""
    parts = _TitleKeys([*before.old.values(), *new.values()])
    old_keys, new_keys = parts.keys(before.old), parts.keys(new)
    changed = (new.keys() ^ before.old.keys()) | set(moved)
    dirty = changed | {x for x in new if x not in changed and x in before.old
                       and old_keys[x] != new_keys[x]}  # fmt: skip
    dirty |= _url_neighbours(before.old, new, changed)
    if len(dirty) > limit * max(len(new), 1):
        return None
    live = [x for x in dirty if x in new]
    near = _partners(live, new, new_keys, same, different)
    loaded = {item.id: item for item in load(near)}
    pairs, edges = _pairs_of(live, loaded, new_keys, same, different)
    region = _region(dirty, before, edges, same, new)
    current = [x for x in region if x in new]
    loaded.update((item.id, item) for item in load([x for x in current if x not in loaded]))
    cluster_of = _cluster_region(current, loaded, before, dirty, edges, same, different, region)
    return Rematch(frozenset(dirty), frozenset(region), tuple(pairs), cluster_of)


class _TitleKeys:
    """Each title's words once, and blocking keys under any listing set's word counts."""

    def __init__(self, lights: Iterable[Light]) -> None:
        distinct = dict.fromkeys((x.title, x.organiser) for x in lights)
        self.parts = {key: title_parts_of(key) for key in distinct}

    def keys(self, lights: Mapping[str, Light]) -> Keys:
        frequency: Counter[str] = Counter()
        for x in lights.values():
            frequency.update(self.parts[x.title, x.organiser][0])
        common = common_limit(len(lights))
        out: Keys = {}
        for x in lights.values():
            tokens, _, compact = self.parts[x.title, x.organiser]
            out[x.id] = frozenset(blocking_key(tokens, compact, frequency, common))
        return out


@lru_cache(maxsize=1 << 17)  # old and new listings share most URLs
def _specific(url: str | None) -> str | None:
    found = canonical_url(url) if url else None
    return found if is_specific_url(found) else None


def _url_neighbours(
    old: Mapping[str, Light], new: Mapping[str, Light], changed: set[str]
) -> set[str]:
    """Listings sharing a URL (old or new) with a changed one: that URL's group changed."""
    urls = {_specific(side[x].url) for side in (old, new) for x in changed if x in side}
    urls.discard(None)
    if not urls:
        return set()
    return {x.id for side in (old, new) for x in side.values() if _specific(x.url) in urls}


def _partners(
    live: Sequence[str],
    new: Mapping[str, Light],
    keys: Keys,
    same: Sequence[tuple[str, str]],
    different: Sequence[tuple[str, str]],
) -> set[str]:
    """The dirty listings and every listing match() could score one of them with."""
    by_key: dict[str, list[tuple[float, str]]] = defaultdict(list)
    by_uid: dict[str, list[str]] = defaultdict(list)
    by_url: dict[str, list[str]] = defaultdict(list)
    urls = {_specific(new[x].url) for x in live} - {None}
    for item in new.values():
        for key in keys[item.id]:
            by_key[key].append((item.ts, item.id))
        by_uid[item.source_uid].append(item.id)
        url = _specific(item.url) if item.url else None
        if url is not None and url in urls:
            by_url[url].append(item.id)
    for bucket in by_key.values():
        bucket.sort()
    found = set(live)
    reach = WINDOW_SECONDS + 1.0
    for x in live:
        ts = new[x].ts
        for key in keys[x]:
            bucket = by_key[key]
            lo = bisect.bisect_left(bucket, (ts - reach, ""))
            hi = bisect.bisect_right(bucket, (ts + reach, "\uffff"))
            found.update(y for _, y in bucket[lo:hi])
        found.update(by_uid[new[x].source_uid])
        url = _specific(new[x].url)
        if url is not None:
            found.update(by_url[url])
    for a, b in (*same, *different):
        if a in new and b in new and (a in found or b in found):
            found.update((a, b))
    return found


def _pairs_of(
    live: Sequence[str],
    loaded: Mapping[str, Listing],
    keys: Keys,
    same: Sequence[tuple[str, str]],
    different: Sequence[tuple[str, str]],
) -> tuple[list[PairScore], list[PairScore]]:
    """The stored pairs touching a dirty listing (overrides replacing scores, as recluster
    stores them), and the scored pairs behind them (the edges clustering uses)."""
    feats = _features(loaded.values())
    ordered_keys = [tuple(sorted(keys[f.listing.id])) for f in feats]
    scored, _ = scored_pairs(feats, ordered_keys, THRESHOLD)
    index = {f.listing.id: i for i, f in enumerate(feats)}
    extra, _, _ = overridden(feats, index, same, different)
    touching = set(live)
    edges = [p for p in scored if p.a in touching or p.b in touching]
    rows = {(p.a, p.b): p for p in [*edges, *extra] if p.a in touching or p.b in touching}
    return list(rows.values()), edges


def _features(listings: Iterable[Listing]) -> list[Features]:
    """In match()'s order: by start, then id."""
    order = sorted(listings, key=lambda item: (item.start.timestamp(), item.id))
    cache: dict[tuple[str, str | None], tuple[frozenset[str], frozenset[str], str]] = {}
    return [features(item, cache) for item in order]


def _region(
    dirty: set[str],
    before: Before,
    fresh: Sequence[PairScore],
    same: Sequence[tuple[str, str]],
    new: Mapping[str, Light],
) -> set[str]:
    """Every listing connected to a dirty one by an old or new matched pair or a `same`
    override, or sharing an old cluster with one it reaches."""
    links: dict[str, list[str]] = defaultdict(list)
    pairs = [(p.a, p.b) for p in before.matched]
    pairs += [(p.a, p.b) for p in fresh if p.matched]
    pairs += [(a, b) for a, b in same if a in new and b in new]
    for a, b in pairs:
        links[a].append(b)
        links[b].append(a)
    members: dict[str, list[str]] = defaultdict(list)
    for lid, cid in before.previous.items():
        members[cid].append(lid)
    region = set(dirty)
    queue = deque(dirty)
    while queue:
        x = queue.popleft()
        near = links.get(x, [])
        if x in before.previous:
            near = [*near, *members[before.previous[x]]]
        for y in near:
            if y not in region:
                region.add(y)
                queue.append(y)
    return region


def _cluster_region(
    current: Sequence[str],
    loaded: Mapping[str, Listing],
    before: Before,
    dirty: set[str],
    fresh: Sequence[PairScore],
    same: Sequence[tuple[str, str]],
    different: Sequence[tuple[str, str]],
    region: set[str],
) -> dict[str, str]:
    feats = _features(loaded[x] for x in current)
    index = {f.listing.id: i for i, f in enumerate(feats)}
    ends = [
        (p.score, p.a, p.b)
        for p in before.matched
        if p.rule in _EXACT and p.a not in dirty and p.b not in dirty
    ]
    ends += [(p.score, p.a, p.b) for p in fresh if p.matched]
    edges: list[tuple[float, int, int]] = []
    for score, a, b in ends:
        if a in index and b in index:  # else both are outside the region (it is closed)
            i, j = index[a], index[b]
            edges.append((score, min(i, j), max(i, j)))
    _, apart, joined = overridden(feats, index, same, different)
    groups = cluster(feats, joined, edges, apart)
    inside = {before.previous[x] for x in region if x in before.previous}
    taken = set(before.previous.values()) - inside
    return stable_ids(groups, feats, before.previous, taken)


def _fingerprint() -> str:
    """The matcher's version: its modules' text. Stored pairs and clusters are built on
    only when the same matcher wrote them."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("matching*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


MATCHER = _fingerprint()
