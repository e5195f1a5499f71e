"""fetch_all against a misbehaving server: every fault has a test.

Each test fetches a healthy source in the same call and checks it is unaffected. The
server's own log (tests/faultserver.py) shows what was really sent, and a guard on
socket.connect refuses, and records, any connection to anything but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Iterator, Mapping

import pytest
from faultserver import (
    HAS_BROTLI,
    LAST_MODIFIED,
    LATIN1_TITLE,
    MB,
    UTF16_TITLE,
    ConnectGuard,
    FaultServer,
    fault_server,
)

from scrapers.fetch import fetch_all
from scrapers.fetch_types import Fetched, FetchError, FetchOutcome, FetchSettings, Validators
from scrapers.model import Source
from scrapers.pipeline import content_digest

FAST = FetchSettings(
    timeout=5.0,
    connect_timeout=2.0,
    read_timeout=2.0,
    concurrency=16,
    per_host=8,
    host_delay=0.0,
    backoff_base=0.05,
    backoff_cap=0.5,
)
LOOPBACK_AS_PUBLIC = FetchSettings(
    timeout=5.0,
    connect_timeout=5.0,
    read_timeout=2.0,
    per_host=8,
    host_delay=0.0,
    backoff_base=0.05,
    trusted_addresses=frozenset({"127.0.0.1"}),
)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server() as running:
        yield running


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> ConnectGuard:
    return ConnectGuard().install(monkeypatch.setattr)


class _MiddleRandom(random.Random):
    """Jitter factor exactly 1.0 (0.5 + 0.5), so backoff waits are base, 2 x base..."""

    def random(self) -> float:
        return 0.5


def source(
    sid: str, url: str, *, local: bool = True, kind: str = "ical", **extra: object
) -> Source:
    return Source(sid, sid, "Org", url, kind, local=local, **extra)  # type: ignore[arg-type]


def run(
    sources: list[Source],
    settings: FetchSettings = FAST,
    validators: Mapping[str, Validators] | None = None,
) -> dict[str, FetchOutcome]:
    return asyncio.run(fetch_all(sources, settings, validators))


def healthy(server: FaultServer, *, local: bool = True) -> Source:
    return source("healthy", server.url("/ok/healthy"), local=local)


def ok(outcome: FetchOutcome) -> Fetched:
    assert isinstance(outcome, Fetched), outcome
    return outcome


def failed(outcome: FetchOutcome) -> FetchError:
    assert isinstance(outcome, FetchError), outcome
    return outcome


def assert_healthy(got: Mapping[str, FetchOutcome], server: FaultServer) -> None:
    fetched = ok(got["healthy"])
    assert (fetched.http_status, fetched.attempts, fetched.not_modified) == (200, 1, False)
    assert fetched.body.startswith(b"BEGIN:VCALENDAR")
    assert fetched.final_url == server.url("/ok/healthy")
    assert server.count("/ok/healthy") == 1


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


# --- conditional requests --------------------------------------------------------------------


def test_etag_gives_304_with_empty_body(server: FaultServer) -> None:
    url = server.url("/ok/a")
    first = ok(run([source("a", url)])["a"])
    assert first.etag and first.last_modified == LAST_MODIFIED and first.body

    got = run([source("a", url), healthy(server)], validators={url: Validators(etag=first.etag)})

    again = ok(got["a"])
    assert (again.not_modified, again.body, again.http_status) == (True, b"", 304)
    assert again.etag == first.etag and again.raw_bytes == 0
    sent = server.hits("/ok/a")[-1].headers
    assert sent["if-none-match"] == first.etag
    assert "if-modified-since" not in sent
    assert_healthy(got, server)
    assert "if-none-match" not in server.hits("/ok/healthy")[0].headers


def test_last_modified_gives_304(server: FaultServer) -> None:
    url = server.url("/ok/b")
    got = run(
        [source("b", url), healthy(server)],
        validators={url: Validators(last_modified=LAST_MODIFIED)},
    )
    again = ok(got["b"])
    assert (again.not_modified, again.body, again.http_status) == (True, b"", 304)
    sent = server.hits("/ok/b")[0].headers
    assert sent["if-modified-since"] == LAST_MODIFIED
    assert "if-none-match" not in sent
    assert_healthy(got, server)


def test_both_validators_sent_and_a_changed_etag_fetches_the_body(server: FaultServer) -> None:
    url = server.url("/ok/c")
    stale = Validators(etag='"an-old-version"', last_modified=LAST_MODIFIED)
    got = run([source("c", url), healthy(server)], validators={url: stale})
    fresh = ok(got["c"])
    assert (fresh.not_modified, fresh.http_status) == (False, 200)
    assert fresh.body.startswith(b"BEGIN:VCALENDAR") and fresh.etag != stale.etag
    sent = server.hits("/ok/c")[0].headers
    assert sent["if-none-match"] == '"an-old-version"'
    assert sent["if-modified-since"] == LAST_MODIFIED
    assert_healthy(got, server)


def test_no_validators_volatile_lines_do_not_change_the_digest(server: FaultServer) -> None:
    sources = [
        source("cal", server.url("/noval/cal")),
        source("rss", server.url("/noval/rss-news"), kind="feed"),
        healthy(server),
    ]
    first, second = run(sources), run(sources)
    for sid in ("cal", "rss"):
        one, two = ok(first[sid]), ok(second[sid])
        assert (one.etag, one.last_modified, two.not_modified) == (None, None, False)
        assert one.body != two.body  # DTSTAMP / lastBuildDate moved on
        assert content_digest(one.body) == content_digest(two.body)
    for hit in server.hits("/noval/"):
        assert "if-none-match" not in hit.headers and "if-modified-since" not in hit.headers
    assert ok(second["healthy"]).http_status == 200


# --- retries -------------------------------------------------------------------------------


def test_503_retried_with_exponential_backoff_then_success(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scrapers.retry.random", _MiddleRandom())
    settings = FetchSettings(
        timeout=5.0, host_delay=0.0, per_host=8, backoff_base=0.2, backoff_cap=5.0
    )
    got = run([source("flaky", server.url("/flaky/a?fail=2&code=503")), healthy(server)], settings)

    fetched = ok(got["flaky"])
    assert (fetched.http_status, fetched.attempts) == (200, 3)
    hits = server.hits("/flaky/a")
    assert len(hits) == 3
    first, second = gaps([hit.at for hit in hits])
    assert 0.2 <= first < 0.38, first  # base
    assert 0.4 <= second < 0.6, second  # 2 x base
    assert_healthy(got, server)


def test_retry_after_is_honoured_for_503_and_429(server: FaultServer) -> None:
    got = run(
        [
            source("busy", server.url("/flaky/busy?fail=1&code=503&retry_after=1")),
            source("slow-down", server.url("/429?retry_after=1&key=k")),
            healthy(server),
        ]
    )
    for sid, route in (("busy", "/flaky/busy"), ("slow-down", "/429")):
        fetched = ok(got[sid])
        assert (fetched.http_status, fetched.attempts) == (200, 2), sid
        (gap,) = gaps([hit.at for hit in server.hits(route)])
        assert gap >= 1.0, (sid, gap)  # backoff alone would wait about 0.05 s
    assert_healthy(got, server)


def test_408_and_500_are_retried(server: FaultServer) -> None:
    got = run(
        [
            source("timeout", server.url("/flaky/t?fail=1&code=408")),
            source("boom", server.url("/status/500")),
            healthy(server),
        ]
    )
    assert ok(got["timeout"]).attempts == 2
    assert server.count("/flaky/t") == 2
    boom = failed(got["boom"])
    assert (boom.kind, boom.http_status, boom.attempts) == ("http", 500, 3)
    assert "HTTP 500" in boom.reason and "after 3 attempts" in boom.reason
    assert server.count("/status/500") == 3
    assert_healthy(got, server)


def test_404_and_410_are_not_retried(server: FaultServer) -> None:
    got = run(
        [
            source("missing", server.url("/status/404")),
            source("gone", server.url("/status/410")),
            source("forbidden", server.url("/status/403")),
            healthy(server),
        ]
    )
    for sid, status, words in (
        ("missing", 404, "check the URL"),
        ("gone", 410, "gone for good"),
        ("forbidden", 403, "refused access"),
    ):
        error = failed(got[sid])
        assert (error.kind, error.http_status, error.attempts) == ("http", status, 1), sid
        assert words in error.reason, error.reason
        assert server.count(f"/status/{status}") == 1
    assert_healthy(got, server)


def test_deadline_stops_a_retry_that_would_start_too_late(server: FaultServer) -> None:
    settings = FetchSettings(timeout=2.0, host_delay=0.0, backoff_base=0.05)
    started = time.monotonic()
    got = run(
        [source("later", server.url("/status/503?retry_after=30")), healthy(server)], settings
    )
    error = failed(got["later"])
    assert (error.kind, error.http_status, error.attempts) == ("http", 503, 1)
    assert "next would start after the deadline" in error.reason
    assert time.monotonic() - started < 1.5  # no waiting for a retry that cannot happen
    assert_healthy(got, server)


def test_reset_connection_is_retried_then_reported(server: FaultServer) -> None:
    got = run([source("reset", server.url("/reset")), healthy(server)])
    error = failed(got["reset"])
    assert (error.kind, error.http_status, error.attempts) == ("connection", None, 3)
    assert "broke off" in error.reason or "reset" in error.reason, error.reason
    assert server.count("/reset") == 3
    assert_healthy(got, server)


def test_stalled_body_times_out(server: FaultServer) -> None:
    settings = FetchSettings(
        timeout=5.0, read_timeout=0.3, host_delay=0.0, backoff_base=0.05, max_attempts=2
    )
    got = run([source("stall", server.url("/stall?s=10")), healthy(server)], settings)
    error = failed(got["stall"])
    assert (error.kind, error.attempts) == ("timeout", 2)
    assert "stopped answering" in error.reason
    assert error.seconds < 2.0  # two read timeouts of 0.3 s, not the server's 10 s
    assert server.count("/stall") == 2
    assert_healthy(got, server)


def test_total_deadline_cuts_off_a_slow_source(server: FaultServer) -> None:
    settings = FetchSettings(timeout=1.0, read_timeout=10.0, host_delay=0.0)
    started = time.monotonic()
    got = run([source("slow", server.url("/delay?s=5")), healthy(server)], settings)
    elapsed = time.monotonic() - started
    error = failed(got["slow"])
    assert error.kind == "timeout"
    assert "no complete answer within 1 s" in error.reason
    assert 0.9 <= error.seconds < 1.5 and elapsed < 2.5
    assert ok(got["healthy"]).seconds < 0.5
    assert_healthy(got, server)


# --- size limits ---------------------------------------------------------------------------


def test_size_limit_with_and_without_content_length(server: FaultServer) -> None:
    got = run(
        [
            source("declared", server.url("/big?mb=11")),
            source("chunked", server.url("/big?mb=11&length=0")),
            source("until-close", server.url("/big?mb=11&length=0&chunked=0")),
            source("gzip-bomb", server.url("/gzip?mb=11")),  # 11 KB on the wire
            source("just-under", server.url("/big?mb=9.5&length=0")),
            healthy(server),
        ],
        FetchSettings(timeout=10.0, host_delay=0.0),  # the default 10 MB limit
    )
    for sid in ("declared", "chunked", "until-close", "gzip-bomb"):
        error = failed(got[sid])
        assert (error.kind, error.http_status, error.attempts) == ("too-large", 200, 1), sid
        assert "larger than 10 MB" in error.reason and "max_body_mb" in error.reason
    assert ok(got["just-under"]).raw_bytes == int(9.5 * MB)
    assert_healthy(got, server)


def test_per_source_size_limit(server: FaultServer) -> None:
    got = run(
        [
            source("allowed-big", server.url("/big?mb=11"), max_body_mb=12),
            source("tight", server.url("/big?mb=1&length=0"), max_body_mb=0.5),
            healthy(server),
        ],
        FetchSettings(timeout=10.0, host_delay=0.0),
    )
    assert ok(got["allowed-big"]).raw_bytes == 11 * MB
    tight = failed(got["tight"])
    assert tight.kind == "too-large" and "larger than 0.5 MB" in tight.reason
    assert_healthy(got, server)


# --- redirects -----------------------------------------------------------------------------


def test_redirect_chain_is_followed(server: FaultServer) -> None:
    urls = {n: server.url(f"/redirect/chain?n={n}&to=/ok/after-{n}") for n in (3, 5)}
    got = run([*(source(f"chain-{n}", url) for n, url in urls.items()), healthy(server)])
    for n, url in urls.items():
        fetched = ok(got[f"chain-{n}"])
        assert (fetched.url, fetched.final_url) == (url, server.url(f"/ok/after-{n}"))
        assert (fetched.moved_to, fetched.http_status, fetched.attempts) == (None, 200, 1)
        assert fetched.body.startswith(b"BEGIN:VCALENDAR")
    assert server.count("/redirect/chain") == 3 + 5
    assert_healthy(got, server)


def test_permanent_chain_reports_moved_to(server: FaultServer) -> None:
    got = run(
        [
            source("chain", server.url("/redirect/permanent")),  # 301 then 308
            source("one", server.url("/redirect/seq?codes=301&to=/ok/one")),
            source("mixed", server.url("/redirect/mixed")),  # 301 then 302
            source("temp-first", server.url("/redirect/seq?codes=302,301&to=/ok/t")),
            source("see-other", server.url("/redirect/seq?codes=303&to=/ok/s")),
            healthy(server),
        ]
    )
    chain = ok(got["chain"])
    assert chain.moved_to == chain.final_url == server.url("/ok/moved")
    assert ok(got["one"]).moved_to == server.url("/ok/one")
    for sid in ("mixed", "temp-first", "see-other"):
        fetched = ok(got[sid])
        assert fetched.moved_to is None, sid
        assert fetched.final_url and fetched.final_url.startswith(server.url("/ok/"))
    assert_healthy(got, server)


def test_redirect_loop_and_too_many_redirects(server: FaultServer) -> None:
    got = run(
        [
            source("loop", server.url("/redirect/loop")),
            source("six", server.url("/redirect/chain?n=6&to=/ok/six")),
            healthy(server),
        ]
    )
    loop = failed(got["loop"])
    assert (loop.kind, loop.attempts) == ("redirect", 1)
    assert "redirect loop" in loop.reason
    assert server.count("/redirect/loop") == 2  # loop and loop-b, once each
    six = failed(got["six"])
    assert (six.kind, six.attempts) == ("redirect", 1)
    assert "more than 5 redirects" in six.reason
    assert server.count("/redirect/chain") == 6 and server.count("/ok/six") == 0
    assert_healthy(got, server)


# --- the address guard ---------------------------------------------------------------------

# Where a public source's redirect must never lead: (location, words in the reason).
FORBIDDEN_REDIRECTS = [
    ("http://10.0.0.1/", "10.0.0.1 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "the cloud metadata address"),
    ("http://2852039166/latest/meta-data/", "means 169.254.169.254, the cloud metadata"),
    ("http://[::ffff:169.254.169.254]/", "cloud metadata address (link-local) written as IPv6"),
    ("http://192.168.1.1:8080/admin", "192.168.1.1 is a private address"),
    ("http://localhost/", "localhost is an internal host name"),
    ("file:///etc/passwd", "only fetches http:// and https://"),
]


def test_redirects_to_private_and_metadata_addresses_are_refused(
    server: FaultServer, connections: ConnectGuard
) -> None:
    routes = {"private": "/redirect/private", "metadata": "/redirect/metadata"}
    routes |= {
        f"to-{n}": f"/redirect/to?url={loc}" for n, (loc, _) in enumerate(FORBIDDEN_REDIRECTS)
    }
    sources = [source(sid, server.url(path), local=False) for sid, path in routes.items()]
    got = run([*sources, healthy(server, local=False)], LOOPBACK_AS_PUBLIC)

    expected = {
        "private": ("http://10.0.0.1/", "10.0.0.1 is a private address"),
        "metadata": FORBIDDEN_REDIRECTS[1],
    } | {f"to-{n}": case for n, case in enumerate(FORBIDDEN_REDIRECTS)}
    for sid, (location, words) in expected.items():
        error = failed(got[sid])
        assert (error.kind, error.attempts, error.http_status) == ("refused", 1, None), sid
        assert words in error.reason, (sid, error.reason)
        assert error.final_url == location, sid
        # Refused before any connection: far quicker than the 5 s connect timeout.
        assert error.seconds < 0.5, (sid, error.seconds)
    assert connections.refused == []  # nothing was even attempted elsewhere
    assert connections.hosts() == {"127.0.0.1"}
    assert server.count("/redirect/") == len(routes)  # each redirect was asked for once
    assert_healthy(got, server)


def test_the_connect_guard_stops_what_the_address_guard_lets_through(
    server: FaultServer, connections: ConnectGuard
) -> None:
    """The harness itself: a local source may go anywhere, so only the test guard stops
    it. 127.0.0.2 is loopback too, so even without the guard nothing would leave."""
    port = server.base_url.rsplit(":", 1)[1]
    elsewhere = source("elsewhere", f"http://127.0.0.2:{port}/ok/x", ignore_robots=True)
    got = run([elsewhere, healthy(server)])
    error = failed(got["elsewhere"])
    assert (error.kind, error.attempts) == ("connection", 3)
    assert ("127.0.0.2", int(port)) in connections.refused
    assert_healthy(got, server)


def test_public_source_pointing_at_loopback_is_refused(
    server: FaultServer, connections: ConnectGuard
) -> None:
    public = FetchSettings(timeout=5.0, host_delay=0.0)  # 127.0.0.1 not trusted
    got = run([source("sneaky", server.url("/ok/sneaky"), local=False)], public)
    error = failed(got["sneaky"])
    assert (error.kind, error.attempts) == ("refused", 1), error
    assert "127.0.0.1 is a loopback address" in error.reason
    assert "local = true" in error.reason  # tells the person what to do if intended
    assert server.count() == 0 and connections.allowed == []


def test_refused_public_source_does_not_block_a_local_one_on_the_same_host(
    server: FaultServer,
) -> None:
    public = FetchSettings(timeout=5.0, host_delay=0.0)
    got = run([source("sneaky", server.url("/ok/sneaky"), local=False), healthy(server)], public)
    assert failed(got["sneaky"]).kind == "refused"
    assert_healthy(got, server)


# --- robots.txt ----------------------------------------------------------------------------

ROBOTS = "User-agent: Convene\nDisallow: /private/\n\nUser-agent: *\nDisallow: /\n"


def test_robots_disallow_is_obeyed_without_asking_for_the_page(server: FaultServer) -> None:
    server.robots_txt = ROBOTS
    got = run([source("private", server.url("/private/feed")), healthy(server)])
    error = failed(got["private"])
    assert (error.kind, error.http_status) == ("robots", None)
    assert "robots.txt disallows /private/feed for Convene" in error.reason
    assert server.count("/private/") == 0
    assert server.count("/robots.txt") == 1
    assert_healthy(got, server)  # allowed for Convene, though "*" is disallowed everything


def test_ignore_robots_fetches_a_disallowed_page(server: FaultServer) -> None:
    server.robots_txt = ROBOTS
    got = run([source("private", server.url("/private/feed"), ignore_robots=True), healthy(server)])
    assert ok(got["private"]).body.startswith(b"BEGIN:VCALENDAR")
    assert server.count("/private/feed") == 1
    assert_healthy(got, server)


def test_robots_fetched_once_per_host_for_many_sources(server: FaultServer) -> None:
    server.robots_txt = ROBOTS
    server.latency = 0.05  # so the sources really overlap while robots.txt is in flight
    sources = [source(f"s{n}", server.url(f"/ok/s{n}")) for n in range(12)]
    got = run([*sources, healthy(server)])
    assert all(isinstance(got[s.id], Fetched) for s in sources)
    assert server.count("/robots.txt") == 1
    assert_healthy(got, server)


def test_unreachable_robots_disallows_everything_for_this_run(server: FaultServer) -> None:
    server.robots_status = 503
    got = run(
        [
            source("blocked", server.url("/ok/blocked")),
            source("ignores", server.url("/ok/healthy"), ignore_robots=True),
        ]
    )
    error = failed(got["blocked"])
    assert error.kind == "robots" and "could not be read (HTTP 503)" in error.reason
    assert server.count("/ok/blocked") == 0
    assert ok(got["ignores"]).http_status == 200


def test_robots_crawl_delay_spaces_requests(server: FaultServer) -> None:
    server.robots_txt = "User-agent: *\nCrawl-delay: 1\n"
    got = run([source(f"c{n}", server.url(f"/ok/c{n}")) for n in range(2)])
    assert all(isinstance(outcome, Fetched) for outcome in got.values())
    (gap,) = gaps([hit.at for hit in server.hits("/ok/")])
    assert gap >= 0.95, gap


# --- politeness ----------------------------------------------------------------------------


def test_per_host_concurrency_limit(server: FaultServer) -> None:
    server.latency = 0.3
    sources = [source(f"p{n}", server.url(f"/ok/p{n}")) for n in range(5)]
    settings = FetchSettings(timeout=10.0, per_host=2, host_delay=0.0)
    started = time.monotonic()
    got = run([*sources, healthy(server)], settings)
    elapsed = time.monotonic() - started
    assert all(isinstance(outcome, Fetched) for outcome in got.values())
    assert server.peak_in_flight == 2  # never more, and the limit was reached
    assert elapsed >= 0.3 * (1 + 3)  # robots.txt, then 6 pages two at a time
    assert_healthy(got, server)

    # The server could take more: with a higher limit it does.
    server.clear()
    run(sources, FetchSettings(timeout=10.0, per_host=6, host_delay=0.0))
    assert server.peak_in_flight > 2


def test_host_delay_spaces_request_starts(server: FaultServer) -> None:
    sources = [source(f"d{n}", server.url(f"/ok/d{n}")) for n in range(3)]
    got = run([*sources, healthy(server)], FetchSettings(timeout=10.0, host_delay=0.25))
    assert all(isinstance(outcome, Fetched) for outcome in got.values())
    starts = [hit.at for hit in server.hits()]
    assert len(starts) == 5  # robots.txt and four pages
    assert min(gaps(starts)) >= 0.23, gaps(starts)  # 20 ms for the trip to the server
    assert_healthy(got, server)


def test_user_agent_names_convene_and_the_contact(server: FaultServer) -> None:
    contact = "https://example.org/convene-contact"
    got = run([healthy(server)], FetchSettings(host_delay=0.0, contact_url=contact))
    assert_healthy(got, server)
    for hit in server.hits():  # robots.txt and the page
        agent = hit.headers["user-agent"]
        assert agent.startswith("Convene/") and contact in agent
        encodings = {part.strip() for part in hit.headers["accept-encoding"].split(",")}
        assert "gzip" in encodings and ("br" in encodings or not HAS_BROTLI)
    assert server.count("/robots.txt") == 1


# --- bodies --------------------------------------------------------------------------------


def test_gzip_and_brotli_are_decoded(server: FaultServer) -> None:
    routes = {"gzip": "/gzip"} | ({"br": "/br"} if HAS_BROTLI else {})
    got = run([*(source(sid, server.url(path)) for sid, path in routes.items()), healthy(server)])
    for sid in routes:
        fetched = ok(got[sid])
        assert fetched.body.startswith(b"BEGIN:VCALENDAR"), sid
        assert f"PRODID:-//Convene tests//{sid}//EN".encode() in fetched.body
        assert fetched.content_type and fetched.content_type.startswith("text/calendar")
    assert_healthy(got, server)


def test_latin1_and_utf16_bodies_come_out_as_utf8(server: FaultServer) -> None:
    got = run(
        [
            source("latin1", server.url("/charset/latin1"), kind="feed"),
            source("utf16", server.url("/charset/wrong")),
            healthy(server),
        ]
    )
    latin1 = ok(got["latin1"])
    text = latin1.body.decode("utf-8")  # strict: raises if it is not UTF-8
    assert LATIN1_TITLE in text
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert latin1.encoding == "windows-1252"
    utf16 = ok(got["utf16"])
    text = utf16.body.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR")  # no BOM left, no NUL bytes
    assert f"SUMMARY:{UTF16_TITLE}" in text and "\0" not in text
    assert utf16.encoding == "utf-16le"
    assert_healthy(got, server)


# --- regressions: bugs found by these tests and fixed ----------------------------------


def test_waiting_for_our_own_host_gate_is_not_blamed_on_the_server(server: FaultServer) -> None:
    sources = [source(f"q{n}", server.url(f"/ok/q{n}")) for n in range(8)]
    got = run(sources, FetchSettings(timeout=1.0, per_host=2, host_delay=0.3))
    asked = {hit.route for hit in server.hits("/ok/")}
    for item in sources:
        outcome = got[item.id]
        if isinstance(outcome, FetchError) and "server too slow" in outcome.reason:
            assert f"/ok/{item.id}" in asked, f"{item.id}: blamed on a server never asked"


def test_deadline_outcome_keeps_attempts_and_final_url(server: FaultServer) -> None:
    # Attempt 1 ends at 0.4 s, attempt 2 runs from about 0.45 s to 0.85 s: the 0.7 s
    # deadline falls in the middle of it.
    settings = FetchSettings(timeout=0.7, read_timeout=0.4, host_delay=0.0, backoff_base=0.05)
    url = server.url("/redirect/chain?n=1&to=/stall%3Fs%3D10")
    error = failed(run([source("stall", url)], settings)["stall"])
    assert error.kind == "timeout"
    assert server.count("/stall") == 2  # two attempts reached the server
    assert (error.attempts, error.final_url) == (2, server.url("/stall?s=10"))


def test_redirect_without_location_is_an_error(server: FaultServer) -> None:
    got = run([source("nowhere", server.url("/status/302")), healthy(server)])
    assert_healthy(got, server)
    assert failed(got["nowhere"]).http_status == 302
