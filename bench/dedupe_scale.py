"""How long `warehouse.matching.match` takes on 100,000 listings: a benchmark, not a test.

Generates seeded synthetic listings: events across UK cities over a year (many a day),
monthly series that reuse one title, and ~30% of events listed by 2-4 sources with the
variations real sources show (year and "online" suffixes, case and punctuation, the
organiser's name in the title, another time zone for the same instant, an all-day copy, a
one-hour BST slip, missing postcodes, Eventbrite tracking parameters). Times `match()` and
prints the seconds, the clusters, and pairwise precision/recall against the generated truth.

    .venv/bin/python bench/dedupe_scale.py [--listings 100000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from warehouse.matching import Listing, match

CITIES = [
    ("London", "EC1V 9HX"), ("Leeds", "LS1 4AP"), ("Manchester", "M1 1AA"),
    ("Birmingham", "B1 1BB"), ("Bristol", "BS1 4DJ"), ("Glasgow", "G1 1XQ"),
    ("Edinburgh", "EH1 1YZ"), ("Cardiff", "CF10 1EP"), ("Belfast", "BT1 5GS"),
    ("Newcastle", "NE1 7RU"), ("Sheffield", "S1 2HE"), ("Nottingham", "NG1 5FS"),
    ("Liverpool", "L1 8JQ"), ("Brighton", "BN1 1AE"), ("Oxford", "OX1 2JD"),
    ("Cambridge", "CB2 1TN"), ("York", "YO1 7HH"), ("Norwich", "NR2 1NH"),
]  # fmt: skip
TOPICS = [
    "Python",
    "Data",
    "Science",
    "Accessibility",
    "Cloud",
    "Security",
    "DevOps",
    "Rust",
    "Design",
    "Research",
    "Agile",
    "Open",
    "Data",
    "Civic",
    "Tech",
    "Product",
    "Management",
    "Service",
    "Design",
    "Machine",
    "Learning",
    "JavaScript",
    "Content",
    "Design",
    "User",
    "Research",
    "GovTech",
    "Digital",
    "Inclusion",
    "Cyber",
    "Privacy",
    "Kubernetes",
    "Java",
    "Testing",
    "Analytics",
    "Leadership",
    "Procurement",
    "Sustainability",
    "Blockchain",
    "Mobile",
]
FORMATS = [
    "Meetup",
    "Workshop",
    "Conference",
    "Social",
    "Talks",
    "Unconference",
    "Hack",
    "Day",
    "Breakfast",
    "Summit",
    "Forum",
    "Drinks",
    "Lunch",
    "and",
    "Learn",
    "Bootcamp",
    "Clinic",
    "Networking",
    "Showcase",
    "Roundtable",
    "Masterclass",
]
EXTRA = [
    "Spring",
    "Summer",
    "Autumn",
    "Winter",
    "Annual",
    "Beginners",
    "Advanced",
    "Intro",
    "Community",
    "Network",
]


def make_title(rng: random.Random) -> str:
    words = [rng.choice(TOPICS)]
    if rng.random() < 0.5:
        words.append(rng.choice(TOPICS))
    words.append(rng.choice(FORMATS))
    if rng.random() < 0.4:
        words.insert(0, rng.choice(EXTRA))
    return " ".join(words)


def vary_title(rng: random.Random, title: str, city: str, year: int, organiser: str) -> str:
    out = title
    roll = rng.random()
    if roll < 0.2:
        out = f"{out} {year}"
    elif roll < 0.3:
        out = f"{out} (online)" if rng.random() < 0.5 else f"{out} - {city}"
    elif roll < 0.4:
        out = out.upper()
    elif roll < 0.5:
        out = f"{organiser}: {out}"
    elif roll < 0.55:
        out = out.replace(" ", "", 1)
    return out


def generate(total: int, seed: int) -> tuple[list[Listing], dict[str, int]]:
    rng = random.Random(seed)
    sources = [f"src{n:03d}" for n in range(300)]
    organisers = [f"{c} {t} Group" for c, _ in CITIES for t in TOPICS[:12]]
    listings: list[Listing] = []
    truth: dict[str, int] = {}
    event = 0
    base = datetime(2027, 1, 1, tzinfo=UTC)
    while len(listings) < total:
        title = make_title(rng)
        city, postcode = rng.choice(CITIES)
        organiser = rng.choice(organisers)
        day = rng.randrange(365)
        hour = rng.choice([9, 10, 12, 13, 17, 18, 18, 19])
        minute = rng.choice([0, 0, 30])
        # a tenth are monthly series: one title, several dates
        occurrences = rng.randint(3, 8) if rng.random() < 0.1 else 1
        for occ in range(occurrences):
            start = base + timedelta(days=(day + 28 * occ) % 365, hours=hour, minutes=minute)
            copies = 1 if rng.random() < 0.7 else rng.randint(2, 4)
            eb_id = str(rng.randrange(10**11, 10**12))
            uid = f"{rng.getrandbits(64):x}@{city.lower()}.example"
            for src in rng.sample(sources, copies):
                lid = f"{src}/{uid}"
                title_v = (
                    vary_title(rng, title, city, start.year, organiser) if copies > 1 else title
                )
                start_v = start
                all_day = False
                roll = rng.random()
                if roll < 0.15:
                    start_v = start.astimezone(timezone(timedelta(hours=rng.choice([-5, 1, 2]))))
                elif roll < 0.2:
                    start_v = datetime(start.year, start.month, start.day, tzinfo=UTC)
                    all_day = True
                elif roll < 0.23:
                    start_v = start + timedelta(hours=1)  # BST slip
                url = None
                if rng.random() < 0.3:
                    url = f"https://www.eventbrite.co.uk/e/x-tickets-{eb_id}?aff=src{rng.randrange(9)}"
                listings.append(
                    Listing(
                        id=lid,
                        source=src,
                        source_uid=uid if rng.random() < 0.1 else f"{uid}#{src}",
                        title=title_v,
                        start=start_v,
                        all_day=all_day,
                        url=url,
                        location_name=f"{city} Hub" if rng.random() < 0.5 else None,
                        postcode=postcode if rng.random() < 0.6 else None,
                        organiser=organiser if rng.random() < 0.6 else None,
                    )
                )
                truth[lid] = event
            event += 1
    return listings[:total], truth


def pairwise(cluster_of: dict[str, str], truth: dict[str, int]) -> tuple[float, float]:
    def pairs(groups: dict[object, list[str]]) -> set[tuple[str, str]]:
        return {p for g in groups.values() for p in combinations(sorted(g), 2)}

    found: dict[object, list[str]] = defaultdict(list)
    real: dict[object, list[str]] = defaultdict(list)
    for lid, cid in cluster_of.items():
        found[cid].append(lid)
        real[truth[lid]].append(lid)
    got, want = pairs(found), pairs(real)
    hit = len(got & want)
    return hit / max(1, len(got)), hit / max(1, len(want))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    listings, truth = generate(args.listings, args.seed)
    began = time.perf_counter()
    result = match(listings)
    seconds = time.perf_counter() - began
    clusters = len(set(result.cluster_of.values()))
    events = len(set(truth[x.id] for x in listings))
    precision, recall = pairwise(dict(result.cluster_of), truth)
    print(f"listings {len(listings)}  events {events}  clusters {clusters}")
    print(f"match() {seconds:.2f} s  pairs scored {len(result.pairs)}")
    print(f"pairwise precision {precision:.4f}  recall {recall:.4f}")


if __name__ == "__main__":
    main()
