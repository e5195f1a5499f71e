"""The incremental recluster (warehouse.canonical_incremental) writes exactly what the
full recluster writes: two databases fed the same random refreshes, one with the
incremental path and one without, hold the same rows after every refresh (apart from the
columns saying when a row was last rewritten, which the incremental path leaves alone)."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bench.store_scale import synthetic
from scrapers.model import Event, Location, ParseResult, Source
from scrapers.pipeline import SourceResult
from warehouse import canonical_incremental, matching_incremental, store
from warehouse.classify import Classifier
from warehouse.frames import event_row
from warehouse.overrides import Overrides
from warehouse.store import RefreshRun, connect, save_refresh

# table -> columns left out of the comparison (when the row was last written)
TABLES = {
    "events": (),
    "event_changes": (),
    "clusters": ("assigned_at",),
    "match_pairs": ("scored_at",),
    "canonical": (),
    "canonical_events": ("updated_at",),
    "labels": (),
    "classified": (),
}


def _rows(con: duckdb.DuckDBPyConnection, table: str, skip: tuple[str, ...]) -> list[Any]:
    columns = [
        c for (c,) in con.execute(f"SELECT name FROM pragma_table_info('{table}')").fetchall()
    ]
    keep = ", ".join(c for c in columns if c not in skip)
    return sorted(con.execute(f"SELECT {keep} FROM {table}").fetchall(), key=repr)


# Changes the matcher does not read, then changes it does.
CONTENT = ["description", "no description", "status", "address", "categories"]
MATCHED = ["title", "start", "drop"]


def _mutate(rng: random.Random, event: Event, kinds: list[str]) -> Event | None:
    kind = rng.choice(kinds)
    if kind == "description":
        return replace(event, description=f"{event.description} More {rng.randrange(9)}.")
    if kind == "no description":
        return replace(event, description=None)
    if kind == "status":
        return replace(event, status="cancelled")
    if kind == "address":
        place = event.location or Location(None)
        return replace(event, location=replace(place, address=f"{rng.randrange(99)} High St"))
    if kind == "categories":
        return replace(event, categories=("Workshop",))
    if kind == "title":
        return replace(event, title=f"{event.title} (online)")
    if kind == "start":
        return replace(event, start=event.start + timedelta(minutes=30))
    return None


def _round(
    rng: random.Random, results: list[SourceResult], share: float, kinds: list[str]
) -> list[SourceResult]:
    out = []
    for r in results:
        events: list[Event | None] = list(r.parsed.events)
        if rng.random() < share:
            # a few of one source's listings edited
            for k in rng.sample(range(len(events)), min(len(events), rng.randrange(1, 4))):
                events[k] = _mutate(rng, r.parsed.events[k], kinds)
        kept = tuple(e for e in events if e is not None)
        out.append(replace(r, parsed=ParseResult(kept)))
    return out


def _with_priority(sources: list[Source], rng: random.Random) -> list[Source]:
    k = rng.randrange(len(sources))
    return [replace(s, priority=5) if n == k else s for n, s in enumerate(sources)]


def _store_both_ways(
    cons: list[duckdb.DuckDBPyConnection],
    run_id: str,
    now: datetime,
    sources: list[Source],
    results: list[SourceResult],
    classifier: Classifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Store one round incrementally into cons[0] and fully into cons[1], then compare
    every table."""
    for con, incremental in zip(cons, (True, False), strict=True):
        monkeypatch.setattr(store, "INCREMENTAL", incremental)
        run = RefreshRun(run_id, now, now, "test.toml")
        save_refresh(con, run, sources, results, Overrides(), classifier)
    for table, skip in TABLES.items():
        assert _rows(cons[0], table, skip) == _rows(cons[1], table, skip), (run_id, table)


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_recluster_matches_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    sources, results = synthetic(300)
    calls: list[int] = []
    real = canonical_incremental.recluster_changed

    def spy(con: duckdb.DuckDBPyConnection, ids: Sequence[str], *rest: Any) -> None:
        calls.append(len(ids))
        real(con, ids, *rest)

    monkeypatch.setattr(canonical_incremental, "recluster_changed", spy)
    cons = [connect(tmp_path / "incremental.duckdb"), connect(tmp_path / "full.duckdb")]
    now = datetime(2026, 12, 20, 6, tzinfo=UTC)
    classifier = Classifier()
    # first run; content changes (incremental); any changes (full); content; a source
    # changed (full); content twice more
    plan = [None, CONTENT, CONTENT + MATCHED, CONTENT, "source", CONTENT, CONTENT]
    for n, kinds in enumerate(plan):
        if kinds == "source":
            sources = _with_priority(sources, rng)
            results = _round(rng, results, 0.1, CONTENT)
        elif kinds is not None:
            results = _round(rng, results, 0.1, list(kinds))
        _store_both_ways(cons, f"run{n}", now, sources, results, classifier, monkeypatch)
        now += timedelta(hours=1)
    for con in cons:
        con.close()
    assert len(calls) >= 3, calls


def test_content_hash_is_the_stored_one() -> None:
    """The hash of a row is still sha256 of json.dumps(sort_keys, ISO dates, no ASCII
    escaping): every event stored before would otherwise look changed."""

    def before(row: dict[str, Any]) -> str:
        def default(value: object) -> str:
            assert isinstance(value, datetime)
            return value.isoformat()

        text = json.dumps(row, sort_keys=True, default=default, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    start = datetime(2027, 3, 4, 18, 30, tzinfo=UTC)
    title = "Caf\u00e9 \u201cReform\u201d \u2013 na\u00efve \U0001f4a1"
    odd = Event("s", "u1", title, start, None, True, "Europe/London",
                description=None, location=Location("Hall", "1 Rd", "AB1 2CD", 51.5, -0.12),
                categories=("a", "b"))  # fmt: skip
    _, results = synthetic(200)
    events = [odd, *(e for r in results for e in r.parsed.events)]
    for event in events:
        row = event_row(event)
        stored = row.pop("content_hash")
        assert stored == before(row)


def _moves(rng: random.Random, results: list[SourceResult], share: float) -> list[SourceResult]:
    """Listings added, dropped (removed at the second miss), moved, retitled, given another
    source's URL or another postcode, in `share` of the sources."""
    urls = [e.url for r in results for e in r.parsed.events if e.url]
    out = []
    for r in results:
        events = list(r.parsed.events)
        if events and rng.random() < share:
            for _ in range(rng.randrange(1, 4)):
                k = rng.randrange(len(events))
                kind = rng.choice(("add", "url", "postcode", "title", "start", "drop", "text"))
                if kind == "add":
                    uid = f"{events[k].source_uid}-extra{rng.randrange(10**6)}"
                    extra = replace(events[k], source_uid=uid, title=f"{events[k].title} extra")
                    events.append(extra)
                elif kind == "url":
                    events[k] = replace(events[k], url=rng.choice(urls))
                elif kind == "postcode":
                    place = events[k].location or Location(None)
                    events[k] = replace(events[k], location=replace(place, postcode="LS1 1UR"))
                else:
                    found = _mutate(rng, events[k], [kind] if kind != "text" else CONTENT)
                    if found is None:
                        del events[k]
                    else:
                        events[k] = found
                if not events:
                    break
        out.append(replace(r, parsed=ParseResult(tuple(events))))
    return out


@pytest.mark.parametrize("seed", [3, 4])
def test_moved_listings_recluster_matches_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Listings added, removed and moved: warehouse.matching_incremental's path writes what
    the full recluster writes, round after round (each building on the last)."""
    rng = random.Random(seed)
    sources, results = synthetic(400)
    used: list[int] = []
    real = matching_incremental.rematch

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        used.append(found is not None)
        return found

    monkeypatch.setattr(canonical_incremental, "rematch", spy)
    cons = [connect(tmp_path / "incremental.duckdb"), connect(tmp_path / "full.duckdb")]
    now = datetime(2026, 12, 20, 6, tzinfo=UTC)
    classifier = Classifier()
    for n in range(7):
        if n:
            results = _moves(rng, results, 0.04 + 0.02 * (n % 3))
        _store_both_ways(cons, f"run{n}", now, sources, results, classifier, monkeypatch)
        now += timedelta(hours=1)
    for con in cons:
        con.close()
    assert sum(used) >= 5, used
