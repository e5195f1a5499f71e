"""The only code that touches the network (or, for samples and tests, local files).

Failures come back as `FetchError` values, never as exceptions, so one bad source
cannot stop the others (the lemon24/reader habit).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx

from scrapers.model import Source

USER_AGENT = (
    "Convene/0.1 (event aggregator for people who change public services; "
    "+https://github.com/convene-events/convene)"
)
MAX_BODY_BYTES = 10 * 1024 * 1024

ErrorKind = Literal["timeout", "http", "connection", "offline", "file", "too-large", "refused"]


@dataclass(frozen=True)
class Fetched:
    url: str
    body: bytes
    http_status: int | None  # None for local files
    content_type: str | None
    seconds: float


@dataclass(frozen=True)
class FetchError:
    url: str
    kind: ErrorKind
    reason: str  # plain words a person can act on
    http_status: int | None
    seconds: float


FetchOutcome = Fetched | FetchError


@dataclass(frozen=True)
class FetchSettings:
    timeout: float = 30.0  # whole-source deadline, seconds
    connect_timeout: float = 10.0
    concurrency: int = 16
    user_agent: str = USER_AGENT
    max_bytes: int = MAX_BODY_BYTES


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
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, FetchOutcome]:
    """Fetch every source concurrently; the result maps source id to its outcome."""
    settings = settings or FetchSettings()
    gate = asyncio.Semaphore(settings.concurrency)
    timeout = httpx.Timeout(settings.timeout, connect=settings.connect_timeout)
    async with httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": settings.user_agent},
        transport=transport,
    ) as client:

        async def one(source: Source) -> tuple[str, FetchOutcome]:
            async with gate:
                return source.id, await fetch_source(client, source, settings)

        pairs = await asyncio.gather(*(one(s) for s in sources))
    return dict(pairs)


async def fetch_source(
    client: httpx.AsyncClient, source: Source, settings: FetchSettings
) -> FetchOutcome:
    started = time.perf_counter()
    if is_local_path(source):
        return _read_local(source, started)
    try:
        async with asyncio.timeout(settings.timeout):
            return await _get(client, source.url, settings, started)
    except TimeoutError:
        return _error(source.url, "timeout", _timeout_reason(settings), None, started)
    except httpx.TimeoutException:
        return _error(source.url, "timeout", _timeout_reason(settings), None, started)
    except httpx.TooManyRedirects:
        reason = "more than 5 redirects: the address probably loops; check the URL in a browser"
        return _error(source.url, "http", reason, None, started)
    except httpx.TransportError as exc:
        return _transport_error(source.url, exc, started)


async def _get(
    client: httpx.AsyncClient, url: str, settings: FetchSettings, started: float
) -> FetchOutcome:
    async with client.stream("GET", url) as response:
        if response.status_code >= 400:
            reason = _http_reason(response.status_code, response.reason_phrase)
            return _error(url, "http", reason, response.status_code, started)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > settings.max_bytes:
                reason = f"response larger than {settings.max_bytes // (1024 * 1024)} MB: not read"
                return _error(url, "too-large", reason, response.status_code, started)
            chunks.append(chunk)
        return Fetched(
            url=str(response.url),
            body=b"".join(chunks),
            http_status=response.status_code,
            content_type=response.headers.get("content-type"),
            seconds=time.perf_counter() - started,
        )


def _read_local(source: Source, started: float) -> FetchOutcome:
    if not source.local:
        reason = "file paths are only allowed for sources marked local = true"
        return _error(source.url, "refused", reason, None, started)
    path = local_path(source)
    try:
        body = path.read_bytes()
    except OSError as exc:
        reason = f"cannot read local file {path}: {exc.strerror or exc}"
        return _error(source.url, "file", reason, None, started)
    return Fetched(str(path), body, None, None, time.perf_counter() - started)


def _transport_error(url: str, exc: httpx.TransportError, started: float) -> FetchError:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "name or service not known" in lowered or "temporary failure in name resolution" in lowered:
        host = urlsplit(url).hostname
        reason = f"cannot look up {host}: no DNS answer (offline, or the host name is wrong)"
        return _error(url, "offline", reason, None, started)
    if "connection refused" in lowered:
        return _error(url, "connection", "connection refused by the server", None, started)
    return _error(url, "connection", f"could not connect: {text}", None, started)


def _http_reason(status: int, phrase: str) -> str:
    hint = {
        404: "the page is gone: check the URL",
        410: "the page is gone for good: remove or replace the source",
        401: "needs a login: use a public feed URL",
        403: "the server refused access",
        429: "the server asks us to slow down",
    }.get(status, "the server had a problem" if status >= 500 else "the server refused")
    return f"HTTP {status} {phrase}: {hint}".strip()


def _timeout_reason(settings: FetchSettings) -> str:
    return f"no complete answer within {settings.timeout:g} s (server too slow or not answering)"


def _error(
    url: str, kind: ErrorKind, reason: str, status: int | None, started: float
) -> FetchError:
    return FetchError(url, kind, reason, status, time.perf_counter() - started)
