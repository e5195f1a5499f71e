"""One refresh at a time: a lock file beside the database, held for the whole refresh.

Two refreshes at once would race: the second would fail part-way on DuckDB's own lock,
or publish feeds over the first's. So a refresh first takes `<db>.lock` (an flock,
through the `filelock` package) and keeps it until its feeds are written. The holder
writes its pid and start time into the file, so a refresh that finds it taken can say
who has it. The kernel drops an flock when its process dies, however it dies: a crashed
refresh never leaves a stale lock behind.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

POLL_SECONDS = 0.2


@dataclass(frozen=True)
class LockBusy:
    """Another refresh held the lock for the whole wait."""

    lock_file: str
    pid: int | None
    started_at: str | None
    waited_seconds: float

    @property
    def holder(self) -> str:
        """' (pid 12), started at ...', or less when the lock file does not say."""
        who = f" (pid {self.pid})" if self.pid else ""
        return who + (f", started at {self.started_at}" if self.started_at else "")

    @property
    def message(self) -> str:
        return f"another refresh is running{self.holder}; try again later"


class RefreshLocked(Exception):
    def __init__(self, busy: LockBusy) -> None:
        super().__init__(busy.message)
        self.busy = busy


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def _write_holder(fd: int) -> None:
    """Called by filelock with the locked file's descriptor: say who holds it."""
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)


def read_holder(path: Path) -> dict[str, object]:
    """Who holds the lock, as far as its file says (empty when it cannot be read)."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _busy(path: Path, waited: float) -> LockBusy:
    holder = read_holder(path)
    pid, started = holder.get("pid"), holder.get("started_at")
    return LockBusy(
        str(path),
        pid if isinstance(pid, int) else None,
        started if isinstance(started, str) else None,
        round(waited, 1),
    )


def lock_taken(db: Path) -> LockBusy | None:
    """Who holds the database's refresh lock right now, or None (a probe: taken and
    let go at once when free)."""
    path = lock_path(db)
    if not path.exists():
        return None
    probe = FileLock(path, thread_local=False)
    try:
        probe.acquire(blocking=False)
    except Timeout:
        return _busy(path, 0.0)
    probe.release()
    return None


@asynccontextmanager
async def refresh_lock(
    db: Path, timeout: float, on_wait: Callable[[LockBusy], None] | None = None
) -> AsyncIterator[None]:
    """Hold the database's refresh lock, waiting up to `timeout` seconds for it.

    Polls rather than blocking in filelock, so the event loop (and Prefect's
    cancellation of the run) keeps going while it waits. Calls `on_wait` once if the
    lock is taken; raises RefreshLocked if it is still taken after `timeout` seconds.
    """
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    # thread_local=False: the loop may resume this coroutine on another thread.
    lock = FileLock(path, thread_local=False, on_acquired=_write_holder)
    started, told = time.monotonic(), False
    while True:
        try:
            lock.acquire(blocking=False)
            break
        except Timeout:
            waited = time.monotonic() - started
            if waited >= timeout:
                raise RefreshLocked(_busy(path, waited)) from None
            if on_wait is not None and not told:
                told = True
                on_wait(_busy(path, waited))
            await asyncio.sleep(min(POLL_SECONDS, timeout - waited))
    try:
        yield
    finally:
        lock.release()
