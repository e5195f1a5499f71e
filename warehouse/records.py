"""What the warehouse hands to publishers: an event with what we know about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scrapers.model import Event


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
