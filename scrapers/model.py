"""Core data types shared by every stage. Pure data: no I/O, no Prefect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

Attendance = Literal["in-person", "online", "mixed", "unknown"]
Status = Literal["scheduled", "tentative", "cancelled", "postponed"]


@dataclass(frozen=True)
class Source:
    """One configured source, as loaded from a sources file."""

    id: str
    name: str
    organiser: str
    url: str
    kind: str
    regions: tuple[str, ...] = ()
    professions: tuple[str, ...] = ()
    enabled: bool = True
    timezone: str = "Europe/London"
    # Samples and tests point at files or 127.0.0.1; public sources never may.
    local: bool = False
    # Relative file URLs in a sources file resolve against the file's folder.
    base_dir: Path | None = None
    notes: str = ""
    # Body size limit for this source, when it legitimately publishes a big file.
    max_body_mb: float | None = None
    # For feeds published for machines whose site's robots.txt is written for
    # web crawlers: an explicit, per-source decision by whoever configures it.
    ignore_robots: bool = False
    # When copies of one event disagree, the copy from the source with the highest
    # priority gives the published fields (organisers' own sites above aggregators).
    priority: int = 0
    # Listing pages: how many linked event pages (or API pages) may be fetched.
    max_pages: int = 50
    # Only for kind "html": CSS selectors by role (container, title, date, link,
    # location, description) and a strptime format for the date text.
    selectors: tuple[tuple[str, str], ...] = ()
    date_format: str | None = None

    def selector(self, role: str) -> str | None:
        return dict(self.selectors).get(role)


@dataclass(frozen=True)
class Location:
    name: str | None = None
    address: str | None = None
    postcode: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Event:
    """One event (or one occurrence of a recurring event) as one source publishes it."""

    source_id: str
    # Stable within the source: iCal UID (plus the occurrence start for recurring
    # events), feed guid, or URL.
    source_uid: str
    title: str
    # Aware datetime. All-day events carry midnight UTC of their first day and
    # all_day=True; renderers turn that back into a DATE.
    start: datetime
    end: datetime | None = None
    all_day: bool = False
    timezone: str | None = None  # IANA name as published, after Windows-name mapping
    url: str | None = None
    description: str | None = None
    location: Location | None = None
    attendance: Attendance = "unknown"
    status: Status = "scheduled"
    organiser: str | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Post:
    """A blog or news entry with no event date: kept, but never turned into an event."""

    source_id: str
    source_uid: str
    title: str
    url: str | None = None
    published: datetime | None = None
    summary: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class ParseResult:
    events: tuple[Event, ...] = ()
    posts: tuple[Post, ...] = ()
    warnings: tuple[str, ...] = ()
    # Set when the document as a whole could not be read; the source then counts
    # as failed and keeps the events it had.
    error: str | None = None
    # Further pages of the same source to fetch and parse with the same parser:
    # event pages linked from a listing, or the next page of an API. The fetch
    # layer decides which it may follow (host, cap); parsers stay pure.
    follow: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParseContext:
    """What a parser needs besides the bytes: the clock and the expansion bounds."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    days_ahead: int = 365
    days_back: int = 30
    # Occurrences of one recurring event kept in the window. Also a guard: a daily event
    # for a year is 365, and nothing a person attends happens more often than that.
    max_occurrences: int = 500

    @property
    def window_start(self) -> datetime:
        return self.now - timedelta(days=self.days_back)

    @property
    def window_end(self) -> datetime:
        return self.now + timedelta(days=self.days_ahead)


class Parser(Protocol):
    """A pure parser: bytes in, events out. Never raises for bad input."""

    def __call__(self, source: Source, body: bytes, ctx: ParseContext) -> ParseResult: ...
