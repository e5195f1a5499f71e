"""What the change and news feeds are made of: plain data, no database, so the feeds
package can use it without importing DuckDB (warehouse.changelog fills it)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from warehouse.records import StoredEvent

ChangeKind = Literal["new", "rescheduled", "venue", "cancelled"]
CHANGES_DAYS = 90  # how far back the changes feeds go
NEWS_DAYS = 90  # how far back the news feeds go


@dataclass(frozen=True)
class Change:
    """One change of one published event, as the changes feeds announce it."""

    kind: ChangeKind
    cluster_id: str
    at: datetime  # when Convene saw it (the refresh), aware
    entry: StoredEvent  # the event as published now: its feeds, title and link
    old_start: datetime | None = None  # rescheduled: the times before and after
    old_end: datetime | None = None
    new_start: datetime | None = None
    new_end: datetime | None = None
    old_place: str | None = None  # venue: the place before and after ("" when none)
    new_place: str | None = None

    @property
    def guid(self) -> str:
        """The same change always has the same guid, run after run."""
        return change_guid(self.cluster_id, self.kind, self.at)


@dataclass(frozen=True)
class NewsPost:
    """A blog or news post from an RSS source, with the professions it is for."""

    source_id: str
    source_uid: str
    source_name: str
    title: str
    url: str | None
    summary: str | None
    author: str | None
    published: datetime  # the post's own date, or when Convene first saw it
    professions: tuple[str, ...]


def change_guid(cluster_id: str, kind: str, at: datetime) -> str:
    key = f"{cluster_id}\n{kind}\n{at.astimezone(UTC).isoformat()}"
    return f"change-{hashlib.sha256(key.encode()).hexdigest()[:32]}@convene"
