"""Profession labels from phrases, categories and source defaults, each with its reason.

The vocabulary and its phrases live in classify_data/professions.toml (loaded once);
this module only applies them. Evidence in the title, the source's categories or the
organiser's name gives a label on its own; in the description a strong phrase gives it,
or two different weak phrases do, because descriptions mention things in passing.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scrapers.vocab import PROFESSIONS
from warehouse.phrases import Hit, Matches, PhraseBook, PhraseSet, Span, hits_of

DATA_FILE = Path(__file__).with_name("classify_data") / "professions.toml"


@dataclass(frozen=True)
class Profession:
    slug: str
    name: str
    aligned_with: str
    description: str
    phrases: PhraseSet


@dataclass(frozen=True)
class Found:
    """One profession label and why."""

    slug: str
    method: str  # keyword | category | source-default
    reason: str


def load_professions(path: Path = DATA_FILE) -> dict[str, Profession]:
    """The vocabulary, in the order of scrapers.vocab.PROFESSIONS; ValueError if they differ."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    if set(table) != set(PROFESSIONS):
        missing, extra = set(PROFESSIONS) - set(table), set(table) - set(PROFESSIONS)
        raise ValueError(f"{path.name}: missing {sorted(missing)}, unknown {sorted(extra)}")
    book = PhraseBook({slug: table[slug] for slug in PROFESSIONS}, path.name)
    return {
        slug: Profession(
            slug=slug,
            name=str(table[slug]["name"]),
            aligned_with=str(table[slug].get("aligned_with", "")),
            description=str(table[slug]["description"]),
            phrases=book[slug],
        )
        for slug in PROFESSIONS
    }


VOCABULARY = load_professions()
FINGERPRINT = hashlib.sha256(DATA_FILE.read_bytes()).hexdigest()[:16]
# One book holds every label's phrases: each text is searched once for all of them.
_BOOK = next(iter(VOCABULARY.values())).phrases.book
_FIELDS = ("title", "organiser", "description")


def descriptions() -> dict[str, str]:
    """slug -> what events of that profession are about (for the semantic classifier)."""
    return {slug: f"{p.name}: {p.description}" for slug, p in VOCABULARY.items()}


def from_text(fields: Mapping[str, str | None]) -> list[Found]:
    """Labels from the text fields: "title", "organiser" and "description"."""
    texts = {field: fields.get(field) or "" for field in _FIELDS}
    scans = {field: _BOOK.scan(text) for field, text in texts.items()}
    present = {slug for scan in scans.values() for slug in scan}
    taken: dict[str, list[tuple[int, int]]] = {}
    found = []
    for slug in VOCABULARY:
        if slug not in present:  # no phrase of it anywhere: no reason to give
            continue
        reason = _strong_reason(texts, scans, slug)
        if reason is None and sum(len(spans) for spans in _matches(scans, slug)) > 1:
            # Weak phrases only, and two different ones are needed: see which count.
            taken = taken or {field: _strong_spans(scan) for field, scan in scans.items()}
            hits = {
                field: _outside(_hits(texts[field], scans[field], slug, field), taken[field])
                for field in _FIELDS
            }
            reason = _weak_reason(hits)
        if reason is not None:
            found.append(Found(slug, "keyword", reason))
    return found


def _strong_reason(
    texts: Mapping[str, str], scans: Mapping[str, Mapping[str, Matches]], slug: str
) -> str | None:
    """A strong phrase anywhere gives the label: the first in the first field that has one.
    A headline phrase is strong except in the description."""
    for field in _FIELDS:
        matches = scans[field].get(slug)
        if matches is None:
            continue
        kinds = (matches.strong, matches.headline) if field != "description" else (matches.strong,)
        firsts = [spans[0] for spans in kinds if spans]
        if firsts:
            start, end = min(firsts, key=lambda span: span[0])  # a tie goes to `strong`
            return f'"{texts[field][start:end]}" in the {field}'
    return None


def _matches(scans: Mapping[str, Mapping[str, Matches]], slug: str) -> list[tuple[Span, ...]]:
    return [spans for scan in scans.values() for spans in scan.get(slug, ())]


def _hits(text: str, scan: Mapping[str, Matches], slug: str, field: str) -> list[Hit]:
    matches = scan.get(slug)
    return [] if matches is None else hits_of(text, matches, headline=field != "description")


def _strong_spans(scan: Mapping[str, Matches]) -> list[tuple[int, int]]:
    return [span for matches in scan.values() for span in (*matches.strong, *matches.headline)]


def _outside(hits: list[Hit], spans: list[tuple[int, int]]) -> list[Hit]:
    """Drop weak hits inside any label's strong phrase: "design" in "content design"
    is evidence for content design, not for service design."""
    return [h for h in hits if not h.weak or not any(a <= h.start and h.end <= b for a, b in spans)]


def _weak_reason(found: Mapping[str, list[Hit]]) -> str | None:
    """Weak phrases give the label only when there are two different ones."""
    weak = _distinct((h.phrase, field) for field, hits in found.items() for h in hits)
    if len(weak) >= 2:
        (first, where_first), (second, where_second) = weak[:2]
        if where_first == where_second:
            return f'"{first}" and "{second}" in the {where_first}'
        return f'"{first}" in the {where_first} and "{second}" in the {where_second}'
    return None


def _distinct(hits: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, tuple[str, str]] = {}
    for phrase, field in hits:
        seen.setdefault(phrase.lower(), (phrase, field))
    return list(seen.values())


def from_categories(categories: Sequence[str]) -> list[Found]:
    """Labels from the source's own categories and tags ("User Research", "ux", "NHS")."""
    found = []
    for slug, profession in VOCABULARY.items():
        for category in categories:
            named = category.strip().lower() in (slug, profession.name.lower())
            hits = [h for h in profession.phrases.hits(category) if not h.weak]
            if named or hits:
                shown = category if named else hits[0].phrase
                found.append(Found(slug, "category", f'category "{shown}"'))
                break
    return found


def from_defaults(defaults: Sequence[str], source: str | None) -> list[Found]:
    where = f"source {source}" if source else "the source"
    return [
        Found(slug, "source-default", f"default profession of {where}")
        for slug in defaults
        if slug in PROFESSIONS
    ]
