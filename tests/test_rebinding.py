"""DNS answers that change, and redirects inward, through the real fetch path (fetch_all).

A "public" site is played by a server on 127.0.0.2, trusted as public (FetchSettings'
trusted_addresses); an internal service by a server on 127.0.0.1 (and ::1) on the same
port, which must never see a request. Name lookups go through a resolver patched into
socket.getaddrinfo, the function the guard's lookup and the connection layer both end
in, which answers the public address first and 127.0.0.1 after (DNS rebinding), or
internal addresses outright. Every outgoing connection is recorded; only loopback
addresses can be reached at all, so nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from httpserver import in_thread

from scrapers.fetch import fetch_all
from scrapers.fetch_types import Fetched, FetchError, FetchOutcome, FetchSettings
from scrapers.guard import Resolver, system_resolve
from scrapers.model import Source

PUBLIC = "127.0.0.2"  # stands in for a public address: trusted by SETTINGS only
SETTINGS = FetchSettings(
    trusted_addresses=frozenset({PUBLIC}),
    timeout=5.0,
    connect_timeout=2.0,
    host_delay=0.0,
    per_host=4,
    max_attempts=1,
)
CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bait//EN\r\nEND:VCALENDAR\r\n"


@dataclass
class Site:
    """A server that records every request; /to?url=X redirects (302) to X."""

    name: str
    seen: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with site.lock:
                    site.seen.append(self.path)
                parts = urlsplit(self.path)
                if parts.path == "/to":
                    self.send_response(302)
                    self.send_header("Location", parse_qs(parts.query)["url"][0])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = CALENDAR.replace(b"bait", site.name.encode())
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@contextmanager
def running(site: Site, host: str, port: int) -> Iterator[int]:
    server_class = type(
        "Server",
        (ThreadingHTTPServer,),
        {"address_family": socket.AF_INET6 if ":" in host else socket.AF_INET},
    )
    server = server_class((host, port), site.handler())
    with in_thread(server) as port:
        yield port


@dataclass
class World:
    port: int
    public: Site  # on 127.0.0.2: where an approved connection goes
    internal: Site  # on 127.0.0.1 and ::1, same port: must see nothing
    # name -> successive lookup answers (the last repeats), or what to answer now
    answers: dict[str, list[list[str]] | Callable[[], list[str]]]
    lookups: list[str] = field(default_factory=list)
    connections: list[tuple[str, int]] = field(default_factory=list)

    def url(self, host: str, path: str = "/cal.ics") -> str:
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}{path}"

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = (host.decode() if isinstance(host, bytes) else str(host)).rstrip(".").lower()
        try:
            found = [str(ipaddress.ip_address(name))]  # a literal needs no lookup
        except ValueError:
            self.lookups.append(name)
            if name not in self.answers:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            answer = self.answers[name]
            if callable(answer):
                found = answer()
            else:
                found = answer.pop(0) if len(answer) > 1 else answer[0]
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, int(port or 0), 0, 0) if ":" in ip else (ip, int(port or 0)),
            )
            for ip in found
        ]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    public, internal = Site("public"), Site("internal")
    with (
        running(internal, "127.0.0.1", 0) as port,
        running(public, PUBLIC, port),
        running(internal, "::1", port),
    ):
        made = World(port, public, internal, {})
        monkeypatch.setattr(socket, "getaddrinfo", made.getaddrinfo)
        original = socket.socket.connect

        def connect(sock: socket.socket, address: Any) -> Any:
            host = str(address[0])
            made.connections.append((host, int(address[1])))
            if not ipaddress.ip_address(host).is_loopback:
                raise ConnectionRefusedError(f"test: no connections to {host}")
            return original(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)
        yield made


def fetch(
    world: World, *urls: str, robots: bool = False, resolve: Resolver | None = None
) -> list[FetchOutcome]:
    """fetch_all on public sources; `resolve` replaces the guard's own lookup (the
    system's, which ends in the patched getaddrinfo)."""
    sources = [
        Source(f"s{n}", f"s{n}", "Org", url, "ical", ignore_robots=not robots)
        for n, url in enumerate(urls)
    ]
    got = asyncio.run(fetch_all(sources, SETTINGS, resolve=resolve or system_resolve))
    return [got[s.id] for s in sources]


def refused(outcome: FetchOutcome) -> FetchError:
    assert isinstance(outcome, FetchError), outcome
    assert outcome.kind == "refused", outcome
    return outcome


def assert_internal_untouched(world: World) -> None:
    assert world.internal.seen == []
    reached = {host for host, port in world.connections if port == world.port}
    assert reached <= {PUBLIC}, world.connections


def test_a_lookup_after_the_check_is_never_made_nor_connected_to(world: World) -> None:
    """The guard's lookup says public; any other lookup of the name would say 127.0.0.1.
    The fetch connects to the address the guard approved and asks nothing else."""

    async def guard_lookup(host: str, port: int) -> list[str]:
        return [PUBLIC]

    world.answers["calendar.example.org"] = [["127.0.0.1"]]
    [outcome] = fetch(world, world.url("calendar.example.org"), resolve=guard_lookup)
    assert isinstance(outcome, Fetched), outcome
    assert b"PRODID:-//public//EN" in outcome.body
    assert world.lookups == []  # the connection asked DNS nothing
    assert world.public.seen == ["/cal.ics"]
    assert_internal_untouched(world)


def test_an_answer_that_changes_after_the_first_lookup_is_refused(world: World) -> None:
    """Public once, 127.0.0.1 from then on: the guard looks again before the request
    and refuses, in plain words; no request is made anywhere."""
    world.answers["calendar.example.org"] = [[PUBLIC], ["127.0.0.1"]]
    [outcome] = fetch(world, world.url("calendar.example.org"))
    error = refused(outcome)
    assert error.reason.startswith(
        "refused: calendar.example.org resolves to 127.0.0.1, a loopback address"
    )
    assert len(world.lookups) >= 2 and world.public.seen == []
    assert_internal_untouched(world)


def test_an_answer_that_changes_once_the_site_is_used_is_refused_at_the_next_hop(
    world: World,
) -> None:
    """Public until the site has answered once, then 127.0.0.1: the redirect back to the
    same name is checked again and refused; the internal server sees nothing."""
    world.answers["calendar.example.org"] = lambda: ["127.0.0.1"] if world.public.seen else [PUBLIC]
    again = world.url("calendar.example.org", "/cal.ics?second")
    [outcome] = fetch(world, world.url("calendar.example.org", f"/to?url={again}"))
    error = refused(outcome)
    assert error.reason.startswith(
        "refused: calendar.example.org resolves to 127.0.0.1, a loopback address"
    )
    assert error.final_url == again
    assert world.public.seen == [f"/to?url={again}"]
    assert_internal_untouched(world)


def test_robots_txt_and_a_second_source_meet_the_changed_answer(world: World) -> None:
    """One public answer, then 127.0.0.1: the source that got it cannot read robots.txt
    (its lookup is refused), so it fetches nothing; the other source is refused."""
    world.answers["calendar.example.org"] = [[PUBLIC], ["127.0.0.1"]]
    outcomes = fetch(
        world,
        world.url("calendar.example.org"),
        world.url("calendar.example.org", "/other.ics"),
        robots=True,
    )
    errors = sorted((o for o in outcomes if isinstance(o, FetchError)), key=lambda e: e.kind)
    assert [e.kind for e in errors] == ["refused", "robots"], outcomes
    assert "resolves to 127.0.0.1, a loopback address" in errors[0].reason
    assert errors[1].reason.startswith("robots.txt could not be read")
    assert world.public.seen == []
    assert_internal_untouched(world)


# Redirects from a public-looking name to inside: (location, words in the reason).
INWARD = [
    ("http://127.0.0.1:{port}/cal.ics", "127.0.0.1 is a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud metadata address"),
    ("http://[::1]:{port}/cal.ics", "::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]:{port}/", "a loopback address written as IPv6"),
    ("http://0x7f000001:{port}/", "means 127.0.0.1, a loopback address"),
    ("http://2130706433:{port}/", "means 127.0.0.1, a loopback address"),
    ("http://localhost:{port}/cal.ics", "localhost is an internal host name"),
    ("http://intranet.example.net:{port}/", "resolves to 10.0.0.5, a private address"),
    ("http://loop.example.net:{port}/", "resolves to 127.0.0.1, a loopback address"),
    ("http://mixed.example.net:{port}/", "resolves to 127.0.0.1, a loopback address"),
    ("http://meta.example.net/", "resolves to 169.254.169.254, the cloud metadata address"),
    ("http://six.example.net:{port}/", "resolves to ::1, a loopback address"),
]


def test_redirects_inward_are_refused_with_a_reason(world: World) -> None:
    world.answers |= {
        "calendar.example.org": [[PUBLIC]],
        "intranet.example.net": [["10.0.0.5"]],
        "loop.example.net": [["127.0.0.1"]],
        "mixed.example.net": [[PUBLIC, "127.0.0.1"]],  # one bad address is enough
        "meta.example.net": [["169.254.169.254"]],
        "six.example.net": [["::1"]],
    }
    locations = [location.format(port=world.port) for location, _ in INWARD]
    urls = [world.url("calendar.example.org", f"/to?url={loc}") for loc in locations]
    outcomes = fetch(world, *urls)
    for outcome, location, (_, words) in zip(outcomes, locations, INWARD, strict=True):
        error = refused(outcome)
        assert words in error.reason, (location, error.reason)
        assert "local = true" in error.reason  # says what to do if it is meant
        assert error.final_url == location
    assert len(world.public.seen) == len(INWARD)  # each redirect asked for once
    assert_internal_untouched(world)
    # Nothing but the public stand-in was even dialled, on any port.
    assert {host for host, _ in world.connections} == {PUBLIC}


def test_a_redirect_to_a_name_that_rebinds_goes_to_the_checked_address(world: World) -> None:
    world.answers |= {
        "calendar.example.org": [[PUBLIC]],
        "cdn.example.net": [[PUBLIC], ["127.0.0.1"]],
    }
    target = world.url("cdn.example.net", "/moved.ics")
    [outcome] = fetch(world, world.url("calendar.example.org", f"/to?url={target}"))
    assert isinstance(outcome, Fetched), outcome
    assert outcome.final_url == target and b"-//public//" in outcome.body
    assert world.public.seen == [f"/to?url={target}", "/moved.ics"]
    assert_internal_untouched(world)
