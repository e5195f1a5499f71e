"""Value types of the deduplication matcher (see warehouse/matching.py for the rules).

Kept apart from the logic so the helper modules can share them without import cycles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

# A pair scoring at or above this is the same event (when no hard rule vetoes it). Chosen so
# that an exact title on the same day needs some agreeing place or organiser evidence, and a
# same-time listing with a title variant still gets in: see the scoring table in matching.py.
THRESHOLD = 0.75

# Candidates must start within this many seconds of each other (36 hours): a wrong time zone
# shifts a start by at most ~14 h, so anything further apart is another occurrence.
WINDOW_SECONDS = 36 * 3600


@dataclass(frozen=True)
class Listing:
    """One event as one source lists it."""

    id: str  # unique listing id, e.g. "source_id/source_uid"
    source: str
    source_uid: str  # iCal UID, with "/<occurrence start>" for recurring occurrences
    title: str
    start: datetime  # aware
    end: datetime | None = None
    all_day: bool = False
    timezone: str | None = None
    url: str | None = None
    location_name: str | None = None
    postcode: str | None = None
    online: bool | None = None
    organiser: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class PairScore:
    """Why two listings were (or were not) judged the same event."""

    a: str  # listing ids, a < b
    b: str
    score: float  # 0..1
    # (name, value) pairs: "title", "time", "place", "organiser"; exact rules add "uid" or
    # "url"; a hard rule that vetoed a fuzzy match adds ("veto:<reason>", 0.0).
    components: tuple[tuple[str, float], ...]
    rule: str  # "uid" | "url" | "fuzzy" | "override-same" | "override-different"
    matched: bool


@dataclass(frozen=True)
class Clustering:
    cluster_of: Mapping[str, str]  # listing id -> cluster id
    pairs: tuple[PairScore, ...]  # every pair that was scored, for explanation
