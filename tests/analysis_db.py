"""A realistic database for the analysts' views and questions: two refreshes of the bundled
sample sources (read from files, parsed by the real parsers, stored by save_refresh) plus
three sources written here to cover what the samples lack: one event listed by two
sources, a reschedule, a cancellation, a free event for civil servants only, an organiser
whose last event is past, and a source that fails.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from conftest import SAMPLES

from scrapers.config import load_settings
from scrapers.crawl import collect
from scrapers.fetch_types import Fetched, FetchError
from scrapers.model import Event, Location, ParseContext, ParseResult, Source
from scrapers.pipeline import SourceResult
from scrapers.registry import PARSERS
from scrapers.sources import load_sources
from warehouse.store import RefreshRun, connect, save_refresh

SAMPLE_FILE = SAMPLES / "sample-sources.toml"
CAMP = Source("ukgovcamp", "UKGovCamp", "UKGovCamp", "https://www.ukgovcamp.com/", "ical",
              ("london",), ("digital",), priority=1)  # fmt: skip
EB = Source("eventbrite-gov", "Eventbrite: government events", "Eventbrite",
            "https://www.eventbrite.co.uk/", "jsonld", ("uk-wide",), ("policy",))  # fmt: skip
SDA = Source("scottish-digital-academy", "Scottish Digital Academy", "Scottish Digital Academy",
             "https://digitalacademy.gov.scot/", "ical", ("scotland",), ("digital",))  # fmt: skip
EXTRA = (CAMP, EB, SDA)
VENUE = Location("Bank of America", "2 King Edward Street, London", "EC1A 1HQ", 51.516, -0.098)


def sample_sources() -> list[Source]:
    return list(load_sources(SAMPLE_FILE, PARSERS.keys()))


@cache
def sample_results(now: datetime) -> tuple[SourceResult, ...]:
    """The sample sources as a real refresh reads them: files, parsers, recurrences."""
    enabled = [s for s in sample_sources() if s.enabled]
    fetch = load_settings(SAMPLE_FILE).fetch
    return tuple(asyncio.run(collect(enabled, PARSERS, ParseContext(now=now), fetch, {})))


def ok(source: Source, events: list[Event]) -> SourceResult:
    fetched = Fetched(source.url, b"body", 200, "text/calendar", 0.2, raw_bytes=2048)
    return SourceResult(source, "ok", fetched, ParseResult(tuple(events)), None, "digest")


def failed(source: Source) -> SourceResult:
    error = FetchError(source.url, "http", "HTTP 500 from the server", 500, 1.5, attempts=3)
    return SourceResult(source, "fetch-error", error, ParseResult(), error.reason, None, "http")


def extra_events(now: datetime, second: bool) -> dict[str, list[Event]]:
    """The written sources' events; `second`: after the camp moved and a workshop was
    cancelled."""
    camp_start = (now + timedelta(days=60 + (7 if second else 0))).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    camp = Event("ukgovcamp", "ukgc-2027", "UKGovCamp 2027", camp_start,
                 camp_start + timedelta(hours=8), timezone="Europe/London",
                 url="https://www.ukgovcamp.com/2027", location=VENUE, attendance="in-person",
                 organiser="UKGovCamp", description="The unconference for people in government.",
                 )  # fmt: skip
    copy = replace(camp, source_id="eventbrite-gov", source_uid="987654321012",
                   title="UK GovCamp 2027 - the unconference",
                   url="https://www.eventbrite.co.uk/e/ukgovcamp-2027-tickets-987654321012",
                   description="Tickets are released in batches.")  # fmt: skip
    talk_start = (now + timedelta(days=20)).replace(hour=13, minute=0, second=0, microsecond=0)
    talk = Event("ukgovcamp", "ukgc-data-talk", "Data sharing across government: lunchtime talk",
                 talk_start, talk_start + timedelta(hours=1), timezone="Europe/London",
                 url="https://www.ukgovcamp.com/data-talk", attendance="online",
                 organiser="Government Data Community",
                 description="Free. Open to civil servants only: book with a gov.uk email.",
                 )  # fmt: skip
    workshop = replace(talk, source_uid="ukgc-open-data-workshop",
                       title="Open data for councils: a workshop",
                       start=talk.start + timedelta(days=10), end=talk.end + timedelta(days=10),
                       url="https://www.ukgovcamp.com/open-data-workshop",
                       description="Hands-on session on publishing open data.",
                       status="cancelled" if second else "scheduled")  # fmt: skip
    past = (now - timedelta(days=40)).replace(hour=10, minute=0, second=0, microsecond=0)
    sda = Event("scottish-digital-academy", "sda-agile-2026", "Agile for public services",
                past, past + timedelta(hours=6), timezone="Europe/London",
                url="https://digitalacademy.gov.scot/agile",
                location=Location("Edinburgh Quay", "133 Fountainbridge, Edinburgh", "EH3 9QG"),
                attendance="in-person", organiser="Scottish Digital Academy")  # fmt: skip
    return {
        "ukgovcamp": [camp, talk, workshop],
        "eventbrite-gov": [copy],
        "scottish-digital-academy": [sda],
    }


def build(path: Path, now: datetime | None = None) -> datetime:
    """Two refreshes into `path` (three and one days before `now`); returns `now`."""
    now = now or datetime.now(UTC)
    sources = [*sample_sources(), *EXTRA]
    samples = sample_results(now)
    con = connect(path)
    try:
        for n, days_ago in enumerate((3, 1)):
            at = now - timedelta(days=days_ago)
            written = extra_events(now, second=n == 1)
            results = [*samples, *(ok(s, written[s.id]) for s in EXTRA)]
            if n == 1:  # the academy's site is down for the second refresh
                results[-1] = failed(SDA)
            run = RefreshRun(f"run{n}", at - timedelta(seconds=30), at, str(SAMPLE_FILE))
            save_refresh(con, run, sources, results)
    finally:
        con.close()
    return now
