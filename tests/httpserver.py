"""A local HTTP server on 127.0.0.1 for tests: serves a folder plus a few misbehaving routes."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _Handler(SimpleHTTPRequestHandler):
    slow_seconds = 5.0

    def do_GET(self) -> None:
        route = self.path.split("?")[0]
        if route == "/status/500":
            self._send(500, b"Internal Server Error")
        elif route == "/status/404":
            self._send(404, b"Not Found")
        elif route == "/slow":
            time.sleep(self.slow_seconds)
            self._send(200, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        elif route == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif route == "/big":
            self._send(200, b"x" * (2 * 1024 * 1024))
        else:
            super().do_GET()

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The client may have given up (the timeout test): nothing to tell.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass(frozen=True)
class LocalServer:
    base_url: str

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"


@contextmanager
def serve(folder: Path, slow_seconds: float = 5.0) -> Iterator[LocalServer]:
    handler = type("Handler", (_Handler,), {"slow_seconds": slow_seconds})
    # The default listen backlog of 5 drops connections when a refresh opens many at
    # once, and a dropped SYN costs a second: enough to fail a timeout test.
    server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 128})
    server = server_class(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalServer(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def in_thread(server: ThreadingHTTPServer) -> Iterator[int]:
    """Run an HTTP server on a thread; yields its port, and stops and closes it after."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
