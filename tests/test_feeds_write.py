"""The writer: atomic files, every feed plus the index, the same bytes every time."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from feeds_factory import ACROSS_BST, BAD_ZONE, NOW, sample_events
from icalendar import Calendar

from feeds import PublishReport, feed_specs, publish
from feeds.site import write_site
from feeds.write import write_atomic
from warehouse.changelog import Change, NewsPost

FIXTURE = Path(__file__).parent / "fixtures" / "published" / "all.ics"
BASE = "https://convene.example/feeds"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _news_of_every_event() -> list[Change]:
    return [
        Change("new", f"{s.event.source_id}/{s.event.source_uid}", s.first_seen, s)
        for s in sample_events()
    ]


POST = NewsPost(
    "gds-blog", "post-1", "GDS blog", "Why we publish our roadmap",
    "https://gds.example/roadmap", "We publish it.", None, NOW, ("digital",),
)  # fmt: skip


def test_write_atomic_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "all.ics"
    write_atomic(target, b"first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["all.ics"]


def test_write_atomic_is_world_readable_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        write_atomic(tmp_path / "a.xml", b"x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.xml") == 0o644


def test_write_atomic_failure_keeps_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "all.ics"
    write_atomic(target, b"old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["all.ics"]


def test_publish_writes_every_feed_and_the_index(tmp_path: Path) -> None:
    events = sample_events()
    report = publish(events, tmp_path / "out", NOW, BASE)
    write_site(report, NOW, BASE)
    specs = feed_specs(events)
    assert isinstance(report, PublishReport)
    assert report.out_dir == tmp_path / "out"
    # all, 12 places + 3 in-person + online, 8 professions, 35 combinations
    assert report.feed_count == len(specs) == 59
    assert report.event_count == 6
    expected = {f"{s.slug}{suffix}" for s in specs for suffix in (".ics", ".xml", "-changes.xml")}
    expected.add("news-all.xml")  # empty without posts, but there to subscribe to
    assert {p.name for p in report.files} == expected
    # The manifest remembers what each feed was rendered from (see feeds/write.py).
    on_disk = {p.name for p in (tmp_path / "out").iterdir()}
    assert {".convene-feeds.json", "index.html"} <= on_disk
    # Besides the feeds and the manifest, only feeds.site's pages and what they need.
    assert {n for n in on_disk if n.endswith((".ics", ".xml"))} == expected
    for path in report.files:
        assert _mode(path) == 0o644


def test_published_files_parse(tmp_path: Path) -> None:
    report = publish(
        sample_events(), tmp_path, NOW, BASE, changes=_news_of_every_event(), posts=[POST]
    )
    assert {"news-all.xml", "news-digital.xml"} <= {p.name for p in report.files}
    london = Calendar.from_ical((tmp_path / "region-london.ics").read_bytes())
    # hack day, show and tell, conference, cancelled, and the online event
    assert len(london.walk("VEVENT")) == 5
    for path in report.files:
        if path.suffix == ".ics":
            assert Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        elif path.suffix == ".xml":
            parsed = feedparser.parse(path.read_bytes())
            assert parsed.bozo == 0 and parsed.entries


def test_index_links_point_at_files_on_disk(tmp_path: Path) -> None:
    write_site(publish(sample_events(), tmp_path, NOW, BASE), NOW, BASE)
    soup = BeautifulSoup((tmp_path / "index.html").read_bytes(), "html.parser")
    hrefs = [str(a["href"]) for a in soup.find_all("a")]
    # Our own files (the page's layout and link count are tests/test_feeds_page.py's).
    own = [h for h in hrefs if not h.startswith(("#", "https://"))]
    assert "webcal://convene.example/feeds/all.ics" in own and "all.xml" in own
    for href in own:
        name = href.removeprefix("webcal://convene.example/feeds/")
        assert (tmp_path / name).is_file(), href


def test_publish_is_deterministic(tmp_path: Path) -> None:
    first = publish(sample_events(), tmp_path / "a", NOW, BASE)
    second = publish(list(reversed(sample_events())), tmp_path / "b", NOW, BASE)
    assert [p.name for p in first.files] == [p.name for p in second.files]
    for a, b in zip(first.files, second.files, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    again = publish(sample_events(), tmp_path / "a", NOW, BASE)
    assert again.files == first.files


def test_feeds_that_lose_their_events_stay_and_empty(tmp_path: Path) -> None:
    publish(sample_events(), tmp_path, NOW, BASE)
    (tmp_path / "sitemap.xml").write_bytes(b"not ours")
    report = publish([ACROSS_BST], tmp_path, NOW, BASE)
    write_site(report, NOW, BASE)
    scotland = Calendar.from_ical((tmp_path / "region-scotland.ics").read_bytes())
    assert scotland.walk("VEVENT") == []
    assert feedparser.parse((tmp_path / "region-scotland.xml").read_bytes()).entries == []
    assert tmp_path / "region-scotland.ics" in report.files
    # all, london, london in person, digital, service-design, and two combinations
    assert report.feed_count == 7
    index = (tmp_path / "index.html").read_text()
    assert "region-scotland" not in index  # kept for subscribers, not advertised
    assert (tmp_path / "sitemap.xml").read_bytes() == b"not ours"
    assert BAD_ZONE.event.title not in (tmp_path / "all.ics").read_text()


def test_all_ics_matches_the_fixture(tmp_path: Path) -> None:
    """Byte-for-byte. Regenerate deliberately: CONVENE_REGENERATE_FIXTURES=1 pytest ..."""
    published = publish(sample_events(), tmp_path, NOW, BASE)
    data = (published.out_dir / "all.ics").read_bytes()
    if os.environ.get("CONVENE_REGENERATE_FIXTURES") == "1":
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_bytes(data)
        pytest.skip("fixture regenerated: read the diff before committing it")
    assert data == FIXTURE.read_bytes()


def test_republishing_unchanged_events_leaves_files_untouched(tmp_path: Path) -> None:
    first = publish(sample_events(), tmp_path, NOW, BASE)
    assert set(first.changed) == set(first.files)
    stamps = {p: p.stat().st_mtime_ns for p in first.files}
    later = NOW + timedelta(hours=1)  # new DTSTAMP and lastBuildDate, same events
    again = publish(sample_events(), tmp_path, later, BASE)
    assert again.changed == ()
    assert {p: p.stat().st_mtime_ns for p in again.files} == stamps
    edited = [
        replace(s, event=replace(s.event, title=s.event.title + "!")) for s in sample_events()
    ]
    third = publish(edited, tmp_path, later, BASE)
    assert tmp_path / "all.ics" in third.changed and tmp_path / "all.xml" in third.changed
    assert b"DTSTAMP:" in (tmp_path / "all.ics").read_bytes()
    (tmp_path / "all.xml").unlink()  # lost by hand: same input, but the file must return
    fourth = publish(edited, tmp_path, later, BASE)
    assert fourth.changed == (tmp_path / "all.xml",)
