"""Place helpers shared by every parser."""

from __future__ import annotations

import re

# Inward codes never use C, I, K, M, O or V, which keeps "B12 3CV"-like noise out.
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][ABD-HJLNP-UW-Z]{2})\b")


def find_postcode(text: str) -> str | None:
    """The first UK postcode in text, normalised to "SW1A 2AA" form."""
    match = _POSTCODE.search(text)
    return f"{match.group(1)} {match.group(2)}" if match else None
