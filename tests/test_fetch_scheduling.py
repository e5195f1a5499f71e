"""How fetch_all shares its global limit across hosts: requests in flight are limited, a
source waiting on one host's politeness holds no slot, and our own queues never count
against a source's deadline. Several fault servers share one log: one host each."""

from __future__ import annotations

import asyncio
import gc
import itertools
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from faultserver import ConnectGuard, FaultServer, FaultState, _Server

from scrapers.fetch import fetch_all
from scrapers.fetch_types import Fetched, FetchOutcome, FetchSettings
from scrapers.hosts import Gate
from scrapers.model import Source


@pytest.fixture
def hosts() -> Iterator[list[FaultServer]]:
    """Four servers on 127.0.0.1, four hosts to the fetcher, one shared request log."""
    state = FaultState()
    running = [_Server(state) for _ in range(4)]
    threads = [threading.Thread(target=s.serve_forever, args=(0.05,), daemon=True) for s in running]
    for thread in threads:
        thread.start()
    try:
        yield [FaultServer(state, s.server_address[1]) for s in running]
    finally:
        state.stopping.set()
        for server in running:
            server.shutdown()
            server.server_close()


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> ConnectGuard:
    return ConnectGuard().install(monkeypatch.setattr)


def source(sid: str, url: str) -> Source:
    return Source(sid, sid, "Org", url, "ical", local=True)


def run(sources: list[Source], settings: FetchSettings) -> dict[str, FetchOutcome]:
    return asyncio.run(fetch_all(sources, settings))


def port_of(server: FaultServer) -> str:
    return server.base_url.rsplit(":", 1)[1]


def all_fetched(got: dict[str, FetchOutcome]) -> None:
    for sid, outcome in got.items():
        assert isinstance(outcome, Fetched), (sid, outcome)


def test_a_polite_wait_on_one_host_does_not_hold_up_the_others(
    hosts: list[FaultServer],
) -> None:
    # One slot for everything, 0.5 s between starts to a host: while each host's page
    # waits out its gap after robots.txt, the slot serves the other hosts' robots.txt.
    settings = FetchSettings(concurrency=1, host_delay=0.5, timeout=5.0)
    started = time.monotonic()
    got = run([source(f"h{n}", s.url(f"/ok/h{n}")) for n, s in enumerate(hosts)], settings)
    elapsed = time.monotonic() - started
    all_fetched(got)
    routes = [hit.route for hit in hosts[0].hits()]
    assert routes[:4] == ["/robots.txt"] * 4, routes
    assert sorted(routes[4:]) == [f"/ok/h{n}" for n in range(4)]
    # Holding the slot through each gap would take 4 x 0.5 s.
    assert elapsed < 1.4, elapsed


def test_global_concurrency_counts_requests_in_flight(hosts: list[FaultServer]) -> None:
    hosts[0].latency = 0.2
    sources = [source(f"g{n}", s.url(f"/ok/g{n}")) for n, s in enumerate(hosts)]
    settings = FetchSettings(concurrency=3, host_delay=0.0, timeout=5.0)
    all_fetched(run(sources, settings))
    assert hosts[0].peak_in_flight == 3  # reached, never passed: robots.txt and pages alike
    assert hosts[0].count() == 8


def test_per_host_gap_holds_while_hosts_compete_for_slots(hosts: list[FaultServer]) -> None:
    hosts[0].latency = 0.05
    sources = [
        source(f"p{n}-{k}", server.url(f"/ok/p{n}-{k}"))
        for n, server in enumerate(hosts[:2])
        for k in range(3)
    ]
    settings = FetchSettings(concurrency=1, per_host=2, host_delay=0.3, timeout=5.0)
    all_fetched(run(sources, settings))
    for server in hosts[:2]:
        starts = [h.at for h in server.hits() if h.headers["host"].endswith(port_of(server))]
        assert len(starts) == 4  # robots.txt and three pages
        gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
        assert min(gaps) >= 0.28, gaps


def test_a_host_gap_longer_than_the_deadline_is_not_a_timeout(hosts: list[FaultServer]) -> None:
    # robots.txt starts the deadline; the page may only start 0.6 s later, past the 0.5 s
    # deadline: that wait is ours (as a Crawl-delay of 30 s would be), not the server's.
    settings = FetchSettings(concurrency=4, host_delay=0.6, timeout=0.5)
    got = run([source("gap", hosts[0].url("/ok/gap"))], settings)
    all_fetched(got)


def test_waiting_for_a_global_slot_is_not_counted_against_the_deadline(
    hosts: list[FaultServer],
) -> None:
    # One slot, 0.3 s answers: a's robots.txt (0-0.3), b's robots.txt (0.3-0.6), a's page
    # (0.6-0.9), b's page (0.9-1.2). Each source has 0.6 s of server time, under its 0.75 s
    # deadline, and 0.3 s of queueing that would push it over.
    hosts[0].latency = 0.3
    sources = [source(sid, s.url(f"/ok/{sid}")) for sid, s in zip("ab", hosts, strict=False)]
    settings = FetchSettings(concurrency=1, host_delay=0.0, timeout=0.75)
    all_fetched(run(sources, settings))


def test_many_queued_sources_do_not_time_out_and_the_limits_hold() -> None:
    # 400 hosts, 800 requests of 10 ms, 8 at once: about a second in all, while each
    # source has 0.3 s. Lookups are counted as well as requests.
    in_flight, peak, lookups, peak_lookups = 0, 0, 0, 0

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        body = b"" if request.url.path == "/robots.txt" else b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        return httpx.Response(200 if body else 404, content=body)

    async def resolve(host: str, port: int) -> list[str]:
        nonlocal lookups, peak_lookups
        lookups += 1
        peak_lookups = max(peak_lookups, lookups)
        await asyncio.sleep(0.001)
        lookups -= 1
        return ["93.184.216.34"]

    sources = [
        Source(f"s{n}", f"s{n}", "Org", f"https://s{n}.example.org/cal.ics", "ical")
        for n in range(400)
    ]
    settings = FetchSettings(concurrency=8, timeout=0.3, host_delay=0.1)
    # The budget is tight on purpose; a full collection of the heap the test session has
    # built by then (more than a thousand tests) can stall the loop longer than that, and
    # is neither the server's time nor our queues'. Frozen objects are not traversed.
    gc.collect()
    gc.freeze()
    try:
        got = asyncio.run(
            fetch_all(sources, settings, transport=httpx.MockTransport(answer), resolve=resolve)
        )
    finally:
        gc.unfreeze()
    all_fetched(got)
    assert peak == 8 and peak_lookups == 8


async def _order(gate: Gate, arrivals: list[tuple[str, bool]]) -> list[str]:
    served: list[str] = []

    async def one(name: str, urgent: bool) -> None:
        async with gate.hold(urgent):
            served.append(name)
            await asyncio.sleep(0)

    await gate.acquire()  # hold the only slot while everyone queues
    tasks = [asyncio.create_task(one(name, urgent)) for name, urgent in arrivals]
    await asyncio.sleep(0)
    gate.release()
    await asyncio.gather(*tasks)
    return served


def test_gate_serves_urgent_waiters_first_then_in_order() -> None:
    arrivals = [("new1", False), ("old1", True), ("new2", False), ("old2", True)]
    assert asyncio.run(_order(Gate(1), arrivals)) == ["old1", "old2", "new1", "new2"]


def test_gate_passes_on_a_slot_its_cancelled_waiter_was_given() -> None:
    async def scenario() -> int:
        gate = Gate(1)
        await gate.acquire()
        waiter = asyncio.create_task(gate.acquire())
        await asyncio.sleep(0)
        gate.release()  # handed to the waiter...
        waiter.cancel()  # ...which is cancelled before it runs
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await asyncio.wait_for(gate.acquire(), 1.0)  # the slot was not lost
        return gate.holders

    assert asyncio.run(scenario()) == 1
