"""Politeness per host: at most N requests at once and a minimum gap between starts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class HostGate:
    def __init__(self, per_host: int = 2, min_delay: float = 0.0) -> None:
        self.per_host = per_host
        self.min_delay = min_delay
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._last_start: dict[str, float] = {}
        self._delays: dict[str, float] = {}

    def set_delay(self, host: str, seconds: float) -> None:
        """A host's own Crawl-delay, when longer than ours."""
        self._delays[host] = max(seconds, self.min_delay)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        gate = self._slots.setdefault(host, asyncio.Semaphore(self.per_host))
        async with gate:
            await self._space_out(host)
            yield

    async def _space_out(self, host: str) -> None:
        delay = self._delays.get(host, self.min_delay)
        if delay <= 0:
            return
        lock = self._locks.setdefault(host, asyncio.Lock())
        # The lock orders request starts, so two waiters cannot both see an old
        # timestamp and start together.
        async with lock:
            wait = self._last_start.get(host, -1e9) + delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_start[host] = time.monotonic()
