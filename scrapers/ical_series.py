"""VEVENTs grouped into series: one UID, its master and its moved occurrences."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Component

from scrapers.ical_fields import text
from scrapers.ical_times import instant_key, moment


@dataclass(frozen=True)
class Series:
    uid: str  # the source_uid, or its prefix for occurrences of a recurring event
    components: tuple[Component, ...]
    recurring: bool


def label(component: Component) -> str:
    """How warnings name an event: its summary and UID, whichever it has."""
    summary = " ".join((text(component, "SUMMARY") or "").split())[:80]
    uid = text(component, "UID")
    if summary and uid:
        return f"event {summary!r} (UID {uid})"
    return f"event {summary!r}" if summary else f"event UID {uid}" if uid else "event with no UID"


def group(components: Iterable[Component]) -> tuple[list[Series], list[str]]:
    """Series in file order. A UID used by several masters keeps them all, apart."""
    by_uid: dict[str, list[Component]] = {}
    for component in components:
        uid = text(component, "UID") or f"nouid-{_digest(component)[:16]}"
        by_uid.setdefault(uid, []).append(component)
    series: list[Series] = []
    warnings: list[str] = []
    for uid, members in by_uid.items():
        masters = [c for c in members if "RECURRENCE-ID" not in c]
        moved = [c for c in members if "RECURRENCE-ID" in c]
        series.append(_series(uid, masters[:1] + moved))
        taken = {uid}
        for duplicate in masters[1:]:
            series.append(_series(_distinct(uid, duplicate, taken), [duplicate]))
        if len(masters) > 1:
            warnings.append(
                f"UID {uid} is used by {len(masters)} events; kept them all, "
                "later ones with a suffix on the UID"
            )
    return series, warnings


def _digest(component: Component) -> str:
    start = moment(component, "DTSTART")
    seed = f"{text(component, 'SUMMARY') or ''}\x1f{instant_key(start) if start else ''}"
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


def _series(uid: str, members: list[Component]) -> Series:
    recurring = any(name in c for c in members for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
    return Series(uid, tuple(members), recurring)


def _distinct(uid: str, component: Component, taken: set[str]) -> str:
    # Derived from the event's content rather than its position, so the suffix survives
    # the publisher reordering the file.
    candidate = base = f"{uid}#{_digest(component)[:8]}"
    count = 1
    while candidate in taken:
        count += 1
        candidate = f"{base}-{count}"
    taken.add(candidate)
    return candidate
