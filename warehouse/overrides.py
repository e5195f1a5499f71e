"""Manual decisions about duplicates, kept in a committed file; they always win.

    [[same]]        # these two listings are one event
    a = "site/ukgc27"
    b = "eventbrite/123456789"

    [[different]]   # these two are not, whatever the matcher thinks
    a = "meetup/301"
    b = "meetup-copy/301"

    [[correct]]     # fix what the event shows, whichever copy gives its fields
    event = "site/ukgc27"
    title = "UKGovCamp 2027"

Listing ids are "source_id/source_uid", as `convene explain` and `convene dedupe` show them.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORRECTABLE = ("title", "url", "organiser", "description", "status")
STATUSES = ("scheduled", "tentative", "cancelled", "postponed")


class OverridesError(ValueError):
    """The overrides file could not be used; the message lists every problem."""


@dataclass(frozen=True)
class Overrides:
    same: tuple[tuple[str, str], ...] = ()
    different: tuple[tuple[str, str], ...] = ()
    corrections: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    fingerprint: str = field(default="")

    def corrections_for(self, listing_ids: set[str]) -> dict[str, str]:
        fixed: dict[str, str] = {}
        for listing, fields in self.corrections:
            if listing in listing_ids:
                fixed.update(fields)
        return fixed


def load_overrides(path: Path) -> Overrides:
    """The overrides in `path`; none when the file does not exist."""
    if not path.exists():
        return Overrides()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise OverridesError(f"{path}: cannot read the overrides file: {exc}") from exc
    problems: list[str] = []
    for key in data:
        if key not in ("same", "different", "correct"):
            problems.append(
                f'{path}: unknown table "{key}" (use [[same]], [[different]], [[correct]])'
            )
    same = _pairs(path, "same", data.get("same", []), problems)
    different = _pairs(path, "different", data.get("different", []), problems)
    corrections = _corrections(path, data.get("correct", []), problems)
    if problems:
        raise OverridesError("\n".join(problems))
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Overrides(same, different, corrections, digest)


def _pairs(path: Path, kind: str, items: Any, problems: list[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for n, item in enumerate(items if isinstance(items, list) else [None], 1):
        a, b = (item.get("a"), item.get("b")) if isinstance(item, dict) else (None, None)
        if not (isinstance(a, str) and "/" in a and isinstance(b, str) and "/" in b):
            problems.append(f'{path}: [[{kind}]] #{n}: needs a = "source/uid" and b = "source/uid"')
            continue
        pairs.append((a, b))
    return tuple(pairs)


def _corrections(
    path: Path, items: Any, problems: list[str]
) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    found = []
    for n, item in enumerate(items if isinstance(items, list) else [None], 1):
        where = f"{path}: [[correct]] #{n}"
        if not isinstance(item, dict) or not isinstance(item.get("event"), str):
            problems.append(f'{where}: needs event = "source/uid"')
            continue
        fields = {k: v for k, v in item.items() if k != "event"}
        bad = [k for k, v in fields.items() if k not in CORRECTABLE or not isinstance(v, str)]
        if bad or not fields:
            problems.append(f"{where}: correct one or more of {', '.join(CORRECTABLE)} (text)")
            continue
        if fields.get("status", "scheduled") not in STATUSES:
            problems.append(f"{where}: status must be one of {', '.join(STATUSES)}")
            continue
        found.append((item["event"], tuple(sorted(fields.items()))))
    return tuple(found)
