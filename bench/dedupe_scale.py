"""How long `warehouse.matching.match` takes on 100,000 listings: a benchmark, not a test.

Generates seeded synthetic listings: events across UK cities over a year (many a day),
monthly series that reuse one title, and ~30% of events listed by 2-4 sources with the
variations real sources show (year and "online" suffixes, case and punctuation, the
organiser's name in the title, another time zone for the same instant, an all-day copy, a
one-hour BST slip, missing postcodes, Eventbrite tracking parameters). Times `match()` and
prints the seconds, the clusters, and pairwise precision/recall against the generated truth,
beside splink 4 on the same listings, configured as in bench/dedupe_eval.py (the `bench`
dependency group: `uv sync --group bench`), as a markdown table.

    .venv/bin/python bench/dedupe_scale.py [--listings 100000] [--seed 7] [--no-splink]
    .venv/bin/python bench/dedupe_scale.py --quick        # 10,000 listings
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
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


def splink_records(listings: list[Listing]) -> list[dict[str, object]]:
    """The listings as bench/dedupe_eval.py's splink setup reads them."""
    return [
        {"id": x.id, "title": x.title, "start": x.start.isoformat(), "all_day": x.all_day,
         "postcode": x.postcode, "organiser": x.organiser, "url": x.url}
        for x in listings
    ]  # fmt: skip


def quiet_splink(listings: list[Listing], threshold: float) -> dict[str, str]:
    """splink's clusters, its progress messages left out of the table."""
    from bench.dedupe_eval import splink_clusters

    records = splink_records(listings)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        logging.disable(logging.WARNING)
        try:
            return splink_clusters(records, threshold)  # type: ignore[arg-type]
        finally:
            logging.disable(logging.NOTSET)


def timed(fn: Callable[[], dict[str, str]]) -> tuple[float, dict[str, str]]:
    began = time.perf_counter()
    found = fn()
    return time.perf_counter() - began, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.95, help="splink cluster threshold")
    parser.add_argument("--splink", action=argparse.BooleanOptionalAction, default=None,
                        help="run the peer too (default: yes, except with --quick)")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="10,000 listings")
    args = parser.parse_args()
    total = 10_000 if args.quick else args.listings
    with_splink = not args.quick if args.splink is None else args.splink
    listings, truth = generate(total, args.seed)
    events = len(set(truth[x.id] for x in listings))
    print(f"{len(listings):,} listings of {events:,} events, seed {args.seed}\n")
    print("| method | wall | clusters | pairwise precision | recall | time vs Convene |")
    print("|---|---|---|---|---|---|")
    ours, result = timed(lambda: dict(match(listings).cluster_of))
    rows = [("Convene `match()`", ours, result)]
    if with_splink:
        rows.append((f"splink 4 (DuckDB, cluster at {args.threshold})",
                     *timed(lambda: quiet_splink(listings, args.threshold))))  # fmt: skip
    for name, seconds, cluster_of in rows:
        precision, recall = pairwise(cluster_of, truth)
        if name.startswith("Convene"):
            name += " (target < 10 s)" if total == 100_000 else ""
        print(f"| {name} | {seconds:.1f} s | {len(set(cluster_of.values())):,} |"
              f" {precision:.4f} | {recall:.4f} | {seconds / ours:.1f}x |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
