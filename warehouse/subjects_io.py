"""Listings to classify, read from JSON Lines, and the classifier's answers as JSON.

Each line is checked on its own: a bad line is reported with its number and why, and
the good lines are still classified, so nothing is lost to one typo.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from warehouse.classify import Classification
from warehouse.records import Subject

TEXT_FIELDS = ("title", "description", "location_name", "address", "postcode", "organiser")
KNOWN = {"id", *TEXT_FIELDS, "lat", "lon", "online", "categories"}


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass(frozen=True)
class Read:
    """One line's outcome: a subject (with the id as given) or a problem."""

    line: int
    subject: Subject | None = None
    given_id: object = None
    problem: str | None = None
    unknown_fields: tuple[str, ...] = ()


def read_subjects(lines: Iterable[str]) -> Iterator[Read]:
    """Each non-blank line as a Subject, or why it could not be read."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield Read(number, problem=f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        yield _read_row(number, row)


def _read_row(number: int, row: Any) -> Read:
    if not isinstance(row, dict):
        return Read(number, problem="each line must be a JSON object")
    try:
        subject = _subject(row)
    except ValueError as exc:
        return Read(number, given_id=row.get("id"), problem=str(exc))
    unknown = tuple(sorted(set(row) - KNOWN))
    return Read(number, subject, row["id"], unknown_fields=unknown)


def _subject(row: dict[str, Any]) -> Subject:
    given = row.get("id")
    if isinstance(given, bool) or not isinstance(given, str | int) or given == "":
        raise ValueError('"id" is required: a string or a whole number')
    lat, lon = _number(row, "lat", 90), _number(row, "lon", 180)
    if (lat is None) != (lon is None):
        raise ValueError('"lat" and "lon" come together: give both or neither')
    return Subject(
        id=str(given),
        title=_text(row, "title"),
        description=_text(row, "description"),
        location_name=_text(row, "location_name"),
        address=_text(row, "address"),
        postcode=_text(row, "postcode"),
        lat=lat,
        lon=lon,
        online=_online(row.get("online")),
        organiser=_text(row, "organiser"),
        categories=_categories(row.get("categories")),
    )


def _text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f'"{name}" should be text, not {type(value).__name__}')
    return value


def _number(row: dict[str, Any], name: str, limit: float) -> float | None:
    value = row.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f'"{name}" should be a number, not {value!r}') from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f'"{name}" should be a number')
    if not math.isfinite(value) or abs(value) > limit:
        raise ValueError(f'"{name}" should be between -{limit:g} and {limit:g}, not {value}')
    return float(value)


def _online(value: object) -> bool | Literal["hybrid"] | None:
    if value is None or isinstance(value, bool):
        return value
    if value == "hybrid":
        return "hybrid"
    raise ValueError(f'"online" should be true, false or "hybrid", not {json.dumps(value)}')


def _categories(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError('"categories" should be a list of strings')
    return tuple(value)


def answer(given_id: object, result: Classification) -> dict[str, Any]:
    """The JSON line `convene classify` prints for one listing."""
    return {
        "id": given_id,
        "regions": list(result.regions),
        "professions": list(result.professions),
        "free": result.free,
        "restricted": result.restricted,
        "reasons": [
            {"kind": lb.kind, "label": lb.value, "method": lb.method, "reason": lb.reason}
            | ({"score": round(lb.score, 4)} if lb.score is not None else {})
            for lb in result.labels
        ],
    }
