"""Fetch, cache and obey robots.txt (RFC 9309) for the sites Convene reads.

One `RobotsCache` lives for one refresh: each site's robots.txt (per scheme, host and port)
is fetched at most once, however many sources and concurrent checks share the site. It
can be seeded with the answers earlier refreshes read (`RobotsRecord`s younger than the
maximum age, RFC 9309 section 2.4), and then asks for none of those sites; `fresh` gives
the cacheable answers it fetched itself, for the caller to keep.

What a robots.txt answer means (RFC 9309, section 2.3.1):
- 2xx: obey the group for our token, else the `*` group. Only the first 500 KiB is read
  (an incomplete last line is dropped); the text is UTF-8, bad bytes replaced.
- 3xx left over after the fetcher's redirects, and 4xx (401 and 403 included): the file
  is "unavailable", so everything is allowed.
- 429, 5xx, or a network failure: the file is "unreachable", so everything is disallowed
  until a later refresh. 429 is counted here (as Google does) to be gentle with a server
  that is already asking us to slow down.

Parsing and matching are `urllib.robotparser`'s, which (unlike RFC 9309) takes the first
matching rule rather than the longest, treats `*` and `$` in paths literally, and reads
only whole-second Crawl-delay values.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import SplitResult, urlsplit
from urllib.robotparser import RobotFileParser

from scrapers.fetch_types import RobotsRecord

FetchText = Callable[[str], Awaitable[tuple[int | None, bytes]]]  # url -> (status, body)
MAX_ROBOTS_BYTES = 500 * 1024
_ASSUME = "RFC 9309 says to assume everything is disallowed; try again later"


@dataclass(frozen=True)
class RobotsVerdict:
    allowed: bool
    reason: str | None  # plain words when not allowed


_ALLOWED = RobotsVerdict(True, None)


@dataclass(frozen=True)
class _SiteRules:
    parser: RobotFileParser | None  # None: no rules, so everything allowed (unless refusal)
    refusal: str | None = None  # robots.txt was unreachable: everything disallowed
    crawl_delay: float | None = None


class RobotsCache:
    def __init__(
        self,
        user_agent_token: str = "Convene",
        remembered: Iterable[RobotsRecord] = (),
        max_age: timedelta = timedelta(hours=24),
        now: datetime | None = None,
    ) -> None:
        self._token = user_agent_token
        since = (now or datetime.now(UTC)) - max_age
        # Parsed on first use: most remembered sites are checked, but parsing is not free.
        self._remembered = {
            r.site: r for r in remembered if r.fetched_at >= since and max_age > timedelta(0)
        }
        self._fresh: dict[str, RobotsRecord] = {}
        self._sites: dict[str, _SiteRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        # Sites by host name, so a host's delay is found without scanning every site
        # (a scan per source made a refresh of N hosts cost N x N).
        self._by_name: dict[str | None, list[str]] = {}

    async def check(self, url: str, fetch_text: FetchText) -> RobotsVerdict:
        """May Convene fetch `url`? Addresses that are not http(s) have no robots.txt."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            return _ALLOWED
        try:
            site, robots_url = _site(parts)
        except ValueError:
            return RobotsVerdict(False, "cannot tell which site the address belongs to")
        rules = self._sites.get(site) or await self._load(site, robots_url, fetch_text)
        if rules.refusal is not None:
            return RobotsVerdict(False, rules.refusal)
        if rules.parser is None or rules.parser.can_fetch(self._token, url):
            return _ALLOWED
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return RobotsVerdict(False, f"robots.txt disallows {path} for {self._token}")

    def crawl_delay(self, host: str) -> float | None:
        """Seconds the site asks for between requests (Crawl-delay for our token, else `*`).

        `host` is any URL on the site, or a host with or without a port ("example.org",
        "example.org:8443"): then the longest delay among the sites that match it.
        None when there is none, or robots.txt was not read yet.
        """
        try:
            if "://" in host:
                sites = [_site(urlsplit(host))[0]]
            else:
                given = urlsplit(f"//{host}")
                name, port = given.hostname, given.port
                sites = [
                    site
                    for site in self._by_name.get(name, ())
                    if port in (None, urlsplit(site).port)
                ]
        except ValueError:
            return None
        delays = [
            rules.crawl_delay
            for site in sites
            if (rules := self._sites.get(site)) is not None and rules.crawl_delay is not None
        ]
        return max(delays, default=None)

    def fresh(self, url: str) -> RobotsRecord | None:
        """The cacheable robots.txt answer fetched this run for `url`'s site, if any."""
        try:
            return self._fresh.get(_site(urlsplit(url))[0])
        except ValueError:
            return None

    def fresh_records(self) -> list[RobotsRecord]:
        return list(self._fresh.values())

    async def _load(self, site: str, robots_url: str, fetch_text: FetchText) -> _SiteRules:
        # Concurrent checks of one site wait here for the first one's fetch.
        async with self._locks.setdefault(site, asyncio.Lock()):
            if site not in self._sites:
                known = self._remembered.get(site)
                if known is not None:
                    self._sites[site] = self._rules(known.status, known.body)
                else:
                    self._sites[site] = await self._fetch(site, robots_url, fetch_text)
                self._by_name.setdefault(urlsplit(site).hostname, []).append(site)
            return self._sites[site]

    async def _fetch(self, site: str, robots_url: str, fetch_text: FetchText) -> _SiteRules:
        try:
            status, body = await fetch_text(robots_url)
        except Exception as exc:  # the fetcher should return None instead; be safe anyway
            failure = f"{type(exc).__name__}: {exc}"
            return _SiteRules(None, f"robots.txt could not be read ({failure}): {_ASSUME}")
        rules = self._rules(status, body)
        if status is not None and rules.refusal is None:  # never remember "unreachable"
            kept = body if 200 <= status < 300 else b""
            self._fresh[site] = RobotsRecord(site, status, kept, datetime.now(UTC))
        return rules

    def _rules(self, status: int | None, body: bytes) -> _SiteRules:
        if status is None or status == 429 or not 200 <= status < 500:
            failure = "network failure" if status is None else f"HTTP {status}"
            return _SiteRules(None, f"robots.txt could not be read ({failure}): {_ASSUME}")
        if status >= 300:
            return _SiteRules(None)
        parser = RobotFileParser()
        parser.parse(_robots_lines(body))
        delay = parser.crawl_delay(self._token)
        return _SiteRules(parser, None, None if delay is None else float(delay))


def _robots_lines(body: bytes) -> list[str]:
    if len(body) > MAX_ROBOTS_BYTES:
        body = body[:MAX_ROBOTS_BYTES].rpartition(b"\n")[0]
    return body.decode("utf-8-sig", errors="replace").splitlines()


def _site(parts: SplitResult) -> tuple[str, str]:
    """The cache key (scheme://host:port) and the robots.txt address for a split URL."""
    scheme, host = parts.scheme.lower(), parts.hostname
    if not host:
        raise ValueError("no host")
    default = 443 if scheme == "https" else 80
    port = parts.port or default  # .port raises ValueError for a bad port
    host = f"[{host}]" if ":" in host else host
    netloc = host if port == default else f"{host}:{port}"
    return f"{scheme}://{host}:{port}", f"{scheme}://{netloc}/robots.txt"
