"""What the warehouse hands to publishers (an event with what we know about it), and
what the classifier reads and says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from scrapers.model import Event

LabelKind = Literal["region", "profession", "free", "restricted"]


@dataclass(frozen=True)
class Label:
    """One classification of an event and why it was given."""

    kind: LabelKind
    value: str  # a region or profession slug; "true"/"false" for free; a restriction
    method: str  # postcode, coordinates, place, online, uk-wide, keyword, category, ...
    reason: str  # in plain words: the matched phrase, the postcode, the model score
    score: float | None = None  # the model's similarity, for method "model"


@dataclass(frozen=True)
class StoredEvent:
    event: Event
    source_name: str
    regions: tuple[str, ...]  # region slugs from scrapers.vocab.REGIONS
    professions: tuple[str, ...]  # profession slugs from scrapers.vocab.PROFESSIONS
    first_seen: datetime  # aware, UTC
    last_changed: datetime  # aware, UTC
    sequence: int  # 0 when first seen, +1 for each change of content
    # The other listings of the same event: (source name, its URL), shown to subscribers.
    also_listed: tuple[tuple[str, str | None], ...] = ()
    source_priority: int = 0  # the listing source's configured priority
    free: bool | None = None  # None: the listing does not say
    restricted: str | None = None  # civil-servants-only | public-sector-only | invite-only
    labels: tuple[Label, ...] = ()  # why it has its regions, professions and flags


@dataclass(frozen=True)
class Subject:
    """What the classifier reads: one listing's text and place, and its source's defaults."""

    id: str
    title: str = ""
    description: str = ""
    location_name: str = ""
    address: str = ""
    postcode: str = ""
    lat: float | None = None
    lon: float | None = None
    online: bool | Literal["hybrid"] | None = None  # None: the listing does not say
    organiser: str = ""
    categories: tuple[str, ...] = ()
    default_regions: tuple[str, ...] = ()
    default_professions: tuple[str, ...] = ()
    source: str | None = None  # the source's name, for reasons
