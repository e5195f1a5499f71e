"""One local HTTP/1.1 server on 127.0.0.1 answering for every synthetic source host.

Each source has a host name of its own (s12.bench.test) or shares a platform host;
`bench_hosts()` makes *.bench.test resolve to 127.0.0.1 in this process only, so the
fetch code sees as many hosts as there are sources (its per-host politeness applies as
it would) while one asyncio server answers them all: no thread per connection, so
10,000 sources cost nothing but their documents. Every response waits `latency`
seconds first. Documents carry an ETag and a Last-Modified, and a conditional request
for an unchanged one gets 304. robots.txt allows everything.

Control routes, on any host: /_synth/change?share=0.05 changes that share of the
sources (a new version of each, with a moved and a new event) and lists their ids;
/_synth/stats[?reset=1] gives the requests counted by outcome.

Run it in a thread (`serving`) for tests, or in a process of its own (`serving(...,
process=True)`) for benchmarks, so its work does not share a GIL with the client's.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import random
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.synth import DOMAIN, Spec, sources
from bench.synth_render import render

ROOT = Path(__file__).resolve().parents[1]
ROBOTS = b"User-agent: *\nAllow: /\n"
GetAddrInfo = Callable[..., Any]


@dataclass(frozen=True)
class Doc:
    body: bytes
    content_type: str
    etag: str
    last_modified: str


class Synth:
    """The server's state: the sources, their versions and what was asked for."""

    def __init__(self, spec: Spec, latency: float) -> None:
        self.spec = spec.fixed()
        self.latency = latency
        self.routes = {(s.host, s.path): s.index for s in sources(self.spec)}
        self.versions: dict[int, int] = {}
        self.docs: dict[tuple[int, int], Doc] = {}
        self.counts: Counter[str] = Counter()
        self.rounds = 0

    def document(self, index: int) -> Doc:
        version = self.versions.get(index, 0)
        key = (index, version)
        if key not in self.docs:
            body, kind = render(self.spec, index, version)
            tag = hashlib.sha1(body, usedforsecurity=False).hexdigest()[:20]
            base = datetime.combine(self.spec.start_day(), time(), UTC) - timedelta(days=2)
            stamp = format_datetime(base + timedelta(hours=version), usegmt=True)
            self.docs[key] = Doc(body, kind, f'"{tag}"', stamp)
        return self.docs[key]

    def change(self, share: float) -> list[str]:
        """Give exactly round(share x sources) sources, chosen by the seed, a new version."""
        self.rounds += 1
        rng = random.Random(self.spec.seed * 31 + self.rounds)
        chosen = sorted(rng.sample(range(self.spec.sources), round(share * self.spec.sources)))
        for index in chosen:
            self.versions[index] = self.versions.get(index, 0) + 1
        return [f"s{index}" for index in chosen]

    def answer(self, host: str, target: str, headers: dict[str, str]) -> tuple[int, Doc | None]:
        path = urlsplit(target).path
        if path == "/robots.txt":
            self.counts["robots"] += 1
            return 200, Doc(ROBOTS, "text/plain", '"robots"', "Wed, 01 Jan 2025 00:00:00 GMT")
        index = self.routes.get((host, path))
        if index is None:
            self.counts["404"] += 1
            return 404, Doc(b"not found\n", "text/plain", '"404"', "")
        doc = self.document(index)
        status = 304 if _not_modified(doc, headers) else 200
        self.counts[str(status)] += 1
        self.counts[f"{status} bytes"] += len(doc.body) if status == 200 else 0
        return status, doc

    def control(self, target: str) -> bytes:
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/_synth/change":
            return json.dumps(self.change(float(query["share"]))).encode()
        data = json.dumps(dict(self.counts)).encode()
        if query.get("reset"):
            self.counts.clear()
        return data


def _not_modified(doc: Doc, headers: dict[str, str]) -> bool:
    tags = headers.get("if-none-match")
    if tags is not None:
        return doc.etag in [t.strip().removeprefix("W/") for t in tags.split(",")] or tags == "*"
    since = headers.get("if-modified-since")
    if since is None:
        return False
    try:
        return parsedate_to_datetime(doc.last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


async def _connection(synth: Synth, reader: asyncio.StreamReader, writer: Any) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            line, *rest = head.decode("latin-1").split("\r\n")
            method, target, _ = line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in rest)}
            host = headers.get("host", "").rsplit(":", 1)[0].lower()
            if target.startswith("/_synth/"):
                _write(writer, 200, Doc(synth.control(target), "application/json", "", ""), method)
            else:
                await asyncio.sleep(synth.latency)
                _write(writer, *synth.answer(host, target, headers), method)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


def _write(writer: Any, status: int, doc: Doc | None, method: str) -> None:
    reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
    body = doc.body if doc is not None and status == 200 and method != "HEAD" else b""
    lines = [f"HTTP/1.1 {status} {reason}", "Connection: keep-alive"]
    if doc is not None:
        lines += [f"ETag: {doc.etag}"] if doc.etag else []
        lines += [f"Last-Modified: {doc.last_modified}"] if doc.last_modified else []
        lines += [f"Content-Type: {doc.content_type}"] if status != 304 else []
    if status != 304:
        lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


async def _serve(synth: Synth, ready: Callable[[int], None], stop: asyncio.Event) -> None:
    open_connections: dict[asyncio.Task[None], Any] = {}

    async def handle(reader: asyncio.StreamReader, writer: Any) -> None:
        task = asyncio.current_task()
        assert task is not None
        open_connections[task] = writer
        try:
            await _connection(synth, reader, writer)
        finally:
            open_connections.pop(task, None)

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    ready(server.sockets[0].getsockname()[1])
    async with server:
        await stop.wait()
        # Clients keep idle connections open: close them, so each handler sees the end
        # of its stream and returns before the loop closes.
        for writer in list(open_connections.values()):
            writer.close()
        await asyncio.gather(*open_connections, return_exceptions=True)


@dataclass(frozen=True)
class Running:
    """A running server, seen from the client: its port and its control routes."""

    port: int

    def _get(self, target: str) -> Any:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", target)
            return json.loads(connection.getresponse().read())
        finally:
            connection.close()

    def change(self, share: float) -> list[str]:
        return list(self._get(f"/_synth/change?share={share}"))

    def stats(self, reset: bool = False) -> Counter[str]:
        return Counter(self._get(f"/_synth/stats{'?reset=1' if reset else ''}"))

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"


@contextmanager
def serving(spec: Spec, latency: float = 0.1, process: bool = False) -> Iterator[Running]:
    if process:
        with _in_process(spec, latency) as port:
            yield Running(port)
    else:
        with _in_thread(spec, latency) as port:
            yield Running(port)


@contextmanager
def _in_thread(spec: Spec, latency: float) -> Iterator[int]:
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    ports: list[int] = []
    started = threading.Event()

    def ready(port: int) -> None:
        ports.append(port)
        started.set()

    thread = threading.Thread(
        target=loop.run_until_complete, args=(_serve(Synth(spec, latency), ready, stop),)
    )
    thread.start()
    started.wait(30)
    try:
        yield ports[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


@contextmanager
def _in_process(spec: Spec, latency: float) -> Iterator[int]:
    """A child Python running main() below: it prints its port, then serves until killed."""
    command = [sys.executable, "-m", "bench.synth_server", json.dumps(asdict(spec.fixed()))]
    worker = subprocess.Popen([*command, str(latency)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout is not None
        line = worker.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"the synthetic source server did not start ({line!r})")
        yield int(line)
    finally:
        worker.terminate()
        worker.wait(10)


def bench_getaddrinfo(previous: GetAddrInfo) -> GetAddrInfo:
    """getaddrinfo that answers 127.0.0.1 for *.bench.test and asks `previous` otherwise."""

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name == DOMAIN or name.endswith(f".{DOMAIN}"):
            return previous("127.0.0.1", *args, **kwargs)
        return previous(host, *args, **kwargs)

    return lookup


@contextmanager
def bench_hosts() -> Iterator[None]:
    previous = socket.getaddrinfo
    socket.getaddrinfo = bench_getaddrinfo(previous)
    try:
        yield
    finally:
        socket.getaddrinfo = previous


def main() -> None:
    spec, latency = Spec(**json.loads(sys.argv[1])), float(sys.argv[2])

    def ready(port: int) -> None:
        print(port, flush=True)

    asyncio.run(_serve(Synth(spec, latency), ready, asyncio.Event()))


if __name__ == "__main__":
    main()
