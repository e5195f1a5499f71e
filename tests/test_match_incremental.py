"""warehouse.matching_incremental gives exactly what match() over every listing gives: the
same cluster ids for every listing and the same stored pairs, over random rounds of
additions, removals, moves, title, URL, uid and postcode edits, with overrides, on
corpora whose words sit near the "common" count (so one edited title moves other
listings' blocking keys) and across a change of the common limit itself."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from warehouse.matching import Listing, PairScore, match
from warehouse.matching_incremental import Before, Light, Rematch, Stored, rematch

# ~23 titles hold each word: around the common limit of 20, so counts cross it
WORDS = [f"w{n:02d}" for n in range(14)]
POSTCODES = ["LS1 1UR", "M2 5PD", "B1 2ND", None, None]
ORGANISERS = ["Council", "NHS Network", None]
START = datetime(2027, 3, 1, tzinfo=UTC)


def _title(rng: random.Random) -> str:
    return " ".join(rng.sample(WORDS, rng.randrange(1, 4)))


def _fresh(rng: random.Random, n: int) -> Listing:
    source = f"s{rng.randrange(12)}"
    return Listing(
        id=f"{source}/u{n}",
        source=source,
        source_uid=f"u{n}" if rng.random() < 0.9 else f"shared-{rng.randrange(6)}",
        title=_title(rng),
        start=START + timedelta(hours=rng.randrange(0, 24 * 12, 2)),
        all_day=rng.random() < 0.05,
        url=_url(rng, n),
        postcode=rng.choice(POSTCODES),
        online=True if rng.random() < 0.1 else None,
        organiser=rng.choice(ORGANISERS),
    )


def _url(rng: random.Random, n: int) -> str | None:
    roll = rng.random()
    if roll < 0.3:
        return None
    if roll < 0.55:
        return f"https://shared.example.org/event/{rng.randrange(8)}/"  # groups of all sizes
    if roll < 0.7:  # forms whose canonical URL shares no path segment with the URL
        k = rng.randrange(3)  # a few, so that listings share them
        return rng.choice((
            f"https://www.eventbrite.co.uk/e/talk-{k}-tickets-{k}00", f"eventbrite.com/e/{k}00",
            f"https://Meetup.com/g{k % 2}/events/{k}x", f"https://WWW.Host{k}.example.org//?p={k}",
            f"https://host{k}.example.org:8080/?p=1#top", f"http://host{k}.example.org/a\t{k}/",
        ))  # fmt: skip
    return f"https://www.site{n % 5}.example.org/e/{n}?utm_source=x"


def _copy(rng: random.Random, of: Listing, n: int) -> Listing:
    """Another source's listing of the same event, perhaps a little different."""
    source = f"s{rng.randrange(12)}"
    title = of.title if rng.random() < 0.6 else f"{of.title} {rng.choice(WORDS)}"
    shift = timedelta(minutes=rng.choice((0, 0, 30, 120)))
    uid = of.source_uid if rng.random() < 0.2 else f"u{n}"
    return replace(of, id=f"{source}/{uid}", source=source, source_uid=uid, title=title,
                   start=of.start + shift, url=of.url if rng.random() < 0.5 else None)  # fmt: skip


def _corpus(rng: random.Random, size: int) -> dict[str, Listing]:
    out: dict[str, Listing] = {}
    while len(out) < size:
        n = len(out) + 1000 * rng.randrange(1000)
        pick = (
            _copy(rng, rng.choice(list(out.values())), n) if out and rng.random() < 0.35 else None
        )
        item = pick or _fresh(rng, n)
        out.setdefault(item.id, item)
    return out


def _edit(rng: random.Random, x: Listing) -> Listing:
    kind = rng.randrange(6)
    if kind == 0:
        return replace(x, start=x.start + timedelta(hours=rng.choice((-30, -1, 1, 24, 72))))
    if kind == 1:
        return replace(x, title=_title(rng))
    if kind == 2:
        return replace(x, title=f"{x.title} {rng.choice(WORDS)}")  # a word count goes up
    if kind == 3:
        return replace(x, url=_url(rng, rng.randrange(50)))
    if kind == 4:
        return replace(x, postcode=rng.choice(POSTCODES), online=None)
    return replace(x, organiser=rng.choice(ORGANISERS), all_day=not x.all_day)


def _round(rng: random.Random, listings: dict[str, Listing], share: float) -> dict[str, Listing]:
    out = dict(listings)
    for lid in rng.sample(sorted(out), max(1, int(share * len(out)))):
        roll = rng.random()
        if roll < 0.25:
            del out[lid]
        elif roll < 0.5:
            n = 10**7 + rng.randrange(10**6)
            item = _copy(rng, out[lid], n) if rng.random() < 0.5 else _fresh(rng, n)
            out.setdefault(item.id, item)
        else:
            out[lid] = _edit(rng, out[lid])
    return out


def _light(x: Listing) -> Light:
    return Light(x.id, x.source_uid, x.title, x.organiser, x.url, x.start.timestamp())


def _rows(pairs: Sequence[PairScore]) -> dict[tuple[str, str], PairScore]:
    return {(p.a, p.b): p for p in pairs}  # as warehouse.canonical.recluster stores them


def _overrides(rng: random.Random, ids: list[str]) -> tuple[list[tuple[str, str]], ...]:
    def pairs(n: int) -> list[tuple[str, str]]:
        return [(rng.choice(ids), rng.choice(ids)) for _ in range(n)]

    return pairs(4), pairs(4)


def _check_rounds(seed: int, size: int, rounds: int, share: float) -> int:
    """Rounds of random changes, each matched incrementally and in full; the number of
    listings made dirty by another listing's change (their keys or URL group)."""
    rng = random.Random(seed)
    listings = _corpus(rng, size)
    same, different = _overrides(rng, sorted(listings))
    first = match(list(listings.values()), same=same, different=different)
    cluster_of, rows = dict(first.cluster_of), _rows(first.pairs)
    knock_on = 0
    for n in range(rounds):
        changed = _round(rng, listings, share)
        whole = match(list(changed.values()), previous=cluster_of, same=same, different=different)
        moved = [x for x in changed if x in listings and changed[x] != listings[x]]
        matched = [Stored(p.a, p.b, p.score, p.rule) for p in rows.values() if p.matched]
        before = Before({x: _light(v) for x, v in listings.items()}, cluster_of, matched)

        def load(ids: Collection[str], current: dict[str, Listing] = changed) -> list[Listing]:
            return [current[x] for x in ids]

        news = {x: _light(v) for x, v in changed.items()}
        found = rematch(before, news, moved, load, same, different, limit=1.0)
        assert found is not None
        ids = {x: found.cluster_of.get(x) or cluster_of[x] for x in changed}
        assert ids == dict(whole.cluster_of), (seed, n)
        kept = {k: p for k, p in rows.items() if not {p.a, p.b} & found.dirty}
        assert kept | _rows(found.pairs) == _rows(whole.pairs), (seed, n)
        assert set(found.cluster_of) == found.region & set(changed)
        knock_on += len(found.dirty - set(moved) - (changed.keys() ^ listings.keys()))
        listings, cluster_of, rows = changed, ids, kept | _rows(found.pairs)
    return knock_on


@pytest.mark.parametrize("seed", range(40))
def test_rematch_equals_match(seed: int) -> None:
    _check_rounds(seed, 160, 4, share=0.05 + 0.05 * (seed % 4))


def test_knock_on_listings_are_found() -> None:
    """Some rounds dirty listings nobody edited (word counts moved their keys, or their URL
    group changed): the test exercises that, not only the edited listings."""
    assert sum(_check_rounds(seed, 160, 3, 0.05) for seed in range(100, 110)) > 0


def test_common_limit_change() -> None:
    """Past 2,000 listings the common limit is 1% of them: 2,095 -> 2,105 listings moves
    it, and with it the keys of listings nobody changed."""
    rng = random.Random(5)
    listings = _corpus(rng, 2095)
    assert len(listings) // 100 == 20
    grown = dict(listings)
    while len(grown) < 2105:
        item = _fresh(rng, 10**8 + len(grown))
        grown[item.id] = item
    found = _check_growth(listings, grown)
    assert len(found.dirty) > 10  # keys moved beyond the ten added


def test_common_limit_change_alone() -> None:
    """A word whose count stays at 21 is common under the limit of 20 and not under 21:
    the keys of the titles holding it (as their third rarest word) move although no count
    of theirs did."""
    rng = random.Random(6)
    listings = _corpus(rng, 2074)
    for n in range(21):
        item = replace(_fresh(rng, 10**8 + n), title=f"kept q{n} r{n}", url=None)
        listings[item.id] = item
    assert len(listings) == 2095
    grown = dict(listings)
    for n in range(10):
        item = replace(_fresh(rng, 10**9 + n), title=f"z{n}", url=None)
        grown[item.id] = item
    found = _check_growth(listings, grown)
    assert sum("kept" in grown[x].title for x in found.dirty) == 21


def _check_growth(listings: dict[str, Listing], grown: dict[str, Listing]) -> Rematch:
    first = match(list(listings.values()))
    whole = match(list(grown.values()), previous=first.cluster_of)
    matched = [Stored(p.a, p.b, p.score, p.rule) for p in _rows(first.pairs).values() if p.matched]
    before = Before({x: _light(v) for x, v in listings.items()}, first.cluster_of, matched)
    found = rematch(before, {x: _light(v) for x, v in grown.items()}, [],
                    lambda ids: [grown[x] for x in ids], limit=1.0)  # fmt: skip
    assert found is not None
    ids = {x: found.cluster_of.get(x) or first.cluster_of[x] for x in grown}
    assert ids == dict(whole.cluster_of)
    kept = {k: p for k, p in _rows(first.pairs).items() if not {p.a, p.b} & found.dirty}
    assert kept | _rows(found.pairs) == _rows(whole.pairs)
    return found
