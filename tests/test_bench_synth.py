"""The synthetic sources of the benchmark suite (bench/synth*.py): served, conditional,
parsed by the real parsers, and changed in exactly the share asked."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from bench.synth import KINDS, Spec, events, occurrences, own_events, source, sources
from bench.synth_render import TYPES
from bench.synth_server import Running, bench_getaddrinfo, serving
from scrapers.crawl import collect
from scrapers.fetch_types import FetchSettings
from scrapers.model import ParseContext, Source
from scrapers.registry import PARSERS

SPEC = Spec(sources=12, events=8, recurring=0.5, duplicated=0.25, shared_hosts=0.25,
            per_platform=2).fixed()  # fmt: skip


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    # On top of conftest's offline lookup: *.bench.test is 127.0.0.1, the rest still fails.
    monkeypatch.setattr(socket, "getaddrinfo", bench_getaddrinfo(socket.getaddrinfo))
    with serving(SPEC, latency=0.0) as running:
        yield running


def as_source(running: Running, index: int) -> Source:
    s = source(SPEC, index)
    return Source(s.id, s.id, s.organiser, running.url(s.host, s.path), s.kind, local=True)


def fetch_all_bodies(running: Running) -> dict[int, httpx.Response]:
    with httpx.Client() as client:
        return {i: client.get(as_source(running, i).url) for i in range(SPEC.sources)}


def test_sources_cover_every_kind_and_mostly_own_hosts() -> None:
    listed = sources(SPEC)
    assert Counter(s.kind for s in listed) == dict.fromkeys(KINDS, 3)
    hosts = Counter(s.host for s in listed)
    assert len(hosts) == 11 and hosts["platform0.bench.test"] == 2  # 3 shared: 2 + 1
    assert sum(1 for s in listed if s.host.startswith("platform")) == 3


def test_every_kind_is_served_and_parsed_to_the_generated_events(server: Running) -> None:
    ctx = ParseContext(now=datetime.now(UTC))
    for index, response in fetch_all_bodies(server).items():
        kind = source(SPEC, index).kind
        assert response.status_code == 200
        assert response.headers["content-type"] == TYPES[kind]
        parsed = PARSERS[kind](as_source(server, index), response.content, ctx)
        assert parsed.error is None and not parsed.warnings, (kind, parsed.warnings)
        expected = {(e.title, start) for e in events(SPEC, index) for start in occurrences(e)}
        found = {(e.title, e.start) for e in parsed.events}
        assert len(parsed.events) == SPEC.events == len(expected)
        assert found == expected, kind


def test_recurring_and_duplicated_shares() -> None:
    listed = events(SPEC, 5)
    assert sum(max(e.series, 1) for e in listed) == 8
    assert [e.series for e in listed].count(4) == 1  # half the 8 occurrences: one series
    copies = [e for e in listed if "-copy" in e.uid]
    assert len(copies) == 2
    originals = {e.start: e for i in range(SPEC.sources) if i != 5 for e in own_events(SPEC, i)}
    assert all(c.start in originals for c in copies)  # the same moment, written another way


def test_conditional_requests_get_304(server: Running) -> None:
    url = as_source(server, 3).url
    with httpx.Client() as client:
        first = client.get(url)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
        robots = client.get(server.url(source(SPEC, 3).host, "/robots.txt"))
    assert robots.status_code == 200 and b"Allow: /" in robots.content
    assert server.stats()["304"] == 2


def test_change_alters_exactly_the_share_asked(server: Running) -> None:
    before = fetch_all_bodies(server)
    changed = server.change(0.25)
    after = fetch_all_bodies(server)
    differ = [f"s{i}" for i in before if before[i].content != after[i].content]
    assert len(changed) == 3 and sorted(differ) == sorted(changed)
    for id_ in changed:
        index = int(id_[1:])
        assert before[index].headers["etag"] != after[index].headers["etag"]


def test_the_real_fetch_and_parse_path_reads_every_source(server: Running) -> None:
    listed = [as_source(server, i) for i in range(SPEC.sources)]
    settings = FetchSettings(host_delay=0.0)
    results = asyncio.run(collect(listed, PARSERS, ParseContext(), settings))
    assert [r.status for r in results] == ["ok"] * SPEC.sources
    assert sum(len(r.parsed.events) for r in results) == SPEC.sources * SPEC.events
