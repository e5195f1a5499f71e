"""Whole-word phrase matching with negative phrases, for the classifiers' data files.

A phrase matches only as whole words ("ai" never matches inside "said"), either
case-insensitively (`phrases`, `headline`, `weak`) or exactly as written (`cased`,
`headline_cased`, for acronyms such as "AI" or "UR" whose lower-case letters are ordinary
text). A space in a phrase matches any run of whitespace. Negative phrases (`not`) are
masked before matching, so "privacy policy" never counts as "policy".

The answers are those of `(?<!\\w)(?:A|B|...)(?!\\w)`, phrases longest first, run with
`finditer` on the text with the label's negative phrases masked out; but each text is
searched once, for every label of a data file, by an Aho-Corasick automaton
(pyahocorasick), and the regular expression's rules are replayed on what it finds.
"""

from __future__ import annotations

import itertools
import re
import string
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import ahocorasick

# Kinds; negative phrases count as the last, but are taken out before the others.
STRONG, HEADLINE, WEAK, NOT = range(4)
# Each data-file list: which kind of phrase, and whether it matches case-insensitively.
LISTS = {
    "phrases": (STRONG, True),
    "cased": (STRONG, False),
    "headline": (HEADLINE, True),
    "headline_cased": (HEADLINE, False),
    "weak": (WEAK, True),
    "not": (NOT, True),
}
# The only characters that re's IGNORECASE matches to ASCII letters (as its docs say).
_LATIN_CASES = string.ascii_letters + "\u0130\u0131\u017f\u212a"
_GAPS = re.compile(r"\s\s+")  # \s, as the regular expressions used: Unicode whitespace
_END = 1 << 62  # sorts after any offset

Span = tuple[int, int]
Entry = tuple[int, int, int]  # label number, kind, rank of the phrase in its list
Candidate = tuple[int, int, int, int, int]  # label number, kind, start, rank, end


@dataclass(frozen=True)
class Hit:
    phrase: str  # as found in the text
    weak: bool
    start: int
    end: int


class Matches(NamedTuple):
    """One label's matches in one text, as (start, end) in the text as given."""

    strong: tuple[Span, ...]
    headline: tuple[Span, ...]
    weak: tuple[Span, ...]


@dataclass(frozen=True)
class PhraseSet:
    """The phrases of one label: strong, headline (strong in a title, weak in running
    text), weak, and negative."""

    book: PhraseBook
    label: str

    def hits(self, text: str, headline: bool = True) -> list[Hit]:
        """Every phrase in text outside the negative phrases, in order; `headline` says
        whether the text is a title (or organiser, or category) or running text."""
        found = self.book.scan(text).get(self.label)
        return [] if found is None else hits_of(text, found, headline)

    def strong_spans(self, text: str) -> list[Span]:
        found = self.book.scan(text).get(self.label)
        return [] if found is None else [*found.strong, *found.headline]

    def first(self, text: str) -> str | None:
        found = self.book.scan(text).get(self.label)
        if found is None:
            return None
        # Each kind's spans are in order; a tie goes to the kind first in hits().
        starts = [spans[0] for spans in found if spans]
        start, end = min(starts, key=lambda span: span[0])
        return text[start:end]


def hits_of(text: str, found: Matches, headline: bool = True) -> list[Hit]:
    kinds = ((found.strong, False), (found.headline, not headline), (found.weak, True))
    hits = [Hit(text[a:b], weak, a, b) for spans, weak in kinds for a, b in spans]
    return sorted(hits, key=lambda hit: hit.start)


class PhraseBook:
    """Every label of one data file, found in a text in one pass. The last few texts'
    answers are kept, because each field is asked about once per label."""

    def __init__(self, table: Mapping[str, Mapping[str, Any]], file_name: str = "") -> None:
        self.labels = list(table)
        loose: dict[str, list[Entry]] = {}
        cased: dict[str, list[Entry]] = {}
        for number, label in enumerate(self.labels):
            ranks = _ranks(table[label], f"{file_name}[{label}]" if file_name else label)
            for (kind, ignore_case), phrases in ranks.items():
                keys = loose if ignore_case else cased
                for rank, phrase in phrases:
                    keys.setdefault(phrase, []).append((number, kind, rank))
        self.fold = _folding("".join([*loose, *cased]))
        self.automaton = _automaton(loose, cased, self.fold)
        self.scan = lru_cache(maxsize=32)(self._scan)

    def __getitem__(self, label: str) -> PhraseSet:
        return PhraseSet(self, label)

    def _scan(self, text: str) -> Mapping[str, Matches]:
        if self.automaton is None:
            return {}
        plain = " ".join(text.split())  # whitespace runs as one space; str.split's is \s's
        size = len(plain)
        found: list[Candidate] = []
        edgy: list[tuple[int, int, tuple[Entry, ...]]] = []  # may stand by a masked phrase
        negatives = False
        # One pass finds the cased phrases too (folded alike); they must then be exact.
        for last, (length, entries, cased) in self.automaton.iter(self.fold(plain)):
            start, end = last + 1 - length, last + 1
            if cased:
                exact = plain[start:end]
                entries += tuple(e for phrase, more in cased if phrase == exact for e in more)
            # A word character (\w: alphanumeric or "_") on either side: no edge there.
            before = plain[start - 1] if start else " "
            after = plain[end] if end < size else " "
            if before.isalnum() or before == "_" or after.isalnum() or after == "_":
                edgy.append((start, end, entries))
                continue
            for number, kind, rank in entries:
                found.append((number, kind, start, rank, end))
                negatives = negatives or kind == NOT
        if not found:
            return {}
        breaks = _breaks(text, plain)
        if negatives:
            found = _unmask(found, edgy, plain)
        found.sort()  # each list's matches together, each start's earliest phrase first
        kinds: dict[int, tuple[list[Span], ...]] = {}
        reached = last_number = last_kind = -1
        for number, kind, start, _, end in found:
            if kind != last_kind or number != last_number:  # the next regex's matches
                reached, last_number, last_kind = 0, number, kind
            if start >= reached:  # finditer: leftmost, then the earliest phrase, no overlap
                spans = kinds.get(number) or kinds.setdefault(number, ([], [], []))
                spans[kind].append(_original(start, end, breaks))
                reached = end
        return {self.labels[n]: Matches(*map(tuple, spans)) for n, spans in kinds.items()}


def _unmask(
    found: list[Candidate], edgy: list[tuple[int, int, tuple[Entry, ...]]], plain: str
) -> list[Candidate]:
    """Apply each label's negative phrases: its phrases inside them are gone, and next to
    them a phrase has a word edge (the regular expression saw "\\0" there)."""
    masks: dict[int, list[Span]] = {}
    for number, _, start, _, end in sorted(c for c in found if c[1] == NOT):
        spans = masks.setdefault(number, [])
        if not spans or start >= spans[-1][1]:  # as finditer (and so sub) would find them
            spans.append((start, end))

    def edge(number: int, i: int) -> bool:
        if 0 <= i < len(plain) and (plain[i].isalnum() or plain[i] == "_"):
            return any(a <= i < b for a, b in masks[number])
        return True

    found += [
        (n, k, start, r, end)
        for start, end, entries in edgy
        for n, k, r in entries
        if n in masks and edge(n, start - 1) and edge(n, end)
    ]
    return [
        (n, k, start, r, end)
        for n, k, start, r, end in found
        if k != NOT and not any(a < end and start < b for a, b in masks.get(n, ()))
    ]


def _ranks(entry: Mapping[str, Any], where: str) -> dict[tuple[int, bool], list[tuple[int, str]]]:
    """Each phrase with its place in its kind's alternation: case-insensitive phrases
    longest first, then cased ones longest first."""
    ranks: dict[tuple[int, bool], list[tuple[int, str]]] = {}
    offsets = {kind: 0 for kind in range(4)}
    for key, (kind, ignore_case) in LISTS.items():
        value = entry.get(key, [])
        _check_strings(value, f"{where}.{key}")
        ordered = sorted({p for p in value if p.strip()}, key=lambda p: (-len(p), p))
        for phrase in ordered:  # one space stands for any whitespace; other forms are unclear
            if phrase.split() != phrase.split(" "):
                raise ValueError(f"{where}.{key}: {phrase!r} must be words and single spaces")
        ranks[kind, ignore_case] = [(offsets[kind] + i, p) for i, p in enumerate(ordered)]
        offsets[kind] += len(ordered)
    return ranks


def _automaton(
    loose: Mapping[str, list[Entry]], cased: Mapping[str, list[Entry]], fold: Folding
) -> Any:
    """Keyed by the folded phrase: (its length, the entries of the case-insensitive phrases,
    and each cased phrase with its entries)."""
    keys: dict[str, tuple[list[Entry], list[tuple[str, tuple[Entry, ...]]]]] = {}
    for phrase, entries in loose.items():
        keys.setdefault(fold(phrase), ([], []))[0].extend(entries)
    for phrase, entries in cased.items():
        keys.setdefault(fold(phrase), ([], []))[1].append((phrase, tuple(entries)))
    if not keys:
        return None
    automaton = ahocorasick.Automaton()
    for key, (entries, exact) in keys.items():
        automaton.add_word(key, (len(key), tuple(entries), tuple(exact)))
    automaton.make_automaton()
    return automaton


@dataclass(frozen=True)
class Folding:
    """Text as the case-insensitive phrases are kept: equal after folding where IGNORECASE
    matched, and the same length, so offsets carry over."""

    table: dict[int, str]
    simple: bool  # only ASCII letters fold: str.lower agrees, but for four characters

    def __call__(self, text: str) -> str:
        if text.isascii():
            return text.lower()
        lowered = text.lower()
        if not self.simple or len(lowered) != len(text):  # "İ".lower() is two characters
            return text.translate(self.table)
        odd = "\u0131" in lowered or "\u017f" in lowered  # dotless i, long s: lower already
        return lowered.translate(self.table) if odd else lowered


def _folding(alphabet: str) -> Folding:
    """Each character that IGNORECASE matches to a character of the phrases, mapped to one
    character per set of such matches."""
    pool, simple = _LATIN_CASES, True
    if any(not c.isascii() and c.lower() + c.upper() != c + c for c in alphabet):
        # A letter beyond ASCII: ask the regex engine about every character.
        pool = "".join(map(chr, itertools.chain(range(0xD800), range(0xE000, 0x110000))))
        simple = False
    table: dict[int, str] = {}
    for char in sorted(set(alphabet)):
        matches = [m.group() for m in re.finditer(f"(?i:{re.escape(char)})", pool)]
        # One character, and for ASCII letters their lower case, as str.lower gives.
        one = min((m for m in matches if m.lower() == m), default=min(matches, default=""))
        table.update((ord(m), one) for m in matches)
    return Folding(table, simple)


def _breaks(text: str, plain: str) -> list[tuple[int, int]]:
    """Where collapsing whitespace moved the text: (offset in the collapsed text,
    characters dropped before it), as _original reads them."""
    stripped = text.lstrip()
    dropped = len(text) - len(stripped)
    breaks = [(0, dropped)] if dropped else []
    if len(plain) == len(stripped.rstrip()):  # no run of two or more inside
        return breaks
    for run in _GAPS.finditer(text, dropped):
        start, end = run.span()
        if end == len(text):
            break
        dropped += end - start - 1
        breaks.append((end - dropped, dropped))
    return breaks


def _original(start: int, end: int, breaks: Sequence[tuple[int, int]]) -> Span:
    if not breaks:
        return start, end
    # Both are at a phrase's first or just past its last character: never in a run.
    k, j = bisect_right(breaks, (start, _END)), bisect_right(breaks, (end - 1, _END))
    return start + (breaks[k - 1][1] if k else 0), end + (breaks[j - 1][1] if j else 0)


def phrase_set(entry: Mapping[str, Any], where: str) -> PhraseSet:
    """Build a PhraseSet from a data-file table with `phrases`, `cased`, `headline`,
    `headline_cased`, `weak` and `not`."""
    return PhraseBook({where: entry})[where]


def _check_strings(value: object, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} must be a list of strings")


def joined(parts: Sequence[str | None]) -> str:
    """Text fields joined so that a phrase never spans two of them."""
    return "\n\n".join(p for p in parts if p)
