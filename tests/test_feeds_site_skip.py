"""feeds.site leaves a page unrendered when what it shows is unchanged (feeds.site_manifest),
and that gives the same files as rendering it."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from feeds_factory import NOW
from test_feeds_page import BASE, LABELLED, SITE, events

import feeds.site as site_module
from feeds import publish
from feeds.cached import Cache
from feeds.page import render_index
from feeds.page_feed import render_feed_page
from feeds.page_subscribe import page_name
from feeds.site import write_site
from feeds.specs import feeds_of
from warehouse.records import StoredEvent
from warehouse.site_data import SiteData


class Rendered:
    """Counts the pages rendered, by file name."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []

        def feed_spy(spec, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.names.append(page_name(spec.slug))
            return render_feed_page(spec, *args, **kwargs)

        def index_spy(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.names.append("index.html")
            return render_index(*args, **kwargs)

        monkeypatch.setattr(site_module, "render_feed_page", feed_spy)
        monkeypatch.setattr(site_module, "render_index", index_spy)


def build(
    out: Path, listed: list[StoredEvent], site: SiteData = SITE, now: datetime = NOW
) -> list[Path]:
    cache = Cache(now, BASE)
    report = publish(listed, out, now, BASE, cache=cache)
    return write_site(report, now, BASE, listed, site, cache)


def pages(out: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.glob("*.html")}


def test_unchanged_publish_renders_no_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, events())
    before = pages(tmp_path)
    rendered = Rendered(monkeypatch)
    later = NOW + timedelta(hours=1)  # nothing ends within the hour
    quiet = replace(
        SITE,
        refreshed_at=later,
        sources=(
            replace(SITE.sources[0], state="not modified", last_success=later),
            *SITE.sources[1:],
        ),
    )
    assert build(tmp_path, events(), quiet, later) == []
    assert rendered.names == []
    assert pages(tmp_path) == before


def test_skipping_gives_the_bytes_rendering_gives(tmp_path: Path) -> None:
    build(tmp_path / "a", events())
    build(tmp_path / "a", events())  # skipped
    os.remove(tmp_path / "a" / ".convene-pages.json")
    build(tmp_path / "b", events())
    a, b = pages(tmp_path / "a"), pages(tmp_path / "b")
    assert {k: v[0] for k, v in a.items()} == {k: v[0] for k, v in b.items()}


def test_a_new_title_renders_the_pages_listing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(tmp_path, events())
    rendered = Rendered(monkeypatch)
    renamed = replace(LABELLED, event=replace(LABELLED.event, title="Renamed hack day"))
    changed = build(tmp_path, [renamed if s is LABELLED else s for s in events()])
    expected = {page_name(spec.slug) for spec in feeds_of(LABELLED)} | {"index.html"}
    assert set(rendered.names) == expected
    assert {p.name for p in changed} == expected
    assert all(b"Renamed hack day" in (tmp_path / name).read_bytes() for name in expected)
    assert len(expected) < len(pages(tmp_path))


def test_a_changed_source_status_renders_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(tmp_path, events())
    rendered = Rendered(monkeypatch)
    failing = replace(SITE, sources=(replace(SITE.sources[0], state="failing"), *SITE.sources[1:]))
    assert [p.name for p in build(tmp_path, events(), failing)] == ["index.html"]
    assert rendered.names == ["index.html"]
    assert b'state-bad">failing' in (tmp_path / "index.html").read_bytes()


def test_a_new_code_version_renders_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(tmp_path, events())
    rendered = Rendered(monkeypatch)
    monkeypatch.setattr(site_module, "code_version", lambda: "another version")
    build(tmp_path, events())
    assert sorted(rendered.names) == sorted(pages(tmp_path))


def test_a_missing_page_is_rendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path, events())
    (tmp_path / "index.html").unlink()
    rendered = Rendered(monkeypatch)
    build(tmp_path, events())
    assert rendered.names == ["index.html"]
