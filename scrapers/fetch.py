"""The only code that touches the network (or, for samples and tests, local files).

Failures come back as `FetchError` values, never as exceptions, so one bad source
cannot stop the others (the lemon24/reader habit). Politeness lives here too:
robots.txt, a per-host limit and gap, retries that back off, conditional requests.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from scrapers import connect
from scrapers.connect import Pins
from scrapers.decode import to_utf8
from scrapers.fetch_types import (
    ErrorKind,
    Fetched,
    FetchError,
    FetchOutcome,
    FetchSettings,
    Validators,
)
from scrapers.guard import AddressPolicy, Resolver, system_resolve
from scrapers.hosts import Gate, HostGate
from scrapers.model import Source
from scrapers.retry import backoff
from scrapers.robots import RobotsCache
from scrapers.transfer import (
    REDIRECTS,
    Job,
    Progress,
    Run,
    attempt,
    check_address,
    error,
    host_key,
    turn,
)

__all__ = [
    "FetchError",
    "FetchOutcome",
    "FetchSettings",
    "Fetched",
    "Validators",
    "fetch_all",
    "is_local_path",
    "local_path",
]

ROBOTS_MAX_BYTES = 500 * 1024


def is_local_path(source: Source) -> bool:
    return urlsplit(source.url).scheme in ("", "file")


def local_path(source: Source) -> Path:
    raw = urlsplit(source.url).path if source.url.startswith("file:") else source.url
    path = Path(raw)
    if not path.is_absolute() and source.base_dir is not None:
        path = source.base_dir / path
    return path


async def fetch_all(
    sources: Iterable[Source],
    settings: FetchSettings | None = None,
    validators: Mapping[str, Validators] | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    resolve: Resolver = system_resolve,
    robots: RobotsCache | None = None,
    on_outcome: Callable[[Source, FetchOutcome], object] | None = None,
) -> dict[str, FetchOutcome]:
    """Fetch every source concurrently; the result maps source id to its outcome.

    `validators` maps a source URL to what its server said last time. At most
    `settings.concurrency` requests are in flight at once (and as many address checks);
    a source waiting on a host's politeness holds neither. `robots` may be seeded with
    remembered robots.txt answers (and shared between calls); an outcome carries its
    site's robots.txt answer when this call read it afresh, for the caller to keep.
    `on_outcome` is called with each source and its outcome as soon as that source is
    done, so work on it (parsing, in a worker) can overlap the fetches still going.
    """
    settings = settings or FetchSettings()
    known = validators or {}
    hosts = HostGate(settings.per_host, settings.host_delay, settings.concurrency)
    robots = RobotsCache() if robots is None else robots
    pins = Pins()
    async with _client(settings, transport, pins) as client:
        run = Run(client, settings, hosts, resolve, Gate(settings.concurrency), pins)

        async def one(source: Source) -> tuple[str, FetchOutcome]:
            outcome = await fetch_source(run, robots, source, known.get(source.url))
            record = robots.fresh(source.url)
            if record is not None:
                outcome = replace(outcome, robots=record)
            if on_outcome is not None:
                on_outcome(source, outcome)
            return source.id, outcome

        listed = list(sources)
        pairs = dict(await asyncio.gather(*(one(s) for s in _busiest_hosts_first(listed))))
    return {s.id: pairs[s.id] for s in listed}


def _busiest_hosts_first(sources: list[Source]) -> list[Source]:
    """Sources on hosts with many sources start first: their requests are a chain of
    host gaps, which then runs while the single-source hosts are fetched, instead of
    after them (otherwise stable: the order given, within a host and among equals)."""
    counts = Counter(host_key(s.url) for s in sources)
    return sorted(sources, key=lambda s: -counts[host_key(s.url)])


def _client(
    settings: FetchSettings, transport: httpx.AsyncBaseTransport | None, pins: Pins
) -> httpx.AsyncClient:
    timeout = httpx.Timeout(
        settings.timeout, connect=settings.connect_timeout, read=settings.read_timeout
    )
    limits = httpx.Limits(
        max_connections=settings.concurrency * 2,
        max_keepalive_connections=max(settings.concurrency // 2, 2),
    )
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=False,  # followed by hand, so each hop's address is checked
        headers={"User-Agent": settings.user_agent},
        transport=transport or connect.transport(pins, limits),
    )


async def fetch_source(
    run: Run, robots: RobotsCache, source: Source, validators: Validators | None
) -> FetchOutcome:
    started = time.perf_counter()
    if is_local_path(source):
        return _read_local(source, started)
    policy = AddressPolicy(allow_private=source.local, trusted=run.settings.trusted_addresses)
    max_bytes = int(source.max_body_mb * 1024 * 1024) if source.max_body_mb else None
    progress = Progress(run.settings.timeout)
    limit = max_bytes or run.settings.max_bytes
    job = Job(source.url, policy, limit, validators, started, progress)
    try:
        async with asyncio.timeout(None) as scope:
            progress.bind(scope)
            # Address first: a DNS failure or a refused address is the real story,
            # not the robots.txt that could not be fetched because of it.
            refused = await check_address(run, job, job.url)
            if refused:
                kind: ErrorKind = "dns" if refused.startswith("DNS lookup failed") else "refused"
                return error(job, kind, refused)
            if not source.ignore_robots:
                refusal = await _robots_refusal(run, robots, job)
                if refusal is not None:
                    return refusal
            return await _with_retries(run, job)
    except TimeoutError:
        seconds = run.settings.timeout
        reason = f"no complete answer within {seconds:g} s (server too slow or not answering)"
        return error(
            job, "timeout", reason, attempts=max(progress.attempts, 1), final_url=progress.url
        )


async def _with_retries(run: Run, job: Job) -> FetchOutcome:
    tries = 0
    while True:
        tries += 1
        job.progress.attempts = tries
        outcome = replace(await attempt(run, job), attempts=tries)
        if isinstance(outcome, Fetched) or not outcome.retriable:
            return outcome
        if tries >= run.settings.max_attempts:
            return replace(outcome, reason=f"{outcome.reason} (after {tries} attempts)")
        wait = outcome.retry_after
        if wait is None:
            wait = backoff(tries, run.settings.backoff_base, run.settings.backoff_cap)
        if time.monotonic() + wait >= job.progress.expires:
            note = f"gave up after {tries} attempts: the next would start after the deadline"
            return replace(outcome, reason=f"{outcome.reason} ({note})")
        await asyncio.sleep(wait)


async def _robots_refusal(run: Run, robots: RobotsCache, job: Job) -> FetchError | None:
    async def fetch_text(url: str) -> tuple[int | None, bytes]:
        return await _robots_text(run, job, url)

    verdict = await robots.check(job.url, fetch_text)
    delay = robots.crawl_delay(host_key(job.url))
    if delay:
        run.hosts.set_delay(host_key(job.url), min(delay, 30.0))
    if verdict.allowed:
        return None
    return error(job, "robots", verdict.reason or "robots.txt disallows this URL")


async def _robots_text(run: Run, job: Job, url: str) -> tuple[int | None, bytes]:
    """robots.txt with up to 5 redirects (RFC 9309), each hop's address checked."""
    for _ in range(6):
        if await check_address(run, job, url):
            return None, b""
        try:
            async with turn(run, job, url, track=False):
                status, location, body = await _robots_get(run, url)
        except httpx.HTTPError:
            return None, b""
        if status in REDIRECTS and location:
            url = urljoin(url, location)
            continue
        return status, body
    return 404, b""  # a redirect chain too long counts as "no robots.txt" (RFC 9309)


async def _robots_get(run: Run, url: str) -> tuple[int, str | None, bytes]:
    async with run.client.stream("GET", url) as response:
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= ROBOTS_MAX_BYTES:
                break
        return (
            response.status_code,
            response.headers.get("location"),
            bytes(body[:ROBOTS_MAX_BYTES]),
        )


def _read_local(source: Source, started: float) -> FetchOutcome:
    job = Job(source.url, AddressPolicy(), 0, None, started)
    if not source.local:
        return error(job, "refused", "file paths are only allowed for sources marked local = true")
    path = local_path(source)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return error(job, "file", f"cannot read local file {path}: {exc.strerror or exc}")
    decoded = to_utf8(raw, None)
    seconds = time.perf_counter() - started
    return Fetched(
        str(path), decoded.body, None, None, seconds, encoding=decoded.encoding, raw_bytes=len(raw)
    )
