"""Cues in an event's text: free or paid, restricted audience, online, hybrid, UK-wide.

The phrases live in classify_data/cues.toml (loaded once). Each function returns its
answer with the phrase that decided it, so every flag can say why.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from warehouse.phrases import PhraseBook, PhraseSet

DATA_FILE = Path(__file__).with_name("classify_data") / "cues.toml"
RESTRICTIONS = ("civil-servants-only", "public-sector-only", "invite-only")
Mode = Literal["online", "hybrid"]

# A price above zero: "£45", "£1,200", "£12.50", "GBP 30".
_PRICE = re.compile(r"(?:£|\bGBP\s?)\s?([0-9][0-9,]*(?:\.[0-9]{2})?)")


def _load(path: Path) -> dict[str, PhraseSet]:
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    book = PhraseBook(table, path.name)
    return {name: book[name] for name in table}


CUES = _load(DATA_FILE)
FINGERPRINT = hashlib.sha256(DATA_FILE.read_bytes()).hexdigest()[:16]


@dataclass(frozen=True)
class Cue:
    value: str
    reason: str


def free(text: str) -> Cue | None:
    """Cue("true"|"false", reason), or None when the text does not say."""
    gratis = CUES["free-for-public-sector"].first(text)
    if gratis:
        return Cue("true", f'"{gratis}"')
    free_phrase = CUES["free"].first(text)
    price = _price(text) or CUES["paid"].first(text)
    if price and not free_phrase:
        return Cue("false", f'"{price}"')
    if free_phrase and not price:
        return Cue("true", f'"{free_phrase}"')
    if free_phrase and price:
        # Free for some, paid for others, and not for the public sector: say paid.
        return Cue("false", f'"{price}" (and "{free_phrase}" for some)')
    return None


def _price(text: str) -> str | None:
    if "£" not in text and "GBP" not in text:  # the regex would try every position
        return None
    for match in _PRICE.finditer(text):
        if float(match.group(1).replace(",", "")) > 0:
            return match.group(0)
    return None


def restricted(text: str) -> Cue | None:
    """The narrowest audience restriction the text states."""
    for name in ("invite-only", "civil-servants-only", "public-sector-only"):
        phrase = CUES[name].first(text)
        if phrase:
            return Cue(name, f'"{phrase}"')
    return None


def mode(location: str, title: str, description: str) -> Cue | None:
    """Cue("online"|"hybrid", reason) from the text, or None for in person or unknown."""
    for field, text in (("location", location), ("title", title), ("description", description)):
        phrase = CUES["hybrid"].first(text)
        if phrase:
            return Cue("hybrid", f'"{phrase}" in the {field}')
    phrase = CUES["online"].first(location)
    if phrase:
        return Cue("online", f'"{phrase}" in the location')
    for field, text in (("title", title), ("description", description)):
        phrase = CUES["online-text"].first(text)
        if phrase:
            return Cue("online", f'"{phrase}" in the {field}')
    return None


def uk_wide(text: str) -> str | None:
    """The phrase that says the event is held across the UK, if any."""
    return CUES["uk-wide"].first(text)
