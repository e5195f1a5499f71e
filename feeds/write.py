"""Write the published feeds to a folder, each file replaced atomically.

Subscribers' calendar apps fetch these files at any moment; an atomic replace
means they see either the old file or the new one, never half of one. Beside each
feed's {slug}.ics and {slug}.xml goes {slug}-changes.xml (what changed, from
warehouse.changelog); the news feeds (news-all.xml, news-<profession>.xml) come last.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from feeds.cached import Cache
from feeds.changes_feed import changes_slug
from feeds.ical import sort_key
from feeds.news import NewsFeed, news_feed_for_slug, news_feeds, render_news
from feeds.specs import FeedSpec, feeds_of, spec_for_slug, specs_among
from warehouse.news_types import Change, NewsPost
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
    news: tuple[tuple[NewsFeed, int], ...] = ()  # each news feed and its posts


# Stamps that change on every render. A file that differs only in these is left
# alone, so subscribers' apps and caches see an unchanged file (same bytes, same
# modification time) when nothing happened.
_STAMPS = re.compile(
    rb"^(?:DTSTAMP:.*|\s*<lastBuildDate>.*</lastBuildDate>|<p>Generated <time .*)$",
    re.MULTILINE,
)
# Each kind of stamp line: a literal that finds it (bytes.find runs at memory speed; a
# regex with ^ tried at every line of a 100 MB feed that has no such line took seconds)
# and the whole line it must be, as _STAMPS defines it.
_STAMP_KINDS = tuple(
    (mark, re.compile(line))
    for mark, line in (
        (b"\nDTSTAMP:", rb"DTSTAMP:.*"),
        (b"<lastBuildDate>", rb"\s*<lastBuildDate>.*</lastBuildDate>"),
        (b"\n<p>Generated <time ", rb"<p>Generated <time .*"),
    )
)


def _stamp_line(data: bytes, mark: bytes) -> bytes | None:
    """The first line holding `mark`, without its newline; None when there is none."""
    found = data.find(mark)
    if found < 0:
        return None
    start = found + 1 if mark.startswith(b"\n") else data.rfind(b"\n", 0, found) + 1
    end = data.find(b"\n", found + len(mark))
    return data[start : len(data) if end < 0 else end]


def same_but_stamps(current: bytes, data: bytes) -> bool:
    """Whether two renders differ in their stamps alone.

    One render writes one clock into every stamp of a file, so the old file with its
    stamp lines swapped for the new file's must be the new file. That takes a search
    for the first stamp of each kind and a byte replace: stripping every stamp line
    with _STAMPS (the definition) took seconds for the 500 MB of a large publish. A
    file whose stamps disagree among themselves (no render of ours) counts as changed,
    so this never keeps a file that _STAMPS would have rewritten.
    """
    if current == data:
        return True
    for mark, whole in _STAMP_KINDS:
        old, new = _stamp_line(current, mark), _stamp_line(data, mark)
        if (old is None) != (new is None):
            return False
        if old is None or new is None or old == new:
            continue
        if not (whole.fullmatch(old) and whole.fullmatch(new)):
            return False  # not stamp lines: whatever differs there is content
        current = current.replace(b"\n" + old + b"\n", b"\n" + new + b"\n")
    return current == data


def write_if_changed(path: Path, data: bytes, *, sync_dir: bool = True) -> bool:
    """Write atomically unless the file already says the same; True if written."""
    try:
        current = path.read_bytes()
    except OSError:
        current = None
    if current is not None and same_but_stamps(current, data):
        return False
    write_atomic(path, data, sync_dir=sync_dir)
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


def write_atomic(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Replace `path` with `data`: temp file in the same folder, fsync, rename, and
    (unless the caller syncs the folder itself, once for many files) fsync the folder."""
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
    if sync_dir:
        _fsync_dir(path.parent)


# The temp files of our atomic writes, ".<target name>.<random>.tmp": write_atomic's (mkstemp
# draws 8 of [a-z0-9_]) and warehouse.analysis's (a uuid4's 32 hex digits).
_TEMP_FILE = re.compile(r"\..+\.(?:[a-z0-9_]{8}|[0-9a-f]{32})\.tmp")


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete the temp files, under `folder`, of writes whose process died before the
    rename (a SIGKILL, a power cut): nothing else would ever remove them, and a host
    serving the folder would serve them, half-written. Only for a caller that no other
    writer can be working beside: a refresh, holding the database's lock, for its public
    folder. Returns what it deleted."""
    removed = []
    for path in folder.rglob(".*.tmp"):
        if _TEMP_FILE.fullmatch(path.name) and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


MANIFEST = ".convene-feeds.json"


def _read_manifest(out_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


@dataclass
class _Writer:
    """Renders and writes files, skipping a render whose inputs the manifest has seen."""

    out_dir: Path
    now: datetime
    base_url: str | None
    manifest: dict[str, str]
    cache: Cache
    written: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)

    def files(self, key: str, fingerprint: str, renders: dict[str, Callable[[], bytes]]) -> None:
        """Write each {name: render} under `key`: rendering thousands of events costs
        seconds, and with the same input and every file in place there is nothing new."""
        paths = {self.out_dir / name: render for name, render in renders.items()}
        self.written.extend(paths)
        if self.manifest.get(key) == fingerprint and all(p.exists() for p in paths):
            return
        self.manifest[key] = fingerprint
        for path, render in paths.items():
            if write_if_changed(path, render(), sync_dir=False):
                self.changed.append(path)

    def feed(
        self, spec: FeedSpec, events: Sequence[StoredEvent], changes: Sequence[Change]
    ) -> None:
        """`events` in start order (feeds.ical.sort_key), `changes` newest first."""
        cache = self.cache
        self.files(
            spec.slug,
            cache.fingerprint(spec.slug, spec, events),
            {
                f"{spec.slug}.ics": lambda: cache.ics(spec, events),
                f"{spec.slug}.xml": lambda: cache.rss(spec, events),
            },
        )
        slug = changes_slug(spec)
        self.files(
            slug,
            cache.fingerprint(slug, spec, changes),
            {f"{slug}.xml": lambda: cache.changes(spec, changes)},
        )

    def news(self, feed: NewsFeed, posts: Sequence[NewsPost]) -> None:
        now, base = self.now, self.base_url
        self.files(
            feed.slug,
            self.cache.fingerprint(feed.slug, feed, posts),
            {
                f"{feed.slug}.xml": lambda: render_news(feed, posts, now, base),
            },
        )


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


def _stale_news(out_dir: Path, current: Sequence[NewsFeed]) -> list[NewsFeed]:
    """News feeds an earlier run wrote that have no posts now: kept and emptied, as
    _stale_specs explains for the event feeds."""
    known = {feed.slug for feed in current}
    stale = (news_feed_for_slug(p.stem) for p in sorted(out_dir.glob("news-*.xml")))
    return [feed for feed in stale if feed is not None and feed.slug not in known]


def publish(
    events: Sequence[StoredEvent],
    out_dir: Path,
    now: datetime,
    base_url: str | None = None,
    *,
    changes: Sequence[Change] = (),
    posts: Sequence[NewsPost] = (),
    cache: Cache | None = None,
) -> PublishReport:
    """Write {slug}.ics, {slug}.xml and {slug}-changes.xml for every feed, then the news
    feeds (the pages come after: feeds.site). A `cache` passed in keeps each event's
    digest afterwards, for the pages' fingerprints (feeds.site.write_site)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = cache or Cache(now, base_url)
    writer = _Writer(out_dir, now, base_url, _read_manifest(out_dir), cache)
    counts: list[tuple[FeedSpec, int]] = []
    # Sorted once here, as every renderer sorts: each feed's share is then in order.
    carried: dict[str, list[StoredEvent]] = defaultdict(list)
    for stored in sorted(events, key=sort_key):
        for spec in feeds_of(stored):
            carried[spec.slug].append(stored)
    specs = specs_among(carried)
    changed_in: dict[str, list[Change]] = defaultdict(list)
    for change in sorted(changes, key=lambda c: (c.at, c.guid), reverse=True):
        for spec in feeds_of(change.entry):
            changed_in[spec.slug].append(change)
    for spec in specs:
        writer.feed(spec, carried[spec.slug], changed_in[spec.slug])
        counts.append((spec, len(carried[spec.slug])))
    for spec in _stale_specs(out_dir, specs):
        writer.feed(spec, [], changed_in[spec.slug])
    news: list[tuple[NewsFeed, int]] = []
    current_news = news_feeds(posts)
    for feed in current_news:
        selected = [post for post in posts if feed.selects(post)]
        writer.news(feed, selected)
        news.append((feed, len(selected)))
    for feed in _stale_news(out_dir, current_news):
        writer.news(feed, [])
    # One fsync of the folder for every rename above, not one per file (a third of a
    # small publish on a real disk). Each file's bytes were fsynced before its rename,
    # so after a crash each name holds its old file or its new one, never part of one,
    # as before; only which renames survived is open until this fsync. It comes before
    # the manifest is written (and that write fsyncs the folder again), so a manifest
    # that says a feed was rendered never outlives the rename of that feed's files: a
    # later publish would otherwise skip a feed whose old file survived the crash.
    if writer.changed:
        _fsync_dir(out_dir)
    write_if_changed(out_dir / MANIFEST, json.dumps(writer.manifest, sort_keys=True).encode())
    cache.drop_texts()
    return PublishReport(
        out_dir=out_dir,
        files=tuple(writer.written),
        feed_count=len(specs),
        event_count=len(events),
        changed=tuple(writer.changed),
        counts=tuple(counts),
        news=tuple(news),
    )
