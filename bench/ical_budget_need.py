"""How much of scrapers.ical_budget's budget real series use: the figure STEPS is set from.

Parses every calendar of the corpus (when present), the test fixtures and the samples in
three windows, and prints the series that used the most units of dateutil work. STEPS
(60,000) should stay about ten times the largest.

    .venv/bin/python bench/ical_budget_need.py [--top N]
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scrapers.ical_expand as expand  # noqa: E402
from bench.corpus_library import CORPUS  # noqa: E402
from scrapers.ical import parse  # noqa: E402
from scrapers.ical_budget import STEPS, Budget  # noqa: E402
from scrapers.model import ParseContext, Source  # noqa: E402

SOURCE = Source(id="m", name="m", organiser="t", url="https://e.org/c.ics", kind="ical")
WINDOWS = {
    "1920-2070": ParseContext(
        now=datetime(2020, 1, 1, tzinfo=UTC), days_back=36500, days_ahead=18250
    ),
    "today": ParseContext(),
    "2026": ParseContext(now=datetime(2026, 1, 15, tzinfo=UTC)),
}
used: list[tuple[int, str]] = []
current = ""


class Measured(Budget):
    """The budget, noting what each series used when it ends."""

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        used.append((self.used, current))
        super().__exit__(kind, exc, tb)


def calendars() -> list[Path]:
    folders = [CORPUS / "ics", ROOT / "tests" / "fixtures" / "ical", ROOT / "examples" / "samples"]
    return [p for f in folders if f.is_dir() for p in sorted(f.iterdir()) if p.suffix == ".ics"]


def main() -> int:
    global current
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    expand.Budget = Measured  # type: ignore[attr-defined]
    files = calendars()
    for path in files:
        for window, ctx in WINDOWS.items():
            current = f"{path.name} ({window})"
            parse(SOURCE, path.read_bytes(), ctx)
    used.sort(reverse=True)
    print(
        f"{len(files)} calendars x {len(WINDOWS)} windows, {len(used)} series; STEPS = {STEPS:,}\n"
    )
    print("| units | series |\n|---|---|")
    for units, name in used[: args.top]:
        print(f"| {units:,} | {name} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
