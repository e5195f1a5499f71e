"""Build the labelled deduplication evaluation set (seeded, deterministic).

    .venv/bin/python tests/dedupe_eval/build.py

Writes, beside this file:

- listings.jsonl        one listing per line (the fields of warehouse.matching.Listing,
                        datetimes as ISO 8601 with offsets, missing fields left out)
- labels.jsonl          {"id", "entity"}: listings with the same entity are one real event
- hard_negatives.jsonl  {"a", "b", "kind"}: pairs of listings of DIFFERENT events that a
                        naive matcher (title, or title + venue, or title + day) would merge

and prints the statistics quoted in README.md. Same seed, same bytes.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SEED = 20261127
HERE = Path(__file__).resolve().parent
LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")

# Venues: (name, city, postcode)
VENUES = [
    ("Central Hall Westminster", "London", "SW1H 9NH"),
    ("Kings Place", "London", "N1 9AG"),
    ("The Foundry", "London", "SE11 5RR"),
    ("Impact Hub Birmingham", "Birmingham", "B12 0HB"),
    ("Birmingham Council House", "Birmingham", "B1 1BB"),
    ("Leeds Dock", "Leeds", "LS10 1PZ"),
    ("Munro House", "Leeds", "LS1 7DL"),
    ("Manchester Central Library", "Manchester", "M2 5PD"),
    ("Federation House", "Manchester", "M4 4BF"),
    ("Watershed", "Bristol", "BS1 5TX"),
    ("Engine Shed", "Bristol", "BS1 6QH"),
    ("Tramshed Tech", "Cardiff", "CF11 6QP"),
    ("CodeBase", "Edinburgh", "EH3 9DR"),
    ("The Lighthouse", "Glasgow", "G1 3NU"),
    ("Newcastle Helix", "Newcastle", "NE4 5TF"),
    ("Sheffield Digital Campus", "Sheffield", "S1 2BX"),
    ("Nottingham Council House", "Nottingham", "NG1 2DT"),
    ("Baltic Creative", "Liverpool", "L1 0AH"),
    ("Ormeau Baths", "Belfast", "BT2 7HP"),
    ("Plus X Brighton", "Brighton", "BN2 4GL"),
    ("The Guildhall", "Cambridge", "CB2 3QJ"),
    ("Exeter Science Park", "Exeter", "EX5 2FN"),
]
ORGANISERS = {
    "onegov": ("One Team Gov", "https://www.oneteamgov.uk/events/"),
    "localgov": ("LocalGov Digital", "https://localgov.digital/events/"),
    "gds": ("Government Digital Service", "https://gds.blog.gov.uk/events/"),
    "nhs": ("NHS England", "https://www.england.nhs.uk/events/"),
    "odi": ("Open Data Institute", "https://theodi.org/events/"),
    "sdig": ("Service Design in Government", "https://govservicedesign.net/events/"),
    "commscamp": ("CommsCamp", "https://commscamp.org.uk/"),
    "ukgovcamp": ("UKGovCamp", "https://www.ukgovcamp.com/"),
    "publicdigital": ("Public Digital", "https://public.digital/events/"),
    "ifg": ("Institute for Government", "https://www.instituteforgovernment.org.uk/events/"),
    "socitm": ("Socitm", "https://socitm.net/events/"),
    "nhsr": ("NHS-R Community", "https://nhsrcommunity.com/events/"),
    "ons": ("ONS Data Science Campus", "https://datasciencecampus.ons.gov.uk/events/"),
    "iai": ("Incubator for AI", "https://ai.gov.uk/events/"),
    "mysociety": ("mySociety", "https://www.mysociety.org/events/"),
    "nesta": ("Nesta", "https://www.nesta.org.uk/events/"),
}
OWN_SOURCE = {
    "ukgovcamp": "ukgovcamp-site",
    "localgov": "localgov-digital-site",
    "onegov": "oneteamgov-site",
    "nhs": "nhs-england-events",
    "gds": "gds-blog-events",
}
COPY_SOURCES = ["eventbrite", "meetup", "google-calendar", "luma"]

TOPICS = [
    "Service design",
    "User research",
    "Content design",
    "Accessibility",
    "Data ethics",
    "AI in public services",
    "Digital inclusion",
    "Open data",
    "Agile delivery",
    "Product management",
    "Cyber security for councils",
    "GOV.UK Design System",
    "NHS App",
    "Electronic patient records",
    "Population health data",
    "Procurement reform",
    "Legacy IT replacement",
    "Interaction design",
    "Performance analysis",
    "Civic tech",
    "Plain English",
    "Digital social care records",
    "Smart places",
    "Data sharing in local government",
    "Generative AI for caseworkers",
    "Welsh language digital services",
    "Assisted digital support",
    "Digital leadership",
]
FORMATS = [
    "meetup",
    "breakfast",
    "workshop",
    "masterclass",
    "show and tell",
    "lunch and learn",
    "conference",
    "roundtable",
    "community call",
    "drop-in",
    "summit",
    "unconference",
]
TAGLINES = [
    "free event",
    "all welcome",
    "in-person",
    "networking and talks",
    "open to all public servants",
]
DASHES = ["\u2014", "\u2013", "-", ":"]  # em dash, en dash, hyphen, colon
ONLINE_FORMATS = {"community call", "lunch and learn", "drop-in", "roundtable"}


@dataclass
class Entity:
    eid: str
    title: str
    start: datetime  # aware, Europe/London
    minutes: int
    org: str
    venue: tuple[str, str, str] | None  # None: online
    variants: list[str] = field(default_factory=list)  # hand-written title rewordings
    allow_all_day: bool = True
    n_copies: int | None = None  # None: drawn at random
    primary_source: str | None = None
    slug: str | None = None
    same_url_as: str | None = None  # same-source sessions sharing one page


class Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.entities: list[Entity] = []
        self.listings: list[dict[str, Any]] = []
        self.labels: list[dict[str, str]] = []
        self.primary: dict[str, str] = {}  # entity id -> primary listing id
        self.hard: list[tuple[str, str, str]] = []  # (entity a, entity b, kind)
        self.copy_kinds: Counter[str] = Counter()
        self.entity_kinds: Counter[str] = Counter()
        self.used_uids: set[str] = set()

    # -- entities -------------------------------------------------------------------
    def add(self, kind: str, **kw: Any) -> Entity:
        e = Entity(eid=f"E{len(self.entities):04d}", **kw)
        self.entities.append(e)
        self.entity_kinds[kind] += 1
        return e

    def uid(self, n: int) -> str:
        while True:
            u = "".join(self.rng.choice("0123456789") for _ in range(n))
            if u[0] != "0" and u not in self.used_uids:
                self.used_uids.add(u)
                return u

    # -- listings -------------------------------------------------------------------
    def listing_for(self, e: Entity, source: str, primary: bool) -> dict[str, Any]:
        rng = self.rng
        org_name, org_base = ORGANISERS[e.org]
        slug = e.slug or slugify(e.title)
        start = e.start
        end = start + timedelta(minutes=e.minutes)
        online = e.venue is None
        kinds: list[str] = []
        rec: dict[str, Any] = {"source": source}
        if source == "eventbrite":
            uid = self.uid(12)
            rec["source_uid"] = uid
            rec["url"] = f"https://www.eventbrite.co.uk/e/{slug}-tickets-{uid}"
        elif source == "meetup":
            uid = self.uid(9)
            group = slugify(org_name)
            rec["source_uid"] = uid
            rec["url"] = f"https://www.meetup.com/{group}/events/{uid}/"
        elif source == "luma":
            uid = "".join(rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(8))
            rec["source_uid"] = f"evt-{uid}"
            rec["url"] = f"https://lu.ma/{uid}"
        elif source == "google-calendar":
            uid = "".join(rng.choice("0123456789abcdefghijklmnopqrstuv") for _ in range(26))
            rec["source_uid"] = f"{uid}@google.com"
            # Shared calendars usually paste the organiser's own page, sometimes tracked.
            own = f"{org_base}{e.same_url_as or slug}"
            rec["url"] = own + (
                "?utm_source=calendar&utm_medium=ical" if rng.random() < 0.5 else ""
            )
            if not primary:
                kinds.append("url_own_site_vs_platform")
        else:  # the organiser's own site
            rec["source_uid"] = f"{e.same_url_as or slug}-{start:%Y%m%d-%H%M}"
            rec["url"] = f"{org_base}{e.same_url_as or slug}"
        if not primary and source in ("eventbrite", "meetup", "luma"):
            kinds.append("url_platform")

        title = e.title
        tz_name: str | None = "Europe/London"
        all_day = False
        loc: dict[str, Any] = {}
        if online:
            loc = {"location_name": "Online", "online": True}
        else:
            assert e.venue is not None
            name, city, pc = e.venue
            loc = {"location_name": f"{name}, {city}", "postcode": pc, "online": False}
        desc = f"{e.title}. Organised by {org_name}."
        organiser: str | None = org_name

        if not primary:
            title, tkinds = self.reword(e, title, org_name, online)
            kinds += tkinds
            r = rng.random()
            if e.allow_all_day and r < 0.12:
                all_day = True
                kinds.append("all_day")
            elif r < 0.50:
                tz_name, start, end = shift_zone(rng, start, end)
                kinds.append("zone_" + (tz_name or "offset").replace("/", "_"))
            if rng.random() < 0.25:
                loc = {}
                kinds.append("missing_location")
            elif not online and rng.random() < 0.2:
                assert e.venue is not None
                loc = {"location_name": e.venue[0], "online": False}  # no city, no postcode
                kinds.append("venue_name_only")
            if rng.random() < 0.3:
                organiser = None
                kinds.append("missing_organiser")
            if rng.random() < 0.3:
                end = None
                kinds.append("missing_end")
            if rng.random() < 0.4:
                desc = None
            if not kinds:
                kinds.append("verbatim_copy")
        if all_day:
            d = e.start.astimezone(LONDON).date()
            start = datetime.combine(d, time(0), LONDON)
            end = start + timedelta(days=1)
        rec.update(
            {
                "title": title,
                "start": start.isoformat(),
                "end": end.isoformat() if end else None,
                "all_day": all_day,
                "timezone": tz_name,
                **loc,
                "organiser": organiser,
                "description": desc,
            }
        )
        for k in kinds:
            self.copy_kinds[k] += 1
        return {k: v for k, v in rec.items() if v is not None}

    def reword(self, e: Entity, title: str, org: str, online: bool) -> tuple[str, list[str]]:
        rng = self.rng
        if e.variants and rng.random() < 0.85:
            return rng.choice(e.variants), ["title_handwritten_rewording"]
        options = ["same", "case", "organiser_in_title", "tagline", "ampersand", "punct"]
        if online:
            options += ["online_prefix", "webinar_prefix", "online_prefix"]
        if re.search(r"\b20\d\d\b", title):
            options += ["year_short"]
        if "Government" in title or "government" in title:
            options += ["gov_abbrev"]
        pick = rng.choice(options)
        t = title
        if pick == "same":
            return t, []
        if pick == "case":
            t = t.lower() if rng.random() < 0.5 else t.upper()
        elif pick == "organiser_in_title":
            t = rng.choice([f"{org}: {t}", f"{t} | {org}", f"{t} - {org}", f"{org} {t}"])
        elif pick == "tagline":
            dash = rng.choice(DASHES)
            t = f"{t} {dash} {rng.choice(TAGLINES)}"
        elif pick == "ampersand":
            t = t.replace(" and ", " & ") if " and " in t else t + " & networking"
        elif pick == "punct":
            t = re.sub(r"[^\w\s]", "", t).replace("  ", " ")
            t = t.replace(" ", "-") if rng.random() < 0.3 else t + "!"
        elif pick == "online_prefix":
            t = rng.choice([f"(online) {t}", f"{t} (online)", f"[Online] {t}", f"{t} - online"])
        elif pick == "webinar_prefix":
            t = rng.choice([f"Webinar: {t}", f"WEBINAR - {t}", f"{t} (webinar)"])
        elif pick == "year_short":
            y = re.search(r"\b20(\d\d)\b", t)
            assert y
            t = t.replace(y.group(0), rng.choice([y.group(1), "'" + y.group(1), ""])).strip()
            t = re.sub(r"\s+", " ", t)
        elif pick == "gov_abbrev":
            t = t.replace("Government", "Gov").replace("government", "gov")
        return t, ["title_" + pick]

    def emit(self) -> None:
        rng = self.rng
        for e in self.entities:
            n = e.n_copies
            if n is None:
                n = rng.choices([1, 2, 3, 4], weights=[35, 38, 21, 6])[0]
            own = OWN_SOURCE.get(e.org)
            primary_source = e.primary_source or own or rng.choice(COPY_SOURCES)
            others = [s for s in [*COPY_SOURCES, *([own] if own else [])] if s != primary_source]
            rng.shuffle(others)
            sources = [primary_source, *others[: n - 1]]
            for i, src in enumerate(sources):
                lid = f"L{len(self.listings):04d}"
                rec = {"id": lid, **self.listing_for(e, src, primary=i == 0)}
                self.listings.append(rec)
                self.labels.append({"id": lid, "entity": e.eid})
                if i == 0:
                    self.primary[e.eid] = lid


def slugify(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def shift_zone(
    rng: random.Random, start: datetime, end: datetime | None
) -> tuple[str | None, datetime, datetime | None]:
    """The same instants, written in another zone or as a bare offset."""
    zone = rng.choice(["UTC", "UTC", "Europe/Paris", "America/New_York", None])
    if zone is None:  # bare offset, no zone name; UTC written as +00:00
        z: Any = UTC
    else:
        z = ZoneInfo(zone)
    s = start.astimezone(z)
    e = end.astimezone(z) if end else None
    return zone, s, e


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), LONDON)


def rand_day(rng: random.Random, weekday: int | None = None) -> date:
    d = date(2026, 3, 2) + timedelta(days=rng.randrange(0, 360))
    if weekday is not None:
        d += timedelta(days=(weekday - d.weekday()) % 7)
    while d.weekday() >= 5 and weekday is None:
        d += timedelta(days=1)
    return d


def build(seed: int = SEED) -> Builder:
    b = Builder(seed)
    rng = b.rng
    V = {v[0]: v for v in VENUES}

    # 1. Flagship events with hand-written rewordings (3-5 copies each).
    flagships: list[tuple[str, list[str], datetime, int, str, str | None]] = [
        (
            "UKGovCamp 2027",
            [
                "UK GovCamp 2027 — the unconference",
                "ukgovcamp27",
                "UKGovCamp 27",
                "UK Gov Camp 2027",
                "UKGovCamp 2027: the unconference for people in and around government",
            ],
            at(date(2027, 1, 23), 9, 0),
            480,
            "ukgovcamp",
            "Central Hall Westminster",
        ),
        (
            "LocalGovCamp 2026",
            ["LocalGov Camp 2026", "localgovcamp26", "LocalGovCamp '26 (Birmingham)"],
            at(date(2026, 6, 26), 9, 30),
            450,
            "localgov",
            "Impact Hub Birmingham",
        ),
        (
            "CommsCamp 2026",
            ["Comms Camp 2026", "commscamp26", "CommsCamp 2026 - the unconference for comms"],
            at(date(2026, 7, 9), 9, 0),
            480,
            "commscamp",
            "Birmingham Council House",
        ),
        (
            "Service Design in Government 2026",
            ["SDinGov 2026", "SDinGov26 conference", "Service Design in Gov 2026"],
            at(date(2026, 9, 23), 9, 0),
            510,
            "sdig",
            "Leeds Dock",
        ),
        (
            "GovCamp Cymru 2026",
            ["GovCamp Cymru '26", "govcampcymru 2026", "GovCamp Cymru 2026 (Caerdydd)"],
            at(date(2026, 9, 19), 9, 30),
            420,
            "onegov",
            "Tramshed Tech",
        ),
        (
            "NHS-R Community Conference 2026",
            ["NHS-R Conference 2026", "NHSR Community conf 2026", "NHS R Community Conference"],
            at(date(2026, 11, 10), 9, 0),
            480,
            "nhsr",
            "Kings Place",
        ),
        (
            "Open Data Camp 10",
            ["ODCamp 10", "Open Data Camp #10", "opendatacamp10"],
            at(date(2026, 10, 17), 9, 0),
            480,
            "odi",
            "Engine Shed",
        ),
        (
            "Scotland's GovCamp 2026",
            ["Scotlands GovCamp 2026", "ScotGovCamp 26", "Scotland GovCamp 2026 unconference"],
            at(date(2026, 8, 21), 9, 0),
            450,
            "onegov",
            "CodeBase",
        ),
        (
            "One Team Gov Global Summit 2026",
            ["OneTeamGov Global Summit 2026", "OTG Global Summit '26", "1TeamGov Global Summit"],
            at(date(2026, 7, 1), 9, 30),
            420,
            "onegov",
            "The Foundry",
        ),
        (
            "AI for Public Good: i.AI showcase",
            [
                "i.AI showcase: AI for public good",
                "Incubator for AI showcase",
                "AI for Public Good",
            ],
            at(date(2026, 5, 14), 13, 0),
            180,
            "iai",
            None,
        ),
        (
            "Digital Health Rewired Local 2026",
            ["Rewired Local 2026", "Digital Health Rewired Local", "Rewired Local '26 (Leeds)"],
            at(date(2026, 4, 29), 9, 0),
            420,
            "nhs",
            "Munro House",
        ),
        (
            "Services Week 2026: opening session",
            [
                "Services Week opening session",
                "#ServicesWeek 2026 - opening",
                "ServicesWeek26 kick-off",
            ],
            at(date(2026, 5, 18), 10, 0),
            90,
            "onegov",
            None,
        ),
    ]
    for title, variants, start, minutes, org, venue in flagships:
        b.add(
            "flagship",
            title=title,
            start=start,
            minutes=minutes,
            org=org,
            venue=V[venue] if venue else None,
            variants=variants,
            n_copies=rng.choice([3, 4, 5]),
        )

    # 2. Hard negatives: recurring series (same title, same venue, different dates).
    series = [
        ("One Team Gov breakfast", "onegov", "The Foundry", 2, 8, 0, 60, 7),
        ("Content Design London meetup", "gds", "Kings Place", 1, 18, 30, 120, 28),
        ("Service Design Leeds", "sdig", "Munro House", 3, 18, 0, 120, 28),
        ("LocalGov Digital Network: North West", "localgov", "Federation House", 2, 13, 0, 90, 35),
        ("NHS Digital Academy alumni drinks", "nhs", "Leeds Dock", 3, 17, 30, 120, 28),
        ("Data Science Campus community call", "ons", None, 1, 14, 0, 60, 14),
        ("Bristol Civic Tech night", "mysociety", "Watershed", 2, 18, 30, 150, 28),
        ("Accessibility Lunch", "gds", None, 3, 12, 30, 60, 7),
    ]
    for title, org, venue, wd, hh, mm, mins, gap in series:
        d0 = rand_day(rng, wd)
        prev: Entity | None = None
        for k in range(8):
            d = d0 + timedelta(days=gap * k)
            if gap == 28:  # monthly: same weekday of the month-ish
                d = d0 + timedelta(weeks=4 * k + (1 if k % 3 == 2 else 0))
            e = b.add(
                "series_occurrence",
                title=title,
                start=at(d, hh, mm),
                minutes=mins,
                org=org,
                venue=V[venue] if venue else None,
                slug=f"{slugify(title)}-{d:%Y-%m-%d}",
            )
            if prev:
                b.hard.append((prev.eid, e.eid, "series_same_title_same_venue_other_date"))
            prev = e

    # 3. Hard negatives: two different sessions at the same venue on the same day.
    session_pairs = [
        (
            "Accessibility in practice: morning workshop",
            "Accessibility in practice: afternoon workshop",
        ),
        ("User research clinic", "Content design clinic"),
        ("Intro to agile for councils", "Agile for council leaders"),
        ("Data ethics masterclass", "Data ethics roundtable"),
        ("Service design 101", "Service design 201"),
        ("NHS App show and tell", "NHS login show and tell"),
        ("Open data breakfast", "Open data lunch and learn"),
        ("Procurement reform: buyers' session", "Procurement reform: suppliers' session"),
        ("Digital inclusion workshop", "Digital inclusion hackathon"),
        ("GOV.UK Design System drop-in", "GOV.UK Prototype Kit drop-in"),
        ("AI in public services: the basics", "AI in public services: the ethics"),
        ("Product management meetup", "Delivery management meetup"),
        ("Plain English workshop", "Plain English clinic"),
        ("Legacy IT replacement: lessons learned", "Legacy IT replacement: ask me anything"),
    ]
    for k, (t1, t2) in enumerate(session_pairs + session_pairs[:12]):
        venue = VENUES[rng.randrange(len(VENUES))]
        d = rand_day(rng)
        h1 = rng.choice([9, 10])
        h2 = rng.choice([13, 14, 15])
        org = rng.choice(list(ORGANISERS))
        if k >= len(session_pairs):  # second run of the pair in another place and month
            t1, t2 = t1 + " (" + venue[1] + ")", t2 + " (" + venue[1] + ")"
        e1 = b.add(
            "same_venue_same_day",
            title=t1,
            start=at(d, h1),
            minutes=120,
            org=org,
            venue=venue,
            allow_all_day=False,
        )
        e2 = b.add(
            "same_venue_same_day",
            title=t2,
            start=at(d, h2),
            minutes=120,
            org=org,
            venue=venue,
            allow_all_day=False,
        )
        b.hard.append((e1.eid, e2.eid, "same_venue_same_day_other_session"))

    # 4. Hard negatives: same title in a different year (same venue, same season).
    yearly = [
        ("CommsCamp North", "commscamp", "Baltic Creative"),
        ("LocalGov Digital Summit", "localgov", "Birmingham Council House"),
        ("Open Data Camp Wales", "odi", "Tramshed Tech"),
        ("NHS Digital Summer School", "nhs", "Manchester Central Library"),
        ("Govcamp Northern Ireland", "onegov", "Ormeau Baths"),
        ("Socitm President's Conference", "socitm", "Nottingham Council House"),
        ("Public Digital Open House", "publicdigital", "Kings Place"),
        ("Institute for Government Data Bites", "ifg", "Central Hall Westminster"),
        ("Smart Places Festival", "nesta", "Newcastle Helix"),
        ("Civic Tech Cymru", "mysociety", "Tramshed Tech"),
        ("Sheffield Digital Public Sector Day", "localgov", "Sheffield Digital Campus"),
        ("East of England Digital Day", "localgov", "The Guildhall"),
        ("South West Public Sector Design Day", "sdig", "Exeter Science Park"),
        ("Brighton Public Services Hack Day", "mysociety", "Plus X Brighton"),
        ("Scottish Digital Leaders", "socitm", "The Lighthouse"),
        ("Health Data Leeds", "nhsr", "Leeds Dock"),
        ("Digital Leaders Forum", "publicdigital", "Kings Place"),
        ("Local Government Cyber Day", "socitm", "Federation House"),
        ("Design in Government Day", "gds", "The Foundry"),
        ("Open Government Unconference", "onegov", "Engine Shed"),
    ]
    for title, org, venue in yearly:
        d1 = rand_day(rng)
        d2 = d1 + timedelta(weeks=52)  # same weekday, a year later
        hh = rng.choice([9, 10])
        e1 = b.add(
            "same_title_other_year",
            title=title,
            start=at(d1, hh),
            minutes=420,
            org=org,
            venue=V[venue],
        )
        e2 = b.add(
            "same_title_other_year",
            title=title,
            start=at(d2, hh),
            minutes=420,
            org=org,
            venue=V[venue],
        )
        b.hard.append((e1.eid, e2.eid, "same_title_other_year"))

    # 5. Hard negatives: near-identical titles, different cities, same day and time.
    city_groups = [
        ("Data meetup {city}", "odi", ["Leeds", "Manchester", "Sheffield"]),
        ("One Team Gov {city} breakfast", "onegov", ["London", "Bristol", "Birmingham"]),
        ("Service Design {city} meetup", "sdig", ["Edinburgh", "Glasgow", "Newcastle"]),
        ("NHS digital clinical safety: {city}", "nhs", ["Leeds", "Nottingham", "Exeter"]),
        (
            "LocalGov Digital {city} Pipeline session",
            "localgov",
            ["Birmingham", "Liverpool", "Cambridge"],
        ),
        ("AI Ready Councils: {city}", "iai", ["Manchester", "Cardiff", "Brighton"]),
        ("GovCamp {city}", "ukgovcamp", ["Belfast", "Leeds", "Bristol"]),
        ("Digital inclusion roadshow - {city}", "nesta", ["Newcastle", "Sheffield", "Liverpool"]),
        ("Open Data {city}", "odi", ["Bristol", "Cardiff", "Exeter"]),
        ("Product people {city}", "publicdigital", ["London", "Manchester", "Edinburgh"]),
        ("Civic tech drinks {city}", "mysociety", ["Glasgow", "Belfast", "Brighton"]),
        ("Population health data {city} workshop", "nhsr", ["Nottingham", "Cambridge", "Leeds"]),
    ]
    by_city: dict[str, list[tuple[str, str, str]]] = {}
    for v in VENUES:
        by_city.setdefault(v[1], []).append(v)
    for tmpl, org, cities in city_groups:
        d = rand_day(rng)
        hh, mm = rng.choice([(18, 0), (18, 30), (9, 30), (12, 0)])
        es = []
        for city in cities:
            venue = rng.choice(by_city[city])
            es.append(
                b.add(
                    "same_day_other_city",
                    title=tmpl.format(city=city),
                    start=at(d, hh, mm),
                    minutes=120,
                    org=org,
                    venue=venue,
                )
            )
        for x, y in combinations(es, 2):
            b.hard.append((x.eid, y.eid, "near_identical_title_other_city_same_day"))

    # 6. Hard negatives: one source, one title, one day, two different times.
    repeats = [
        ("GOV.UK Design System office hours", "gds", None),
        ("Introduction to user-centred design", "localgov", "Munro House"),
        ("NHS App integration drop-in", "nhs", None),
        ("One Team Gov coffee morning", "onegov", "Kings Place"),
        ("Cyber essentials for councils webinar", "localgov", None),
        ("Writing for GOV.UK training", "gds", "The Foundry"),
        ("Digital social care records: supplier demo", "nhs", None),
        ("UKGovCamp pitch practice", "ukgovcamp", None),
        ("LocalGov Drupal show and tell", "localgov", None),
        ("Accessibility testing with screen readers", "gds", "Kings Place"),
        ("Data Maturity Assessment briefing", "localgov", None),
        ("Patient safety and digital tools", "nhs", "Leeds Dock"),
        ("Agile coaching circle", "onegov", None),
        ("GDS Academy taster", "gds", "Central Hall Westminster"),
        ("Local Digital Fund applicants' Q&A", "localgov", None),
        ("Ask a user researcher", "onegov", None),
        ("Federated Data Platform briefing", "nhs", None),
        ("Service assessments explained", "gds", None),
        ("Civic tech newcomers session", "onegov", "Watershed"),
        ("Council website benchmarking clinic", "localgov", None),
    ]
    for k, (title, org, venue) in enumerate(repeats):
        d = rand_day(rng)
        src = OWN_SOURCE[org]
        h1, h2 = rng.choice([(10, 14), (11, 15), (9, 13), (12, 18)])
        shared = slugify(title) if k % 3 == 0 else None  # a third share one page URL
        kw = dict(
            title=title,
            minutes=60,
            org=org,
            venue=V[venue] if venue else None,
            allow_all_day=False,
            primary_source=src,
            same_url_as=shared,
        )
        e1 = b.add("same_source_same_title_same_day", start=at(d, h1), **kw)
        e2 = b.add("same_source_same_title_same_day", start=at(d, h2), **kw)
        b.hard.append((e1.eid, e2.eid, "same_source_same_title_same_day_other_time"))

    # 7. Ordinary events (distinct titles), many of them duplicated across sources.
    combos = [(t, f) for t in TOPICS for f in FORMATS]
    rng.shuffle(combos)
    for topic, fmt in combos[:190]:
        org = rng.choice(list(ORGANISERS))
        online = fmt in ONLINE_FORMATS and rng.random() < 0.7
        venue = None if online else rng.choice(VENUES)
        title = f"{topic} {fmt}"
        if venue and rng.random() < 0.4:
            title += f" {venue[1]}"
        if fmt in ("conference", "summit", "unconference") and rng.random() < 0.6:
            title += " 2026"
        d = rand_day(rng)
        if fmt in ("conference", "summit", "unconference", "masterclass", "workshop"):
            hh, mm, mins = 9, rng.choice([0, 30]), rng.choice([240, 420])
        elif fmt == "breakfast":
            hh, mm, mins = 8, 0, 90
        elif online:
            hh, mm, mins = rng.choice([12, 13, 14]), 0, 60
        else:
            hh, mm, mins = 18, rng.choice([0, 30]), 120
        b.add(
            "ordinary",
            title=title[0].upper() + title[1:],
            start=at(d, hh, mm),
            minutes=mins,
            org=org,
            venue=venue,
        )

    b.emit()
    check(b)
    return b


def check(b: Builder) -> None:
    """Every labelled duplicate must be decidable: no two events share title and start."""
    seen: dict[tuple[str, str], str] = {}
    days: dict[tuple[str, date], list[Entity]] = {}
    for e in b.entities:
        key = (e.title.lower(), e.start.isoformat())
        assert key not in seen, (key, seen[key], e.eid)
        seen[key] = e.eid
        days.setdefault((e.title.lower(), e.start.date()), []).append(e)
    for group in days.values():
        if len(group) > 1:  # same title, same day: only as planned, never all-day copies
            assert all(not e.allow_all_day for e in group), [e.eid for e in group]


def dup_pairs(labels: list[dict[str, str]]) -> int:
    sizes = Counter(r["entity"] for r in labels)
    return sum(n * (n - 1) // 2 for n in sizes.values())


def main() -> None:
    b = build()
    with (HERE / "listings.jsonl").open("w") as f:
        for rec in b.listings:
            f.write(json.dumps(rec, ensure_ascii=False, sort_keys=False) + "\n")
    with (HERE / "labels.jsonl").open("w") as f:
        for rec in b.labels:
            f.write(json.dumps(rec) + "\n")
    with (HERE / "hard_negatives.jsonl").open("w") as f:
        for a, c, kind in b.hard:
            f.write(json.dumps({"a": b.primary[a], "b": b.primary[c], "kind": kind}) + "\n")

    sizes = Counter(r["entity"] for r in b.labels)
    print(f"seed {SEED}")
    print(
        f"listings {len(b.listings)}, entities {len(b.entities)}, "
        f"true duplicate pairs {dup_pairs(b.labels)}, hard non-duplicate pairs {len(b.hard)}"
    )
    print("entities by kind:", dict(sorted(b.entity_kinds.items())))
    print("listings per entity:", dict(sorted(Counter(sizes.values()).items())))
    print("sources:", dict(Counter(r["source"] for r in b.listings).most_common()))
    print("copy variations (a copy may carry several; counted per non-primary listing):")
    for k, n in sorted(b.copy_kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {k}: {n}")
    print("hard negative pairs by kind:", dict(Counter(k for _, _, k in b.hard)))


if __name__ == "__main__":
    main()
