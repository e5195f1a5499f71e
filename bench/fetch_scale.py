"""Fetching many sources near the floor, and concurrency 1 against the default: a
benchmark, not a test.

N sources, each on its own host (s0.bench.test, s1.bench.test, ...), as most real sources
are: robots.txt is fetched per host and the default FetchSettings apply (concurrency 32, 2
per host, 1 s between request starts to one host). One asyncio HTTP server in a process of
its own answers for every host on 127.0.0.1, each answer (robots.txt included) after
--latency seconds; half the documents are iCal, half RSS, 20 events each. The fetch layer
runs unchanged, address checks included: a resolver passed to fetch_all says every
*.bench.test name is 127.0.0.1 (trusted as public, as the tests do), and socket.getaddrinfo
is patched in this process for *.bench.test only, for httpx's own connections.

Floors: the issue's, sources x latency / concurrency; and the one that counts what the
fetch must also do: two requests per source (robots.txt, then the document), and a
document cannot start until the host's gap has passed after its robots.txt, which for the
last host cannot start before the others' have had their turns:
max(2 x sources x latency / concurrency, floor((sources - 1) / concurrency) x latency +
gap + latency). Concurrency 1 takes minutes on
1,000 sources, so it runs on a subset (--c1-sources) and is compared per source.

    .venv/bin/python bench/fetch_scale.py [--sources 1000] [--c1-sources 100]
        [--latency 0.1] [--concurrency 32] [--profile out.html]
    .venv/bin/python bench/fetch_scale.py --quick    # 100 sources, 10 at concurrency 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import socket
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from scrapers.fetch import fetch_all
from scrapers.fetch_types import Fetched, FetchSettings
from scrapers.model import Source
from tests.faultserver import ICAL_TYPE, RSS_TYPE, ical_body, rss_body

SUFFIX = ".bench.test"
ROBOTS = b"User-agent: *\nAllow: /\n"


# --- the server (its own process, so its CPU is not the fetcher's) ------------------------


class _Stats:
    def __init__(self) -> None:
        self.in_flight = 0
        self.peak = 0
        self.requests = 0


def _serve(port_out: Any, latency: float) -> None:
    asyncio.run(_server_main(port_out, latency))


async def _server_main(port_out: Any, latency: float) -> None:
    docs = {
        "ical": (ical_body("bench", events=20), ICAL_TYPE),
        "rss": (rss_body("bench", items=20), RSS_TYPE),
    }
    stats = _Stats()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                status, body, kind = _answer(path, docs, stats)
                if status == 200 and path != "/_stats":
                    stats.requests += 1
                    stats.in_flight += 1
                    stats.peak = max(stats.peak, stats.in_flight)
                    await asyncio.sleep(latency)
                    stats.in_flight -= 1
                writer.write(
                    f"HTTP/1.1 {status} OK\r\nContent-Type: {kind}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port_out.send(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


def _answer(path: str, docs: dict[str, tuple[bytes, str]], stats: _Stats) -> tuple[int, bytes, str]:
    if path == "/robots.txt":
        return 200, ROBOTS, "text/plain"
    if path == "/_stats":
        body = json.dumps({"peak": stats.peak, "requests": stats.requests}).encode()
        stats.peak, stats.requests = stats.in_flight, 0
        return 200, body, "application/json"
    body, kind = docs["ical" if path.endswith("/ical") else "rss"]
    return 200, body, kind


@contextmanager
def server(latency: float) -> Iterator[int]:
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.Process(target=_serve, args=(send, latency), daemon=True)
    process.start()
    try:
        yield int(receive.recv())
    finally:
        process.terminate()
        process.join()


def server_stats(port: int) -> dict[str, int]:
    answer = httpx.get(f"http://127.0.0.1:{port}/_stats")
    return dict(answer.json())


# --- names: *.bench.test is 127.0.0.1 ----------------------------------------------------

_real_getaddrinfo = socket.getaddrinfo


def _bench_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if isinstance(name, str) and name.endswith(SUFFIX):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


async def bench_resolve(host: str, port: int) -> list[str]:
    if host.endswith(SUFFIX):
        return ["127.0.0.1"]
    raise OSError(f"{host} is not a bench host")


# --- the runs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    sources: int
    concurrency: int
    seconds: float
    cpu: float
    fetched: int
    statuses: dict[str, int]
    peak: int  # most requests the server had in flight at once
    requests: int


def make_sources(count: int, port: int) -> list[Source]:
    return [
        Source(
            f"s{n}",
            f"s{n}",
            "Bench",
            f"http://s{n}{SUFFIX}:{port}/feed/{'ical' if n % 2 == 0 else 'rss'}",
            "ical" if n % 2 == 0 else "feed",
        )
        for n in range(count)
    ]


def measure(count: int, concurrency: int, port: int) -> Measured:
    settings = FetchSettings(concurrency=concurrency, trusted_addresses=frozenset({"127.0.0.1"}))
    sources = make_sources(count, port)
    server_stats(port)  # resets the server's counts
    began, cpu = time.perf_counter(), time.process_time()
    outcomes = asyncio.run(fetch_all(sources, settings, resolve=bench_resolve))
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    stats = server_stats(port)
    kinds = Counter(
        "ok" if isinstance(o, Fetched) else f"{o.kind}: {o.reason[:60]}" for o in outcomes.values()
    )
    fetched = kinds.get("ok", 0)
    return Measured(
        count, concurrency, seconds, cpu, fetched, dict(kinds), stats["peak"], stats["requests"]
    )


def floors(m: Measured, latency: float, gap: float) -> tuple[float, float]:
    issue = m.sources * latency / m.concurrency
    last_robots = (m.sources - 1) // m.concurrency * latency
    with_robots = max(2 * m.sources * latency / m.concurrency, last_robots + gap + latency)
    return issue, with_robots


def table(runs: list[Measured], latency: float, gap: float) -> str:
    default = runs[0]
    per_default = default.seconds / default.sources
    lines = [
        "| run | sources | concurrency | measured s | floor s (N x latency / c) | ratio"
        " | floor s (+ robots.txt, gap) | ratio | per source ms | c1 / default per source"
        " | server peak in flight | CPU ms per source |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in runs:
        issue, with_robots = floors(m, latency, gap)
        per = m.seconds / m.sources
        versus = f"{per / per_default:.1f}x" if m is not default else "1.0x"
        name = "default" if m is default else f"concurrency {m.concurrency}"
        lines.append(
            f"| {name} | {m.sources:,} | {m.concurrency} | {m.seconds:.2f} | {issue:.2f}"
            f" | {m.seconds / issue:.2f} | {with_robots:.2f} | {m.seconds / with_robots:.2f}"
            f" | {per * 1000:.1f} | {versus} | {m.peak} | {m.cpu / m.sources * 1000:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--c1-sources", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=FetchSettings().concurrency)
    parser.add_argument("--quick", action="store_true", help="100 sources, 10 at concurrency 1")
    parser.add_argument("--profile", type=Path, help="pyinstrument HTML of the default run")
    args = parser.parse_args()
    if args.quick:
        args.sources, args.c1_sources = 100, 10
    socket.getaddrinfo = _bench_getaddrinfo
    gap = FetchSettings().host_delay
    with server(args.latency) as port:
        runs = [profiled(args.profile, args.sources, args.concurrency, port)]
        if args.c1_sources:
            runs.append(measure(args.c1_sources, 1, port))
    for m in runs:
        print(
            f"{m.sources} sources at concurrency {m.concurrency}: {m.seconds:.2f} s,"
            f" {m.statuses}, {m.requests} requests, peak in flight {m.peak},"
            f" {m.sources / m.seconds * 3600:,.0f} sources/hour",
            file=sys.stderr,
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nFetching {args.sources:,} sources, one host each, latency"
        f" {args.latency * 1000:g} ms, gap {gap:g} s per host (peak RSS {peak_mb:.0f} MB)\n"
    )
    print(table(runs, args.latency, gap))
    if any(m.fetched != m.sources for m in runs):
        sys.exit("some sources were not fetched: see the statuses above")


def profiled(path: Path | None, count: int, concurrency: int, port: int) -> Measured:
    if path is None:
        return measure(count, concurrency, port)
    from pyinstrument import Profiler

    with Profiler(async_mode="disabled") as profiler:
        result = measure(count, concurrency, port)
    path.write_text(profiler.output_html(), encoding="utf-8")
    print(profiler.output_text(unicode=False, show_all=False), file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
