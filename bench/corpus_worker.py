"""A worker process for the isolated corpus run: reads one JSON request a line on stdin
({"target": "ics/ours", "path": "..."}), answers one JSON line on stdout.

    python -m bench.corpus_worker [--memory-mb 1024] [--targets MODULE]

Targets are "<folder>/ours" (Convene's parser for the folder, from scrapers.registry)
and "<folder>/library" (the underlying library alone, bench/corpus_library.py);
--targets MODULE serves that module's TARGETS dict instead (the harness's own tests use
it for targets that hang, crash or eat memory). The address space is capped with
RLIMIT_AS before anything is imported, so a blow-up ends in MemoryError here instead of
taking the machine; the parent enforces the time limit and restarts a worker that dies.
Name lookups other than loopback fail, as in the tests: parsing a document must never
reach for the network.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import re
import resource
import socket
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.corpus_library import Folder
    from scrapers.model import ParseContext, Parser, Source

Target = Callable[[bytes], dict[str, Any]]
_HWM = re.compile(rb"VmHWM:\s+(\d+) kB")
_real_getaddrinfo = socket.getaddrinfo


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    warnings.simplefilter("ignore")  # icalendar warns per odd TZID; stderr is for deaths
    socket.getaddrinfo = _loopback_only
    targets = _targets(args.targets)
    _say({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        _say(answer(targets[request["target"]], Path(request["path"])))


def answer(target: Target, path: Path) -> dict[str, Any]:
    """Run one target on one file: its result, or how it failed, with time and peak RSS."""
    body = path.read_bytes()
    _reset_peak()
    began, cpu = time.perf_counter(), time.process_time()
    reply: dict[str, Any] = {"outcome": "ok", "result": None, "detail": None}
    try:
        reply["result"] = target(body)
    except MemoryError as exc:
        reply.update(outcome="over-memory", detail=f"MemoryError: {exc}")
    except Exception as exc:
        reply.update(outcome="raised", detail=f"{type(exc).__name__}: {exc}"[:500])
    reply["ms"] = (time.perf_counter() - began) * 1000
    reply["cpu_ms"] = (time.process_time() - cpu) * 1000
    reply["rss_mb"] = _peak_kb() / 1024
    return reply


def _targets(module: str | None) -> dict[str, Target]:
    # Imported here, after setrlimit, so the imports count against the cap too.
    if module:
        chosen: dict[str, Target] = importlib.import_module(module).TARGETS
        return chosen
    from bench.corpus_library import FOLDERS
    from scrapers.registry import PARSERS

    targets: dict[str, Target] = {}
    for name, spec in FOLDERS.items():
        targets[f"{name}/ours"] = ours(spec.source, spec.ctx, PARSERS[spec.kind])
        targets[f"{name}/library"] = library(spec)
    return targets


def ours(source: Source, ctx: ParseContext, parser: Parser) -> Target:
    """Our parser on the file: its counts, and its error if it gave one."""

    def run(body: bytes) -> dict[str, Any]:
        result = parser(source, body, ctx)
        said = [result.error or "", *result.warnings]
        # The parsers' catch-alls turn any Exception, MemoryError included, into text.
        if any("MemoryError" in text for text in said):
            raise MemoryError(next(text for text in said if "MemoryError" in text))
        return {
            "events": len(result.events),
            "posts": len(result.posts),
            "warnings": len(result.warnings),
            "error": result.error,
            "last_resort": (result.error or "").startswith(_LAST_RESORT),
        }

    return run


# How parse() words an exception its catch-all caught (scrapers/feed.py, jsonld.py).
_LAST_RESORT = ("could not read the feed:", "could not read the page:")


def library(spec: Folder) -> Target:
    return lambda body: asdict(spec.library(body))


def _reset_peak() -> None:
    # Writing 5 to clear_refs resets VmHWM (Linux 4.0+), so each file gets its own peak.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_kb() -> int:
    try:
        found = _HWM.search(Path("/proc/self/status").read_bytes())
    except OSError:
        found = None
    return int(found.group(1)) if found else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if name not in {"127.0.0.1", "localhost", "::1", None}:
        raise socket.gaierror(socket.EAI_NONAME, "no network in the corpus worker")
    return _real_getaddrinfo(host, *args, **kwargs)


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-mb", type=int, default=1024, help="RLIMIT_AS, in MiB")
    parser.add_argument("--targets", help="a module whose TARGETS dict to serve instead")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
