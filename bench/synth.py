"""Synthetic but realistic event sources for the benchmarks: seeded, so every process
that knows the Spec computes the same sources and the same documents.

N sources, one of four kinds in turn (iCal, RSS 2.0 with the event module, HTML pages
with schema.org Event JSON-LD, The Events Calendar's WordPress REST API), each publishing
M event occurrences: UK public-sector titles, venues with postcodes across the regions,
a share online. A share of occurrences belong to weekly series (one VEVENT with an RRULE
in iCal, repeated items elsewhere), and a share are copies of another source's event with
the variations real sources show (case, punctuation, an organiser prefix, a time zone
written another way, the venue spelt differently). Most sources are on a host of their
own; a minority share a platform host, a few sources each.

Document bytes come from bench/synth_render.py; the server is bench/synth_server.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
KINDS = ("ical", "feed", "jsonld", "wordpress-events")
SERIES_LENGTH = 4  # weekly occurrences in each recurring series
PATHS = {
    "ical": "/events/calendar.ics",
    "feed": "/events/feed/",
    "jsonld": "/whats-on/",
    "wordpress-events": "/wp-json/tribe/events/v1/events",
}
DOMAIN = "bench.test"

TOPICS = (
    "Digital inclusion", "Service design", "User research", "Open data", "Content design",
    "Accessibility", "Data science", "Procurement reform", "Cyber security", "Agile delivery",
    "Product management", "Public sector AI", "Plain English", "Policy design",
    "Local digital", "NHS digital", "Housing services", "Social care technology",
    "Climate action", "Community engagement", "Performance analysis", "GovTech",
)  # fmt: skip
FORMATS = (
    "meetup", "show and tell", "workshop", "drop-in", "roundtable", "clinic", "forum",
    "conference", "breakfast briefing", "community of practice", "hack day", "webinar",
    "masterclass", "unconference", "learning session",
)  # fmt: skip
ORGANISERS = (
    "Exampleshire County Council", "NHS Digital Network", "Local Digital Collaboration",
    "Cabinet Office Policy Lab", "Civil Service Data Network", "Scottish Digital Academy",
    "Welsh Government Digital", "Northern Ireland Civil Service", "Greater Borough Council",
    "Public Sector Design Community", "One Team Gov", "Content Design London",
)  # fmt: skip


@dataclass(frozen=True)
class Venue:
    name: str
    street: str
    town: str
    postcode: str
    region: str


VENUES = (
    Venue("Leeds Civic Hall", "Portland Crescent", "Leeds", "LS1 1UR", "Yorkshire and the Humber"),
    Venue("The Civic Centre", "Barras Bridge", "Newcastle upon Tyne", "NE1 8QH", "North East"),
    Venue("Manchester Central Library", "St Peter's Square", "Manchester", "M2 5PD", "North West"),
    Venue("The Library of Birmingham", "Centenary Square", "Birmingham", "B1 2ND", "West Midlands"),
    Venue("Council House", "Old Market Square", "Nottingham", "NG1 2DT", "East Midlands"),
    Venue("County Hall", "Market Road", "Chelmsford", "CM1 1QH", "East of England"),
    Venue("City Hall", "Kamal Chunchie Way", "London", "E16 1ZE", "London"),
    Venue("Bristol City Hall", "College Green", "Bristol", "BS1 5TR", "South West"),
    Venue("Brighton Town Hall", "Bartholomew Square", "Brighton", "BN1 1JA", "South East"),
    Venue("Cardiff Central Library", "The Hayes", "Cardiff", "CF10 1FL", "Wales"),
    Venue("Glasgow City Chambers", "George Square", "Glasgow", "G2 1DU", "Scotland"),
    Venue("Edinburgh City Chambers", "High Street", "Edinburgh", "EH1 1YJ", "Scotland"),
    Venue("Belfast City Hall", "Donegall Square", "Belfast", "BT1 5GS", "Northern Ireland"),
    Venue("The Guildhall", "High Street", "Exeter", "EX4 3EB", "South West"),
    Venue("Sheffield Town Hall", "Pinstone Street", "Sheffield", "S1 2HH", "Yorkshire and the Humber"),  # noqa: E501
)  # fmt: skip


@dataclass(frozen=True)
class Spec:
    """Everything the sources and their documents follow from."""

    sources: int = 1000
    events: int = 20  # occurrences each source publishes
    seed: int = 9
    recurring: float = 0.2  # share of occurrences in weekly series
    duplicated: float = 0.2  # share of occurrences copied from another source's events
    online: float = 0.15
    shared_hosts: float = 0.1  # share of sources on a platform host
    per_platform: int = 5  # sources on each platform host
    anchor: str = ""  # ISO date events are placed after; "" means tomorrow (UTC)

    def start_day(self) -> date:
        if self.anchor:
            return date.fromisoformat(self.anchor)
        return datetime.now(UTC).date() + timedelta(days=1)

    def fixed(self) -> Spec:
        """The same spec with its anchor written down, for another process to share."""
        return replace(self, anchor=self.start_day().isoformat())


@dataclass(frozen=True)
class SynthSource:
    index: int
    kind: str
    host: str
    path: str
    organiser: str

    @property
    def id(self) -> str:
        return f"s{self.index}"


@dataclass(frozen=True)
class SynthEvent:
    uid: str
    title: str
    start: datetime  # aware, UTC
    minutes: int
    zone_style: str  # how the time is written: "utc", "local" (named zone) or "offset"
    venue: Venue | None  # None: online
    venue_style: int  # 0 as listed; 1 "Venue, Town"; 2 no postcode; 3 lower-case postcode
    url: str
    description: str
    series: int = 0  # occurrences when this is the first of a weekly series, else 0

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)


def source(spec: Spec, index: int) -> SynthSource:
    kind = KINDS[index % len(KINDS)]
    organiser = ORGANISERS[index % len(ORGANISERS)]
    shared = round(spec.sources * spec.shared_hosts)
    if index < shared:  # spread evenly: source order is not host order
        host = f"platform{index // max(spec.per_platform, 1)}.{DOMAIN}"
        return SynthSource(index, kind, host, f"/org{index}{PATHS[kind]}", organiser)
    return SynthSource(index, kind, f"s{index}.{DOMAIN}", PATHS[kind], organiser)


def sources(spec: Spec) -> list[SynthSource]:
    return [source(spec, i) for i in range(spec.sources)]


def own_events(spec: Spec, index: int) -> list[SynthEvent]:
    """A source's own events (series first-occurrences included), before copies."""
    rng = random.Random(spec.seed * 1_000_003 + index)
    home = source(spec, index)
    series = round(spec.events * spec.recurring) // SERIES_LENGTH
    singles = spec.events - series * SERIES_LENGTH
    out = []
    for n in range(series + singles):
        length = SERIES_LENGTH if n < series else 0
        out.append(_event(rng, spec, home, n, length))
    return out


def _event(rng: random.Random, spec: Spec, home: SynthSource, n: int, series: int) -> SynthEvent:
    day = spec.start_day() + timedelta(days=rng.randrange(1, 180))
    hour = rng.choice((9, 10, 12, 14, 16, 18))
    start = datetime(day.year, day.month, day.day, hour, rng.choice((0, 30)), tzinfo=UTC)
    title = f"{rng.choice(TOPICS)} {rng.choice(FORMATS)}"
    if rng.random() < 0.3:
        title = f"{title}: {rng.choice(VENUES).town}"
    venue = None if rng.random() < spec.online else rng.choice(VENUES)
    slug = "-".join(title.lower().replace(":", "").split())
    return SynthEvent(
        uid=f"{home.id}-e{n}@{home.host}",
        title=title,
        start=start,
        minutes=rng.choice((60, 90, 120, 180, 420)),
        zone_style=rng.choice(("utc", "local", "offset")),
        venue=venue,
        venue_style=0,
        url=f"https://{home.host}/event/{slug}-{home.index}-{n}/",
        description=f"{title} for people working in {home.organiser.split()[0]} and beyond."
        " Talks, discussion and time to meet others changing public services.",
        series=series,
    )


def events(spec: Spec, index: int, version: int = 0) -> list[SynthEvent]:
    """What source `index` publishes at `version` (0 before any change): exactly
    spec.events occurrences once series are expanded."""
    own = own_events(spec, index)
    rng = random.Random(spec.seed * 7_919 + index)
    singles = [i for i, e in enumerate(own) if not e.series]
    copies = min(round(spec.events * spec.duplicated), len(singles))
    for slot in singles[len(singles) - copies :]:
        if spec.sources > 1:
            own[slot] = _copy_of(rng, spec, index, slot)
    return _changed(own, version) if version else own


def _copy_of(rng: random.Random, spec: Spec, index: int, slot: int) -> SynthEvent:
    """Another source's single event, as this source would list it."""
    other = (index + 1 + rng.randrange(spec.sources - 1)) % spec.sources
    theirs = [e for e in own_events(spec, other) if not e.series]
    original = theirs[rng.randrange(len(theirs))]
    here = source(spec, index)
    return replace(
        original,
        uid=f"{here.id}-copy{slot}@{here.host}",
        title=vary_title(rng, original.title, here.organiser),
        zone_style=rng.choice(("utc", "local", "offset")),
        venue_style=rng.randrange(4) if original.venue else 0,
        url=original.url if rng.random() < 0.5 else f"https://{here.host}/event/copy-{slot}/",
    )


def vary_title(rng: random.Random, title: str, organiser: str) -> str:
    roll = rng.random()
    if roll < 0.2:
        return title.upper()
    if roll < 0.4:
        return title.title()
    if roll < 0.55:
        return f"{organiser}: {title}"
    if roll < 0.7:
        return f"{title} ({rng.choice(('online', 'in person', 'free'))})"
    if roll < 0.85:
        return title.replace(":", " -") + "!"
    return title


def _changed(own: list[SynthEvent], version: int) -> list[SynthEvent]:
    """A new version: the first event moved `version` days, the last replaced by a new one."""
    out = list(own)
    first = out[0]
    out[0] = replace(first, start=first.start + timedelta(days=version))
    last = out[-1]
    out[-1] = replace(
        last,
        uid=f"{last.uid}-v{version}",
        title=f"{last.title} (extra session {version})",
        start=last.start + timedelta(hours=version),
    )
    return out


def occurrences(event: SynthEvent) -> list[datetime]:
    """Each start of a weekly series: same wall-clock time in London, unless written in UTC
    (an RRULE repeats in the zone DTSTART is written in)."""
    first = event.start if event.zone_style == "utc" else event.start.astimezone(LONDON)
    return [(first + timedelta(weeks=w)).astimezone(UTC) for w in range(max(event.series, 1))]


def sources_toml(spec: Spec, port: int, settings: str = "") -> str:
    """A sources file for the run: every source local (the fetch guard allows 127.0.0.1)."""
    tables = [settings.strip() + "\n"] if settings.strip() else []
    for s in sources(spec):
        tables.append(
            f'[[source]]\nid = "{s.id}"\nname = "Synthetic source {s.index}"\n'
            f'organiser = "{s.organiser}"\nurl = "http://{s.host}:{port}{s.path}"\n'
            f'kind = "{s.kind}"\nlocal = true\n'
        )
    return "\n".join(tables)
