"""The render store (feeds.render_store) keeps rendered pieces between publishes: a
publish that reuses them writes the same bytes as one that renders everything, at a new
clock and after events changed; the file holds only what is published; a file from
other code, for another site, or damaged is ignored, never trusted."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from feeds_factory import NOW
from test_feeds_fast import _changes, generated
from test_feeds_page import BASE, SITE, events

from feeds import publish
from feeds.cached import Cache
from feeds.render_store import RenderStore, store_path
from feeds.site import write_site
from warehouse.records import StoredEvent

VERSION = "code-a " + BASE


def files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def build(out: Path, listed: list[StoredEvent], now: datetime, store: RenderStore | None) -> None:
    """A whole publish as flows.refresh.publish_feeds does it: feeds, changes, pages."""
    cache = Cache(now, BASE, store)
    report = publish(listed, out, now, BASE, changes=_changes(listed), cache=cache)
    write_site(report, now, BASE, listed, SITE, cache)
    if store is not None:
        store.save(cache.seen())


def corpus() -> list[StoredEvent]:
    return [*events(), *generated(25, seed=11)]


def edited(listed: list[StoredEvent]) -> list[StoredEvent]:
    """Some events retitled, one moved a day, a few gone and a few new."""
    out = [
        replace(s, event=replace(s.event, title=s.event.title + " (updated)")) if n % 7 == 0 else s
        for n, s in enumerate(listed[5:])
    ]
    out[3] = replace(out[3], event=replace(out[3].event, start=out[3].event.start + timedelta(1)))
    return out + generated(8, seed=12)


def test_reused_pieces_give_the_bytes_a_full_render_gives(tmp_path: Path) -> None:
    path = store_path(tmp_path / "c.duckdb")
    build(tmp_path / "first", corpus(), NOW, RenderStore(path, VERSION))
    later, now_listed = NOW + timedelta(hours=5, seconds=7), edited(corpus())
    store = RenderStore(path, VERSION)
    build(tmp_path / "kept", now_listed, later, store)
    build(tmp_path / "fresh", now_listed, later, None)
    kept, fresh = files(tmp_path / "kept"), files(tmp_path / "fresh")
    assert kept.keys() == fresh.keys() and len(kept) > 20
    for name, data in fresh.items():
        assert kept[name] == data, name
    assert b"DTSTAMP:" + later.strftime("%Y%m%dT%H%M%SZ").encode() in kept["all.ics"]
    # Only the edited and new events' VEVENTs were made; the rest came from the file.
    before = {repr(s) for s in corpus()}
    made = [s for s in now_listed if repr(s) not in before]
    assert store.misses["vevent"] == len(made) > 10
    assert store.hits["vevent"] == len(now_listed) - len(made)


def test_the_file_keeps_only_what_was_published(tmp_path: Path) -> None:
    path = store_path(tmp_path / "c.duckdb")
    build(tmp_path / "first", corpus(), NOW, RenderStore(path, VERSION))
    fewer = corpus()[:10]
    build(tmp_path / "second", fewer, NOW, RenderStore(path, VERSION))
    kept = RenderStore(path, VERSION)
    assert kept.count("vevent") == len(fewer)
    assert kept.count("item") == len(fewer)
    assert kept.count("change") == len(_changes(fewer))


def test_an_unchanged_publish_does_not_rewrite_the_file(tmp_path: Path) -> None:
    path = store_path(tmp_path / "c.duckdb")
    build(tmp_path / "out", corpus(), NOW, RenderStore(path, VERSION))
    before = path.stat().st_mtime_ns
    store = RenderStore(path, VERSION)
    build(tmp_path / "out", corpus(), NOW + timedelta(minutes=1), store)
    assert sum(store.misses.values()) == 0
    assert path.stat().st_mtime_ns == before


def test_pieces_of_other_code_or_another_site_are_not_used(tmp_path: Path) -> None:
    path = store_path(tmp_path / "c.duckdb")
    build(tmp_path / "first", corpus(), NOW, RenderStore(path, VERSION))
    for version in ("code-b " + BASE, "code-a https://other.example/"):
        store = RenderStore(path, version)
        assert store.count("vevent") == 0
        build(tmp_path / version.replace("/", "_"), corpus(), NOW, store)
        assert sum(store.hits.values()) == 0


def test_a_damaged_or_foreign_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    path = store_path(tmp_path / "c.duckdb")
    fresh = tmp_path / "fresh"
    build(fresh, corpus(), NOW, None)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as con:  # a store's table names, other columns
        con.execute("CREATE TABLE pieces (x)")
        con.execute("CREATE TABLE about (format, version)")
        con.execute("INSERT INTO about VALUES (?, ?)", ("convene-render-store 1", VERSION))
    con.close()
    for number, junk in enumerate([b"", b"\x00garbage" * 500, foreign.read_bytes()]):
        path.write_bytes(junk)
        out = tmp_path / f"out{number}"
        build(out, corpus(), NOW, RenderStore(path, VERSION))
        assert files(out) == files(fresh)
        assert RenderStore(path, VERSION).count("vevent") == len(corpus())


def test_forged_pieces_under_real_digests_are_rendered_afresh(tmp_path: Path) -> None:
    """Pieces of the wrong shape (a damaged file that still reads) are misses, not crashes."""
    path = store_path(tmp_path / "c.duckdb")
    build(tmp_path / "first", corpus(), NOW, RenderStore(path, VERSION))
    forged = ['["bad"]', "not json", "123", "[1, 2, 3, 4, 5, 6, 7]", '["a", "b", 3]', "{}"]
    with sqlite3.connect(path) as con:
        keys = con.execute("SELECT kind, key FROM pieces").fetchall()
        con.executemany(
            "UPDATE pieces SET piece = ? WHERE kind = ? AND key = ?",
            [(forged[n % len(forged)], kind, key) for n, (kind, key) in enumerate(keys)],
        )
    con.close()
    build(tmp_path / "again", corpus(), NOW, RenderStore(path, VERSION))
    build(tmp_path / "fresh", corpus(), NOW, None)
    assert files(tmp_path / "again") == files(tmp_path / "fresh")
    # Each forged piece was rendered again and replaced: the next publish makes nothing.
    healed = RenderStore(path, VERSION)
    build(tmp_path / "healed", corpus(), NOW, healed)
    assert files(tmp_path / "healed") == files(tmp_path / "fresh")
    assert sum(healed.misses.values()) == 0 and sum(healed.hits.values()) > 100
