"""Connections go to the address the guard approved (scrapers/connect.py), and the
asyncio connection layer under httpx keeps alive, refuses and times out like httpx's own."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest
from httpserver import LocalServer

from scrapers.connect import Pins, transport
from scrapers.fetch import Fetched, FetchError, FetchSettings, fetch_all
from scrapers.model import Source

SAMPLE_ICS = "samples/meetup-leeds-service-design.ics"
LOOPBACK_AS_PUBLIC = FetchSettings(
    trusted_addresses=frozenset({"127.0.0.1"}), host_delay=0, per_host=4, timeout=5.0
)


def _public(sid: str, url: str) -> Source:
    return Source(sid, sid, "Org", url, "ical", ignore_robots=True)


def test_the_connection_goes_to_the_address_the_guard_approved(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard's lookup says 127.0.0.1; any later lookup of the name would fail (the
    offline getaddrinfo of conftest), or, in a rebinding attack, answer something else.
    The fetch succeeds only if it connects to the approved address without asking again."""
    asked: list[str] = []

    def later_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(str(host))
        raise socket.gaierror(socket.EAI_NONAME, "a second lookup was made")

    async def guard_lookup(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    monkeypatch.setattr(socket, "getaddrinfo", later_lookup)
    port = local_server.base_url.rsplit(":", 1)[1]
    url = f"http://calendar.example.org:{port}/{SAMPLE_ICS}"
    got = asyncio.run(fetch_all([_public("s", url)], LOOPBACK_AS_PUBLIC, resolve=guard_lookup))
    fetched = got["s"]
    assert isinstance(fetched, Fetched), fetched
    assert b"BEGIN:VCALENDAR" in fetched.body
    assert asked == []


def test_pins_are_per_host_and_port_whatever_the_case_or_final_dot() -> None:
    pins = Pins()
    assert pins.get("example.org", 443) == ()
    pins.approve("Example.ORG.", 443, ["93.184.216.34"])
    assert pins.get("example.org", 443) == ("93.184.216.34",)
    assert pins.get("example.org", 80) == ()


async def _keep_alive_server() -> asyncio.Server:
    """HTTP/1.1 answers that leave the connection open (the test server's are HTTP/1.0)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_a_connection_is_kept_alive_and_reused() -> None:
    async def three_gets() -> list[Any]:
        server = await _keep_alive_server()
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
        limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
        seen = []
        async with server, httpx.AsyncClient(transport=transport(Pins(), limits)) as client:
            for _ in range(3):
                async with client.stream("GET", url) as response:
                    assert await response.aread() == b"ok"
                    stream = response.extensions["network_stream"]
                    seen.append(stream.get_extra_info("client_addr"))
                    assert not stream.get_extra_info("is_readable")  # open, nothing unread
        return seen

    first, *others = asyncio.run(three_gets())
    assert others == [first, first]


def test_refused_and_silent_servers_are_httpx_errors() -> None:
    async def attempts() -> tuple[BaseException, BaseException]:
        with socket.socket() as listener:  # bound but not listening: connections refused
            listener.bind(("127.0.0.1", 0))
            refused_port = listener.getsockname()[1]
            with socket.socket() as silent:  # listening, never answering
                silent.bind(("127.0.0.1", 0))
                silent.listen()
                silent_port = silent.getsockname()[1]
                timeout = httpx.Timeout(0.3)
                async with httpx.AsyncClient(
                    transport=transport(Pins(), httpx.Limits()), timeout=timeout
                ) as client:
                    errors = []
                    for port in (refused_port, silent_port):
                        try:
                            await client.get(f"http://127.0.0.1:{port}/")
                        except httpx.HTTPError as exc:
                            errors.append(exc)
        return errors[0], errors[1]

    refused, silent = asyncio.run(attempts())
    assert isinstance(refused, httpx.ConnectError) and "refused" in str(refused)
    assert isinstance(silent, httpx.ReadTimeout)


def test_a_refused_connection_reads_as_such_in_the_outcome() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        url = f"http://127.0.0.1:{port}/x"
        source = Source("s", "s", "Org", url, "ical", local=True, ignore_robots=True)
        got = asyncio.run(fetch_all([source], FetchSettings(max_attempts=1)))
    error = got["s"]
    assert isinstance(error, FetchError) and error.kind == "connection"
    assert error.reason.startswith("connection refused by the server")


def test_each_outcome_is_handed_over_as_soon_as_it_is_done(local_server: LocalServer) -> None:
    """fetch_all's on_outcome: every source once, with the outcome fetch_all returns, and
    the quick source before the slow one finishes."""
    handed: list[tuple[str, Fetched | FetchError]] = []
    quick = Source("quick", "q", "Org", local_server.url(SAMPLE_ICS), "ical", local=True)
    slow = Source("slow", "s", "Org", local_server.url("slow"), "ical", local=True)
    settings = FetchSettings(timeout=1.0, host_delay=0, per_host=4, max_attempts=1)
    got = asyncio.run(
        fetch_all([slow, quick], settings, on_outcome=lambda s, o: handed.append((s.id, o)))
    )
    assert [sid for sid, _ in handed] == ["quick", "slow"]
    assert dict(handed) == got


def test_an_approval_wins_over_a_local_sources_lookup() -> None:
    async def steps() -> tuple[tuple[str, ...], ...]:
        pins = Pins()
        looked_up = await pins.look_up("localhost", 80)  # as for a source marked local
        pins.approve("localhost", 80, ["192.0.2.1"])  # a public source's checked answer
        return looked_up, pins.get("localhost", 80), await pins.look_up("10.0.0.1", 80)

    looked_up, after, literal = asyncio.run(steps())
    assert "127.0.0.1" in looked_up or "::1" in looked_up
    assert after == ("192.0.2.1",)
    assert literal == ("10.0.0.1",)


def test_a_busy_hosts_chain_of_gaps_runs_alongside_the_other_hosts() -> None:
    """One request at a time, 20 ms each; a host with three sources needs 50 ms between
    its requests. Its first request goes first, and each later one as soon as its gap
    has passed, instead of after the ten single-source hosts queued before it."""
    order: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        order.append(request.url.host)
        await asyncio.sleep(0.02)
        return httpx.Response(200, content=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")

    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    singles = [f"https://s{n}.example.org/cal.ics" for n in range(10)]
    busy = [f"https://busy.example.org/{n}.ics" for n in range(3)]
    sources = [
        Source(f"x{n}", "x", "Org", url, "ical", ignore_robots=True)
        for n, url in enumerate(singles + busy)
    ]
    settings = FetchSettings(concurrency=1, per_host=1, host_delay=0.05, timeout=5.0)
    mock = httpx.MockTransport(answer)
    got = asyncio.run(fetch_all(sources, settings, transport=mock, resolve=resolve))
    assert all(isinstance(o, Fetched) for o in got.values())
    assert list(got) == [s.id for s in sources]  # the order given, whatever the order run
    busy_turns = [n for n, host in enumerate(order) if host == "busy.example.org"]
    assert busy_turns[0] == 0
    assert busy_turns[-1] <= 8, order  # 6 when on time; 12 if queued behind the others
