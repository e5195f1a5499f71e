"""robots.txt answers remembered between refreshes (RFC 9309, section 2.4).

Each "refresh" here is what the refresh flow does with the database: recall (validators
and robots.txt answers), collect against a local fault server, remember. The server's
own log shows whether robots.txt was asked for again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from faultserver import FaultServer, fault_server

from scrapers.crawl import collect
from scrapers.fetch_types import ROBOTS_KEY, FetchSettings, RobotsRecord
from scrapers.model import ParseContext, Source
from scrapers.pipeline import SourceResult
from scrapers.registry import PARSERS
from scrapers.robots import RobotsCache
from warehouse.cache import recall, recall_robots, remember
from warehouse.store import connect

FAST = FetchSettings(timeout=5.0, per_host=8, host_delay=0.0, backoff_base=0.01, max_attempts=1)
DISALLOW_PRIVATE = "User-agent: *\nDisallow: /private/\n"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server() as running:
        yield running


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    db = connect(tmp_path / "convene.duckdb")
    yield db
    db.close()


def sources(server: FaultServer) -> list[Source]:
    return [
        Source("a", "a", "Org", server.url("/ok/a"), "ical", local=True),
        Source("b", "b", "Org", server.url("/ok/b"), "ical", local=True),
        Source("private", "p", "Org", server.url("/private/feed"), "ical", local=True),
    ]


def refresh(
    con: duckdb.DuckDBPyConnection, server: FaultServer, settings: FetchSettings = FAST
) -> dict[str, SourceResult]:
    now = datetime.now(UTC)
    known = recall(con, now) | recall_robots(con)
    results = asyncio.run(collect(sources(server), PARSERS, ParseContext(now=now), settings, known))
    remember(con, results, now)
    return {r.source.id: r for r in results}


def age_robots(con: duckdb.DuckDBPyConnection, hours: float) -> None:
    con.execute("UPDATE robots_cache SET fetched_at = fetched_at - to_hours($h)", {"h": hours})


def test_second_refresh_within_max_age_asks_no_robots_txt(
    server: FaultServer, con: duckdb.DuckDBPyConnection
) -> None:
    server.robots_txt = DISALLOW_PRIVATE
    first = refresh(con, server)
    assert server.count("/robots.txt") == 1
    assert first["a"].status == "ok" and first["private"].error_kind == "robots"
    [(site, status, body)] = con.execute("SELECT site, status, body FROM robots_cache").fetchall()
    assert (site, status, body) == (server.base_url, 200, DISALLOW_PRIVATE.encode())
    server.clear()

    second = refresh(con, server)

    assert server.count("/robots.txt") == 0
    assert second["a"].status == "not-modified" and second["b"].status == "not-modified"
    assert server.count("/ok/") == 2


def test_robots_txt_asked_again_after_max_age(
    server: FaultServer, con: duckdb.DuckDBPyConnection
) -> None:
    server.robots_txt = DISALLOW_PRIVATE
    refresh(con, server)
    age_robots(con, 25)
    server.robots_txt = "User-agent: *\nDisallow:\n"  # now allows everything
    server.clear()

    again = refresh(con, server)

    assert server.count("/robots.txt") == 1
    assert again["private"].error_kind != "robots"  # the new answer was read and obeyed
    [(fetched_at,)] = con.execute("SELECT fetched_at FROM robots_cache").fetchall()
    assert datetime.now(UTC) - fetched_at < timedelta(minutes=1)  # the row was renewed


def test_max_age_zero_reads_robots_txt_every_time(
    server: FaultServer, con: duckdb.DuckDBPyConnection
) -> None:
    never = FetchSettings(**{**FAST.__dict__, "robots_max_age_hours": 0})
    refresh(con, server, never)
    refresh(con, server, never)
    assert server.count("/robots.txt") == 2


def test_remembered_disallow_still_refuses(
    server: FaultServer, con: duckdb.DuckDBPyConnection
) -> None:
    server.robots_txt = DISALLOW_PRIVATE
    refresh(con, server)
    server.robots_txt = None  # the site now has none; the remembered answer still holds
    server.clear()

    again = refresh(con, server)

    assert server.count("/robots.txt") == 0
    assert again["private"].error_kind == "robots"
    assert "robots.txt disallows /private/feed" in (again["private"].error or "")
    assert server.count("/private/") == 0


@pytest.mark.parametrize("status", [503, 429])
def test_unreachable_robots_txt_is_not_remembered(
    server: FaultServer, con: duckdb.DuckDBPyConnection, status: int
) -> None:
    server.robots_status = status
    first = refresh(con, server)
    assert all(r.error_kind == "robots" for r in first.values())
    assert con.execute("SELECT count(*) FROM robots_cache").fetchone() == (0,)
    server.robots_status = None
    server.clear()

    again = refresh(con, server)

    assert server.count("/robots.txt") == 1  # asked again, not taken as "allowed"
    assert again["a"].status == "ok"


def test_remembered_crawl_delay_is_kept() -> None:
    site = "https://site.example:443"
    record = RobotsRecord(site, 200, b"User-agent: *\nCrawl-delay: 7\n", datetime.now(UTC))
    cache = RobotsCache(remembered=[record])
    calls: list[str] = []

    async def fetch(url: str) -> tuple[int | None, bytes]:
        calls.append(url)
        return 404, b""

    verdict = asyncio.run(cache.check("https://site.example/feed", fetch))
    assert verdict.allowed and calls == []
    assert cache.crawl_delay("site.example") == 7.0
    assert cache.fresh_records() == []


def test_recalled_robots_answers_sit_under_their_own_keys(
    server: FaultServer, con: duckdb.DuckDBPyConnection
) -> None:
    refresh(con, server)  # no robots.txt at the server: a 404, remembered as "allowed"
    [(key, memory)] = recall_robots(con).items()
    assert key == ROBOTS_KEY + server.base_url and memory.robots is not None
    assert (memory.robots.status, memory.robots.body) == (404, b"")
    assert key not in recall(con, datetime.now(UTC))  # shard snapshots carry validators only


def test_shards_carry_robots_answers_to_the_merge(tmp_path: Path) -> None:
    from test_shards import _manifest, _results

    from warehouse.shards import read_shard, write_shard

    at = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    record = RobotsRecord("https://site.example:443", 200, b"User-agent: *\nDisallow: /x\n", at)
    results = [replace(r, outcome=replace(r.outcome, robots=record)) for r in _results()]
    write_shard(tmp_path, _manifest(results), results, bodies=True)
    back = read_shard(tmp_path)[1]
    assert [r.outcome.robots for r in back] == [record] * len(results)
