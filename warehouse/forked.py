"""Pure CPU work split over two processes: a forked child takes the second half of the
items while this process does the first. The child reads the items from the memory it
shares with its parent at the fork, so only the answers are pickled (back)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_shared: tuple[Callable[[Sequence[Any]], list[Any]], Sequence[Any]] | None = None


def can_fork(n: int, least: int) -> bool:
    return (
        n >= least
        and (os.cpu_count() or 1) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
    )


def in_halves(fn: Callable[[Sequence[T]], list[R]], items: Sequence[T], least: int) -> list[R]:
    """fn(items), worked out as fn(first half) here and fn(second half) in a forked child
    when there are at least `least` items (and two cores); fn must be pure and return one
    answer per item."""
    if not can_fork(len(items), least):
        return fn(items)
    global _shared
    half = len(items) // 2
    _shared = (fn, items)  # read by the child, not pickled
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            later = pool.apply_async(_second_half, (half,))
            first = fn(items[:half])
            return [*first, *later.get()]
    finally:
        _shared = None


def _second_half(half: int) -> list[Any]:
    assert _shared is not None
    fn, items = _shared
    return fn(items[half:])
