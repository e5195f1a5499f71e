"""warehouse.postcodes: postcode -> ITL1 region from the hand-compiled tables."""

from __future__ import annotations

import pytest

from scrapers.vocab import REGIONS
from warehouse.postcodes import AREAS, DISTRICTS, parse_outward, region_for_postcode

CASES = [
    # One or more per region, by postcode area.
    ("SE1 9SG", "london"),
    ("SW1A 2AA", "london"),
    ("EC1A 1BB", "london"),
    ("WC2N 5DU", "london"),
    ("E14 5AB", "london"),
    ("LS1 3AB", "yorkshire-and-the-humber"),
    ("YO1 7HH", "yorkshire-and-the-humber"),
    ("HU1 2AA", "yorkshire-and-the-humber"),
    ("M1 1AE", "north-west"),
    ("L1 8JQ", "north-west"),
    ("NE1 8QH", "north-east"),
    ("SR1 3AA", "north-east"),
    ("B1 1BB", "west-midlands"),
    ("CV1 5FB", "west-midlands"),
    ("NG1 5AW", "east-midlands"),
    ("LE1 5WW", "east-midlands"),
    ("CB2 1TN", "east-of-england"),
    ("NR1 3QU", "east-of-england"),
    ("BN1 1AA", "south-east"),
    ("OX1 2JD", "south-east"),
    ("EX4 3LS", "south-west"),
    ("BS1 5TR", "south-west"),
    ("CF10 1EP", "wales"),
    ("SA1 1NW", "wales"),
    ("EH1 1YZ", "scotland"),
    ("G1 1XQ", "scotland"),
    ("BT1 5GS", "northern-ireland"),
    # Straddling areas: district exceptions and confirmations.
    ("CH1 2HS", "north-west"),
    ("CH5 3AA", "wales"),
    ("CH7 1AA", "wales"),
    ("CH8", "wales"),
    ("LD7", "wales"),
    ("LD1 5AA", "wales"),
    ("SY1 1AA", "west-midlands"),
    ("SY14", "north-west"),
    ("SY16", "wales"),
    ("SY23 2AX", "wales"),
    ("NP16", "wales"),
    ("HR1 2AA", "west-midlands"),
    ("TD1", "scotland"),
    ("TD15 1BT", "north-east"),
    ("CA1 1AA", "north-west"),
    ("DG16", "scotland"),
    ("LL11", "wales"),
    ("GL16", "south-west"),
    ("SN7", "south-east"),
    ("SN1 1AA", "south-west"),
    ("S1 2HE", "yorkshire-and-the-humber"),
    ("S40 1AA", "east-midlands"),
    ("SK17", "east-midlands"),
    ("OL14", "yorkshire-and-the-humber"),
    ("DL10", "yorkshire-and-the-humber"),
    ("DE14", "west-midlands"),
    ("PE21", "east-midlands"),
    ("PE1 1AA", "east-of-england"),
    ("MK40", "east-of-england"),
    ("HP2", "east-of-england"),
    ("HP20", "south-east"),
    # Outer-London areas.
    ("BR1 1AA", "london"),
    ("BR8", "south-east"),
    ("CR0 1AA", "london"),
    ("CR3", "south-east"),
    ("DA7", "london"),
    ("DA1", "south-east"),
    ("EN1", "london"),
    ("EN8", "east-of-england"),
    ("HA1 1AA", "london"),
    ("IG1 1AA", "london"),
    ("IG10", "east-of-england"),
    ("KT1 1AA", "london"),
    ("KT22", "south-east"),
    ("RM1 3AA", "london"),
    ("RM17", "east-of-england"),
    ("SM1", "london"),
    ("SM7", "south-east"),
    ("TW1", "london"),
    ("TW18", "south-east"),
    ("UB3", "london"),
]


@pytest.mark.parametrize(("postcode", "region"), CASES)
def test_region_for_postcode(postcode: str, region: str) -> None:
    result = region_for_postcode(postcode)
    assert result is not None
    assert result[0] == region


def test_cases_cover_all_twelve_regions() -> None:
    covered = {region for _, region in CASES}
    assert covered == set(REGIONS) - {"online", "uk-wide"}


@pytest.mark.parametrize("postcode", ["sw1a2aa", "SW1A 2AA", " sw1a  2aa ", "SW1A", "sw1a"])
def test_case_and_spacing_tolerated(postcode: str) -> None:
    assert parse_outward(postcode) == ("SW", "SW1A")
    assert region_for_postcode(postcode) == ("london", "postcode area SW is in London")


def test_no_space_full_postcode_splits_inward_code() -> None:
    assert parse_outward("M11AE") == ("M", "M1")
    assert parse_outward("CF101EP") == ("CF", "CF10")


def test_reasons_are_plain_words() -> None:
    assert region_for_postcode("LS1 3AB") == (
        "yorkshire-and-the-humber",
        "postcode area LS is in Yorkshire and The Humber",
    )
    assert region_for_postcode("CH5 1AA") == (
        "wales",
        "postcode district CH5 is in Wales (area CH straddles North West and Wales)",
    )
    result = region_for_postcode("GL16 8AA")
    assert result is not None
    assert result[1].startswith("postcode area GL is mostly in South West")


@pytest.mark.parametrize(
    "postcode",
    [
        "",
        "   ",
        "hello",
        "12345",
        "SW1A 2A",
        "SW1A 2CI",
        "XX1 1AA",
        "QQ1",
        "JE2 3AB",
        "GY1 1AA",
        "IM1 1AA",
        "10115",
        "SW1A 2AA extra",
        "S",
        "1AA",
    ],
)
def test_invalid_or_non_uk_gives_none(postcode: str) -> None:
    assert region_for_postcode(postcode) is None


def test_every_area_and_district_has_a_valid_region() -> None:
    geographic = set(REGIONS) - {"online", "uk-wide"}
    assert len(AREAS) >= 120
    for area in AREAS.values():
        assert area.region in geographic, area
    for district in DISTRICTS.values():
        assert district.region in geographic, district
        parsed = parse_outward(district.district)
        assert parsed is not None and parsed[1] == district.district
        assert AREAS[parsed[0]].straddles, f"{district.district} is in a non-straddling area"


def test_straddling_areas_named_in_brief() -> None:
    for area in ["CH", "LD", "SY", "NP", "HR", "TD", "DA", "EN", "IG", "KT", "RM", "TW"]:
        assert AREAS[area].straddles, area
    assert AREAS["BT"].region == "northern-ireland"
    for area in ["E", "EC", "N", "NW", "SE", "SW", "W", "WC"]:
        assert AREAS[area].region == "london" and not AREAS[area].straddles
