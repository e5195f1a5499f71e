"""Map a UK postcode to its ITL1 region, using the hand-compiled tables in regions_data/.

The tables are an approximation (see regions_data/README.md): each postcode area is
assigned to the region most of it lies in, and areas that straddle a region border list
district-level exceptions. Loaded once, at import.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from scrapers.vocab import REGIONS

DATA_DIR = Path(__file__).with_name("regions_data")

_OUTWARD = r"([A-Z]{1,2})([0-9][A-Z0-9]?)"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_FULL = re.compile(rf"{_OUTWARD}(?:{_INWARD})?")
_SPACED = re.compile(rf"{_OUTWARD} {_INWARD}")


@dataclass(frozen=True)
class Area:
    """One postcode area row: its default region and whether it crosses a border."""

    area: str
    name: str
    region: str
    straddles: bool
    note: str


@dataclass(frozen=True)
class District:
    """A district-level exception (or confirmation) inside a straddling area."""

    district: str
    region: str
    note: str


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        rows = [dict(row) for row in csv.DictReader(handle)]
    for number, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise ValueError(f"{name} line {number}: wrong number of columns")
    return rows


def load_areas() -> dict[str, Area]:
    """Postcode area -> Area, from postcode_areas.csv."""
    areas: dict[str, Area] = {}
    for row in _read("postcode_areas.csv"):
        straddles = row["straddles"].strip().lower()
        if straddles not in ("true", "false"):
            raise ValueError(f"bad straddles value for {row['area']}: {straddles!r}")
        areas[row["area"]] = Area(
            row["area"], row["name"], row["region"], straddles == "true", row["note"]
        )
    return areas


def load_districts() -> dict[str, District]:
    """Postcode district -> District, from postcode_districts.csv."""
    return {
        row["district"]: District(row["district"], row["region"], row["note"])
        for row in _read("postcode_districts.csv")
    }


AREAS = load_areas()
DISTRICTS = load_districts()


def _area_regions(area: str) -> list[str]:
    """Region names an area spans according to the tables, default region first."""
    names = [REGIONS[AREAS[area].region]]
    for district in DISTRICTS.values():
        split = _split(district.district)
        if split is not None and split[0] == area:
            name = REGIONS[district.region]
            if name not in names:
                names.append(name)
    return names


def _split(outward: str) -> tuple[str, str] | None:
    match = re.fullmatch(_OUTWARD, outward)
    return (match.group(1), match.group(2)) if match else None


def parse_outward(postcode: str) -> tuple[str, str] | None:
    """(area, district) of a full postcode or an outward code; None if not postcode-shaped.

    "sw1a2aa", "SW1A 2AA" and "SW1A" all give ("SW", "SW1A").
    """
    text = " ".join(postcode.upper().split())
    spaced = _SPACED.fullmatch(text)
    match = spaced or _FULL.fullmatch(text.replace(" ", ""))
    if match is None:
        return None
    return match.group(1), match.group(1) + match.group(2)


def region_for_postcode(postcode: str) -> tuple[str, str] | None:
    """(ITL1 region slug, reason in plain words) for a UK postcode, or None."""
    parsed = parse_outward(postcode)
    if parsed is None or parsed[0] not in AREAS:
        return None
    area_code, district_code = parsed
    area = AREAS[area_code]
    # A sub-district such as "EC1A" or "W1A" is looked up as its district ("EC1", "W1").
    candidates = [district_code]
    if district_code[-1].isalpha():
        candidates.append(district_code[:-1])
    for code in candidates:
        district = DISTRICTS.get(code)
        if district is not None:
            spans = " and ".join(_area_regions(area_code))
            return district.region, (
                f"postcode district {code} is in {REGIONS[district.region]} "
                f"(area {area_code} straddles {spans})"
            )
    region_name = REGIONS[area.region]
    if area.straddles:
        return area.region, (
            f"postcode area {area_code} is mostly in {region_name} "
            f"(it straddles a region border; district {district_code} is not listed separately)"
        )
    return area.region, f"postcode area {area_code} is in {region_name}"
