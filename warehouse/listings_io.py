"""Listings as JSON Lines, for `convene dedupe`: read with errors that name the line,
and the matcher's verdict written back one line per listing."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from warehouse.matching import Clustering, Listing

_FIELDS = {f.name for f in fields(Listing)}
_REQUIRED = ("id", "title", "start")


class ListingsError(ValueError):
    """The input could not be read; the message lists each bad line."""


def read_listings(lines: Iterable[str], label: str = "<input>") -> list[Listing]:
    listings: list[Listing] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            listing = _listing(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"{label}:{number}: not valid JSON ({exc.msg}, column {exc.colno})")
            continue
        except (ValueError, TypeError) as exc:
            problems.append(f"{label}:{number}: {exc}")
            continue
        if listing.id in seen:
            problems.append(f'{label}:{number}: duplicate id "{listing.id}"')
        seen.add(listing.id)
        listings.append(listing)
    if problems:
        raise ListingsError("\n".join(problems))
    return listings


def _listing(row: Any) -> Listing:
    if not isinstance(row, dict):
        raise ValueError("each line should be a JSON object")
    missing = [key for key in _REQUIRED if not row.get(key)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    values = {k: v for k, v in row.items() if k in _FIELDS and v is not None}
    values["id"] = str(values["id"])
    values.setdefault("source", "")
    # Without a source_uid a listing has no identity to share: its own id stands in.
    values.setdefault("source_uid", values["id"])
    for key in ("start", "end"):
        if key in values:
            values[key] = _when(key, values[key])
    return Listing(**values)


def _when(key: str, value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f'{key} "{value}" is not an ISO 8601 date and time') from None
    if moment.tzinfo is None:
        raise ValueError(f'{key} "{value}" has no UTC offset (write e.g. +00:00)')
    return moment


def verdicts(listings: Sequence[Listing], clustering: Clustering) -> list[dict[str, Any]]:
    """One line per listing: its cluster, and its best matching listing with the score."""
    best: dict[str, tuple[float, str]] = {}
    for pair in clustering.pairs:
        if not pair.matched:
            continue
        for me, other in ((pair.a, pair.b), (pair.b, pair.a)):
            if pair.score > best.get(me, (-1.0, ""))[0]:
                best[me] = (pair.score, other)
    rows = []
    for listing in listings:
        found = best.get(listing.id)
        rows.append(
            {
                "id": listing.id,
                "cluster": clustering.cluster_of[listing.id],
                "best_match": found[1] if found else None,
                "score": found[0] if found else None,
            }
        )
    return rows
