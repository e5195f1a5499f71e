"""Who may send a request now: per host, at most N at once and a minimum gap between
starts; across all hosts, at most `concurrency` requests in flight.

The global limit is taken last, once a request is free to start on its host, and given
back as soon as the answer is read: a source waiting out a host's gap (robots.txt, then
the page a second later) holds no global slot, so other hosts' requests use it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Gate:
    """At most `size` holders at once. Waiters marked `urgent` (sources already under way)
    go before the others, so a source that has started finishes soon after, instead of
    queueing behind every source not yet started; each lane is first come, first served."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a gate needs at least one slot")
        self.size = size
        self._free = size
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    @property
    def holders(self) -> int:
        return self.size - self._free

    async def acquire(self, urgent: bool = False) -> None:
        if self._free > 0 and not self._urgent and not self._normal:
            self._free -= 1
            return
        turn = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._normal).append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed a slot, then cancelled: pass it on
            raise

    def release(self) -> None:
        for lane in (self._urgent, self._normal):
            while lane:
                turn = lane.popleft()
                if not turn.done():
                    turn.set_result(None)  # the slot goes straight to the waiter
                    return
        self._free += 1

    @asynccontextmanager
    async def hold(self, urgent: bool = False) -> AsyncIterator[None]:
        await self.acquire(urgent)
        try:
            yield
        finally:
            self.release()


class HostGate:
    def __init__(self, per_host: int = 2, min_delay: float = 0.0, total: int = 1_000_000) -> None:
        self.per_host = per_host
        self.min_delay = min_delay
        self.total = Gate(total)
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._last_start: dict[str, float] = {}
        self._delays: dict[str, float] = {}

    def set_delay(self, host: str, seconds: float) -> None:
        """A host's own Crawl-delay, when longer than ours."""
        self._delays[host] = max(seconds, self.min_delay)

    @asynccontextmanager
    async def slot(self, host: str, urgent: bool = False) -> AsyncIterator[None]:
        """A turn to send one request to `host`, held until its answer is read."""
        gate = self._slots.setdefault(host, asyncio.Semaphore(self.per_host))
        async with gate:
            await self._start(host, urgent)
            try:
                yield
            finally:
                self.total.release()

    async def _start(self, host: str, urgent: bool) -> None:
        delay = self._delays.get(host, self.min_delay)
        if delay <= 0:
            await self.total.acquire(urgent)
            return
        lock = self._locks.setdefault(host, asyncio.Lock())
        # The lock orders request starts, so two waiters cannot both see an old
        # timestamp and start together; the start is stamped once the global slot is
        # held, so waiting for that slot can only widen the gap, never narrow it.
        # A host's later requests go in the urgent lane: a host with many sources is a
        # chain of gaps, the refresh's longest path, and each global wait would add to it.
        async with lock:
            wait = self._last_start.get(host, -1e9) + delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await self.total.acquire(urgent or host in self._last_start)
            self._last_start[host] = time.monotonic()
