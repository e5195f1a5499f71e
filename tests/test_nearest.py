"""warehouse.nearest: coordinates -> the ITL1 region of the nearest town."""

from __future__ import annotations

import math
import random

import pytest

from warehouse.gazetteer import PLACES
from warehouse.nearest import MAX_KM, region_from_coordinates

NE, NW, YH = "north-east", "north-west", "yorkshire-and-the-humber"
EM, WM, EE = "east-midlands", "west-midlands", "east-of-england"
LON, SE, SW = "london", "south-east", "south-west"
WAL, SCO, NIR = "wales", "scotland", "northern-ireland"


POINTS = [
    ((53.7965, -1.5478), YH, "Leeds"),
    ((51.4816, -3.1791), WAL, "Cardiff"),
    ((54.5973, -5.9301), NIR, "Belfast"),
    ((57.4778, -4.2247), SCO, "Inverness"),
    ((50.3755, -4.1427), SW, "Plymouth"),
    ((53.1934, -2.8931), NW, "Chester"),
]


@pytest.mark.parametrize(("point", "region", "town"), POINTS)
def test_coordinates_of_cities(point: tuple[float, float], region: str, town: str) -> None:
    found = region_from_coordinates(*point)
    assert found is not None
    assert found[0] == region
    assert f"km from {town} (" in found[1]


def test_coordinates_outside_or_far_from_towns() -> None:
    assert region_from_coordinates(52.0, -20.0) is None  # the Atlantic
    assert region_from_coordinates(50.0, -8.0) is None  # sea inside the bounding box
    assert region_from_coordinates(48.85, 2.35) is None  # Paris
    assert region_from_coordinates(40.0, -74.0) is None


def test_grid_agrees_with_a_scan_of_every_town() -> None:
    towns = [p for p in PLACES if p.kind in ("city", "town")]
    rng = random.Random(20250101)
    for _ in range(2000):
        lat, lon = rng.uniform(49.8, 61.0), rng.uniform(-8.7, 2.0)
        scale = 111.32 * math.cos(math.radians(lat))
        km, town = min(
            (math.hypot((t.lon - lon) * scale, (t.lat - lat) * 110.57), t.name) for t in towns
        )
        found = region_from_coordinates(lat, lon)
        if km > MAX_KM:
            assert found is None
        else:
            assert found is not None and f"{km:.1f} km from " in found[1], (lat, lon, town)
