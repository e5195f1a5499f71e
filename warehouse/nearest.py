"""Coordinates to an ITL1 region: the nearest town or city of the gazetteer within
MAX_KM, found through a grid of cells rather than a scan of every town."""

from __future__ import annotations

import math
from collections.abc import Sequence

from scrapers.vocab import REGIONS
from warehouse.gazetteer import PLACES, Place

MAX_KM = 40.0
BOUNDS = (49.8, 61.0, -8.7, 2.0)  # south, north, west, east: the UK and its islands


_KM_LAT = 110.57
_KM_LON = 111.32  # at the equator; times cos(latitude)
_Cells = dict[tuple[int, int], tuple[tuple[float, float, Place], ...]]
_Rings = list[tuple[list[tuple[int, int]], float]]


def _cells(dlat: float, dlon: float, block: int) -> _Cells:
    """Towns by cell of dlat x dlon degrees, each cell with the towns `block` cells around."""
    cells: dict[tuple[int, int], list[tuple[float, float, Place]]] = {}
    for town in (p for p in PLACES if p.kind in ("city", "town")):
        row, col = math.floor(town.lat / dlat), math.floor(town.lon / dlon)
        for dr in range(-block, block + 1):
            for dc in range(-block, block + 1):
                cells.setdefault((row + dr, col + dc), []).append((town.lat, town.lon, town))
    return {key: tuple(value) for key, value in cells.items()}


def _stage(
    dlat: float, dlon: float, block: int, radii: Sequence[int]
) -> tuple[_Cells, float, float, _Rings]:
    """Cells and the rings of them to search, each ring with the squared distance within
    which the nearest town found so far is surely the nearest: the point may lie anywhere
    in its cell, so r rings out cover r cell widths."""
    width = min(dlat * _KM_LAT, dlon * _KM_LON * math.cos(math.radians(BOUNDS[1])))
    square = [[(dr, dc) for dr in range(-r, r + 1) for dc in range(-r, r + 1)] for r in radii]
    rings = [
        ([c for c in s if max(map(abs, c)) == r], ((r + block) * width) ** 2)
        for r, s in zip(radii, square, strict=True)
    ]
    return _cells(dlat, dlon, block), dlat, dlon, rings


# Small cells holding their 3 x 3 block settle points in towns at one look-up, larger ones
# the countryside, and rings of those reach past MAX_KM. A mask of cells with a town
# within about 44 km turns away points far out at sea at once.
_OUTER = math.ceil(MAX_KM / (0.15 * _KM_LON * math.cos(math.radians(BOUNDS[1]))))
_STAGES = (
    _stage(0.04, 0.06, 1, [0]),
    _stage(0.1, 0.15, 1, [0]),
    _stage(0.1, 0.15, 0, range(2, _OUTER + 1)),
)
_MASK = frozenset(_cells(0.2, 0.4, 2))


def _nearest(lat: float, lon: float) -> tuple[float, Place | None]:
    scale = _KM_LON * math.cos(math.radians(lat))
    best, found = math.inf, None
    for cells, dlat, dlon, rings in _STAGES:
        row, col = math.floor(lat / dlat), math.floor(lon / dlon)
        for offsets, covered in rings:
            for dr, dc in offsets:
                for town_lat, town_lon, town in cells.get((row + dr, col + dc), ()):
                    dx, dy = (town_lon - lon) * scale, (town_lat - lat) * _KM_LAT
                    if dx * dx + dy * dy < best:
                        best, found = dx * dx + dy * dy, town
            if best <= covered:
                return math.sqrt(best), found
    return math.inf, None


def region_from_coordinates(lat: float, lon: float) -> tuple[str, str] | None:
    """(region slug, reason) from the nearest town or city within MAX_KM, or None."""
    south, north, west, east = BOUNDS
    if not (south <= lat <= north and west <= lon <= east):
        return None
    if (math.floor(lat / 0.2), math.floor(lon / 0.4)) not in _MASK:
        return None
    km, town = _nearest(lat, lon)
    if town is None or km > MAX_KM:
        return None
    return town.region, (
        f"coordinates {lat:.2f}, {lon:.2f} are {km:.1f} km from {town.name} "
        f"({REGIONS[town.region]})"
    )
