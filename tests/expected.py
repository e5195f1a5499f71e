"""Parser results as plain JSON, compared with the expected output beside each fixture.

After a deliberate change, rewrite the expected files with
CONVENE_UPDATE_EXPECTED=1 pytest ... and read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrapers.model import Event, ParseResult

FULL_PLACE = ("name", "address", "postcode", "lat", "lon")
RICH = ("organiser", "categories", "description")


def serialise(
    event: Event, place: Sequence[str] = FULL_PLACE, extra: Sequence[str] = RICH
) -> dict[str, Any]:
    """The fields a parser decides, with `place` fields of the location and `extra` ones."""
    where = event.location
    out: dict[str, Any] = {
        "source_uid": event.source_uid,
        "title": event.title,
        "start": event.start.isoformat(),
        "end": event.end.isoformat() if event.end else None,
        "all_day": event.all_day,
        "timezone": event.timezone,
        "status": event.status,
        "location": None if where is None else {k: getattr(where, k) for k in place},
        "attendance": event.attendance,
        "url": event.url,
    }
    for name in extra:
        value = getattr(event, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def snapshot(
    result: ParseResult,
    place: Sequence[str] = FULL_PLACE,
    extra: Sequence[str] = RICH,
    follow: bool = True,
) -> dict[str, Any]:
    shot: dict[str, Any] = {"error": result.error, "warnings": list(result.warnings)}
    if follow:
        shot["follow"] = list(result.follow)
    shot["events"] = [serialise(event, place, extra) for event in result.events]
    return shot


def check(actual: dict[str, Any], expected_path: Path) -> None:
    if os.environ.get("CONVENE_UPDATE_EXPECTED"):
        text = json.dumps(actual, indent=2, ensure_ascii=False) + "\n"
        expected_path.write_text(text, encoding="utf-8")
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))
