"""One attempt at one URL: address checks on every hop, redirects, validators, size cap."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin, urlsplit

import httpx

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
from scrapers.guard import AddressPolicy, Resolver, check_url
from scrapers.hosts import Gate, HostGate
from scrapers.retry import parse_retry_after, should_retry_status

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})


@dataclass(frozen=True)
class Run:
    """Everything shared by the fetches of one refresh."""

    client: httpx.AsyncClient
    settings: FetchSettings
    hosts: HostGate  # per-host politeness, and the global limit on requests in flight
    resolve: Resolver
    lookups: Gate  # address checks at once: 10,000 at once would time out in the queue
    pins: Pins = field(default_factory=Pins)  # addresses checked: where connections go


class Progress:
    """How far one source's fetch got, and its deadline.

    The deadline starts when the first request is actually sent, and our own waits
    after that (a host's gap or Crawl-delay, a global slot, an address check's turn)
    push it back: a source queued behind others must not be blamed on its server.
    Retry back-off is not excused: the server asked for it.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.attempts = 0
        self.url: str | None = None
        self.expires = math.inf  # time.monotonic() value
        self._scope: asyncio.Timeout | None = None

    def bind(self, scope: asyncio.Timeout) -> None:
        self._scope = scope

    @property
    def started(self) -> bool:
        return self.expires != math.inf

    @contextmanager
    def ours(self) -> Iterator[None]:
        """Time spent inside is ours, not the server's: the deadline stops meanwhile and
        moves back by that much. Before the first request there is no deadline yet."""
        if not self.started:
            yield
            return
        began = time.monotonic()
        if self._scope is not None:
            self._scope.reschedule(None)
        try:
            yield
        finally:
            self.expires += time.monotonic() - began
            if self._scope is not None:
                left = self.expires - time.monotonic()
                self._scope.reschedule(asyncio.get_running_loop().time() + left)

    def sending(self, url: str | None = None) -> None:
        if url is not None:
            self.url = url
        if self.expires == math.inf:
            self.expires = time.monotonic() + self.seconds
            if self._scope is not None:
                self._scope.reschedule(asyncio.get_running_loop().time() + self.seconds)


@dataclass(frozen=True)
class Job:
    """One source's request: where, with what limits and validators."""

    url: str
    policy: AddressPolicy
    max_bytes: int
    validators: Validators | None
    started: float
    progress: Progress = field(default_factory=lambda: Progress(math.inf))


@dataclass(frozen=True)
class _Redirect:
    status: int
    location: str


def host_key(url: str) -> str:
    return urlsplit(url).netloc.lower()


def error(
    job: Job, kind: ErrorKind, reason: str, status: int | None = None, **extra: object
) -> FetchError:
    seconds = time.perf_counter() - job.started
    return FetchError(job.url, kind, reason, status, seconds, **extra)  # type: ignore[arg-type]


async def attempt(run: Run, job: Job) -> FetchOutcome:
    """Follow redirects one hop at a time, so every hop's address is checked."""
    url, seen, moved_to, permanent = job.url, [job.url], None, True
    for _ in range(run.settings.max_redirects + 1):
        refused = await check_address(run, job, url)
        if refused:
            kind: ErrorKind = "dns" if refused.startswith("DNS lookup failed") else "refused"
            return error(job, kind, refused, final_url=url, moved_to=moved_to)
        result = await _request(run, job, url)
        if not isinstance(result, _Redirect):
            return replace(result, moved_to=moved_to, final_url=url)
        if result.location in seen:
            reason = f"redirect loop: {url} sends us back to {result.location}"
            return error(job, "redirect", reason, result.status, final_url=url)
        permanent = permanent and result.status in PERMANENT
        moved_to = result.location if permanent else None
        seen.append(result.location)
        url = result.location
    reason = f"more than {run.settings.max_redirects} redirects: check the URL in a browser"
    return error(job, "redirect", reason, final_url=url)


async def check_address(run: Run, job: Job, url: str) -> str | None:
    """The address guard, with a bound on the lookup (the resolver's own can be long)
    that counts from the lookup's turn, not from joining the queue for it."""
    with job.progress.ours():
        await run.lookups.acquire(job.progress.started)
    found: list[tuple[str, int, list[str]]] = []

    async def resolve(host: str, port: int) -> list[str]:
        addresses = await run.resolve(host, port)
        found.append((host, port, addresses))
        return addresses

    try:
        async with asyncio.timeout(run.settings.connect_timeout):
            refused = await check_url(url, job.policy, resolve)
        if refused is None:
            for name, port, addresses in found:  # only addresses the guard approved
                run.pins.approve(name, port, addresses)
        if refused is None and not found:
            await _look_up_unchecked(run, url)
        return refused
    except TimeoutError:
        host = urlsplit(url).hostname
        return f"DNS lookup failed: no answer for {host} within {run.settings.connect_timeout:g} s"
    finally:
        run.lookups.release()


async def _look_up_unchecked(run: Run, url: str) -> None:
    """A host the guard had no reason to look up (a local source's) is looked up now,
    while the source holds no request slot, instead of when it connects. A failure is
    left for the connection to report, as it always was."""
    try:
        parts = urlsplit(url)  # not httpx.URL: its parse costs more than the lookup here
        port = parts.port or (443 if parts.scheme == "https" else 80)
        async with asyncio.timeout(run.settings.connect_timeout):
            await run.pins.look_up(parts.hostname or "", port)
    except (OSError, UnicodeError, TimeoutError, ValueError):
        pass  # a name httpx encodes differently (IDNA) is simply looked up again later


def _headers(validators: Validators | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if validators and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


@asynccontextmanager
async def turn(run: Run, job: Job, url: str, *, track: bool = True) -> AsyncIterator[None]:
    """One request's turn: the host's limit and gap first, then a global slot, both held
    until the answer is read. `track`: the URL becomes the one a timeout reports."""
    async with AsyncExitStack() as stack:
        with job.progress.ours():
            slot = run.hosts.slot(host_key(url), urgent=job.progress.started)
            await stack.enter_async_context(slot)
        job.progress.sending(url if track else None)
        yield


async def _request(run: Run, job: Job, url: str) -> FetchOutcome | _Redirect:
    async with turn(run, job, url):
        try:
            request = run.client.build_request("GET", url, headers=_headers(job.validators))
            response = await run.client.send(request, stream=True)
            try:
                return await _read(job, url, response)
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            return error(job, "timeout", "the server stopped answering (timed out)", retriable=True)
        except httpx.TransportError as exc:
            return error(job, "connection", _transport_reason(exc), retriable=True)


async def _read(job: Job, url: str, response: httpx.Response) -> FetchOutcome | _Redirect:
    status = response.status_code
    location = response.headers.get("location")
    if status in REDIRECTS and location:
        return _Redirect(status, urljoin(url, location))
    if 300 <= status < 400 and status != 304:
        problem = (
            "without a Location header" if status in REDIRECTS else "which Convene cannot follow"
        )
        reason = f"HTTP {status} {response.reason_phrase}: a redirect {problem}; check the URL"
        return error(job, "redirect", reason, status)
    if status == 304:
        return _fetched(job, response, b"", not_modified=True)
    if status >= 400:
        retriable = should_retry_status(status)
        wait = parse_retry_after(response.headers.get("retry-after")) if retriable else None
        reason = http_reason(status, response.reason_phrase)
        return error(job, "http", reason, status, retriable=retriable, retry_after=wait)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > job.max_bytes:
        return _too_large(job, status)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > job.max_bytes:
            return _too_large(job, status)
        chunks.append(chunk)
    return _fetched(job, response, b"".join(chunks))


def _fetched(job: Job, response: httpx.Response, raw: bytes, not_modified: bool = False) -> Fetched:
    content_type = response.headers.get("content-type")
    decoded = to_utf8(raw, content_type) if raw else None
    return Fetched(
        url=job.url,
        body=decoded.body if decoded else b"",
        http_status=response.status_code,
        content_type=content_type,
        seconds=time.perf_counter() - job.started,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        not_modified=not_modified,
        encoding=decoded.encoding if decoded else None,
        raw_bytes=len(raw),
    )


def _too_large(job: Job, status: int) -> FetchError:
    limit = job.max_bytes / (1024 * 1024)
    reason = f"body larger than {limit:g} MB: not read (raise max_body_mb if this is expected)"
    return error(job, "too-large", reason, status)


def http_reason(status: int, phrase: str) -> str:
    hint = {
        404: "the page is gone: check the URL",
        410: "the page is gone for good: remove or replace the source",
        401: "needs a login: use a public feed URL",
        403: "the server refused access",
        429: "the server asks us to slow down",
    }.get(status, "the server had a problem" if status >= 500 else "the server refused")
    return f"HTTP {status} {phrase}: {hint}".replace("  ", " ")


def _transport_reason(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused by the server"
    if "reset" in lowered or isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return f"the connection broke off mid-answer ({text})"
    return f"could not connect: {text}"
