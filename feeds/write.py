"""Write the published feeds to a folder, each file replaced atomically.

Subscribers' calendar apps fetch these files at any moment; an atomic replace
means they see either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feeds.ical import render_ics
from feeds.rss import render_rss
from feeds.specs import FeedSpec, feed_specs, feeds_of, spec_for_slug
from warehouse.records import StoredEvent

# Static hosts serve what they can read; mkstemp's private 0600 would hide the file.
FILE_MODE = 0o644
FEED_SUFFIXES = (".ics", ".xml")


@dataclass(frozen=True)
class PublishReport:
    out_dir: Path
    files: tuple[Path, ...]  # every file of this publication, in the order written
    feed_count: int  # feeds with events this run (listed on the index page)
    event_count: int
    changed: tuple[Path, ...] = ()  # the files actually rewritten
    counts: tuple[tuple[FeedSpec, int], ...] = ()  # each published feed and its events


# Stamps that change on every render. A file that differs only in these is left
# alone, so subscribers' apps and caches see an unchanged file (same bytes, same
# modification time) when nothing happened.
_STAMPS = re.compile(
    rb"^(?:DTSTAMP:.*|\s*<lastBuildDate>.*</lastBuildDate>|<p>Generated <time .*)$",
    re.MULTILINE,
)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already says the same; True if written."""
    try:
        current = path.read_bytes()
    except OSError:
        current = None
    if current is not None and _STAMPS.sub(b"", current) == _STAMPS.sub(b"", data):
        return False
    write_atomic(path, data)
    return True


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, and a
    # failure here loses nothing that the replace has not already made visible.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: temp file in the same folder, fsync, rename."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


MANIFEST = ".convene-feeds.json"


def _fingerprint(spec: FeedSpec, events: Sequence[StoredEvent], base_url: str | None) -> str:
    # Everything a render reads except the clock; the records are frozen dataclasses
    # of plain values, so repr() is a faithful and stable serialisation.
    text = repr((spec, base_url, tuple(events)))
    return hashlib.sha256(text.encode()).hexdigest()


def _read_manifest(out_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_feed(
    spec: FeedSpec,
    events: Sequence[StoredEvent],
    out_dir: Path,
    now: datetime,
    base_url: str | None,
    changed: list[Path],
    manifest: dict[str, str],
) -> list[Path]:
    ics, xml = (out_dir / f"{spec.slug}{suffix}" for suffix in FEED_SUFFIXES)
    fingerprint = _fingerprint(spec, events, base_url)
    # Rendering thousands of events costs seconds; with the same input and both
    # files in place there is nothing new to say.
    if manifest.get(spec.slug) == fingerprint and ics.exists() and xml.exists():
        return [ics, xml]
    manifest[spec.slug] = fingerprint
    changed.extend(
        p
        for p, data in (
            (ics, render_ics(spec, events, now)),
            (xml, render_rss(spec, events, now, base_url)),
        )
        if write_if_changed(p, data)
    )
    return [ics, xml]


def _stale_specs(out_dir: Path, current: Sequence[FeedSpec]) -> list[FeedSpec]:
    """Feeds an earlier run wrote that have no events now.

    They are kept and rewritten empty rather than deleted: a subscriber's calendar
    app treats a 404 as an error (some drop the subscription), while an empty feed
    simply clears the old events. Whether to retire them for good is left to a later
    issue. Files whose slug is no longer in the vocabulary are left untouched.
    """
    known = {spec.slug for spec in current}
    slugs = {path.stem for suffix in FEED_SUFFIXES for path in out_dir.glob(f"*{suffix}")}
    stale = (spec_for_slug(slug) for slug in sorted(slugs - known))
    return [spec for spec in stale if spec is not None]


def publish(
    events: Sequence[StoredEvent],
    out_dir: Path,
    now: datetime,
    base_url: str | None = None,
) -> PublishReport:
    """Write {slug}.ics and {slug}.xml for every feed (the pages come after: feeds.site)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = feed_specs(events)
    written: list[Path] = []
    changed: list[Path] = []
    manifest = _read_manifest(out_dir)
    counts: list[tuple[FeedSpec, int]] = []
    carried: dict[str, list[StoredEvent]] = defaultdict(list)
    for stored in events:
        for spec in feeds_of(stored):
            carried[spec.slug].append(stored)
    for spec in specs:
        selected = carried[spec.slug]
        written += _write_feed(spec, selected, out_dir, now, base_url, changed, manifest)
        counts.append((spec, len(selected)))
    for spec in _stale_specs(out_dir, specs):
        written += _write_feed(spec, [], out_dir, now, base_url, changed, manifest)
    write_if_changed(out_dir / MANIFEST, json.dumps(manifest, sort_keys=True).encode())
    return PublishReport(
        out_dir=out_dir,
        files=tuple(written),
        feed_count=len(specs),
        event_count=len(events),
        changed=tuple(changed),
        counts=tuple(counts),
    )
