"""Classification inside the pipeline: labels and reasons stored in DuckDB for every
canonical event, reused while nothing changes, redone when the event or the rules change,
and shown by `convene explain`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from scrapers.fetch_types import Fetched
from scrapers.model import Event, Location, ParseResult, Source
from scrapers.pipeline import SourceResult
from warehouse import labels
from warehouse.canonical import published_events
from warehouse.classify import Classifier
from warehouse.store import RefreshRun, connect, save_refresh

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
START = datetime(2027, 2, 3, 18, tzinfo=UTC)
LEEDS = Source("leeds", "Leeds Digital", "Leeds Digital", "https://leeds.example/", "ical",
               ("yorkshire-and-the-humber",), ("digital",))  # fmt: skip


def _event(uid: str, title: str, **kw: object) -> Event:
    return Event("leeds", uid, title, START, START + timedelta(hours=2), **kw)  # type: ignore[arg-type]


def _refresh(
    con: duckdb.DuckDBPyConnection,
    n: int,
    events: list[Event],
    classifier: Classifier | None = None,
) -> None:
    at = NOW + timedelta(minutes=n)
    fetched = Fetched(LEEDS.url, b"x", 200, None, 0.1)
    result = SourceResult(LEEDS, "ok", fetched, ParseResult(tuple(events)), None, f"d{n}")
    save_refresh(con, RefreshRun(f"r{n}", at, at, "s.toml"), [LEEDS], [result], None, classifier)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return connect(tmp_path / "c.duckdb")


def test_labels_and_reasons_are_stored_and_published(con: duckdb.DuckDBPyConnection) -> None:
    venue = Location("Civic Hall", "Calverley Street", "LS1 1UR")
    _refresh(con, 1, [
        _event("a", "Service design meetup", location=venue),
        _event("b", "AI and accessibility webinar", attendance="online",
               description="Free. Join on Zoom."),
    ])  # fmt: skip
    rows = con.execute(
        "SELECT cluster_id, kind, label, method, reason FROM labels ORDER BY cluster_id, position"
    ).fetchall()
    assert rows[0][:4] == ("leeds/a", "region", "yorkshire-and-the-humber", "postcode")
    assert "LS1 1UR" in rows[0][4]
    assert ("leeds/b", "region", "online", "online") in [r[:4] for r in rows]
    assert ("leeds/b", "free", "true", "keyword") in [r[:4] for r in rows]
    published = {e.event.source_uid: e for e in published_events(con, ["leeds"], NOW)}
    assert published["a"].regions == ("yorkshire-and-the-humber",)
    assert published["a"].professions == ("digital", "service-design")
    assert published["b"].regions == ("online",)
    assert published["b"].professions == ("digital", "ai", "accessibility")
    assert published["b"].free is True
    assert {label.method for label in published["b"].labels} >= {"online", "keyword"}


def test_unchanged_events_are_not_classified_again(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [_event("a", "Data meetup"), _event("b", "Policy lab")]
    _refresh(con, 1, events)
    seen: list[int] = []
    real = Classifier.classify_many

    def counting(self: Classifier, subjects: list[object]) -> object:
        seen.append(len(subjects))
        return real(self, subjects)  # type: ignore[arg-type]

    monkeypatch.setattr(Classifier, "classify_many", counting)
    _refresh(con, 2, [events[0], _event("b", "Policy lab: open policy making")])
    assert seen == [1]  # only the changed event


def test_a_change_of_rules_reclassifies_everything(con: duckdb.DuckDBPyConnection) -> None:
    _refresh(con, 1, [_event("a", "Data meetup")])
    before = con.execute("SELECT input_hash FROM classified").fetchall()

    class Stricter(Classifier):
        def __init__(self) -> None:
            super().__init__()
            self.fingerprint += "-v2"

    _refresh(con, 2, [_event("a", "Data meetup")], Stricter())
    after = con.execute("SELECT input_hash FROM classified").fetchall()
    assert before != after
    [(value,)] = con.execute("SELECT value FROM meta WHERE key = 'classifier'").fetchall()
    assert value.endswith("-v2")


def test_labels_of_events_no_longer_listed_are_dropped(con: duckdb.DuckDBPyConnection) -> None:
    _refresh(con, 1, [_event("a", "Data meetup"), _event("b", "Policy lab")])
    for n in (2, 3):  # removal is confirmed by a second successful miss
        _refresh(con, n, [_event("a", "Data meetup")])
    assert set(labels.stored_labels(con)) == {"leeds/a"}


def test_explain_shows_each_label_and_its_reason(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    con = connect(db)
    _refresh(con, 1, [_event("a", "Content design crit", location=Location("Leeds Dock"))])
    con.close()
    wide = {"COLUMNS": "200"}
    result = CliRunner().invoke(app, ["explain", "leeds/a", "--db", str(db)], env=wide)
    assert result.exit_code == 0, result.output
    assert "Classification" in result.output
    assert "content-design" in result.output and '"Content design" in the title' in result.output
    assert "yorkshire-and-the-humber" in result.output
    assert "profession-content-design: profession Content design" in result.output
