"""Deduplication: which listings from different sources are the same event. Pure: no I/O.

Exact rules first
    "uid": the same source_uid (iCal UID plus its "/<occurrence start>" suffix, so one
    occurrence of a series matches only that occurrence) in two sources. "url": the same
    canonical URL (see matching_text.canonical_url: eventbrite:<id>, meetup:<group>:<id>, or
    https://host/path without www., tracking parameters, fragment or trailing slash). A home
    page or events index (path "", /events, /event, /calendar, /whats-on) never counts, nor a
    URL that one source gives to several of its listings (a series or venue page), nor a
    shared URL whose listings start hours apart on one day (one page, two sessions). Exact
    pairs must also start within 36 h and come from different sources, and ids shorter than
    6 characters do not count (numeric CMS ids collide across sites).

Then fuzzy matching
    Listings are swept in start order; a listing is compared only with listings of other
    sources that started at most 36 h earlier and share a blocking key: a title word (words
    in more than 1% of titles only if they are among the listing's two rarest) or the first
    five letters of the title with spaces removed. Score (matching_score.WEIGHTS):

        0.45 title + 0.25 time + 0.2 place + 0.1 organiser  >=  THRESHOLD (0.75)

    title: similarity of normalised titles (matching_text.title_similarity); time: 1 same
    instant, 0.8 within an hour, 0.5 same London date (or an all-day copy on that date), 0;
    place: 1 same postcode, 0.9 same venue, 0.8 both online, 0.5 unknown, 0.2 different
    venue or online vs in person, 0 different postcodes; organiser: 1 same, 0.5 unknown,
    0.3 different. Hard rules veto a fuzzy match whatever the score: same source, starts over
    36 h apart, different postcodes, title below 0.6, different days, and two timed starts
    over an hour apart on one day at one venue (two sessions, even under one title).

Clusters
    Overrides first: `same` pairs are joined (even against the hard rules), `different`
    pairs are never in one cluster. Then matched pairs are joined strongest first (exact
    pairs count as 1.0), skipping any join that would put a `different` pair or a hard
    non-match (same source, different postcodes, starts over 36 h apart) into one cluster:
    a chain loses its weakest link.

Stable cluster ids
    A cluster id is a listing id. With `previous` (listing id -> cluster id of the last run)
    each cluster claims the previous ids its members held; claims are granted in order of
    most members holding the id, then the larger cluster (so on a split the larger part keeps
    the id), then the smallest id string, each id to one cluster and each cluster one id.
    This keeps an id when a copy joins and when a copy leaves (even if the listing whose id
    it was has gone). Every other cluster takes the id of its member with the earliest start,
    then smallest id, skipping ids already taken this run (a part split off takes its
    earliest remaining member; if none is free, "<earliest id>~2", "~3", ...).
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from warehouse.matching_cluster import cluster, stable_ids
from warehouse.matching_score import (
    Features,
    exact_rule,
    features,
    pair_score,
    score_pair,
    title_parts_of,
)
from warehouse.matching_sweep import parallel_map, sweep
from warehouse.matching_text import canonical_url, normalise_title
from warehouse.matching_types import (
    THRESHOLD,
    Clustering,
    Listing,
    PairScore,
)

__all__ = [
    "THRESHOLD",
    "Clustering",
    "Listing",
    "PairScore",
    "canonical_url",
    "match",
    "normalise_title",
    "score_pair",
]

# A word in more than this share of titles ("workshop", "london") makes a poor blocking key.
_COMMON_SHARE = 0.01
# A URL shared by more listings than this is a page about many events.
_MAX_URL_GROUP = 20


def exact_candidates(feats: Sequence[Features]) -> set[tuple[int, int]]:
    """Index pairs sharing a source_uid or a specific canonical URL."""
    by_uid: dict[str, list[int]] = defaultdict(list)
    by_url: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(feats):
        by_uid[f.listing.source_uid].append(i)
        if f.url is not None:
            by_url[f.url].append(i)
    out: set[tuple[int, int]] = set()
    for groups, is_url in ((by_uid, False), (by_url, True)):
        for group in groups.values():
            if len(group) < 2 or (is_url and len(group) > _MAX_URL_GROUP):
                continue
            if is_url:
                sources = [feats[i].listing.source for i in group]
                if len(set(sources)) < len(sources):
                    continue  # one source uses it for several listings: not one event
            for x, i in enumerate(group):
                for j in group[x + 1 :]:
                    out.add((min(i, j), max(i, j)))
    return out


def common_limit(count: int) -> int:
    """Above this many titles a word is common: a blocking key only among a title's two
    rarest words."""
    return max(20, int(count * _COMMON_SHARE))


def word_counts(feats: Iterable[Features]) -> Counter[str]:
    frequency: Counter[str] = Counter()
    for f in feats:
        frequency.update(f.tokens)
    return frequency


def blocking_key(
    tokens: frozenset[str], compact: str, frequency: Mapping[str, int], common: int
) -> tuple[str, ...]:
    """A listing's blocking keys, given every title's word counts and common_limit()."""
    words = sorted(tokens, key=lambda w: (frequency[w], w))
    chosen = [w for k, w in enumerate(words) if k < 2 or frequency[w] <= common]
    # catches titles that differ only in spacing ("UK GovCamp" / "UKGovCamp")
    return (*chosen, "\x00" + compact[:5])


def _blocking_keys(feats: Sequence[Features]) -> list[tuple[str, ...]]:
    frequency = word_counts(feats)
    common = common_limit(len(feats))
    return [blocking_key(f.tokens, f.compact, frequency, common) for f in feats]


def scored_pairs(
    feats: Sequence[Features],
    keys: Sequence[tuple[str, ...]] | None,
    threshold: float = THRESHOLD,
    exact_only: bool = False,
) -> tuple[list[PairScore], list[tuple[float, int, int]]]:
    """Every scored pair of `feats` (in start order) and the matched edges (score, i, j),
    i < j: the exact pairs, then the fuzzy sweep over `keys` (None: `feats`' own keys).
    Whether a pair is scored, and its score, depend on the two listings, their keys and
    whether their URL group allows an exact match (warehouse.matching_incremental)."""
    pairs: list[PairScore] = []
    edges: list[tuple[float, int, int]] = []
    seen: set[tuple[int, int]] = set()
    for i, j in sorted(exact_candidates(feats)):
        if exact_rule(feats[i], feats[j]) is not None:
            seen.add((i, j))
            result = pair_score(feats[i], feats[j], threshold, exact_only)
            pairs.append(result)
            edges.append((result.score, i, j))
    if not exact_only:
        keys = _blocking_keys(feats) if keys is None else keys
        fuzzy_pairs, fuzzy_edges = sweep(feats, keys, seen, threshold)
        pairs.extend(fuzzy_pairs)
        edges.extend(fuzzy_edges)  # (score, j, i) with j < i
    return pairs, edges


def match(
    listings: Sequence[Listing],
    *,
    previous: Mapping[str, str] | None = None,
    same: Iterable[tuple[str, str]] = (),
    different: Iterable[tuple[str, str]] = (),
    threshold: float = THRESHOLD,
    exact_only: bool = False,
) -> Clustering:
    """Cluster listings that are the same event; see the module docstring for the rules."""
    # The matcher allocates millions of small sets and tuples that all stay alive until it
    # returns, so the cyclic garbage collector's passes find nothing and cost ~20% of the
    # time at 100k listings: pause it (it holds no cycles of its own).
    paused = gc.isenabled()
    gc.disable()
    try:
        return _match(listings, previous, same, different, threshold, exact_only)
    finally:
        if paused:
            gc.enable()


def _match(
    listings: Sequence[Listing],
    previous: Mapping[str, str] | None,
    same: Iterable[tuple[str, str]],
    different: Iterable[tuple[str, str]],
    threshold: float,
    exact_only: bool,
) -> Clustering:
    order = sorted(listings, key=lambda item: (item.start.timestamp(), item.id))
    # Title work is most of the per-listing cost, and series repeat their titles: do it
    # once per distinct (title, organiser), in two processes at scale.
    distinct = list(dict.fromkeys((item.title, item.organiser) for item in order))
    cache = dict(zip(distinct, parallel_map(title_parts_of, distinct), strict=True))
    feats = [features(item, cache) for item in order]
    index = {f.listing.id: i for i, f in enumerate(feats)}
    pairs, edges = scored_pairs(feats, None, threshold, exact_only)

    extra, apart, joined = overridden(feats, index, same, different)
    pairs.extend(extra)
    groups = cluster(feats, joined, edges, apart)
    return Clustering(cluster_of=stable_ids(groups, feats, previous), pairs=tuple(pairs))


def overridden(
    feats: Sequence[Features],
    index: Mapping[str, int],
    same: Iterable[tuple[str, str]],
    different: Iterable[tuple[str, str]],
) -> tuple[list[PairScore], dict[int, set[int]], list[tuple[int, int]]]:
    """The override pairs among `index`'s listings (`different` ones first), the pairs kept
    apart (both directions) and the pairs joined first, as indexes of `feats`."""
    pairs: list[PairScore] = []
    apart: dict[int, set[int]] = defaultdict(set)
    for a, b in different:
        if a in index and b in index:
            apart[index[a]].add(index[b])
            apart[index[b]].add(index[a])
            pairs.append(_override(feats[index[a]], feats[index[b]], "override-different"))
    joined: list[tuple[int, int]] = []
    for a, b in same:
        if a in index and b in index and a != b:
            joined.append((index[a], index[b]))
            pairs.append(_override(feats[index[a]], feats[index[b]], "override-same"))
    return pairs, apart, joined


def _override(fa: Features, fb: Features, rule: str) -> PairScore:
    scored = pair_score(fa, fb)
    matched = rule == "override-same"
    return PairScore(scored.a, scored.b, 1.0 if matched else 0.0, scored.components, rule, matched)
