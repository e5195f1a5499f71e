"""The HTTP server behind `convene serve`: the published folder, read-only, and one
endpoint that starts a refresh for whoever holds the operator's token.

- GET and HEAD serve files found by `feeds.serve_files.locate` (nothing outside the
  folder, no hidden files, no folder listings), with ETag and Last-Modified, so a
  calendar app that polls gets a 304 until the feed changes.
- POST /refresh starts a refresh (202), or says one is already running (409).
  GET /refresh/status says how the last one went, as JSON. Both need the header
  `Authorization: Bearer <token>`; without a token configured they are off (403), and a
  missing or wrong token is 401. The token is compared in constant time, after hashing
  both sides, so neither its characters nor its length can be timed.
- Every request is logged on stderr as one line in plain words.

The refresh itself is behind the `Refresher` protocol: flows/serve.py runs
`convene refresh` in a process of its own, so Prefect stays out of this module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import socket
import sys
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

from feeds.serve_files import Found, MovedToFolder, locate, not_modified, validators

REFRESH, STATUS = "/refresh", "/refresh/status"
# Defence in depth for the published pages, which load nothing from elsewhere. The chart
# has one inline style attribute; the page's data block is JSON, not script.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
CHUNK = 256 * 1024


@dataclass(frozen=True)
class Started:
    started: bool  # False: one was running already, or another process holds the lock
    message: str


class Refresher(Protocol):
    def start(self) -> Started: ...

    def status(self) -> dict[str, object]: ...


@dataclass(frozen=True)
class ServeConfig:
    public: Path  # resolved
    token: str | None = None  # None: the refresh endpoints are off
    refresher: Refresher | None = None


def token_matches(given: str | None, expected: str) -> bool:
    """Constant time: both sides hashed to the same length first, then compare_digest."""
    if given is None:
        return False
    mine = hashlib.sha256(expected.encode()).digest()
    theirs = hashlib.sha256(given.encode("latin-1", "replace")).digest()
    return hmac.compare_digest(mine, theirs)


def bearer(header: str | None) -> str | None:
    scheme, _, value = (header or "").strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class Handler(BaseHTTPRequestHandler):
    server_version = "convene"
    protocol_version = "HTTP/1.1"  # keep-alive for readers that fetch many feeds
    timeout = 30  # an idle or trickling connection gives its thread back
    server: Server
    note = ""

    def version_string(self) -> str:
        return self.server_version  # no Python version for the world to read

    def do_GET(self) -> None:
        if self._route() == STATUS:
            self._status()
        elif self._route() == REFRESH:
            self._plain(405, "use POST to start a refresh", Allow="POST")
        else:
            self._file(head=False)

    def do_HEAD(self) -> None:
        self._file(head=True)

    def do_POST(self) -> None:
        self._drain()
        if self._route() == REFRESH:
            self._refresh()
        else:
            self._plain(405, "this server only serves files: use GET", Allow="GET, HEAD")

    def _not_allowed(self) -> None:
        self._drain()
        self._plain(405, "this server only serves files: use GET", Allow="GET, HEAD")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def _route(self) -> str:
        return self.path.split("?", 1)[0]

    def _file(self, head: bool) -> None:
        found = locate(self.server.config.public, self.path)
        if isinstance(found, MovedToFolder):
            self._plain(301, "a folder: see its address with a final /", Location=found.location)
        elif isinstance(found, Found):
            self._send_file(found, head)
        else:
            self.note = found.reason
            self._plain(found.status, "not found" if found.status == 404 else "bad request")

    def _send_file(self, found: Found, head: bool) -> None:
        try:
            handle = found.path.open("rb")
        except OSError:
            self.note = "could not be opened"
            self._plain(404, "not found")
            return
        with handle:
            info = os.fstat(handle.fileno())
            etag, modified = validators(info.st_size, info.st_mtime_ns)
            fresh = not_modified(
                self.headers.get("If-None-Match"),
                self.headers.get("If-Modified-Since"),
                etag,
                info.st_mtime_ns,
            )
            self.send_response(304 if fresh else 200)
            self._common(found.content_type)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.send_header("Cache-Control", "no-cache")  # ask each time; a 304 is cheap
            if not fresh:
                self.send_header("Content-Length", str(info.st_size))
            self.end_headers()
            if not (fresh or head):
                try:
                    shutil.copyfileobj(handle, self.wfile, CHUNK)
                except ConnectionError:  # the client went away mid-file: nothing to tell
                    self.close_connection = True

    def _common(self, content_type: str) -> None:
        self.send_header("Content-Type", content_type)
        self.send_header("X-Content-Type-Options", "nosniff")
        if content_type.startswith("text/html"):
            self.send_header("Content-Security-Policy", PAGE_POLICY)

    def _refresh(self) -> None:
        self.close_connection = True
        refresher = self._authorised()
        if refresher is not None:
            outcome = refresher.start()
            self.note = outcome.message
            self._plain(202 if outcome.started else 409, outcome.message)

    def _status(self) -> None:
        refresher = self._authorised()
        if refresher is not None:
            body = json.dumps(refresher.status(), indent=2).encode() + b"\n"
            self._body(200, body, "application/json")

    def _authorised(self) -> Refresher | None:
        config = self.server.config
        if config.token is None or config.refresher is None:
            self.note = "refused: no token configured"
            self._plain(403, "refreshing over HTTP is off on this server")
            return None
        if not token_matches(bearer(self.headers.get("Authorization")), config.token):
            self.note = "refused: missing or wrong token"
            self._plain(401, "a refresh needs the right token", **{"WWW-Authenticate": "Bearer"})
            return None
        return config.refresher

    def _drain(self) -> None:
        """Read a small request body, so the answer is not lost to a reset; a large one
        ends the connection instead."""
        length = self.headers.get("Content-Length", "0")
        size = int(length) if length.isdigit() else 0
        if 0 < size <= 65536:
            self.rfile.read(size)
        elif size:
            self.close_connection = True

    def _plain(self, status: int, text: str, **headers: str) -> None:
        self._body(status, text.encode() + b"\n", "text/plain; charset=utf-8", **headers)

    def _body(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self._common(content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = int(code) if isinstance(code, int) else code
        what = _printable(getattr(self, "requestline", ""))
        note = f" ({self.note})" if self.note else ""
        self.log_message("%s", f'"{what}" {status}{note}')
        self.note = ""

    def log_message(self, format: str, *args: Any) -> None:
        line = f"{self.log_date_time_string()} {self.address_string()} {format % args}"
        print(_printable(line), file=sys.stderr, flush=True)


def _printable(text: str) -> str:
    """A request line as a log may show it: no control characters from a client."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], config: ServeConfig) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.config = config
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A dropped connection is one plain line; anything else is a bug, with its trace."""
        problem = sys.exc_info()[1]
        if isinstance(problem, ConnectionError | TimeoutError):
            print(f"{client_address[0]}: connection dropped ({problem})", file=sys.stderr)
        else:
            super().handle_error(request, client_address)


def make_server(host: str, port: int, config: ServeConfig) -> Server:
    """A server bound to (host, port), ready for serve_forever(); port 0 picks one."""
    return Server((host, port), config)
