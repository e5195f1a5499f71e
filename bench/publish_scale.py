"""Publishing N events into every feed: the cached publisher against the reference
renderers and against the floor. A benchmark, not a test.

Events: the listings of bench/dedupe_scale.py (18 cities, a year of dates, series, ~30%
listed by several sources) as published entries, spread like real ones: each city's
region, 10% online, 4% UK-wide, 1-3 professions with the classifier's reasons, some copies
listed elsewhere, mostly Europe/London with some Brussels and New York times.

    cached  feeds.write.publish: every feed's .ics, .xml and -changes.xml (no changes
            here), each event's VEVENT and RSS item serialised once (feeds.cached)
    floor   every event serialised once (one VEVENT, one RSS item, with the fast
            serialiser) plus writing the same number of files of the same sizes the same
            way (write_atomic: temp file, fsync, rename; one fsync of the folder)
    naive   the same publish with the reference renderers (feeds.ical.render_ics with
            icalendar objects, feeds.rss.render_rss with ElementTree) for every feed; at
            scale it is timed on a sample of the feeds and scaled by their share of the
            event placements (an event in ten feeds is ten placements)
    again   publish again an hour later, nothing changed (the manifest skips every feed)
    pages   feeds.site.write_site: the index and one page per feed

    .venv/bin/python bench/publish_scale.py [--events 100000] [--naive-placements 40000]
    .venv/bin/python bench/publish_scale.py --quick   (1,000 events, written to /dev/shm)
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import feeds.specs
import feeds.write
from bench.dedupe_scale import CITIES, generate
from feeds.cached import Cache
from feeds.changes_feed import render_changes
from feeds.ical import render_ics
from feeds.ical_text import explanation_text, vevent_text
from feeds.rss import render_rss
from feeds.rss_text import event_item
from feeds.site import write_site
from feeds.specs import FeedSpec, feeds_of
from feeds.write import _fsync_dir, publish, write_atomic
from scrapers.model import Event, Location
from scrapers.vocab import PROFESSIONS
from warehouse.news_types import Change
from warehouse.records import Label, StoredEvent

NOW = datetime(2026, 12, 20, 6, tzinfo=UTC)
REGION_OF = {
    "London": "london", "Leeds": "yorkshire-and-the-humber", "Manchester": "north-west",
    "Birmingham": "west-midlands", "Bristol": "south-west", "Glasgow": "scotland",
    "Edinburgh": "scotland", "Cardiff": "wales", "Belfast": "northern-ireland",
    "Newcastle": "north-east", "Sheffield": "yorkshire-and-the-humber",
    "Nottingham": "east-midlands", "Liverpool": "north-west", "Brighton": "south-east",
    "Oxford": "south-east", "Cambridge": "east-of-england", "York": "yorkshire-and-the-humber",
    "Norwich": "east-of-england",
}  # fmt: skip
BLURB = (
    "Talks, a panel and time to talk to people doing the same work elsewhere. "
    "Step-free access; tea and coffee from 6pm, talks from 6:30, drinks after."
)


def _places(rng: random.Random, city: str) -> tuple[str, ...]:
    roll = rng.random()
    if roll < 0.10:
        return ("online",)
    if roll < 0.14:
        return ("uk-wide",)
    home = REGION_OF[city]
    return (home, "online") if roll < 0.2 else (home,)


def synthetic(total: int, seed: int = 11) -> list[StoredEvent]:
    listings, _ = generate(total, seed=seed)
    rng = random.Random(seed)
    slugs = list(PROFESSIONS)
    postcode = dict(CITIES)
    entries = []
    for n, x in enumerate(listings):
        city = x.organiser.split(" ")[0] if x.organiser else rng.choice(list(REGION_OF))
        city = city if city in REGION_OF else rng.choice(list(REGION_OF))
        regions = _places(rng, city)
        professions = tuple(rng.sample(slugs, rng.choice([1, 1, 2, 2, 3])))
        zone = rng.choices(["Europe/London", "Europe/Brussels", "America/New_York"], [95, 3, 2])
        online = regions == ("online",)
        event = Event(
            x.source, f"{x.source_uid}-{n}", x.title, x.start.astimezone(UTC),
            x.start.astimezone(UTC) + timedelta(hours=rng.choice([1, 2, 3, 8])), x.all_day,
            zone[0], x.url or f"https://{x.source}.example.org/e/{n}", f"{x.title}. {BLURB}",
            None if online else Location(f"{city} Hub", f"1 High Street, {city}", postcode[city]),
            "online" if online else "in-person",
            "cancelled" if rng.random() < 0.02 else "scheduled",
            x.organiser,
        )  # fmt: skip
        labels = (
            *(Label("region", r, "postcode", f"postcode {postcode[city]}") for r in regions[:1]),
            *(Label("profession", p, "keyword", f"matched '{p[:4]}'") for p in professions),
        )  # fmt: skip
        copies = rng.choice(
            [(), (), (), (("Meetup", None),), (("Eventbrite", x.url), ("Lanyrd", None))]
        )
        seen = NOW - timedelta(days=rng.randint(1, 60))
        entries.append(
            StoredEvent(
                event,
                x.source,
                regions,
                professions,
                seen,
                seen,
                rng.randint(0, 3),
                copies,
                labels=labels,
            )
        )
    return entries


class NaiveCache(Cache):
    """The reference renderers, one whole feed at a time, nothing shared."""

    def ics(self, spec: FeedSpec, events: Sequence[StoredEvent]) -> bytes:
        return render_ics(spec, events, self.now)

    def rss(self, spec: FeedSpec, events: Sequence[StoredEvent]) -> bytes:
        return render_rss(spec, events, self.now, self.base_url)

    def changes(self, spec: FeedSpec, changes: Sequence[Change]) -> bytes:
        return render_changes(spec, changes, self.now, self.base_url)


def timed(work: object) -> float:
    began = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - began


def floor(events: Sequence[StoredEvent], sizes: Sequence[int], folder: Path) -> float:
    """Each event serialised once, then the same bytes written to as many files."""
    because = explanation_text("all events")
    began = time.perf_counter()
    for stored in events:
        vevent_text(stored, NOW).text(because)
        event_item(stored)
    folder.mkdir()
    for n, size in enumerate(sizes):
        write_atomic(folder / f"f{n}.ics", b"x" * size, sync_dir=False)
    _fsync_dir(folder)  # once, as publish does
    return time.perf_counter() - began


def naive(events: Sequence[StoredEvent], folder: Path, budget: int) -> tuple[float, float]:
    """(seconds, scale): the reference publish of a sample of the feeds holding about
    `budget` placements, and the factor from that sample to every feed."""
    per_feed: dict[str, int] = {}
    for stored in events:
        for spec in feeds_of(stored):
            per_feed[spec.slug] = per_feed.get(spec.slug, 0) + 1
    total = sum(per_feed.values())
    step = max(1, round(total / budget))
    chosen = set(sorted(per_feed)[::step])
    share = sum(per_feed[s] for s in chosen) / total
    kept = feeds.specs.feeds_of

    def sampled(stored: StoredEvent) -> list[FeedSpec]:
        return [spec for spec in kept(stored) if spec.slug in chosen]

    with (
        patch.object(feeds.write, "Cache", NaiveCache),
        patch.object(feeds.write, "feeds_of", sampled),
    ):
        seconds = timed(lambda: publish(events, folder, NOW))
    return seconds, 1 / share


def run(total: int, budget: int, folder: Path) -> None:
    began = time.perf_counter()
    events = synthetic(total)
    print(f"{total:,} events generated in {time.perf_counter() - began:.1f} s", flush=True)
    out = folder / "cached"
    cached = timed(lambda: publish(events, out, NOW))
    again = timed(lambda: publish(events, out, NOW + timedelta(hours=1)))
    report = publish(events, out, NOW + timedelta(hours=2))
    pages = timed(lambda: write_site(report, NOW, None, events))
    sizes = [p.stat().st_size for p in report.files]
    placements = sum(count for _, count in report.counts)
    least = floor(events, sizes, folder / "floor")
    slow, scale = naive(events, folder / "naive", budget)
    naive_all = slow * scale
    mb = sum(sizes) / 1e6
    index = (out / "index.html").stat().st_size / 1e6
    biggest = max((out / f"feed-{s.slug}.html").stat().st_size for s, _ in report.counts) / 1e6
    print(f"\n{total:,} events, {len(report.counts)} feeds, {placements:,} placements,"
          f" {len(sizes)} files, {mb:.1f} MB; naive timed on {1 / scale:.0%} of the"
          f" placements and scaled by {scale:.1f}\n")  # fmt: skip
    print("| step | measured | floor | ratio | naive (reference) | naive / cached |")
    print("|---|---|---|---|---|---|")
    print(
        f"| publish every feed, {len(sizes)} files, {mb:.0f} MB | {cached:.1f} s |"
        f" {least:.1f} s | {cached / least:.2f} | {naive_all:.0f} s | {naive_all / cached:.1f} |"
    )
    print(f"| publish again, nothing changed | {again:.2f} s | | | | |")
    print(f"| pages (index {index:.1f} MB, largest feed page {biggest:.1f} MB) | {pages:.1f} s"
          " | | | | |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--naive-placements", type=int, default=40_000)
    parser.add_argument("--quick", action="store_true", help="1,000 events, a small naive sample")
    parser.add_argument("--tmp", help="folder for the output (default: the system's temp)")
    args = parser.parse_args()
    total, budget = (1_000, 500) if args.quick else (args.events, args.naive_placements)
    # Every file is fsynced, as publish does: on a busy disk the quick run would wait
    # on the disk alone, so it writes to memory (tmpfs) where there is one.
    where = args.tmp or ("/dev/shm" if args.quick and Path("/dev/shm").is_dir() else None)
    with tempfile.TemporaryDirectory(dir=where) as tmp:
        print(f"writing under {tmp}")
        run(total, budget, Path(tmp))


if __name__ == "__main__":
    main()
