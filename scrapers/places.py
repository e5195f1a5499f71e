"""Place and time-zone helpers shared by every parser."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scrapers.model import Source

DEFAULT_ZONE = "Europe/London"

# Inward codes never use C, I, K, M, O or V, which keeps "B12 3CV"-like noise out.
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][ABD-HJLNP-UW-Z]{2})\b")


def find_postcode(text: str) -> str | None:
    """The first UK postcode in text, normalised to "SW1A 2AA" form."""
    match = _POSTCODE.search(text)
    return f"{match.group(1)} {match.group(2)}" if match else None


def source_zone(source: Source, warnings: list[str]) -> ZoneInfo:
    """The zone for times published without an offset: the source's, else London.

    The sources loader rejects unknown zones, so this only guards sources built in code.
    """
    try:
        return ZoneInfo(source.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        warnings.append(
            f"source time zone {source.timezone!r} is unknown; "
            f"times without an offset were read as {DEFAULT_ZONE}"
        )
        return ZoneInfo(DEFAULT_ZONE)
