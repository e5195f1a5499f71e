"""The published pages: index.html and what it needs, written after the feeds so that a
page never links to a feed that is not on disk yet."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from feeds.page import render_index
from feeds.write import PublishReport, write_if_changed


def write_site(report: PublishReport, now: datetime, base_url: str | None) -> list[Path]:
    """Write index.html beside the feeds; returns the files rewritten."""
    index = report.out_dir / "index.html"
    return [index] if write_if_changed(index, render_index(report.counts, now, base_url)) else []
