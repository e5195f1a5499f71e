"""robots.txt: fetched once per site through a fake fetcher, then obeyed (RFC 9309)."""

from __future__ import annotations

import asyncio

import pytest

from scrapers.robots import MAX_ROBOTS_BYTES, RobotsCache, RobotsVerdict

RULES = b"""\
User-agent: Convene
Disallow: /events/ical/
Crawl-delay: 5

User-agent: *
Disallow: /private/
Crawl-delay: 1
"""


class FakeFetch:
    """Canned answers by URL; counts the calls and yields to other tasks while 'fetching'."""

    def __init__(self, answers: dict[str, tuple[int | None, bytes]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def __call__(self, url: str) -> tuple[int | None, bytes]:
        self.calls.append(url)
        for _ in range(3):
            await asyncio.sleep(0)
        return self.answers.get(url, (404, b""))


def verdicts(
    urls: list[str], fetch: FakeFetch, cache: RobotsCache | None = None
) -> list[RobotsVerdict]:
    robots = cache or RobotsCache()

    async def run() -> list[RobotsVerdict]:
        return list(await asyncio.gather(*(robots.check(url, fetch) for url in urls)))

    return asyncio.run(run())


def one(url: str, status: int | None, body: bytes = b"") -> RobotsVerdict:
    fetch = FakeFetch({"https://site.example/robots.txt": (status, body)})
    return verdicts([url], fetch)[0]


def test_rules_for_our_token_win_over_star() -> None:
    fetch = FakeFetch({"https://site.example/robots.txt": (200, RULES)})
    got = verdicts(
        [
            "https://site.example/events/ical/all.ics",
            "https://site.example/events/ical/",
            "https://site.example/events/",
            "https://site.example/private/feed.xml",  # only `*` disallows it; ours does not
        ],
        fetch,
    )
    assert got[0] == RobotsVerdict(False, "robots.txt disallows /events/ical/all.ics for Convene")
    assert got[1] == RobotsVerdict(False, "robots.txt disallows /events/ical/ for Convene")
    assert got[2] == RobotsVerdict(True, None)
    assert got[3] == RobotsVerdict(True, None)


def test_star_rules_apply_when_our_token_is_not_named() -> None:
    body = b"User-agent: Googlebot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\n"
    assert one("https://site.example/private/x?page=2", 200, body) == RobotsVerdict(
        False, "robots.txt disallows /private/x?page=2 for Convene"
    )
    assert one("https://site.example/public/", 200, body).allowed


def test_other_token_is_matched_case_insensitively() -> None:
    body = b"User-agent: convene\nDisallow: /\n"
    fetch = FakeFetch({"https://site.example/robots.txt": (200, body)})
    assert not verdicts(["https://site.example/x"], fetch, RobotsCache("Convene"))[0].allowed
    assert verdicts(["https://site.example/x"], fetch, RobotsCache("OtherBot"))[0].allowed


def test_empty_file_bom_and_bad_bytes() -> None:
    assert one("https://site.example/anything", 200, b"").allowed
    bom = "\ufeffUser-agent: *\nDisallow: /events/\n".encode()
    assert not one("https://site.example/events/x", 200, bom).allowed
    assert not one(
        "https://site.example/events/x",
        200,
        b"User-agent: *\nDisallow: /ev\xffents/\nDisallow: /events/\n",
    ).allowed


@pytest.mark.parametrize("status", [404, 410, 401, 403, 400, 301])
def test_unavailable_robots_allows_everything(status: int) -> None:
    assert one("https://site.example/events/ical/", status, b"User-agent: *\nDisallow: /") == (
        RobotsVerdict(True, None)
    )


@pytest.mark.parametrize(
    ("status", "said"),
    [(503, "HTTP 503"), (500, "HTTP 500"), (429, "HTTP 429"), (None, "network failure")],
)
def test_unreachable_robots_disallows_everything(status: int | None, said: str) -> None:
    verdict = one("https://site.example/", status)
    assert verdict == RobotsVerdict(
        False,
        f"robots.txt could not be read ({said}): RFC 9309 says to assume everything is "
        "disallowed; try again later",
    )


def test_fetcher_exception_counts_as_unreachable() -> None:
    async def broken(url: str) -> tuple[int | None, bytes]:
        raise ConnectionResetError("reset by peer")

    verdict = asyncio.run(RobotsCache().check("https://site.example/", broken))
    assert not verdict.allowed and verdict.reason is not None
    assert verdict.reason.startswith("robots.txt could not be read (ConnectionResetError")


def test_one_fetch_for_many_concurrent_checks_of_a_site() -> None:
    fetch = FakeFetch({"https://site.example/robots.txt": (200, RULES)})
    urls = [f"https://site.example/events/{n}" for n in range(25)]
    urls += ["https://SITE.example:443/events/ical/x", "https://site.example/events/ical/y"]
    got = verdicts(urls, fetch)
    assert fetch.calls == ["https://site.example/robots.txt"]
    assert [v.allowed for v in got] == [True] * 25 + [False, False]


def test_one_fetch_for_checks_one_after_another() -> None:
    fetch = FakeFetch({"https://site.example/robots.txt": (503, b"")})
    cache = RobotsCache()
    for _ in range(3):
        verdicts(["https://site.example/a"], fetch, cache)
    assert len(fetch.calls) == 1


def test_each_scheme_host_and_port_is_its_own_site() -> None:
    fetch = FakeFetch(
        {
            "https://a.example/robots.txt": (200, b"User-agent: *\nDisallow: /\n"),
            "https://b.example/robots.txt": (200, b"User-agent: *\nDisallow: /x\n"),
        }
    )
    urls = [
        "https://a.example/1",
        "https://b.example/1",
        "http://a.example/1",
        "https://a.example:8443/1",
        "http://[2001:db8::1]:8080/1",
        "https://a.example/2",
        "https://b.example/x",
    ]
    got = verdicts(urls, fetch)
    assert sorted(fetch.calls) == sorted(
        [
            "https://a.example/robots.txt",
            "https://b.example/robots.txt",
            "http://a.example/robots.txt",
            "https://a.example:8443/robots.txt",
            "http://[2001:db8::1]:8080/robots.txt",
        ]
    )
    assert [v.allowed for v in got] == [False, True, True, True, True, False, False]


def test_huge_robots_file_is_cut_at_500_kib() -> None:
    early = b"User-agent: *\nDisallow: /early/\n"
    padding = b"# " + b"x" * (MAX_ROBOTS_BYTES - len(early) - 3) + b"\n"
    late = b"Disallow: /late/\n" * 1000
    body = early + padding + late
    assert len(early + padding) == MAX_ROBOTS_BYTES
    fetch = FakeFetch({"https://site.example/robots.txt": (200, body)})
    got = verdicts(["https://site.example/early/1", "https://site.example/late/1"], fetch)
    assert not got[0].allowed
    assert got[1].allowed  # past the first 500 KiB: not read


def test_cut_drops_the_incomplete_last_line() -> None:
    early = b"User-agent: *\nDisallow: /early/\n"
    cut = b"Disallow: /"  # the first 11 bytes of "Disallow: /late/" fall inside the limit
    padding = b"# " + b"x" * (MAX_ROBOTS_BYTES - len(early) - len(cut) - 3) + b"\n"
    body = early + padding + cut + b"late/\n"
    assert len(early + padding + cut) == MAX_ROBOTS_BYTES
    fetch = FakeFetch({"https://site.example/robots.txt": (200, body)})
    got = verdicts(["https://site.example/early/1", "https://site.example/other"], fetch)
    assert [v.allowed for v in got] == [False, True]


def test_crawl_delay() -> None:
    fetch = FakeFetch(
        {
            "https://site.example/robots.txt": (200, RULES),
            "https://star.example/robots.txt": (200, b"User-agent: *\nCrawl-delay: 3\n"),
            "https://none.example/robots.txt": (200, b"User-agent: *\nDisallow: /x\n"),
        }
    )
    cache = RobotsCache()
    assert cache.crawl_delay("https://site.example/") is None  # not read yet
    verdicts(
        ["https://site.example/", "https://star.example/", "https://none.example/"], fetch, cache
    )
    assert cache.crawl_delay("https://site.example/any/page") == 5.0
    assert cache.crawl_delay("site.example") == 5.0
    assert cache.crawl_delay("SITE.example:443") == 5.0
    assert cache.crawl_delay("site.example:8443") is None
    assert cache.crawl_delay("site.example:bad") is None
    assert cache.crawl_delay("star.example") == 3.0
    assert cache.crawl_delay("none.example") is None
    assert cache.crawl_delay("http://site.example/") is None  # another site, not read
    assert cache.crawl_delay("unknown.example") is None


def test_non_web_addresses_need_no_robots() -> None:
    fetch = FakeFetch({})
    got = verdicts(["samples/x.ics", "file:///tmp/x.ics"], fetch)
    assert all(v.allowed for v in got) and fetch.calls == []
    bad = verdicts(["https://site.example:port/"], fetch)[0]
    assert not bad.allowed and fetch.calls == []
