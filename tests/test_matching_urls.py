"""canonical_url's fast path for plain URLs gives exactly what urlsplit's path gives, over
random URLs built from the pieces that make urlsplit or the canonical form differ."""

from __future__ import annotations

import random
import re

import pytest

import warehouse.matching_text as text
from warehouse.matching_incremental import Light, _sharing_url, _specific
from warehouse.matching_text import canonical_url

SCHEMES = ["https://", "http://", "HTTPS://", "", "//", "ftp://", "mailto:"]
HOSTS = ["www.example.org", "Example.ORG", "example.org.", "www.eventbrite.co.uk",
         "eventbrite.com", "www.meetup.com", "user@host.org", "host.org:8080", "host.org:443",
         "[::1]", "xn--bcher-kva.example", "a.b-c.example", "", "-.example", "www."]  # fmt: skip
SEGMENTS = ["e", "events", "event", "a-tickets-123456", "98765", "Leeds-Python", "events",
            "X1y2", "%7Euser", "a;b", "a b", "a\tb", "é", "~", "", "2027-06-09", "?p=3",
            "#frag", "?utm_source=x&b=2", "?ref=y", "a:b@c", "a\\b"]  # fmt: skip


def _url(rng: random.Random) -> str:
    if rng.random() < 0.3:  # Eventbrite and Meetup event pages
        path = rng.choice(
            ("/e/a-tickets-123456", "//e/98765/", "/e/x-1-2", "/Leeds-Python/events/X1y2")
        )
    else:
        segments = [rng.choice(SEGMENTS) for _ in range(rng.randrange(4))]
        path = "".join("/" * rng.choice((1, 1, 1, 2)) + s for s in segments)
    tail = rng.choice(("", "", "/", "//"))
    return rng.choice(("", " ")) + rng.choice(SCHEMES) + rng.choice(HOSTS) + path + tail


@pytest.mark.parametrize("seed", range(5))
def test_fast_path_equals_urlsplit(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    urls = [_url(rng) for _ in range(3000)]
    fast = [canonical_url(u) for u in urls]
    plain = sum(text._PLAIN.match(u.strip()) is not None for u in urls)
    assert 150 < plain < 2700  # both paths are exercised
    monkeypatch.setattr(text, "_PLAIN", re.compile(r"(?!)"))  # matches nothing
    slow = [canonical_url(u) for u in urls]
    assert fast == slow


def test_fast_path_is_taken() -> None:
    assert text._PLAIN.match("https://s1.bench.test/event/a-b-1/")
    assert canonical_url("https://www.s1.test//event/a-b-1/") == "https://s1.test/event/a-b-1"


@pytest.mark.parametrize("seed", range(5))
def test_url_prefilter_misses_no_listing(seed: int) -> None:
    """matching_incremental finds the listings of a set of canonical URLs without
    canonicalising every listing's URL: it finds exactly those canonical_url would."""
    rng = random.Random(seed)
    lights = {f"s/{n}": Light(f"s/{n}", str(n), "t", None, _url(rng), 0.0) for n in range(3000)}
    specific = {x.id: _specific(x.url) for x in lights.values()}
    for _ in range(20):
        wanted: set[str | None] = {specific[x] for x in rng.sample(sorted(lights), 30)}
        expected = {x for x, url in specific.items() if url is not None and url in wanted}
        assert _sharing_url(set(wanted), [lights], {}) == expected
