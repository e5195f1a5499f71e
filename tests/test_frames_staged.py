"""warehouse.frames.staged gives DuckDB the same table whether it goes through Arrow
(pandas loaded) or DuckDB's own binding of column lists (pandas not loaded, so that a
refresh never pays pyarrow's import of pandas)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest

from scrapers.model import Event, Location, Post
from warehouse import frames
from warehouse.frames import EVENT_SCHEMA, POST_SCHEMA, event_rows, post_rows, staged
from warehouse.store import connect

WHEN = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
EAST = timezone(timedelta(hours=5))


def _events() -> list[Event]:
    plain = Event(source_id="s", source_uid="1", title="Data day", start=WHEN)
    full = Event(
        source_id="s", source_uid="2", title="Café ☕ talk", start=WHEN.astimezone(EAST),
        end=WHEN + timedelta(hours=2), all_day=False, timezone="Europe/London",
        url="https://x.org/e/2", description="many\nlines", attendance="online",
        location=Location(name="Hall", address="1 Road", postcode="LS1 1UR", lat=53.8, lon=-1.5),
        organiser="Council", categories=("a", "b"),
    )  # fmt: skip
    return [plain, full, plain]  # a duplicate key: the last one stays


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[Any, ...]]:
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def _staged(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[Any, ...]], ...]:
    posts = [Post(source_id="s", source_uid="p", title="News", published=WHEN, summary=None)]
    got = []
    for name, rows, like, schema in (
        ("incoming_events", event_rows(_events()), "events", EVENT_SCHEMA),
        ("incoming_posts", post_rows(posts), "posts", POST_SCHEMA),
        ("incoming_none", [], "events", EVENT_SCHEMA),
    ):
        with staged(con, name, rows, like, schema):
            got.append(_rows(con, name))
            types = con.execute(f"DESCRIBE {name}").fetchall()
            got.append([(c[0], c[1]) for c in types])
    return tuple(got)


def test_both_paths_give_the_same_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = connect(tmp_path / "a.duckdb")
    monkeypatch.setattr(frames, "_pandas_loaded", lambda: True)
    arrow = _staged(con)
    monkeypatch.setattr(frames, "_pandas_loaded", lambda: False)
    lists = _staged(con)
    monkeypatch.setattr(frames, "_CHUNK", 1)  # a chunk per row
    assert _staged(con) == lists
    assert lists == arrow
    assert len(lists[0]) == 2 and lists[4] == []
    assert [c[0] for c in lists[1]] == EVENT_SCHEMA.names
    tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    assert tables == []  # dropped after the block


def test_a_refresh_does_not_import_pandas(tmp_path: Path) -> None:
    """Storing sources, fetch runs, events and posts: none of it loads pandas."""
    code = f"""
import sys
from datetime import UTC, datetime
from pathlib import Path
from scrapers.model import Event, Source
from warehouse.store import connect, _upsert_sources
from warehouse.frames import staged, event_rows, EVENT_SCHEMA
con = connect(Path({str(tmp_path / "b.duckdb")!r}))
now = datetime(2027, 1, 1, tzinfo=UTC)
source = Source("a", "A", "Org", "https://a.example/cal.ics", "ical", ("london",), ("data",))
assert _upsert_sources(con, [source], now) and not _upsert_sources(con, [source], now)
rows = event_rows([Event(source_id="a", source_uid="1", title="t", start=now)])
with staged(con, "incoming_events", rows, "events", EVENT_SCHEMA):
    assert con.execute("SELECT count(*) FROM incoming_events").fetchall() == [(1,)]
assert "pandas" not in sys.modules
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


def test_a_whole_refresh_and_publish_import_no_pandas(tmp_path: Path) -> None:
    """Two rounds of store and publish (the second changing an event, so the store's
    incremental path, labels, canonical rows and the HTTP cache are all written) in a
    fresh process, as the CLI runs them: pandas is never imported (~2 s a refresh)."""
    code = f"""
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from flows.refresh import publish_feeds
from scrapers.config import FeedWindow
from scrapers.fetch_types import Fetched
from scrapers.model import Event, ParseResult, Source
from scrapers.pipeline import SourceResult
from warehouse.classify import Classifier
from warehouse.overrides import Overrides
from warehouse.store import RefreshRun, connect, save_refresh
folder = Path({str(tmp_path)!r})
db = folder / "c.duckdb"
source = Source("a", "A", "Org", "https://a.example/cal.ics", "ical", ("london",), ("data",))
now = datetime.now(UTC)
for round in range(2):
    titles = [f"Data meetup {{n}}" + (f" round {{round}}" if n == 0 else "") for n in range(6)]
    events = tuple(Event("a", str(n), t, now + timedelta(days=n + 1)) for n, t in enumerate(titles))
    fetched = Fetched(source.url, b"x" * round, 200, None, 0.1, etag=f"e{{round}}")
    result = SourceResult(source, "ok", fetched, ParseResult(events), None, f"d{{round}}")
    con = connect(db)
    run = RefreshRun(f"r{{round}}", now, now, "sources.toml")
    save_refresh(con, run, [source], [result], Overrides(), Classifier())
    con.close()
    publish_feeds.fn(db, folder / "public", ["a"], now, None, Overrides(), FeedWindow())
assert (folder / "public" / "all.ics").read_bytes().count(b"BEGIN:VEVENT") == 6
assert "pandas" not in sys.modules, "pandas was imported"
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
