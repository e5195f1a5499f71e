"""Isolated runs: each job (a target and a file) is answered by a worker process
(bench/corpus_worker.py), never in this process, so a parser that hangs, crashes or
eats memory costs one verdict, not the run.

A worker caps its own address space (RLIMIT_AS); this side enforces the time limit. The
limit is on the worker's CPU time for the job, read from /proc, so a machine busy with
other work does not turn a slow file into a "hang"; a wall-clock backstop of three times
the limit catches a worker that blocks without using CPU. On a hang this side kills the
worker (SIGKILL); on a death it reads the worker's stderr to tell running out of memory
from any other crash. Either way the next job gets a fresh worker.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_TICKS = os.sysconf("SC_CLK_TCK")
_OUT_OF_MEMORY = (b"MemoryError", b"Cannot allocate memory", b"bad_alloc", b"out of memory")


@dataclass(frozen=True)
class Settings:
    seconds: float = 20.0  # CPU seconds per job: four times the slowest corpus file
    # 1 GiB: a hundred times the largest body the fetcher accepts by default (10 MB) and
    # about seven times the largest peak the whole corpus needs (~140 MB); far below the
    # machine's memory, so a blow-up is stopped long before it slows anything else.
    memory_mb: int = 1024
    workers: int = 2
    targets: str | None = None  # a module whose TARGETS the worker serves instead
    path: tuple[str, ...] = ()  # folders the worker imports from (PYTHONPATH)
    startup_seconds: float = 120.0


@dataclass(frozen=True)
class Job:
    target: str  # "<folder>/ours", "<folder>/library", or one of Settings.targets
    path: Path


@dataclass(frozen=True)
class Reply:
    outcome: str  # ok, raised, over-memory, hung, crashed
    result: dict[str, Any] | None = None
    detail: str | None = None
    ms: float = 0.0  # on the clock
    rss_mb: float | None = None  # the worker's peak resident memory during the job
    cpu_ms: float = 0.0


class _Gone(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.outcome)
        self.reply = reply


class Worker:
    """One worker process, asked one job at a time."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # Closed in close(), when the worker is gone: a file, so a chatty worker never blocks.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        command = [sys.executable, "-m", "bench.corpus_worker", "--memory-mb",
                   str(settings.memory_mb)] + (["--targets", settings.targets]
                                               if settings.targets else [])  # fmt: skip
        paths = [*settings.path, str(ROOT), os.environ.get("PYTHONPATH", "")]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            cwd=ROOT, env=env, bufsize=0,
        )  # fmt: skip
        self._buffer = b""
        try:
            ready = self._line(settings.startup_seconds, settings.startup_seconds)
        except _Gone as gone:
            raise RuntimeError(f"the corpus worker did not start: {gone.reply.detail}") from None
        if not ready.get("ready"):
            raise RuntimeError(f"the corpus worker did not start: {ready}")

    def ask(self, job: Job) -> Reply:
        """The worker's answer; raises _Gone (and leaves the worker dead) if it has none."""
        request = json.dumps({"target": job.target, "path": str(job.path)}) + "\n"
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(request.encode())
        except BrokenPipeError:
            raise _Gone(self._death(0.0)) from None
        seconds = self._settings.seconds
        answer = self._line(seconds, 3 * seconds)
        return Reply(answer["outcome"], answer["result"], answer["detail"], answer["ms"],
                     answer["rss_mb"], answer["cpu_ms"])  # fmt: skip

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()  # our own child, by its handle
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout, self._stderr):
            if stream:
                stream.close()

    def _line(self, cpu_seconds: float, wall_seconds: float) -> dict[str, Any]:
        began, cpu_before = time.monotonic(), self._cpu()
        assert self._process.stdout is not None
        fd = self._process.stdout.fileno()
        while b"\n" not in self._buffer:
            wall = time.monotonic() - began
            if self._cpu() - cpu_before > cpu_seconds or wall > wall_seconds:
                self.close()
                raise _Gone(Reply("hung", detail=_hung(cpu_seconds, wall), ms=wall * 1000))
            if select.select([fd], [], [], 0.2)[0]:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise _Gone(self._death(wall))
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _cpu(self) -> float:
        """The worker's user + system CPU seconds so far (0 once it is gone)."""
        try:
            stat = Path(f"/proc/{self._process.pid}/stat").read_text()
        except OSError:
            return 0.0
        fields = stat.rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS

    def _death(self, wall: float) -> Reply:
        code = self._process.wait()
        self._stderr.seek(0)
        tail = self._stderr.read()[-4000:]
        self.close()
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        last = tail.decode(errors="replace").strip().splitlines()[-1:] or [""]
        outcome = "over-memory" if any(m in tail for m in _OUT_OF_MEMORY) else "crashed"
        return Reply(outcome, detail=f"worker died ({how}) {last[0]}".strip(), ms=wall * 1000)


def _answer(worker: Worker, job: Job) -> tuple[Reply, Worker | None]:
    """The job's reply, and the worker for the next job (None: start a fresh one)."""
    try:
        reply = worker.ask(job)
    except _Gone as gone:
        return gone.reply, None
    if reply.outcome == "over-memory":
        worker.close()  # a MemoryError can leave any state half-built
        return reply, None
    return reply, worker


def _hung(cpu_seconds: float, wall: float) -> str:
    return f"no answer within {cpu_seconds:g} CPU seconds ({wall:.1f} s on the clock); killed"


def run(jobs: Sequence[Job], settings: Settings = Settings()) -> list[Reply]:
    """Every job's reply, in the jobs' order, from settings.workers workers in parallel."""
    todo: queue.SimpleQueue[tuple[int, Job]] = queue.SimpleQueue()
    for item in enumerate(jobs):
        todo.put(item)
    replies: list[Reply | None] = [None] * len(jobs)

    def drain() -> None:
        worker: Worker | None = None
        try:
            while True:
                try:
                    index, job = todo.get_nowait()
                except queue.Empty:
                    return
                replies[index], worker = _answer(worker or Worker(settings), job)
        finally:
            if worker:
                worker.close()

    with ThreadPoolExecutor(max(1, settings.workers)) as pool:
        for future in [pool.submit(drain) for _ in range(max(1, settings.workers))]:
            future.result()
    assert all(reply is not None for reply in replies)
    return [reply for reply in replies if reply is not None]
