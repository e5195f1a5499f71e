"""The published pages: assets/, one page per feed (feed-<slug>.html) and index.html,
written after the feeds and in that order, so that no page links to a file that is not
on disk yet.

Like the feeds, a page is rewritten only when it says something new: times marked as
stamps (when it was generated, the last refresh, each source's last success) do not
count, so a refresh that finds nothing new leaves every file as it was.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from feeds.cached import Cache
from feeds.page import CHART, render_index
from feeds.page_events import ItemCache, upcoming
from feeds.page_feed import related, render_feed_page
from feeds.page_html import ASSET_NAMES, ASSETS
from feeds.page_subscribe import feed_base, page_name
from feeds.site_manifest import code_version, read_manifest, site_shown, write_manifest
from feeds.specs import FeedSpec, feeds_of, spec_for_slug
from feeds.write import PublishReport, write_atomic, write_if_changed
from warehouse.records import StoredEvent
from warehouse.site_data import SiteData

_STAMP = re.compile(rb'<time datetime="[^"]*" data-stamp>[^<]*</time>')


def write_page(path: Path, data: bytes) -> bool:
    """Write atomically unless the page on disk differs only in its stamps; True if
    written."""
    try:
        current: bytes | None = path.read_bytes()
    except OSError:
        current = None
    if current is not None and _STAMP.sub(b"", current) == _STAMP.sub(b"", data):
        return False
    write_atomic(path, data)
    return True


def _feed_pages(report: PublishReport) -> list[FeedSpec]:
    """Every event feed on disk after publishing, stale ones too: they are kept for
    subscribers (feeds.write), and so are their pages."""
    slugs = dict.fromkeys(p.stem for p in report.files if p.suffix == ".ics")
    found = (spec_for_slug(slug) for slug in slugs)
    return [spec for spec in found if spec is not None]


def write_site(
    report: PublishReport,
    now: datetime,
    base_url: str | None,
    events: Sequence[StoredEvent] = (),
    site: SiteData | None = None,
    digests: Cache | None = None,
) -> list[Path]:
    """Write the assets, the feed pages and index.html beside the feeds; `events` are the
    published events (the pages show those still to come), `site` what the warehouse
    says about sources and communities; `digests` the publisher's cache, whose digest of
    each event the pages' fingerprints reuse (feeds.site_manifest). Returns the files
    rewritten."""
    out = report.out_dir
    coming = upcoming(events, now)
    carried: dict[str, list[StoredEvent]] = defaultdict(list)
    for stored in coming:
        for spec in feeds_of(stored):
            carried[spec.slug].append(stored)
    feeds = [(spec, len(carried[spec.slug])) for spec, _ in report.counts]
    base = feed_base(base_url)
    changed: list[Path] = []
    (out / "assets").mkdir(parents=True, exist_ok=True)
    for name in ASSET_NAMES:
        target = out / "assets" / name
        if write_if_changed(target, (ASSETS / name).read_bytes()):
            changed.append(target)
    prints = digests or Cache(now, base_url)
    cache = ItemCache(prints)  # an event's HTML is the same on every page that lists it
    old, manifest = read_manifest(out), {}
    code = code_version()

    def unchanged(path: Path, head: object, records: Sequence[StoredEvent]) -> bool:
        found = manifest[path.name] = prints.fingerprint(path.name, (code, base_url, head), records)
        return old.get(path.name) == found and path.is_file()

    for spec in _feed_pages(report):
        path = out / page_name(spec.slug)
        if unchanged(path, (spec, related(spec, feeds)), carried[spec.slug]):
            continue
        html = render_feed_page(spec, carried[spec.slug], feeds, now, base, cache)
        if write_page(path, html):
            changed.append(path)
    index = out / "index.html"
    chart = (out / CHART).is_file()  # written by warehouse.analysis before the pages
    head = (feeds, site_shown(site), report.news, chart)
    if not unchanged(index, head, coming) and write_page(
        index, render_index(feeds, now, base_url, coming, site, report.news, chart, cache)
    ):
        changed.append(index)
    # After the pages, so that it never vouches for a page whose rename did not happen.
    write_manifest(out, manifest)
    return changed
