"""Each step of the publish task timed on an existing database: a benchmark, not a test.

Runs `flows.refresh.publish_feeds` once on FOLDER (which holds c.duckdb or convene.duckdb,
sources.toml and public/, as a bench run, `bench/suite.py --keep DIR`'s DIR/main, or a copy
of a real data folder leaves them), timing every function it calls by wrapping it. Run it
twice to time an unchanged round. TREE lets the same script time another checkout of
Convene (a `git worktree` of an earlier commit).

    .venv/bin/python bench/publish_steps.py FOLDER [--tree PATH] [--label TEXT]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STEPS = (
    "published_events", "read_published", "read_site_data", "change_records", "news_posts",
    "publish", "publish_analysis", "write_site",
)  # fmt: skip


def timed(module: Any, name: str, times: dict[str, float]) -> None:
    fn: Callable[..., Any] | None = getattr(module, name, None)
    if fn is None:  # an older tree may not have every step
        return

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            times[name] = times.get(name, 0.0) + time.perf_counter() - began

    setattr(module, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--label", default="run")
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree))
    import flows.refresh as refresh
    from scrapers.config import load_settings
    from scrapers.registry import PARSERS
    from scrapers.sources import load_sources
    from warehouse.overrides import Overrides

    times: dict[str, float] = {}
    for name in STEPS:
        timed(refresh, name, times)
    sources_file = args.folder / "sources.toml"
    ids = [s.id for s in load_sources(sources_file, PARSERS.keys())]
    window = load_settings(sources_file).window
    db = args.folder / "c.duckdb"
    if not db.exists():  # as bench/suite.py --keep leaves it
        db = args.folder / "convene.duckdb"
    began = time.perf_counter()
    refresh.publish_feeds.fn(
        db, args.folder / "public", ids, datetime.now(UTC), None,
        Overrides(), window,
    )  # fmt: skip
    total = time.perf_counter() - began
    steps = " ".join(f"{k}={v:.2f}" for k, v in times.items())
    print(f"{args.label} total={total:.1f} {steps}", flush=True)


if __name__ == "__main__":
    main()
