"""A fault-injecting HTTP server on 127.0.0.1, for the fetch tests and the 304 benchmark.

Every request is written to a thread-safe log (path, method, headers, time) and counted
while in flight, so tests can assert what the server saw, not only what the client says.

Routes (parameters go in the query string):

- ``/ok/<name>``: the document ``server.docs[name]`` (a default iCal, or RSS for names
  starting with ``rss``), with an ETag and Last-Modified; 304 when ``If-None-Match``
  matches, or (when there is no ``If-None-Match``) ``If-Modified-Since`` is not older.
- ``/noval/<name>``: the same body without validators, its DTSTAMP / lastBuildDate
  changed on every request.
- ``/delay?s=2``: answers after ``s`` seconds.
- ``/status/<code>[?retry_after=N]``: that status.
- ``/429?retry_after=1&key=k``: 429 with Retry-After the first time per key, then 200.
- ``/flaky/<key>?fail=2&code=503[&retry_after=N]``: fails ``fail`` times, then 200.
- ``/reset``: closes the connection with a TCP reset, no answer.
- ``/stall?s=5``: headers and half the body, then silence for ``s`` seconds.
- ``/big?mb=11[&length=0][&chunked=0]``: a streamed body of ``mb`` MB, with Content-Length
  unless ``length=0``: then chunked, or ended by closing the connection with ``chunked=0``.
- ``/gzip[?mb=N]``, ``/br``: compressed bodies (``mb``: a gzip bomb of N MB of zeros).
- ``/redirect/chain?n=3&to=/ok/x&code=302``: ``n`` redirects, then ``to``.
- ``/redirect/seq?codes=301,308&to=/ok/x``: one redirect per code, in order.
- ``/redirect/permanent`` (301, 308 -> /ok/moved), ``/redirect/mixed`` (301, 302 ->
  /ok/moved), ``/redirect/loop`` (-> /redirect/loop-b -> /redirect/loop),
  ``/redirect/private`` (-> http://10.0.0.1/), ``/redirect/metadata``
  (-> http://169.254.169.254/latest/meta-data/), ``/redirect/to?url=...``.
- ``/charset/latin1``: RSS in windows-1252 declared ``ISO-8859-1``, no HTTP charset.
- ``/charset/wrong``: UTF-16 with a BOM, labelled ``charset=iso-8859-1``.
- ``/robots.txt``: ``server.robots_txt`` (404 when None; ``server.robots_status`` to
  override the status), ``/private/<anything>``: an iCal document.

Any route takes ``latency=S`` to override ``server.latency`` (seconds before answering).

``fault_server()`` is the context manager that starts and stops one; ``ConnectGuard``
makes any connection to anything but 127.0.0.1 fail (and records it), since an IP
literal such as http://10.0.0.1/ needs no DNS lookup for conftest's offline guard to stop.
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

try:
    import brotli  # type: ignore[import-untyped,unused-ignore]
except ImportError:  # pragma: no cover - httpx[brotli] installs it
    brotli = None

HAS_BROTLI = brotli is not None
LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"
ICAL_TYPE = "text/calendar; charset=utf-8"
RSS_TYPE = "application/rss+xml; charset=utf-8"
MB = 1024 * 1024
_EVENT_NS = "http://purl.org/rss/1.0/modules/event/"

# Characters every encoding test looks for in the decoded body.
LATIN1_TITLE = "Café société: £5 entry \u2013 \u201cquoted\u201d \u2018too\u2019 €"
UTF16_TITLE = "Zürich Straße café \u2013 東京 €"


# --- documents ---------------------------------------------------------------------------


def ical_body(name: str, events: int = 2, stamp: str = "20250101T000000Z") -> bytes:
    """A small valid calendar with `events` events, the first a week from today."""
    first = datetime.now(UTC).replace(hour=18, minute=0, second=0, microsecond=0)
    first += timedelta(days=7)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//Convene tests//{name}//EN",
        "X-WR-CALNAME:Fault server calendar",
    ]
    for index in range(events):
        start = first + timedelta(days=index)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{name}-{index}@faultserver.test",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + timedelta(hours=2):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{name} meetup {index}",
            f"DESCRIPTION:Talks and a chat about public services\\, number {index}.",
            "LOCATION:Leeds Central Library\\, Calverley Street\\, Leeds LS1 3AB",
            f"URL:https://events.example.org/{name}/{index}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def rss_body(
    name: str,
    items: int = 2,
    build_date: str = "Wed, 01 Jan 2025 00:00:00 GMT",
    title: str | None = None,
    encoding: str = "utf-8",
    label: str | None = None,
) -> bytes:
    """A small valid RSS 2.0 feed whose items carry RSS event-module dates."""
    first = datetime.now(UTC).replace(hour=18, minute=0, second=0, microsecond=0)
    first += timedelta(days=7)
    entries = []
    for index in range(items):
        start = first + timedelta(days=index)
        entries.append(
            "<item>"
            f"<title>{title or name} item {index}</title>"
            f"<link>https://news.example.org/{name}/{index}</link>"
            f'<guid isPermaLink="false">{name}-{index}</guid>'
            f"<description>Item {index} of {name}</description>"
            f"<ev:startdate>{start:%Y-%m-%dT%H:%M:%SZ}</ev:startdate>"
            f"<ev:enddate>{start + timedelta(hours=2):%Y-%m-%dT%H:%M:%SZ}</ev:enddate>"
            "<ev:location>Leeds Central Library</ev:location>"
            "</item>\n"
        )
    text = (
        f'<?xml version="1.0" encoding="{label or encoding}"?>\n'
        f'<rss version="2.0" xmlns:ev="{_EVENT_NS}">\n<channel>\n'
        f"<title>{title or name}</title>\n<link>https://news.example.org/{name}</link>\n"
        f"<description>Fault server feed {name}</description>\n"
        f"<lastBuildDate>{build_date}</lastBuildDate>\n" + "".join(entries) + "</channel>\n</rss>\n"
    )
    return text.encode(encoding)


@dataclass(frozen=True)
class Doc:
    body: bytes
    content_type: str = ICAL_TYPE
    last_modified: str | None = LAST_MODIFIED
    with_etag: bool = True

    @property
    def etag(self) -> str | None:
        digest = hashlib.sha1(self.body, usedforsecurity=False).hexdigest()[:16]
        return f'"{digest}"' if self.with_etag else None


def default_doc(name: str) -> Doc:
    if name.startswith("rss"):
        return Doc(rss_body(name), RSS_TYPE)
    return Doc(ical_body(name))


# --- the request log -----------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    method: str
    path: str  # as requested, query included
    route: str  # path without the query
    query: dict[str, str]
    headers: dict[str, str]  # names lowercased
    at: float  # time.monotonic() when the request line was read


@dataclass
class FaultState:
    """What the handler threads share: configuration set by tests, and the log."""

    latency: float = 0.0
    docs: dict[str, Doc] = field(default_factory=dict)
    robots_txt: str | None = None
    robots_status: int | None = None
    hits: list[Hit] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    peak_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def bump(self, key: str) -> int:
        """How many times `key` has been seen, this time included."""
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + 1
            return self.counters[key]


class FaultServer:
    """A running server: its address, its configuration and what it has seen."""

    def __init__(self, state: FaultState, port: int) -> None:
        self.state = state
        self.base_url = f"http://127.0.0.1:{port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    @property
    def latency(self) -> float:
        return self.state.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.state.latency = seconds

    @property
    def docs(self) -> dict[str, Doc]:
        return self.state.docs

    @property
    def robots_txt(self) -> str | None:
        return self.state.robots_txt

    @robots_txt.setter
    def robots_txt(self, text: str | None) -> None:
        self.state.robots_txt = text

    @property
    def robots_status(self) -> int | None:
        return self.state.robots_status

    @robots_status.setter
    def robots_status(self, status: int | None) -> None:
        self.state.robots_status = status

    def hits(self, route_prefix: str = "/") -> list[Hit]:
        """Requests whose path starts with `route_prefix`, in arrival order."""
        with self.state.lock:
            return [hit for hit in self.state.hits if hit.route.startswith(route_prefix)]

    def count(self, route_prefix: str = "/") -> int:
        return len(self.hits(route_prefix))

    @property
    def peak_in_flight(self) -> int:
        with self.state.lock:
            return self.state.peak_in_flight

    def clear(self) -> None:
        """Forget the log, the counters and the peak (configuration stays)."""
        with self.state.lock:
            self.state.hits.clear()
            self.state.counters.clear()
            self.state.peak_in_flight = self.state.in_flight


# --- the handler ---------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # for chunked bodies; every answer closes the connection
    server: _Server

    def do_GET(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        route = parts.path
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        hit = Hit(
            self.command,
            self.path,
            route,
            query,
            {name.lower(): value for name, value in self.headers.items()},
            time.monotonic(),
        )
        with state.lock:
            state.hits.append(hit)
            state.in_flight += 1
            state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
        self._counted = True
        try:
            self._pause(float(query.get("latency", state.latency)))
            self._route(route, query)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (size limit, timeout): nothing to tell
        finally:
            self._done()

    def _done(self) -> None:
        """Leave the in-flight count; called just before the answer goes out, so a client
        that starts its next request after reading this answer is never counted twice."""
        if self._counted:
            self._counted = False
            with self.server.state.lock:
                self.server.state.in_flight -= 1

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.server.state.stopping.wait(seconds)

    def _route(self, route: str, query: dict[str, str]) -> None:
        for prefix, handler in _ROUTES:
            if route == prefix or (prefix.endswith("/") and route.startswith(prefix)):
                handler(self, route.removeprefix(prefix), query)
                return
        self._send(404, b"no such route\n", "text/plain")

    # --- sending --------------------------------------------------------------------------

    def _start(self, status: int, headers: dict[str, str]) -> None:
        self._done()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None = "text/plain; charset=utf-8",
        **headers: str,
    ) -> None:
        extra = {name.replace("_", "-"): value for name, value in headers.items()}
        if content_type:
            extra["Content-Type"] = content_type
        extra["Content-Length"] = str(len(body))
        self._start(status, extra)
        self.wfile.write(body)

    def _redirect(self, status: int, location: str) -> None:
        self._send(status, b"", None, Location=location)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # --- routes ---------------------------------------------------------------------------

    def ok(self, name: str, query: dict[str, str]) -> None:
        doc = self.server.state.docs.get(name) or default_doc(name)
        validators = {}
        if doc.etag:
            validators["ETag"] = doc.etag
        if doc.last_modified:
            validators["Last-Modified"] = doc.last_modified
        if _not_modified(
            doc, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        ):
            self._start(304, validators)
            return
        self._send(200, doc.body, doc.content_type, **validators)

    def noval(self, name: str, query: dict[str, str]) -> None:
        number = self.server.state.bump(f"noval/{name}")
        now = datetime.now(UTC) + timedelta(seconds=number)  # differs even within a second
        if name.startswith("rss"):
            body = rss_body(name, build_date=format_datetime(now, usegmt=True))
            self._send(200, body, RSS_TYPE)
        else:
            self._send(200, ical_body(name, stamp=f"{now:%Y%m%dT%H%M%SZ}"), ICAL_TYPE)

    def delay(self, _: str, query: dict[str, str]) -> None:
        self._pause(float(query.get("s", "2")))
        self._send(200, ical_body("delay"), ICAL_TYPE)

    def status(self, code: str, query: dict[str, str]) -> None:
        headers = {"Retry_After": query["retry_after"]} if "retry_after" in query else {}
        self._send(int(code), f"status {code}\n".encode(), **headers)

    def too_many(self, _: str, query: dict[str, str]) -> None:
        if self.server.state.bump(f"429/{query.get('key', '')}") == 1:
            self._send(429, b"slow down\n", Retry_After=query.get("retry_after", "1"))
        else:
            self._send(200, ical_body("after-429"), ICAL_TYPE)

    def flaky(self, key: str, query: dict[str, str]) -> None:
        if self.server.state.bump(f"flaky/{key}") <= int(query.get("fail", "2")):
            headers = {"Retry_After": query["retry_after"]} if "retry_after" in query else {}
            self._send(int(query.get("code", "503")), b"try again\n", **headers)
        else:
            self._send(200, ical_body(f"flaky-{key}"), ICAL_TYPE)

    def reset(self, _: str, query: dict[str, str]) -> None:
        self._done()
        # SO_LINGER with a zero timeout makes close() send a RST instead of a FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def stall(self, _: str, query: dict[str, str]) -> None:
        body = ical_body("stall", events=20)
        self._start(200, {"Content-Type": ICAL_TYPE, "Content-Length": str(len(body))})
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self._pause(float(query.get("s", "5")))

    def big(self, _: str, query: dict[str, str]) -> None:
        size = int(float(query.get("mb", "11")) * MB)
        chunk = b"x" * (64 * 1024)
        headers = {"Content-Type": "text/plain"}
        chunked = query.get("length") == "0" and query.get("chunked", "1") == "1"
        if query.get("length") != "0":
            headers["Content-Length"] = str(size)
        elif chunked:
            headers["Transfer-Encoding"] = "chunked"
        self._start(200, headers)
        sent = 0
        while sent < size:
            piece = chunk[: min(len(chunk), size - sent)]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            sent += len(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def gzip(self, _: str, query: dict[str, str]) -> None:
        raw = b"\0" * int(float(query["mb"]) * MB) if "mb" in query else ical_body("gzip")
        self._send(200, gzip.compress(raw), ICAL_TYPE, Content_Encoding="gzip")

    def br(self, _: str, query: dict[str, str]) -> None:
        if brotli is None:
            self._send(404, b"brotli is not installed\n")
            return
        self._send(200, brotli.compress(ical_body("br")), ICAL_TYPE, Content_Encoding="br")

    def redirect(self, kind: str, query: dict[str, str]) -> None:
        target = query.get("to", "/ok/moved")
        if kind == "chain":
            n, code = int(query.get("n", "3")), query.get("code", "302")
            nxt = target if n <= 1 else f"/redirect/chain?n={n - 1}&code={code}&to={quote(target)}"
            self._redirect(int(code), nxt)
        elif kind in ("seq", "permanent", "mixed"):
            default = {"seq": "302", "permanent": "301,308", "mixed": "301,302"}[kind]
            first, _, rest = query.get("codes", default).partition(",")
            nxt = f"/redirect/seq?codes={rest}&to={quote(target)}" if rest else target
            self._redirect(int(first), nxt)
        elif kind == "loop":
            self._redirect(302, "/redirect/loop-b")
        elif kind == "loop-b":
            self._redirect(302, "/redirect/loop")
        elif kind == "private":
            self._redirect(302, "http://10.0.0.1/")
        elif kind == "metadata":
            self._redirect(302, "http://169.254.169.254/latest/meta-data/")
        elif kind == "to":
            self._redirect(int(query.get("code", "302")), query["url"])
        else:
            self._send(404, b"no such redirect\n")

    def charset(self, kind: str, query: dict[str, str]) -> None:
        if kind == "latin1":
            # ISO-8859-1 cannot hold the dash, curly quotes and euro: the bytes are
            # windows-1252, which is what such feeds really contain and what browsers
            # (WHATWG) read an ISO-8859-1 label as.
            body = rss_body("latin1", title=LATIN1_TITLE, encoding="cp1252", label="ISO-8859-1")
            self._send(200, body, "application/rss+xml")
        elif kind == "wrong":
            text = ical_body("utf16").decode().replace("SUMMARY:utf16", f"SUMMARY:{UTF16_TITLE}")
            body = text.encode("utf-16")  # Python writes the BOM
            self._send(200, body, "text/calendar; charset=iso-8859-1")
        else:
            self._send(404, b"no such charset case\n")

    def robots(self, _: str, query: dict[str, str]) -> None:
        state = self.server.state
        text = state.robots_txt
        status = state.robots_status or (404 if text is None else 200)
        self._send(status, (text or "").encode(), "text/plain; charset=utf-8")

    def private(self, rest: str, query: dict[str, str]) -> None:
        self._send(200, ical_body(f"private-{rest}"), ICAL_TYPE)


def _not_modified(doc: Doc, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when present."""
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return doc.etag is not None and ("*" in tags or doc.etag in tags)
    if if_modified_since is None or doc.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
        modified = parsedate_to_datetime(doc.last_modified)
    except (TypeError, ValueError):
        return False
    return modified <= since


_Route = Callable[[_Handler, str, dict[str, str]], None]
_ROUTES: list[tuple[str, _Route]] = [
    ("/ok/", _Handler.ok),
    ("/noval/", _Handler.noval),
    ("/delay", _Handler.delay),
    ("/status/", _Handler.status),
    ("/429", _Handler.too_many),
    ("/flaky/", _Handler.flaky),
    ("/reset", _Handler.reset),
    ("/stall", _Handler.stall),
    ("/big", _Handler.big),
    ("/gzip", _Handler.gzip),
    ("/br", _Handler.br),
    ("/redirect/", _Handler.redirect),
    ("/charset/", _Handler.charset),
    ("/robots.txt", _Handler.robots),
    ("/private/", _Handler.private),
]


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections when a refresh opens many at once, and a
    # dropped SYN costs a second.
    request_queue_size = 512
    daemon_threads = True

    def __init__(self, state: FaultState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@contextmanager
def fault_server(latency: float = 0.0) -> Iterator[FaultServer]:
    """Start a server on an ephemeral port; stop it (and wake stalled answers) on exit."""
    state = FaultState(latency=latency)
    server = _Server(state)
    # A short poll interval: shutdown() waits for the next poll, 0.5 s by default.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield FaultServer(state, server.server_address[1])
    finally:
        state.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- a guard on outgoing connections ---------------------------------------------------------


class ConnectGuard:
    """Replaces socket.connect so nothing but 127.0.0.1 can be reached, and records where
    every connection went. An IP literal (http://10.0.0.1/) needs no DNS lookup, so the
    offline guard in conftest alone would not stop one: this does."""

    def __init__(self) -> None:
        self.allowed: list[Any] = []
        self.refused: list[Any] = []
        self._lock = threading.Lock()
        self._original = socket.socket.connect

    def install(self, setattr_: Callable[[Any, str, Any], None]) -> ConnectGuard:
        """`setattr_` is pytest's monkeypatch.setattr, which undoes the change afterwards."""
        original = self._original
        guard = self

        def connect(sock: socket.socket, address: Any) -> None:
            host = address[0] if isinstance(address, tuple) else address
            loopback = sock.family == socket.AF_UNIX or host in ("127.0.0.1", "::1")
            with guard._lock:
                (guard.allowed if loopback else guard.refused).append(address)
            if not loopback:
                raise ConnectionRefusedError(f"test guard: no connections to {host}")
            original(sock, address)

        setattr_(socket.socket, "connect", connect)
        return self

    def hosts(self) -> set[str]:
        with self._lock:
            return {a[0] if isinstance(a, tuple) else str(a) for a in self.allowed + self.refused}
