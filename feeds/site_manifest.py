"""Fingerprints of what each published page shows, so that an unchanged page is not
rendered again (as feeds.write does for the feeds).

A page's fingerprint covers everything its bytes depend on except its stamps (the times
feeds.site ignores when comparing a page with the one on disk): the events it lists
(after the upcoming cut, so `now` counts through them), the other feeds it links to with
their counts, the site data with each stamp reduced to whether it is there, the base URL,
and the code that renders pages. Skipping a page whose fingerprint matches then leaves
the same file as rendering it and finding nothing new to write.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from feeds.page_communities import shown_state
from feeds.write import write_if_changed
from warehouse.site_data import SiteData

MANIFEST = ".convene-pages.json"

_FEEDS = Path(__file__).resolve().parent
# Every module a page's text comes from: feeds/ (pages, titles, dates, place names),
# its assets, and the vocabulary's display names. A change to any of them renders
# every page again, once.
_CODE_GLOBS = ((_FEEDS, "*.py"), (_FEEDS / "assets", "*"), (_FEEDS.parent / "scrapers", "vocab.py"))


@lru_cache(maxsize=1)
def code_version() -> str:
    total = hashlib.sha256()
    for folder, pattern in _CODE_GLOBS:
        for path in sorted(folder.glob(pattern)):
            if path.is_file():
                total.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return total.hexdigest()


def site_shown(site: SiteData | None) -> object:
    """`site` as the page shows it once its stamps are left out: whether each stamped
    time is there ("never" is text), not the time itself; each state as it is shown
    ("ok" and "not modified" alike)."""
    if site is None:
        return None
    sources = tuple(
        (s.last_success is None, shown_state(s.state), replace(s, state="", last_success=None))
        for s in site.sources
    )
    return (site.refreshed_at is None, sources, site.communities)


def read_manifest(out_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def write_manifest(out_dir: Path, manifest: dict[str, str]) -> None:
    write_if_changed(out_dir / MANIFEST, json.dumps(manifest, sort_keys=True).encode())
