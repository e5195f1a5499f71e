"""Place names in text, or coordinates, to an ITL1 region, using regions_data/places.csv.

The gazetteer is built from GeoNames (CC BY 4.0) by regions_data/build_places.py; see
regions_data/README.md for where it came from and its limits. Loaded once, at import.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from scrapers.vocab import REGIONS
from warehouse.postcodes import region_for_postcode

DATA = Path(__file__).with_name("regions_data") / "places.csv"
KINDS = ("city", "town", "village", "county", "area")
MAX_KM = 40.0
BOUNDS = (49.8, 61.0, -8.7, 2.0)  # south, north, west, east: the UK and its islands

Key = tuple[str, ...]
Fields = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Place:
    """One gazetteer row: a city, town, village, county or area and its ITL1 region."""

    name: str
    region: str
    lat: float
    lon: float
    population: int | None
    county: str
    kind: str


class _Token(NamedTuple):  # a NamedTuple: built for every word, and much cheaper to make
    start: int
    end: int
    raw: str
    norm: str
    base: str  # norm less a possessive "'s", so that "Leeds's" is still Leeds


@dataclass(frozen=True)
class _Match:
    first: int
    last: int  # token index just after the match
    text: str  # as written
    key: Key
    places: tuple[Place, ...]  # candidates, most likely first


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Small words inside names compare without case: "Newcastle Upon Tyne", "STOKE-ON-TRENT".
_CONNECTORS = _words("upon on under le la in by the of and super de next sea")
# Followed by one of these, a place name is part of an address or a building's name
# ("London Road, Sheffield"; "Cumberland Lodge, Windsor"), not where the event is.
_STREETS = _words(
    "Road Rd Street Lane Avenue Ave Way Drive Close Crescent Terrace Place Square Row Walk"
    " Parade Mews House Lodge Hotel Inn Arms Yard College"
)
# Right after one of these (or "X of"), a place name is a person's title: "Duke of York".
_TITLES = _words(
    "Mr Mrs Ms Miss Dr Sir Dame Lord Lady Prince Princess Duke Duchess Earl Countess Marquess"
    " Baron Baroness Viscount Bishop Archbishop King Queen Professor Prof Cllr Councillor"
)
_NEAR_WORDS = _words("in at near")
# "Perth, Australia": a comma and one of these after a name means the place abroad.
_ABROAD = _words(
    "Australia Canada Ontario USA US America Massachusetts MA Virginia Texas Jamaica Tasmania"
    " Zealand NZ"
)
_MONTHS = frozenset({("March",)})  # "in March" is a date, so "in" is no evidence for it
# Phrases that contain a UK place name but mean somewhere else; skipped whole.
_BLOCKED = tuple(
    tuple(p.split("_"))
    for p in _words(
        "New_York New_England New_Hampshire New_Jersey New_South_Wales New_Brunswick Nova_Scotia"
        " South_East_Asia Washington_DC Isle_of_Man Boston_Consulting_Group Windsor_Framework"
        " Cambridge_Analytica Bristol_Myers"
    )
)
_BROAD = frozenset(REGIONS.values())  # "Wales", "North East": used only if nothing narrower
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b")
_APOSTROPHES = "'\u2019"
_TOKEN = re.compile(rf"[^\W_]+(?:[{_APOSTROPHES}][^\W_]+)*|&")
_JOIN = re.compile("\\.?[ \t\\-\u2010\u2013]*")  # what may stand between the words of a name


def _norm(word: str) -> str:
    if word.isascii():
        plain = word.replace("'", "")
    else:
        folded = unicodedata.normalize("NFKD", word)
        plain = "".join(c for c in folded if not unicodedata.combining(c) and c not in _APOSTROPHES)
    return {"Saint": "St", "&": "and"}.get(plain, plain)


def _key(words: Sequence[str]) -> Key:
    return (words[0], *(w.lower() if w.lower() in _CONNECTORS else w for w in words[1:]))


def _tokens(text: str, location: bool) -> list[_Token]:
    tokens = []
    for found in _TOKEN.finditer(text):
        raw = found.group()
        if location and len(raw) > 2 and raw.isupper():
            raw = raw[0] + raw[1:].lower()  # addresses are often written in capitals
        norm = _norm(raw)
        base = norm[:-1] if raw[-2:-1] in _APOSTROPHES and raw[-1] == "s" else norm
        tokens.append(_Token(found.start(), found.end(), raw, norm, base))
    return tokens


def _rank(places: list[Place]) -> tuple[Place, ...]:
    """Candidates for one name, most likely first; villages only if nothing bigger shares it."""
    unique = list(dict.fromkeys(places))
    bigger = [p for p in unique if p.kind != "village"]
    return tuple(sorted(bigger or unique, key=lambda p: -(p.population or 0)))


def _load() -> tuple[tuple[Place, ...], dict[Key, tuple[Place, ...]], frozenset[Key]]:
    places, index, common = [], dict[Key, list[Place]](), set()
    with DATA.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            if None in row or None in row.values() or row["region"] not in REGIONS:
                raise ValueError(f"places.csv line {number}: bad columns or region")
            if row["kind"] not in KINDS:
                raise ValueError(f"places.csv line {number}: bad kind {row['kind']!r}")
            lat, lon = float(row["lat"]), float(row["lon"])
            pop = int(row["population"]) if row["population"] else None
            place = Place(row["name"], row["region"], lat, lon, pop, row["county"], row["kind"])
            places.append(place)
            for n, name in enumerate([row["name"], *filter(None, row["aliases"].split(";"))]):
                key = _key([t.norm for t in _tokens(name, location=False)])
                index.setdefault(key, []).append(place)
                if n == 0 and row["common_word"] == "true":
                    common.add(key)
    return tuple(places), {k: _rank(v) for k, v in index.items()}, frozenset(common)


PLACES, _INDEX, _COMMON = _load()
_LONGEST = max(len(key) for key in _INDEX)
_FIRST_WORDS = frozenset(key[0] for key in _INDEX) | {p[0] for p in _BLOCKED}


# ---- finding place names in text ---------------------------------------------------------


def _longest(text: str, tokens: list[_Token], first: int) -> _Match | None:
    """The longest gazetteer name starting at token `first`, if it starts capitalised."""
    token = tokens[first] if first < len(tokens) else None
    if token is None or not token.raw[0].isupper():
        return None
    if token.norm not in _FIRST_WORDS and token.base not in _FIRST_WORDS:
        return None
    last = first + 1
    while last < min(len(tokens), first + _LONGEST):
        if not _JOIN.fullmatch(text[tokens[last - 1].end : tokens[last].start]):
            break
        last += 1
    for end in range(last, first, -1):
        words = [t.norm for t in tokens[first:end]]
        for key in (_key(words), _key([*words[:-1], tokens[end - 1].base])):
            if key in _INDEX:
                said = text[tokens[first].start : tokens[end - 1].end]
                return _Match(first, end, said, key, _INDEX[key])
    return None


def _blocked(tokens: list[_Token], first: int) -> int:
    """How many tokens a blocked phrase at `first` covers (0 if none)."""
    if tokens[first].norm not in _FIRST_WORDS:
        return 0
    words = tuple(t.norm for t in tokens[first : first + 4])
    return max((len(p) for p in _BLOCKED if words[: len(p)] == p), default=0)


def _qualified(text: str, tokens: list[_Token], match: _Match) -> bool:
    """Whether a comma and then a county, area or postcode follow the match."""
    rest = text[tokens[match.last - 1].end :].lstrip()
    if not rest.startswith(","):
        return False
    after = _longest(text, tokens, match.last)
    return bool(_POSTCODE.match(rest[1:].lstrip())) or (
        after is not None and after.places[0].kind in ("county", "area")
    )


def _accepted(text: str, tokens: list[_Token], match: _Match, location: bool) -> bool:
    after = tokens[match.last] if match.last < len(tokens) else None
    before = [t.norm for t in tokens[max(0, match.first - 2) : match.first]]
    if after is not None and after.norm in _STREETS:
        return False
    if (
        after is not None
        and after.norm in _ABROAD
        and "," in text[tokens[match.last - 1].end : after.start]
    ):
        return False
    if before and (before[-1] in _TITLES or (before[0] in _TITLES and before[-1] == "of")):
        return False
    key = match.key
    if key not in _COMMON:
        return True
    if after is not None and after.raw[0].isdigit():
        return False  # "March 2025", "Sale 20% off"
    previous = tokens[match.first - 1] if match.first else None
    if previous is not None and previous.raw[0].isdigit():
        return False  # "13 March"
    if (
        previous is not None
        and previous.raw[0].isupper()
        and previous.norm.lower() not in _NEAR_WORDS
        and _JOIN.fullmatch(text[previous.end : tokens[match.first].start])
    ):
        return False  # the end of a longer name: "Market Street", "Old Bath Road"
    if location or _qualified(text, tokens, match):
        return True
    return bool(before) and before[-1].lower() in _NEAR_WORDS and key not in _MONTHS


def _scan(text: str, location: bool) -> list[_Match]:
    """Place names in `text`, in order, the longest where names overlap."""
    return list(_scan_once(text, location))


# Venue names, addresses and a series' titles come back event after event; one listing's
# fields are also read at several steps (venue, tour, text).
@lru_cache(maxsize=4096)
def _scan_once(text: str, location: bool) -> tuple[_Match, ...]:
    tokens, found, i = _tokens(text, location), [], 0
    while i < len(tokens):
        skip = _blocked(tokens, i)
        match = None if skip else _longest(text, tokens, i)
        if match is not None and _accepted(text, tokens, match, location):
            found.append(match)
            i = match.last
        else:
            i += skip or 1
    return tuple(found)


# ---- choosing a region -------------------------------------------------------------------


def _regions(match: _Match) -> list[str]:
    return list(dict.fromkeys(p.region for p in match.places))


def _label(match: _Match) -> str:
    top = match.places[0]
    word = top.kind if top.kind in ("county", "area") else "place"
    if len(_regions(match)) > 1:
        return f'{word} "{match.text}"'
    detail = [top.name] if _norm(match.text) != _norm(top.name) else []
    detail += [top.county] if word == "place" and top.county not in ("", *detail, top.name) else []
    return f'{word} "{match.text}"' + (f" ({', '.join(detail)})" if detail else "")


def _qualifier(text: str, matches: list[_Match], match: _Match) -> tuple[str, str] | None:
    """(region, what said it) from a postcode or an unambiguous name beside `match`."""
    regions = _regions(match)
    for found in _POSTCODE.finditer(text):
        by_postcode = region_for_postcode(found.group())
        if by_postcode is not None and by_postcode[0] in regions:
            return by_postcode[0], f"postcode {found.group()}"
    others = [m for m in matches if m is not match and len(_regions(m)) == 1]
    others.sort(key=lambda m: m.places[0].kind not in ("county", "area"))
    return next(
        ((m.places[0].region, f'"{m.text}"') for m in others if _regions(m)[0] in regions), None
    )


def _settle(
    kind: str, text: str, matches: list[_Match], others: Fields, match: _Match
) -> tuple[str, str, str] | None:
    """(region, what said it, where) from the match's own field, else from the others."""
    found = _qualifier(text, matches, match)
    if found is not None:
        return *found, "the address" if kind == "location" else "the text"
    for other_kind, other in others:
        found = _qualifier(other, _scan(other, other_kind == "location"), match)
        if found is not None:
            return *found, "another field"
    return None


def _subject(kind: str, narrow: list[_Match]) -> _Match | None:
    """The place a field is about. Addresses run from small to large ("1 Bradford Court,
    Belfast"), so there it is the last town named (a county after it only qualifies it);
    in running text, the first place mentioned."""
    if not narrow or kind != "location":
        return narrow[0] if narrow else None
    towns = [m for m in narrow if m.places[0].kind not in ("county", "area")]
    return (towns or narrow)[-1]


def _resolve(
    kind: str, text: str, matches: list[_Match], others: Fields, hints: Sequence[str]
) -> tuple[str, str]:
    narrow = [m for m in matches if m.places[0].kind != "area" or m.places[0].name not in _BROAD]
    match = _subject(kind, narrow) or matches[0]
    regions = _regions(match)
    if len(regions) == 1:
        return regions[0], f"{_label(match)} is in {REGIONS[regions[0]]}"
    names = [REGIONS[r] for r in regions]
    could = f"{_label(match)} could be {', '.join(names[:-1])} or {names[-1]}"
    settled = _settle(kind, text, matches, others, match)
    if settled is not None:
        return settled[0], f"{could}; {settled[1]} in {settled[2]} says {REGIONS[settled[0]]}"
    hint = next((h for h in hints if h in regions), None)
    if hint is not None:
        return hint, f"{could}; the source's usual region is {REGIONS[hint]}"
    top = match.places[0]
    where = top.name if top.county in ("", top.name) else f"{top.name}, {top.county}"
    size = f", population {top.population:,}" if top.population else ""
    return top.region, f"{could}; took the most populous ({where}{size})"


def regions_named(text: str) -> list[tuple[str, str]]:
    """(region, name as written) of every place in running text whose name belongs to
    one region only, in order: a listing that names places in many regions is a tour."""
    return [(_regions(m)[0], m.text) for m in _scan(text, False) if len(_regions(m)) == 1]


def region_from_text(fields: Fields, hints: Sequence[str] = ()) -> tuple[str, str] | None:
    """(region slug, reason) from place names in (kind, text) fields, or None.

    Kinds are "location" (venue name or address, the strongest evidence), "text"
    (title, description) and "context" (read only to settle a shared name, as in a
    description that mentions the Isle of Wight beside a venue in "Newport"). Location
    fields are read before text fields, each kind in the given order; the first field
    that names a place decides (in an address, its last town; in text, the first place).
    `hints` (the source's usual regions) settle a name shared by places in several regions
    when nothing in the listing does; failing that, the most populous place wins.
    """
    for wanted in ("location", "text"):
        for index, (kind, text) in enumerate(fields):
            matches = _scan(text, kind == "location") if kind == wanted else []
            if matches:
                others = [f for i, f in enumerate(fields) if i != index]
                return _resolve(kind, text, matches, others, hints)
    return None
