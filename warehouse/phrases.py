"""Whole-word phrase matching with negative phrases, for the classifiers' data files.

A phrase matches only as whole words ("ai" never matches inside "said"), either
case-insensitively (`phrases`, `weak`) or exactly as written (`cased`, for acronyms
such as "AI" or "UR" whose lower-case letters are ordinary text). Negative phrases are
masked before matching, so "privacy policy" never counts as "policy".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# \w-lookarounds rather than \b, so phrases that start or end with punctuation
# (".net", "l&d", "a.i.") still need a word edge outside them.
_EDGE_L = r"(?<![\w])"
_EDGE_R = r"(?![\w])"


def _alternation(phrases: Iterable[str]) -> str:
    # Longest first, so "open data" wins over "data" at the same position.
    ordered = sorted({p for p in phrases if p.strip()}, key=lambda p: (-len(p), p))
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered)


def _compile(loose: Iterable[str], cased: Iterable[str]) -> re.Pattern[str] | None:
    parts = []
    loose_alt, cased_alt = _alternation(loose), _alternation(cased)
    if loose_alt:
        parts.append(f"(?i:{loose_alt})")
    if cased_alt:
        parts.append(f"(?:{cased_alt})")
    if not parts:
        return None
    return re.compile(f"{_EDGE_L}(?:{'|'.join(parts)}){_EDGE_R}")


@dataclass(frozen=True)
class Hit:
    phrase: str  # as found in the text
    weak: bool
    start: int
    end: int


@dataclass(frozen=True)
class PhraseSet:
    """The phrases of one label: strong, headline (strong in a title, weak in running
    text), weak, and negative."""

    strong: re.Pattern[str] | None
    headline: re.Pattern[str] | None
    weak: re.Pattern[str] | None
    negative: re.Pattern[str] | None

    def hits(self, text: str, headline: bool = True) -> list[Hit]:
        """Every phrase in text outside the negative phrases, in order; `headline` says
        whether the text is a title (or organiser, or category) or running text."""
        masked = self._mask(text)
        kinds = ((self.strong, False), (self.headline, not headline), (self.weak, True))
        found = [
            Hit(m.group(0), weak, m.start(), m.end())
            for pattern, weak in kinds
            if pattern is not None
            for m in pattern.finditer(masked)
        ]
        return sorted(found, key=lambda hit: hit.start)

    def strong_spans(self, text: str) -> list[tuple[int, int]]:
        patterns = (p for p in (self.strong, self.headline) if p is not None)
        masked = self._mask(text)
        return [(m.start(), m.end()) for p in patterns for m in p.finditer(masked)]

    def first(self, text: str) -> str | None:
        hits = self.hits(text)
        return hits[0].phrase if hits else None

    def _mask(self, text: str) -> str:
        if self.negative is None:
            return text
        # Same length, so offsets stay meaningful; "\0" never matches a phrase.
        return self.negative.sub(lambda m: "\0" * len(m.group(0)), text)


def phrase_set(entry: Mapping[str, Any], where: str) -> PhraseSet:
    """Build a PhraseSet from a data-file table with `phrases`, `cased`, `headline`,
    `headline_cased`, `weak` and `not`."""
    for key in ("phrases", "cased", "headline", "headline_cased", "weak", "not"):
        _check_strings(entry.get(key, []), f"{where}.{key}")
    return PhraseSet(
        strong=_compile(entry.get("phrases", []), entry.get("cased", [])),
        headline=_compile(entry.get("headline", []), entry.get("headline_cased", [])),
        weak=_compile(entry.get("weak", []), []),
        negative=_compile(entry.get("not", []), []),
    )


def _check_strings(value: object, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} must be a list of strings")


def joined(parts: Sequence[str | None]) -> str:
    """Text fields joined so that a phrase never spans two of them."""
    return "\n\n".join(p for p in parts if p)
