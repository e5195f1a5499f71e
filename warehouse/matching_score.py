"""Pair scoring for the matcher: exact rules (uid, url), then the fuzzy score and hard rules.

Each listing is reduced once to `Features` (normalised title sets, London date, postcode...)
so that scoring a pair is a handful of set intersections and comparisons.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple
from zoneinfo import ZoneInfo

from warehouse.matching_text import (
    canonical_url,
    is_specific_url,
    normalise_name,
    normalise_postcode,
    normalise_title,
    title_similarity,
    trigrams,
)
from warehouse.matching_types import THRESHOLD, WINDOW_SECONDS, Listing, PairScore

LONDON = ZoneInfo("Europe/London")

# Weights of the fuzzy score. The title carries most, but never enough alone: an identical
# title needs the time and some place/organiser agreement to reach THRESHOLD.
WEIGHTS = (("title", 0.45), ("time", 0.25), ("place", 0.2), ("organiser", 0.1))
# Titles below this are different events whatever else agrees.
MIN_TITLE = 0.6
# uid rule: ids this short (e.g. "1234" from a CMS) can collide across sources by chance.
MIN_UID = 6


class Features(NamedTuple):  # a tuple: 100k of them are built per run, and fast to build
    listing: Listing
    ts: float  # start as a UTC timestamp
    day: date  # London date of the start, or the listed date of an all-day event
    tokens: frozenset[str]
    grams: frozenset[str]
    compact: str  # normalised title without spaces
    compact_len: int
    url: str | None  # canonical URL when it can identify one event, else None
    postcode: str
    venue: str
    organiser: str


_TitleParts = tuple[frozenset[str], frozenset[str], str]


def title_words(title: str, organiser: str | None) -> tuple[frozenset[str], str]:
    """A title's words and its normalised text without spaces (blocking needs no more)."""
    text = normalise_title(title, organiser)
    return frozenset(text.split()), text.replace(" ", "")


def _title_parts(title: str, organiser: str | None) -> _TitleParts:
    tokens, compact = title_words(title, organiser)
    return tokens, trigrams(compact), compact


def title_parts_of(key: tuple[str, str | None]) -> _TitleParts:
    return _title_parts(*key)


def features(
    listing: Listing, cache: dict[tuple[str, str | None], _TitleParts] | None = None
) -> Features:
    """A listing reduced for scoring. `cache` shares title work between listings with the
    same title and organiser (a series repeats its title every occurrence)."""
    key = (listing.title, listing.organiser)
    parts = cache.get(key) if cache is not None else None
    if parts is None:
        parts = _title_parts(listing.title, listing.organiser)
        if cache is not None:
            cache[key] = parts
    tokens, grams, compact = parts
    url = canonical_url(listing.url) if listing.url else None
    # An all-day event's date is the wall date it was listed with (its midnight may have been
    # stored in any zone); a timed one is placed on the London calendar.
    day = listing.start.date() if listing.all_day else listing.start.astimezone(LONDON).date()
    return Features(
        listing=listing,
        ts=listing.start.timestamp(),
        day=day,
        tokens=tokens,
        grams=grams,
        compact=compact,
        compact_len=len(compact),
        url=url if is_specific_url(url) else None,
        postcode=normalise_postcode(listing.postcode),
        venue=normalise_name(listing.location_name),
        organiser=normalise_name(listing.organiser),
    )


def time_score(fa: Features, fb: Features) -> float:
    """1 same instant (or both all-day that date), 0.8 within an hour, 0.5 same day, else 0."""
    all_a = fa.listing.all_day
    all_b = fb.listing.all_day
    if all_a or all_b:
        if fa.day != fb.day:
            return 0.0
        return 1.0 if all_a and all_b else 0.5
    gap = abs(fa.ts - fb.ts)
    if gap < 60:
        return 1.0
    if gap <= 3600:
        return 0.8
    return 0.5 if fa.day == fb.day else 0.0


def _names_agree(a: str, b: str) -> bool:
    if a == b:
        return True
    # "Ministry of Justice" vs "Ministry of Justice, 102 Petty France": one inside the other
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 5 and (long_.startswith(short + " ") or long_.endswith(" " + short))


def place_score(fa: Features, fb: Features) -> float:
    """1 same postcode, 0 different postcodes, 0.9 same venue, 0.8 both online, 0.5 unknown."""
    if fa.postcode and fb.postcode:
        return 1.0 if fa.postcode == fb.postcode else 0.0
    if fa.venue and fb.venue:
        return 0.9 if _names_agree(fa.venue, fb.venue) else 0.2
    online_a = fa.listing.online
    online_b = fb.listing.online
    if online_a is True and online_b is True:
        return 0.8
    if online_a is not None and online_b is not None:
        return 0.2  # one online, one in person
    return 0.5


def organiser_score(fa: Features, fb: Features) -> float:
    """1 same organiser, 0.5 when either is unknown, 0.3 different (sources name them
    differently often enough that this is weak evidence)."""
    if not fa.organiser or not fb.organiser:
        return 0.5
    return 1.0 if _names_agree(fa.organiser, fb.organiser) else 0.3


def exact_rule(fa: Features, fb: Features) -> str | None:
    """ "uid" or "url" when the two listings are the same event by identity, else None."""
    la = fa.listing
    lb = fb.listing
    if la.source == lb.source:
        return None  # a source's own listings differ by uid: never one event
    if abs(fa.ts - fb.ts) > WINDOW_SECONDS:
        return None  # a series page shared by every occurrence is not one event
    if la.source_uid == lb.source_uid and len(la.source_uid) >= MIN_UID:
        return "uid"
    if fa.url is None or fa.url != fb.url:
        return None
    # One page can describe several sessions: a shared URL does not outweigh start
    # times hours apart on the same day (an all-day copy gives no time to compare).
    close = time_score(fa, fb) >= 0.8 or ((la.all_day or lb.all_day) and time_score(fa, fb) > 0)
    return "url" if close else None


def fuzzy_components(
    fa: Features, fb: Features, title: float | None = None
) -> tuple[float, tuple[tuple[str, float], ...], str | None]:
    """(weighted score, components, veto reason or None) of the fuzzy rule."""
    if title is None:
        title = title_similarity(
            fa.tokens, fa.grams, fa.compact_len, fb.tokens, fb.grams, fb.compact_len
        )
    time = time_score(fa, fb)
    place = place_score(fa, fb)
    organiser = organiser_score(fa, fb)
    values = (title, time, place, organiser)
    score = sum(w * v for (_, w), v in zip(WEIGHTS, values, strict=True))
    components = tuple((name, round(v, 4)) for (name, _), v in zip(WEIGHTS, values, strict=True))
    veto: str | None = None
    if fa.listing.source == fb.listing.source:
        veto = "same-source"
    elif abs(fa.ts - fb.ts) > WINDOW_SECONDS:
        veto = "time-apart"
    elif fa.postcode and fb.postcode and fa.postcode != fb.postcode:
        veto = "postcode"
    elif title < MIN_TITLE:
        veto = "title"
    elif time == 0.0:
        veto = "different-day"
    elif time == 0.5 and place >= 0.9 and not (fa.listing.all_day or fb.listing.all_day):
        # Two start times hours apart on one day at one venue are two sessions, even
        # under one title (a morning and an afternoon run of the same workshop).
        veto = "same-venue-sessions"
    return round(score, 4), components, veto


def pair_score(
    fa: Features,
    fb: Features,
    threshold: float = THRESHOLD,
    exact_only: bool = False,
    title: float | None = None,
) -> PairScore:
    a_id = fa.listing.id
    b_id = fb.listing.id
    if b_id < a_id:
        fa, fb = fb, fa
        a_id, b_id = b_id, a_id
    rule = exact_rule(fa, fb)
    score, components, veto = fuzzy_components(fa, fb, title)
    if rule is not None:
        return PairScore(a_id, b_id, 1.0, ((rule, 1.0), *components), rule, True)
    if veto is not None:
        components = (*components, (f"veto:{veto}", 0.0))
    matched = not exact_only and veto is None and score >= threshold
    return PairScore(a_id, b_id, score, components, "fuzzy", matched)


def score_pair(a: Listing, b: Listing) -> PairScore:
    """Score two listings on their own (match() adds rules that need all listings)."""
    return pair_score(features(a), features(b))
