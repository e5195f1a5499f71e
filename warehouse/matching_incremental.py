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
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from warehouse.matching import (
    blocking_key,
    common_limit,
    overridden,
    scored_pairs,
)
from warehouse.matching_cluster import cluster, stable_ids
from warehouse.matching_score import Features, features, title_words
from warehouse.matching_text import canonical_url, is_specific_url, trigrams
from warehouse.matching_types import THRESHOLD, WINDOW_SECONDS, Listing, PairScore

_EXACT = frozenset({"uid", "url", "fuzzy"})  # scored rules (not overrides)
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
    `moved`: listings in both whose matched fields changed (every other listing in both is
    the same Light in both). None when more than `limit` of the listings are dirty
    (match() is then as quick)."""
    changed = (new.keys() ^ before.old.keys()) | set(moved)
    titles = _Titles(before.old, new, changed)
    dirty = changed | titles.rekeyed(before.old, new, changed)
    sides = (before.old, new)
    memo: dict[str, frozenset[str]] = {}
    dirty |= _sharing_url(
        {_specific(side[x].url) for side in sides for x in changed if x in side}, sides, memo
    )
    if len(dirty) > limit * max(len(new), 1):
        return None
    live = [x for x in dirty if x in new]
    near = _partners(live, new, titles, memo, same, different)
    loaded = {item.id: item for item in load(near)}
    pairs, edges = _pairs_of(live, loaded, titles, same, different)
    region = _region(dirty, before, edges, same, new)
    current = [x for x in region if x in new]
    loaded.update((item.id, item) for item in load([x for x in current if x not in loaded]))
    cluster_of = _cluster_region(
        current, loaded, titles, before, dirty, edges, same, different, region
    )
    return Rematch(frozenset(dirty), frozenset(region), tuple(pairs), cluster_of)


TitleKey = tuple[str, str | None]
_TITLE: Callable[[Light], TitleKey] = itemgetter(2, 3)  # (title, organiser)


class _Titles:
    """Each distinct title's words once, the word counts of the old and new listings, and
    blocking keys (computed per title, only where asked for)."""

    def __init__(
        self, old: Mapping[str, Light], new: Mapping[str, Light], changed: Collection[str]
    ) -> None:
        self.words: dict[TitleKey, tuple[frozenset[str], str]] = {}
        # The old listings are the new ones but for `changed`: count titles once.
        now = Counter(map(_TITLE, new.values()))
        then = now.copy()
        then.subtract(_TITLE(new[x]) for x in changed if x in new)
        then.update(_TITLE(old[x]) for x in changed if x in old)
        self.old_count, self.new_count = self._count(then), self._count(now)
        self.old_common, self.new_common = common_limit(len(old)), common_limit(len(new))
        self._new_keys: dict[TitleKey, frozenset[str]] = {}

    def _count(self, titles: Counter[TitleKey]) -> Counter[str]:
        frequency: Counter[str] = Counter()
        for key, n in titles.items():
            if n > 0:
                for word in self._words(key)[0]:
                    frequency[word] += n
        return frequency

    def _words(self, key: TitleKey) -> tuple[frozenset[str], str]:
        found = self.words.get(key)
        if found is None:
            found = self.words[key] = title_words(*key)
        return found

    def new_keys(self, key: TitleKey) -> frozenset[str]:
        found = self._new_keys.get(key)
        if found is None:
            found = self._new_keys[key] = self._keys(key, self.new_count, self.new_common)
        return found

    def _keys(self, key: TitleKey, frequency: Counter[str], common: int) -> frozenset[str]:
        tokens, compact = self.words[key]
        return frozenset(blocking_key(tokens, compact, frequency, common))

    def rekeyed(
        self, old: Mapping[str, Light], new: Mapping[str, Light], changed: set[str]
    ) -> set[str]:
        """Unchanged listings whose keys differ under the new word counts. A title's keys
        can only move if one of its words' counts moved, or the count sits between the old
        and the new common limit (it is common under one and not the other)."""
        lo, hi = sorted((self.old_common, self.new_common))
        before, after = self.old_count, self.new_count
        shifted = {w for w in before.keys() | after.keys()
                   if before[w] != after[w] or lo < before[w] <= hi}  # fmt: skip
        if not shifted:
            return set()
        lo_old, lo_new = self.old_common, self.new_common
        flipped = {w for w in shifted if (before[w] <= lo_old) != (after[w] <= lo_new)}
        moved = set()
        for key, (tokens, _) in self.words.items():
            if tokens.isdisjoint(shifted):
                continue
            # With two or more rare words under both limits, the keys are the rare words
            # (the two rarest are among them): unchanged unless a word's rarity flipped.
            if tokens.isdisjoint(flipped) and sum(after[w] <= lo_new for w in tokens) >= 2:
                continue
            if self._keys(key, before, lo_old) != self.new_keys(key):
                moved.add(key)
        if not moved:
            return set()
        return {x.id for x in new.values() if _TITLE(x) in moved
                and x.id in old and x.id not in changed}  # fmt: skip

    def parts(self, key: TitleKey) -> tuple[frozenset[str], frozenset[str], str]:
        """What features() derives from a title, reusing its words."""
        tokens, compact = self._words(key)
        return tokens, trigrams(compact), compact


@lru_cache(maxsize=1 << 17)  # old and new listings share most URLs
def _specific(url: str | None) -> str | None:
    found = canonical_url(url) if url else None
    return found if is_specific_url(found) else None


def _sharing_url(
    urls: set[str | None], sides: Iterable[Mapping[str, Light]], memo: dict[str, frozenset[str]]
) -> set[str]:
    """The listings whose specific canonical URL is one of `urls`. canonical_url of every
    listing is costly: only a URL holding a needle of one (`_needles`, `_pieces`) can have
    it. `memo`: URL -> its pieces, shared between calls."""
    urls.discard(None)
    if not urls:
        return set()
    needles = _needles(urls)
    out = set()
    for side in sides:
        for x in side.values():
            if not x.url:
                continue
            pieces = memo.get(x.url)
            if pieces is None:
                pieces = memo[x.url] = _pieces(x.url)
            if (needles is None or not needles.isdisjoint(pieces)) and _specific(x.url) in urls:
                out.add(x.id)
    return out


def _needles(urls: Iterable[str | None]) -> set[str] | None:
    """Of each canonical URL: the last segment of its path (a whole segment of any URL
    that has it) or its Eventbrite or Meetup id (a segment's end after its last "-", or a
    whole segment). None when one has no path (no specific URL has none today): every URL
    may then have it."""
    needles: set[str] = set()
    for url in urls:
        if url is None:
            continue
        if url.startswith(("eventbrite:", "meetup:")):
            needles.add(url.rsplit(":", 1)[1])
            continue
        path = url.removeprefix("https://").partition("/")[2].partition("?")[0]
        segments = [s for s in path.split("/") if s]
        if not segments:
            return None
        needles.add(segments[-1])
    return needles


def _pieces(url: str) -> frozenset[str]:
    """The segments of a URL and their ends after a "-": a superset of the needles of its
    canonical form. urlsplit drops tabs and newlines; a path ends at "?" or "#"."""
    text = url.strip()
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "").replace("\n", "").replace("\r", "")
    parts = text.replace("?", "/").replace("#", "/").split("/")
    return frozenset([*parts, *(p.rsplit("-", 1)[-1] for p in parts if "-" in p)])


def _partners(
    live: Sequence[str],
    new: Mapping[str, Light],
    titles: _Titles,
    memo: dict[str, frozenset[str]],
    same: Sequence[tuple[str, str]],
    different: Sequence[tuple[str, str]],
) -> set[str]:
    """The dirty listings and every listing match() could score one of them with: sharing
    a key (only titles holding one of the dirty listings' keys can), a uid or a URL."""
    wanted = set().union(*(titles.new_keys(_TITLE(new[x])) for x in live))
    holding = {key for key, (tokens, compact) in titles.words.items()
               if not tokens.isdisjoint(wanted) or "\x00" + compact[:5] in wanted}  # fmt: skip
    uids = {new[x].source_uid for x in live}
    found = set(live)
    by_key: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for item in new.values():
        if item.source_uid in uids:
            found.add(item.id)
        title = _TITLE(item)
        if title in holding:
            for key in titles.new_keys(title) & wanted:
                by_key[key].append((item.ts, item.id))
    for bucket in by_key.values():
        bucket.sort()
    reach = WINDOW_SECONDS + 1.0
    for x in live:
        ts = new[x].ts
        for key in titles.new_keys(_TITLE(new[x])):
            bucket = by_key[key]
            lo = bisect.bisect_left(bucket, (ts - reach, ""))
            hi = bisect.bisect_right(bucket, (ts + reach, "\uffff"))
            found.update(y for _, y in bucket[lo:hi])
    found |= _sharing_url({_specific(new[x].url) for x in live}, [new], memo)
    for a, b in (*same, *different):
        if a in new and b in new and (a in found or b in found):
            found.update((a, b))
    return found


def _pairs_of(
    live: Sequence[str],
    loaded: Mapping[str, Listing],
    titles: _Titles,
    same: Sequence[tuple[str, str]],
    different: Sequence[tuple[str, str]],
) -> tuple[list[PairScore], list[PairScore]]:
    """The stored pairs touching a dirty listing (overrides replacing scores, as recluster
    stores them), and the scored pairs behind them (the edges clustering uses)."""
    feats = _features(loaded.values(), titles)
    ordered_keys = [tuple(sorted(titles.new_keys(_title(f.listing)))) for f in feats]
    scored, _ = scored_pairs(feats, ordered_keys, THRESHOLD)
    index = {f.listing.id: i for i, f in enumerate(feats)}
    extra, _, _ = overridden(feats, index, same, different)
    touching = set(live)
    edges = [p for p in scored if p.a in touching or p.b in touching]
    rows = {(p.a, p.b): p for p in [*edges, *extra] if p.a in touching or p.b in touching}
    return list(rows.values()), edges


def _features(listings: Iterable[Listing], titles: _Titles) -> list[Features]:
    """In match()'s order: by start, then id."""
    order = sorted(listings, key=lambda item: (item.start.timestamp(), item.id))
    cache = {key: titles.parts(key) for key in {_title(item) for item in order}}
    return [features(item, cache) for item in order]


def _title(item: Listing | Light) -> TitleKey:
    return item.title, item.organiser


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
    titles: _Titles,
    before: Before,
    dirty: set[str],
    fresh: Sequence[PairScore],
    same: Sequence[tuple[str, str]],
    different: Sequence[tuple[str, str]],
    region: set[str],
) -> dict[str, str]:
    feats = _features((loaded[x] for x in current), titles)
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
