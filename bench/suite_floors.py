"""Physical floors for a refresh: what no implementation could beat on this machine.

- fetch: every request must wait its latency, at most `concurrency` at once (the issue's
  floor counts the sources; a second figure adds the robots.txt requests), and no host
  may be sent requests closer than its gap: the busiest host's chain of requests.
- parse: the parser libraries alone on the same bytes (icalendar's Calendar.from_ical,
  feedparser.parse, lxml and json.loads for the JSON-LD in pages, json.loads for the
  WordPress API), without Convene's checks, expansion or mapping to events.
- write: the output bytes written again (measured by bench/suite_refresh.py).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import feedparser
import lxml.html
from icalendar import Calendar

from bench.synth import Spec, sources
from bench.synth_render import render


@dataclass(frozen=True)
class FetchFloor:
    sources: float  # sources x latency / concurrency: the floor
    requests: float  # (sources + robots.txt requests) x latency / concurrency
    politeness: float  # the busiest host: its requests one gap apart, then one latency

    @property
    def floor(self) -> float:
        """The floor used for ratios: the issue's, unless politeness alone takes longer."""
        return max(self.sources, self.politeness)


def fetch_floor(
    spec: Spec, documents: int, robots: int, latency: float, concurrency: int, gap: float
) -> FetchFloor:
    per_host = Counter(s.host for s in sources(spec))
    busiest = max(per_host.values()) + (1 if robots else 0)  # robots.txt first, once
    return FetchFloor(
        documents * latency / concurrency,
        (documents + robots) * latency / concurrency,
        (busiest - 1) * gap + latency,
    )


def _jsonld(body: bytes) -> object:
    tree = lxml.html.document_fromstring(body)
    return [json.loads(s.text or "null") for s in tree.iter("script")
            if s.get("type") == "application/ld+json"]  # fmt: skip


LIBRARIES: dict[str, Callable[[bytes], object]] = {
    "ical": Calendar.from_ical,
    "feed": feedparser.parse,
    "jsonld": _jsonld,
    "wordpress-events": json.loads,
}


def parse_floor(spec: Spec) -> tuple[dict[str, float], int]:
    """Seconds per kind for the libraries alone on every source's bytes, and the bytes."""
    bodies = [(s.kind, render(spec, s.index)[0]) for s in sources(spec)]
    seconds: dict[str, float] = {}
    for kind, body in bodies:
        started = time.perf_counter()
        LIBRARIES[kind](body)
        seconds[kind] = seconds.get(kind, 0.0) + time.perf_counter() - started
    return dict(seconds), sum(len(body) for _, body in bodies)
