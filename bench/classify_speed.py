"""Classification speed: the rules (no model) on 10,000 listings.

    .venv/bin/python bench/classify_speed.py [--listings 10000] [--repeat 3]

The labelled listings in tests/classify_eval/listings.jsonl, repeated to the wanted
count, go through Classifier().classify_many; the best of `repeat` runs is reported,
because on a shared machine the slower runs measure the neighbours (the CPU time,
printed too, is steadier there). The breakdown times the three parts of the rules on
their own, in the same way, so it needs no profiler (whose overhead would distort the
split); what is left is classify's own work: joining fields, summarising the labels.
The phrase matcher keeps its answers for the last 32 texts of each data file only, so
the repeats (every 375 listings) are searched again like new ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from warehouse import cues, professions  # noqa: E402
from warehouse.classify import Classifier  # noqa: E402
from warehouse.phrases import joined  # noqa: E402
from warehouse.records import Subject  # noqa: E402
from warehouse.regions import regions_for  # noqa: E402
from warehouse.subjects_io import read_subjects  # noqa: E402

LISTINGS = REPO / "tests" / "classify_eval" / "listings.jsonl"


def load(count: int) -> list[Subject]:
    with LISTINGS.open(encoding="utf-8") as lines:
        subjects = [r.subject for r in read_subjects(lines) if r.subject is not None]
    return [subjects[i % len(subjects)] for i in range(count)]


def best_of(repeat: int, work: Callable[[], object]) -> tuple[float, float]:
    """The shortest wall-clock and the shortest CPU time of `repeat` runs, in seconds."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def _professions(subjects: Sequence[Subject]) -> None:
    for s in subjects:
        fields = {"title": s.title, "organiser": s.organiser, "description": s.description}
        professions.from_text(fields)
        professions.from_categories(s.categories)
        professions.from_defaults(s.default_professions, s.source)


def _cues(subjects: Sequence[Subject]) -> None:
    for s in subjects:
        text = joined([s.title, s.description, s.location_name, s.address])
        cues.free(text)
        cues.restricted(text)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    subjects = load(args.listings)
    classifier = Classifier()
    classifier.classify_many(subjects[:50])  # first-use costs are not what we measure
    n = len(subjects)
    total, total_cpu = best_of(args.repeat, lambda: classifier.classify_many(subjects))
    parts = {
        "regions": best_of(args.repeat, lambda: [regions_for(s) for s in subjects]),
        "professions": best_of(args.repeat, lambda: _professions(subjects)),
        "cues (free, restricted)": best_of(args.repeat, lambda: _cues(subjects)),
    }
    print(
        f"command: .venv/bin/python bench/classify_speed.py --listings {n} --repeat {args.repeat}"
    )
    print(f"classify_many, {n:,} listings, best of {args.repeat}: {total:.2f} s")
    print(f"  {1000 * total / n:.3f} ms per listing ({1000 * total_cpu / n:.3f} ms of CPU)")
    for name, (seconds, _) in parts.items():
        print(f"  {name:<24} {1000 * seconds / n:.3f} ms per listing ({seconds / total:.0%})")


if __name__ == "__main__":
    main()
