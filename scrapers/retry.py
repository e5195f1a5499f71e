"""When to try a request again, and how long to wait first."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# 408 and 429 are the only 4xx answers that say "try later"; other 4xx will not
# change by asking again.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


def should_retry_status(status: int) -> bool:
    return status in RETRY_STATUSES or 500 <= status < 600


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: attempt 1 waits about base, then 2x, 4x...

    Full jitter in [0.5, 1.5) of the step spreads retries from many sources that
    failed together, so they do not hit a recovering server at the same instant.
    """
    step = min(cap, base * 2.0 ** (attempt - 1))
    draw: float = (rng or random).random()
    return step * (0.5 + draw)
