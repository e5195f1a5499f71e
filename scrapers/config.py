"""The optional [settings] table of a sources file: politeness, limits, contact URL."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scrapers.fetch_types import FetchSettings
from scrapers.sources import SourcesError

STALE_AFTER_DAYS = 14

# key in the file -> (FetchSettings field or "", type, smallest allowed value)
_KEYS: dict[str, tuple[str, type, float]] = {
    "contact_url": ("contact_url", str, 0),
    "concurrency": ("concurrency", int, 1),
    "per_host_concurrency": ("per_host", int, 1),
    "host_delay_seconds": ("host_delay", float, 0),
    "timeout_seconds": ("timeout", float, 0.1),
    "max_attempts": ("max_attempts", int, 1),
    "robots_max_age_hours": ("robots_max_age_hours", float, 0),
    "max_body_mb": ("", float, 0.001),
    "stale_after_days": ("", int, 1),
    # The optional semantic profession classifier (needs `uv sync --group model`).
    "classifier_model": ("", bool, 0),
    "model_threshold": ("", float, 0),
    # What the feeds carry: past events for this many days, events up to this many days
    # ahead, and cancelled events for this many days after they were cancelled.
    "feed_days_back": ("", int, 0),
    "feed_days_ahead": ("", int, 1),
    "cancelled_days": ("", int, 0),
}


@dataclass(frozen=True)
class FeedWindow:
    """Which events the feeds carry, in days from the refresh."""

    days_back: int = 30
    days_ahead: int = 365
    cancelled_days: int = 30


@dataclass(frozen=True)
class Settings:
    fetch: FetchSettings = field(default_factory=FetchSettings)
    stale_after_days: int = STALE_AFTER_DAYS
    classifier_model: bool = False
    model_threshold: float | None = None  # None: the model's own default
    window: FeedWindow = field(default_factory=lambda: FeedWindow())


def load_settings(path: Path) -> Settings:
    """Read [settings] from a sources file (sources.load_sources has checked the syntax)."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("settings", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Settings()  # load_sources reports these, with line numbers
    if not isinstance(table, dict):
        raise SourcesError([f"{path}: [settings] should be a table of options"])
    problems = [p for key, value in table.items() if (p := _problem(key, value))]
    if problems:
        raise SourcesError([f"{path}: [settings]: {p}" for p in problems])
    return _build(table)


def _problem(key: str, value: Any) -> str | None:
    if key not in _KEYS:
        return f'unknown option "{key}" (known: {", ".join(_KEYS)})'
    _, kind, smallest = _KEYS[key]
    if kind is bool:
        return None if isinstance(value, bool) else f'"{key}" should be true or false'
    if kind is str:
        ok = isinstance(value, str) and value.startswith(("http://", "https://", "mailto:"))
        return None if ok else f'"{key}" should be a URL (http, https or mailto)'
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or (kind is int and not isinstance(value, int)):
        return f'"{key}" should be {"a whole number" if kind is int else "a number"}'
    if value < smallest:
        return f'"{key}" should be at least {smallest:g}'
    return None


def _build(table: dict[str, Any]) -> Settings:
    fetch = FetchSettings()
    fields = {_KEYS[k][0]: v for k, v in table.items() if _KEYS[k][0]}
    if "max_body_mb" in table:
        fields["max_bytes"] = int(table["max_body_mb"] * 1024 * 1024)
    threshold = table.get("model_threshold")
    return Settings(
        replace(fetch, **fields),
        int(table.get("stale_after_days", STALE_AFTER_DAYS)),
        classifier_model=bool(table.get("classifier_model", False)),
        model_threshold=float(threshold) if threshold is not None else None,
        window=FeedWindow(
            int(table.get("feed_days_back", 30)),
            int(table.get("feed_days_ahead", 365)),
            int(table.get("cancelled_days", 30)),
        ),
    )
