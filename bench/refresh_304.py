"""What a conditional refresh (304 Not Modified) saves: a benchmark, not a test.

Starts the test fault server (tests/faultserver.py) on 127.0.0.1 with a fixed latency per
response, serves N sources (half iCal, half RSS, ~20 events each) with ETag and
Last-Modified, and runs `fetch_all` twice: cold, then with the validators the first run
returned, so every source should answer 304. Then it times the real parsers
(scrapers.registry.PARSERS) on the first run's bodies: the work a 304 skips.

    .venv/bin/python bench/refresh_304.py [--sources 200] [--latency 0.1] [--events 20]

All sources share one host (127.0.0.1), so the default per-host limit (2 at once, 1 s
apart) would serialise them: this runs with per_host=16 and host_delay=0, as if the
sources were on different hosts, which real ones mostly are. Everything else is the
default FetchSettings.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapers.fetch import fetch_all
from scrapers.fetch_types import Fetched, FetchOutcome, FetchSettings, Validators
from scrapers.model import ParseContext, Source
from scrapers.registry import PARSERS
from tests.faultserver import (
    RSS_TYPE,
    ConnectGuard,
    Doc,
    FaultServer,
    fault_server,
    ical_body,
    rss_body,
)

SETTINGS = FetchSettings(per_host=16, host_delay=0.0)


@dataclass(frozen=True)
class RunStats:
    label: str
    seconds: float
    statuses: Counter[int | str]
    body_bytes: int

    def row(self) -> str:
        ok, not_modified = self.statuses.get(200, 0), self.statuses.get(304, 0)
        other = sum(self.statuses.values()) - ok - not_modified
        size = f"{self.body_bytes / 1024:,.0f} KiB"
        return (
            f"{self.label:<22} {self.seconds:>7.2f} {ok:>5} {not_modified:>5} {other:>6} {size:>10}"
        )


def make_sources(server: FaultServer, count: int, events: int) -> list[Source]:
    sources = []
    for n in range(count):
        if n % 2 == 0:
            name, kind = f"cal-{n}", "ical"
            server.docs[name] = Doc(ical_body(name, events=events))
        else:
            name, kind = f"rss-{n}", "feed"
            server.docs[name] = Doc(rss_body(name, items=events), RSS_TYPE)
        sources.append(Source(name, name, "Bench", server.url(f"/ok/{name}"), kind, local=True))
    return sources


def timed_fetch(
    label: str,
    sources: list[Source],
    validators: dict[str, Validators] | None,
) -> tuple[RunStats, dict[str, FetchOutcome]]:
    started = time.perf_counter()
    outcomes = asyncio.run(fetch_all(sources, SETTINGS, validators))
    seconds = time.perf_counter() - started
    statuses: Counter[int | str] = Counter(_status(outcome) for outcome in outcomes.values())
    body_bytes = sum(o.raw_bytes for o in outcomes.values() if isinstance(o, Fetched))
    return RunStats(label, seconds, statuses, body_bytes), outcomes


def _status(outcome: FetchOutcome) -> int | str:
    """The HTTP status of an answer, else the kind of failure."""
    if isinstance(outcome, Fetched) and outcome.http_status is not None:
        return outcome.http_status
    return outcome.kind if not isinstance(outcome, Fetched) else "file"


def validators_from(
    sources: list[Source], outcomes: dict[str, FetchOutcome]
) -> dict[str, Validators]:
    found = {}
    for source in sources:
        outcome = outcomes[source.id]
        if isinstance(outcome, Fetched) and (outcome.etag or outcome.last_modified):
            found[source.url] = Validators(outcome.etag, outcome.last_modified)
    return found


def time_parse(
    sources: list[Source], outcomes: dict[str, FetchOutcome]
) -> tuple[dict[str, float], int]:
    """Seconds per source kind to parse the first run's bodies, and the events found."""
    ctx = ParseContext()
    seconds: dict[str, float] = {}
    events = 0
    for source in sources:
        outcome = outcomes[source.id]
        if not isinstance(outcome, Fetched) or not outcome.body:
            continue
        started = time.perf_counter()
        result = PARSERS[source.kind](source, outcome.body, ctx)
        seconds[source.kind] = seconds.get(source.kind, 0.0) + time.perf_counter() - started
        events += len(result.events)
    return seconds, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per response")
    parser.add_argument("--events", type=int, default=20, help="events per source")
    args = parser.parse_args()

    guard = ConnectGuard()  # nothing but 127.0.0.1 can be reached from here on
    guard.install(setattr)
    with fault_server(latency=args.latency) as server:
        sources = make_sources(server, args.sources, args.events)
        # Warm-up, untimed: lazy imports and first-use costs in httpx and asyncio would
        # otherwise count against the first run only.
        timed_fetch("warm-up", sources[:2], None)
        server.clear()
        cold, first = timed_fetch("first (no validators)", sources, None)
        validators = validators_from(sources, first)
        warm, _ = timed_fetch("second (validators)", sources, validators)
        conditional = sum(1 for hit in server.hits("/ok/") if "if-none-match" in hit.headers)
    parse_seconds, events = time_parse(sources, first)
    parse_total = sum(parse_seconds.values())

    print(
        f"{args.sources} sources on 127.0.0.1 ({args.sources // 2 + args.sources % 2} iCal,"
        f" {args.sources // 2} RSS, {args.events} events each), {args.latency * 1000:g} ms"
        " latency per response"
    )
    print(
        f"FetchSettings defaults except per_host={SETTINGS.per_host} and"
        f" host_delay={SETTINGS.host_delay:g}: every source shares one host here, and the"
        " defaults (per_host=2, host_delay=1 s) would serialise them; real sources are on"
        " different hosts. concurrency="
        f"{SETTINGS.concurrency}."
    )
    print()
    print(f"{'run':<22} {'wall s':>7} {'200':>5} {'304':>5} {'other':>6} {'body':>10}")
    print(cold.row())
    print(warm.row())
    print(f"conditional requests sent in the second run: {conditional}")
    print(f"fetch ratio second/first: {warm.seconds / cold.seconds:.2f}")
    kinds = ", ".join(f"{kind} {secs:.2f} s" for kind, secs in sorted(parse_seconds.items()))
    print(
        f"parse of the first run's bodies (scrapers.registry.PARSERS): {parse_total:.2f} s"
        f" ({kinds}), {events} events: skipped after a 304"
    )
    first_total = cold.seconds + parse_total
    print(
        f"fetch + parse: first {first_total:.2f} s, second {warm.seconds:.2f} s,"
        f" ratio {warm.seconds / first_total:.2f}"
    )


if __name__ == "__main__":
    main()
