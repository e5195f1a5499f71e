"""What a fetch is given and what it gives back. Plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

USER_AGENT = "Convene/0.1 (event aggregator for people who change public services; +{contact})"
DEFAULT_CONTACT = "https://github.com/convene-events/convene"

ErrorKind = Literal[
    "dns",
    "connection",
    "timeout",
    "http",
    "too-large",
    "robots",
    "refused",
    "redirect",
    "file",
]


@dataclass(frozen=True)
class FetchSettings:
    timeout: float = 30.0  # total deadline per source, retries included
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence while reading a body
    # Requests in flight across all hosts. This limit protects Convene, not the sites
    # (per_host, host_delay and robots.txt Crawl-delay do that, unchanged): at 32 a
    # refresh of 1,000 sources fetched 25-30% faster than at 16 on 2 cores, with the
    # event loop under half busy and 42 files open (bench/fetch_concurrency.py). 64 gained
    # 15-20% more, but doubles the burst that sites sharing one server under different
    # host names can get, and the lookups queued on the resolver's 6 threads.
    concurrency: int = 32
    per_host: int = 2
    host_delay: float = 1.0  # minimum gap between request starts to one host
    max_attempts: int = 3
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    max_redirects: int = 5
    max_bytes: int = 10 * 1024 * 1024
    contact_url: str = DEFAULT_CONTACT
    # Addresses treated as public: only tests use this, so a 127.0.0.1 server can
    # stand in for a public one.
    trusted_addresses: frozenset[str] = frozenset()
    # How long a remembered robots.txt answer is reused without asking again (RFC 9309,
    # section 2.4: up to 24 hours). 0: read robots.txt afresh on every refresh.
    robots_max_age_hours: float = 24.0

    @property
    def user_agent(self) -> str:
        return USER_AGENT.format(contact=self.contact_url)


@dataclass(frozen=True)
class Validators:
    """What a server told us last time, so it can answer 304 Not Modified."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class RobotsRecord:
    """A site's robots.txt answer as fetched, kept so later refreshes can reuse it.

    Only answers that RFC 9309 lets a crawler cache are made into records: 2xx (the
    rules), and 3xx or 4xx other than 429 ("unavailable": everything allowed). An
    unreachable robots.txt (429, 5xx, network failure) never is, so a failure cannot
    be remembered as permission.
    """

    site: str  # scheme://host:port, as scrapers.robots keys sites
    status: int  # the final status, after redirects
    body: bytes  # at most 500 KiB
    fetched_at: datetime


ROBOTS_KEY = "robots.txt "  # + site: where a RobotsRecord sits among remembered URLs


@dataclass(frozen=True)
class Remembered:
    """What the database remembers of a URL: validators and the last body digest.

    Under the key ROBOTS_KEY + site it is a site's robots.txt answer instead (`robots`).
    """

    validators: Validators
    digest: str | None
    robots: RobotsRecord | None = None


@dataclass(frozen=True)
class Fetched:
    url: str
    body: bytes  # UTF-8 (see scrapers.decode); empty when not_modified
    http_status: int | None  # None for local files
    content_type: str | None
    seconds: float
    final_url: str | None = None
    attempts: int = 1
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    moved_to: str | None = None  # where a permanent redirect (301/308) points
    encoding: str | None = None
    raw_bytes: int = 0
    robots: RobotsRecord | None = None  # the site's robots.txt, if read afresh this run


@dataclass(frozen=True)
class FetchError:
    url: str
    kind: ErrorKind
    reason: str  # plain words a person can act on
    http_status: int | None
    seconds: float
    attempts: int = 1
    final_url: str | None = None
    moved_to: str | None = None
    retry_after: float | None = None
    retriable: bool = False
    robots: RobotsRecord | None = None  # the site's robots.txt, if read afresh this run


FetchOutcome = Fetched | FetchError
