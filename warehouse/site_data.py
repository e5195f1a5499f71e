"""What the published pages show beyond the published events: each source with its
health, each community (an organiser) with its events over the last year and its next
event, and the time of the last refresh.

Read by flows.refresh from the same read-only connection as the events and handed to
feeds.site as frozen dataclasses of plain values, so feeds/ renders them without DuckDB.
DuckDB is imported only for type checking, and warehouse.health only when reading.

A community is an organiser: the organiser an event names, or else the organiser of the
source that lists it. Every organiser of a listed event is one, and so is the organiser
of a source that lists no events (so every source shows up somewhere). An event listed
by several sources is one event (one cluster), counted once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapers.model import Source
from scrapers.vocab import PROFESSIONS, REGIONS

if TYPE_CHECKING:
    import duckdb

YEAR = timedelta(days=365)


@dataclass(frozen=True)
class SourceStatus:
    id: str
    name: str
    url: str
    state: str  # as warehouse.health says: ok, not modified, failing, stale, ...
    last_success: datetime | None
    events: int  # events it lists now


@dataclass(frozen=True)
class NextEvent:
    title: str
    start: datetime
    all_day: bool
    url: str | None


@dataclass(frozen=True)
class Community:
    name: str
    url: str | None  # the page of a source it runs, else of its next (or latest) event
    regions: tuple[str, ...]  # in scrapers.vocab order
    professions: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]  # (name, url) of each source listing it
    events_last_year: int  # events that started in the 365 days before now
    next_event: NextEvent | None


@dataclass(frozen=True)
class SiteData:
    refreshed_at: datetime | None  # when the last refresh finished
    sources: tuple[SourceStatus, ...] = ()
    communities: tuple[Community, ...] = ()


_SOURCES_SQL = """
SELECT id, name, organiser, url, kind, regions, professions, enabled, coalesce(priority, 0)
FROM sources WHERE list_contains($ids, id)
"""

# Listings of the last year that took place (not cancelled, still listed when they
# started) and listings to come that are still listed.
_LISTINGS_SQL = """
SELECT coalesce(c.cluster_id, e.source_id || '/' || e.source_uid) AS cid, e.source_id,
       nullif(trim(e.organiser), '') AS organiser, e.title, e.start_at, e.all_day, e.url
FROM events e
LEFT JOIN clusters c ON c.listing_id = e.source_id || '/' || e.source_uid
WHERE list_contains($ids, e.source_id)
  AND e.status <> 'cancelled'
  AND e.start_at >= $since
  AND (e.removed_at IS NULL OR (e.removed_at >= e.start_at AND e.start_at < $now))
ORDER BY e.start_at, e.source_id, e.source_uid
"""

_LABELS_SQL = "SELECT cluster_id, kind, label FROM labels WHERE kind IN ('region', 'profession')"


def read_site_data(
    con: duckdb.DuckDBPyConnection, source_ids: Sequence[str], now: datetime
) -> SiteData:
    """Sources in the order given, communities by name, the last refresh."""
    # Here rather than at the top: feeds/ imports the records above without DuckDB.
    from warehouse.health import source_health

    rows = con.execute(_SOURCES_SQL, {"ids": list(source_ids)}).fetchall()
    found = {row[0]: _source(row) for row in rows}
    sources = [found[sid] for sid in dict.fromkeys(source_ids) if sid in found]
    statuses = tuple(
        SourceStatus(s.id, s.name, s.url, h.state, h.last_success, h.events)
        for s, h in zip(sources, source_health(con, sources, now), strict=True)
    )
    params = {"ids": [s.id for s in sources], "since": now - YEAR, "now": now}
    listings = con.execute(_LISTINGS_SQL, params).fetchall()
    labels: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for cid, kind, label in con.execute(_LABELS_SQL).fetchall():
        labels[cid].append((kind, label))
    row = con.execute("SELECT max(finished_at) FROM refreshes").fetchone()
    return SiteData(
        refreshed_at=row[0] if row else None,
        sources=statuses,
        communities=communities(sources, listings, labels, now),
    )


def _source(row: tuple[Any, ...]) -> Source:
    sid, name, organiser, url, kind, regions, professions, enabled, priority = row
    regions, professions = tuple(regions), tuple(professions)
    return Source(sid, name, organiser, url, kind, regions, professions, enabled, priority=priority)


def organiser_key(name: str) -> str:
    """One organiser however its name is spaced or capitalised."""
    return " ".join(name.split()).casefold()


@dataclass
class _Event:
    organiser: str | None = None  # the first organiser any listing names
    sources: list[str] = field(default_factory=list)
    urls: list[str | None] = field(default_factory=list)  # each listing's URL
    title: str = ""
    start: datetime | None = None
    all_day: bool = False
    url: str | None = None


@dataclass
class _Tally:
    names: Counter[str] = field(default_factory=Counter)
    events: list[tuple[str, _Event]] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    runs: list[Source] = field(default_factory=list)  # sources it is the organiser of


def communities(
    sources: Sequence[Source],
    listings: Iterable[tuple[Any, ...]],
    labels: dict[str, list[tuple[str, str]]],
    now: datetime,
) -> tuple[Community, ...]:
    """listings: (cluster id, source id, organiser, title, start, all day, url), by start."""
    events: dict[str, _Event] = {}
    for cid, sid, organiser, title, start, all_day, url in listings:
        event = events.setdefault(cid, _Event(title=title, start=start, all_day=all_day))
        event.organiser = event.organiser or organiser
        event.url = event.url or url
        event.sources.append(sid)
        event.urls.append(url)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    host_source = _host_source_finder(sources)
    for cid, event in events.items():
        name = event.organiser or host_source(event).organiser
        tally = tallies[organiser_key(name)]
        tally.names[" ".join(name.split())] += 1
        tally.events.append((cid, event))
        tally.sources.update(event.sources)
    listed = {sid for event in events.values() for sid in event.sources}
    for source in sources:
        key = organiser_key(source.organiser)
        if key in tallies or source.id not in listed:
            tallies[key].names[" ".join(source.organiser.split())] += 1
            tallies[key].runs.append(source)
            tallies[key].sources.add(source.id)
    made = [_community(t, sources, labels, now) for _, t in sorted(tallies.items())]
    return tuple(sorted(made, key=lambda c: (c.name.casefold(), c.name)))


def _host(url: str | None) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.") if url else ""


def _host_source_finder(sources: Sequence[Source]) -> Callable[[_Event], Source]:
    """For an event with no organiser of its own, the source it belongs to: the one with
    the highest priority, then one on the same site as a listing, then the first
    configured. The lookups are built once: thousands of events ask."""
    order = {s.id: n for n, s in enumerate(sources)}
    positions: dict[str, list[int]] = defaultdict(list)
    for n, source in enumerate(sources):
        positions[source.id].append(n)
    site = [_host(s.url) for s in sources]

    def find(event: _Event) -> Source:
        hosts = {_host(url) for url in event.urls} - {""}
        # In configured order, so a tie goes to the first, as it always did.
        listing = sorted(n for sid in set(event.sources) for n in positions.get(sid, ()))
        best = min(
            listing,
            key=lambda n: (-sources[n].priority, site[n] not in hosts, order[sources[n].id]),
        )
        return sources[best]

    return find


def _community(
    tally: _Tally,
    sources: Sequence[Source],
    labels: dict[str, list[tuple[str, str]]],
    now: datetime,
) -> Community:
    by_id = {s.id: s for s in sources}
    regions: set[str] = {r for s in tally.runs for r in s.regions}
    professions: set[str] = {p for s in tally.runs for p in s.professions}
    for cid, event in tally.events:
        found = labels.get(cid)
        if found is None:  # not classified yet: its sources' defaults
            regions.update(r for sid in event.sources for r in by_id[sid].regions)
            professions.update(p for sid in event.sources for p in by_id[sid].professions)
        regions.update(label for kind, label in found or () if kind == "region")
        professions.update(label for kind, label in found or () if kind == "profession")
    past = [e for _, e in tally.events if e.start is not None and e.start < now]
    ahead = [e for _, e in tally.events if e.start is not None and e.start >= now]
    following = ahead[0] if ahead else None
    if tally.runs:
        url: str | None = tally.runs[0].url
    else:
        url = next((e.url for e in [*ahead, *reversed(past)] if e.url), None)
    name = sorted(tally.names.items(), key=lambda item: (-item[1], item[0]))[0][0]
    return Community(
        name=name,
        url=url,
        regions=tuple(r for r in REGIONS if r in regions),
        professions=tuple(p for p in PROFESSIONS if p in professions),
        sources=tuple((s.name, s.url) for s in sources if s.id in tally.sources),
        events_last_year=len(past),
        next_event=(
            NextEvent(following.title, following.start, following.all_day, following.url)
            if following is not None and following.start is not None
            else None
        ),
    )
