"""Shards on disk: results to Parquet and back, how sources are assigned to shards, and
which sets of shards a merge accepts (the merge itself: test_shards_merge.py)."""

from __future__ import annotations

import asyncio
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import SAMPLES

from scrapers.fetch_types import Fetched, FetchError
from scrapers.model import Event, Location, ParseContext, ParseResult, Post, Source
from scrapers.pipeline import SourceResult
from scrapers.registry import PARSERS
from scrapers.sources import load_sources
from warehouse.cache import recall
from warehouse.frames import events_table, posts_table
from warehouse.shard_rows import EVENT_SCHEMA, POST_SCHEMA, RESULT_SCHEMA
from warehouse.shards import (
    Manifest,
    Shard,
    ShardError,
    check_complete,
    find_shards,
    read_known,
    read_shard,
    shard_of,
    write_known,
    write_shard,
)
from warehouse.store import connect

SAMPLE_SOURCES = SAMPLES / "sample-sources.toml"
CLOCK = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
PLUS_ONE = timezone(timedelta(hours=1))


def _source(sid: str, url: str = "https://example.org/cal.ics", **extra: Any) -> Source:
    return Source(sid, sid.title(), "Org", url, "ical", **extra)


def _results() -> list[SourceResult]:
    a = _source(
        "a",
        regions=("london", "online"),
        professions=("data",),
        base_dir=Path("/srv/x"),
        selectors=(("title", "h2"), ("date", ".when")),
        date_format="%d %B %Y",
        max_body_mb=2.5,
        priority=3,
        notes="with everything set",
    )
    events = (
        Event("a", "1", "In London", datetime(2027, 6, 1, 18, tzinfo=LONDON),
              datetime(2027, 6, 1, 20, tzinfo=LONDON), timezone="Europe/London",
              location=Location("Hall", "1 Road, Leeds", "LS1 1AA", 53.8, -1.55),
              attendance="in-person", categories=("data", "meetup")),
        Event("a", "2", "Fixed offset", datetime(2027, 6, 2, 9, tzinfo=PLUS_ONE)),
        Event("a", "3", "All day", datetime(2027, 1, 5, tzinfo=UTC), all_day=True,
              location=Location(), status="cancelled", url="https://example.org/3"),
        Event("a", "4", "Naive", datetime(2027, 1, 6, 10), description="é \u2013 \U0001f600"),
    )  # fmt: skip
    posts = (
        Post("a", "p1", "A post", "https://example.org/p1", datetime(2026, 11, 1, tzinfo=UTC)),
        Post("a", "p2", "Undated"),
    )
    body = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    ok = Fetched(a.url, body, 200, "text/calendar", 0.25, "https://example.org/c.ics", 2,
                 '"etag"', "Wed, 01 Jan 2025 00:00:00 GMT", moved_to="https://x.org/",
                 encoding="utf-8", raw_bytes=len(body))  # fmt: skip
    parsed = ParseResult(events, posts, ("a warning",), follow=("https://example.org/more",))
    b = _source("b", "https://b.example.org/feed")
    error = FetchError(b.url, "http", "HTTP 503 twice", 503, 3.5, 2, None, None, 7.0, True)
    c = _source("c", "https://c.example.org/x")
    not_modified = Fetched(c.url, b"", 304, None, 0.1, etag='"e"', not_modified=True)
    d = _source("d", "https://d.example.org/x", enabled=False)
    return [
        SourceResult(a, "ok", ok, parsed, None, "digest-a"),
        SourceResult(b, "fetch-error", error, ParseResult(), error.reason, None, "http"),
        SourceResult(c, "not-modified", not_modified, ParseResult(), None, "digest-c"),
        SourceResult(d, "unchanged", replace(ok, url=d.url), ParseResult(), None, "digest-d"),
        SourceResult(c, "parse-error", ok, ParseResult(warnings=("w",)), "bad", "dg", "parse"),
    ]


def _manifest(results: list[SourceResult], shard: str = "1/1", digest: str = "x") -> Manifest:
    return Manifest(Shard.parse(shard), CLOCK, CLOCK, digest, tuple(r.source.id for r in results))


def _bodiless(result: SourceResult) -> SourceResult:
    outcome = result.outcome
    return (
        replace(result, outcome=replace(outcome, body=b""))
        if isinstance(outcome, Fetched)
        else result
    )


def test_results_round_trip_exactly(tmp_path: Path) -> None:
    results = _results()[:4]
    write_shard(tmp_path / "s", _manifest(results), results, bodies=True)
    manifest, back = read_shard(tmp_path / "s")
    assert back == results and manifest == _manifest(results)
    # Zones as published, since the content hash reads the offset.
    assert [e.start.isoformat() for e in back[0].parsed.events] == [
        e.start.isoformat() for e in results[0].parsed.events
    ]
    assert back[0].parsed.events[2].location == Location()
    assert back[0].parsed.events[3].start.tzinfo is None
    assert events_table(back[0].parsed.events).equals(events_table(results[0].parsed.events))
    assert posts_table(back[0].parsed.posts).equals(posts_table(results[0].parsed.posts))


def test_bodies_are_left_out_by_default(tmp_path: Path) -> None:
    results = _results()[:4]
    write_shard(tmp_path, _manifest(results), results)
    assert read_shard(tmp_path)[1] == [_bodiless(r) for r in results]


def test_parse_error_round_trips(tmp_path: Path) -> None:
    result = _results()[4]
    write_shard(tmp_path, _manifest([result]), [result], bodies=True)
    assert read_shard(tmp_path)[1] == [result]


def test_schemas_cover_every_field() -> None:
    # A new field on these dataclasses must be written to the shard, or it would be lost.
    names = set(RESULT_SCHEMA.names)
    source = {f.name for f in RESULT_SCHEMA.field("source").type}
    outcome = {f.name for f in RESULT_SCHEMA.field("outcome").type}
    assert {f.name for f in fields(Source)} == source
    assert {f.name for f in fields(Fetched)} | {f.name for f in fields(FetchError)} < outcome
    assert {"status", "error", "error_kind", "content_digest", "warnings", "follow"} < names
    event = {f.name for f in fields(Event)} - {"location"}
    assert event < set(EVENT_SCHEMA.names)
    assert {f.name for f in fields(Location)} - {"name"} < set(EVENT_SCHEMA.names)
    assert {f.name for f in fields(Post)} < set(POST_SCHEMA.names)
    assert {f.name for f in fields(SourceResult)} == {
        "source", "status", "outcome", "parsed", "error", "content_digest", "error_kind"
    }  # fmt: skip
    assert {f.name for f in fields(ParseResult)} == {
        "events", "posts", "warnings", "error", "follow"
    }  # fmt: skip


def test_sample_results_round_trip(tmp_path: Path) -> None:
    from scrapers.crawl import collect

    sources = [s for s in load_sources(SAMPLE_SOURCES, PARSERS.keys()) if s.enabled]
    results = asyncio.run(collect(sources, PARSERS, ParseContext(now=CLOCK)))
    write_shard(tmp_path, _manifest(results), results)
    back = read_shard(tmp_path)[1]
    assert back == [_bodiless(r) for r in results]
    before = events_table([e for r in results for e in r.parsed.events])
    assert events_table([e for r in back for e in r.parsed.events]).equals(before)


def test_shard_parse() -> None:
    assert Shard.parse("2/3") == Shard(2, 3) and str(Shard(2, 3)) == "2/3"
    for bad in ("0/3", "4/3", "3", "a/b", "1/0", "-1/2", ""):
        with pytest.raises(ShardError, match="i/n"):
            Shard.parse(bad)


def test_assignment_is_stable_and_keeps_hosts_together() -> None:
    sources = [_source(f"s{n}", f"https://host{n % 40}.example.org/{n}.ics") for n in range(400)]
    for count in (1, 2, 3, 7):
        shards = [Shard(i, count) for i in range(1, count + 1)]
        for s in sources:
            assert sum(shard.holds(s) for shard in shards) == 1
    # Sources on one host, as the fetch layer counts hosts, share a shard.
    by_host: dict[str, set[int]] = {}
    for s in sources:
        by_host.setdefault(s.url.split("/")[2], set()).add(shard_of(s, 7))
    assert all(len(found) == 1 for found in by_host.values())
    assert len({shard_of(s, 7) for s in sources}) == 7
    # Fixed by the hash of the key alone (changing it would move every source).
    assert shard_of(_source("x", "https://www.meetup.com/a/"), 5) == 1
    assert shard_of(_source("local-id", "samples/x.ics"), 5) == 5
    assert shard_of(_source("y", "HTTPS://WWW.MEETUP.COM/b"), 5) == 1


def test_incomplete_or_mixed_sets_are_refused(tmp_path: Path) -> None:
    def m(shard: str, digest: str = "d") -> Manifest:
        return Manifest(Shard.parse(shard), CLOCK, CLOCK, digest, ())

    check_complete([m("2/2"), m("1/2")], "d")
    with pytest.raises(ShardError, match=r"missing \[2\]"):
        check_complete([m("1/3"), m("3/3")], "d")
    with pytest.raises(ShardError, match=r"twice \[1\]"):
        check_complete([m("1/2"), m("1/2")], "d")
    with pytest.raises(ShardError, match="different sets"):
        check_complete([m("1/2"), m("1/3")], "d")
    with pytest.raises(ShardError, match="different sources file"):
        check_complete([m("1/1", "other")], "d")
    (tmp_path / "unfinished").mkdir()
    with pytest.raises(ShardError, match="unfinished"):
        read_shard(tmp_path / "unfinished")


def test_find_shards_looks_one_level_in(tmp_path: Path) -> None:
    for name in ("b", "a"):
        write_shard(tmp_path / "round" / name, _manifest([]), [])
    assert find_shards([tmp_path / "round"]) == [tmp_path / "round" / "a", tmp_path / "round" / "b"]
    assert find_shards([tmp_path / "round" / "b"]) == [tmp_path / "round" / "b"]


def test_known_snapshot_answers_as_recall_would(tmp_path: Path) -> None:
    con = connect(tmp_path / "c.duckdb")
    day = timedelta(days=1)
    con.execute(
        "INSERT INTO http_cache BY NAME SELECT * FROM (VALUES"
        " ('https://a.org/', '\"e\"', NULL, 'da', $now - INTERVAL 2 HOUR, $now),"
        " ('https://b.org/', NULL, 'Wed, 01 Jan 2025 00:00:00 GMT', 'db', $old, $now),"
        " ('https://c.org/', '\"c\"', NULL, NULL, NULL, $now))"
        " AS t(url, etag, last_modified, content_digest, parsed_at, updated_at)",
        {"now": CLOCK, "old": CLOCK - day + timedelta(hours=1)},
    )
    assert write_known(con, tmp_path / "known.parquet", CLOCK) == 2
    for later in (timedelta(0), timedelta(hours=2), day):
        expected = recall(con, CLOCK + later)
        assert read_known(tmp_path / "known.parquet", CLOCK + later) == expected
    assert len(recall(con, CLOCK)) == 2 and len(recall(con, CLOCK + timedelta(hours=2))) == 1
    con.close()
