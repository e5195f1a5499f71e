"""The README's "Questions you can ask": every example in docs/questions.sql runs against the
analysts' copy of a database built by real refreshes (tests/analysis_db.py) and answers
what it says it answers; the README shows each exactly as docs/questions.sql has it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import analysis_db
import duckdb
import pytest
from conftest import REPO

from warehouse.analysis import publish_analysis

QUESTIONS = REPO / "docs" / "questions.sql"
README = REPO / "README.md"
SECTION = "## Questions you can ask"


def questions() -> dict[str, str]:
    """name -> the entry as the README shows it (the lines after its `-- name:` line)."""
    parts = re.split(r"^-- name: *(\S+) *\n", QUESTIONS.read_text(encoding="utf-8"), flags=re.M)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def readme_blocks(text: str) -> list[str] | None:
    """The ```sql blocks of the README section; None when there is no such section."""
    start = text.find(f"\n{SECTION}\n")
    if start < 0:
        return None
    end = text.find("\n## ", start + len(SECTION) + 2)
    section = text[start : end if end >= 0 else len(text)]
    return [b.strip() for b in re.findall(r"^```sql\n(.*?)^```", section, flags=re.M | re.S)]


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    folder = tmp_path_factory.mktemp("questions")
    now = analysis_db.build(folder / "convene.duckdb")
    report = publish_analysis(folder / "convene.duckdb", folder / "public", now)
    con = duckdb.connect(str(report.copy), read_only=True)
    yield con
    con.close()


def _ask(con: duckdb.DuckDBPyConnection, name: str) -> list[dict[str, Any]]:
    result = con.execute(questions()[name])
    columns = [d[0] for d in result.description or []]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def test_the_file_has_at_least_eight_named_questions() -> None:
    found = questions()
    assert len(found) >= 8
    for name, body in found.items():
        assert body.startswith("-- "), f"{name}: say in a comment what it answers"
        assert body.endswith(";"), name
        assert "-- name:" not in body, name


@pytest.mark.parametrize("name", sorted(questions()))
def test_every_question_runs_and_finds_something(
    analysis: duckdb.DuckDBPyConnection, name: str
) -> None:
    assert _ask(analysis, name), f"{name} found nothing in the test database"


def test_the_answers_are_the_right_ones(analysis: duckdb.DuckDBPyConnection) -> None:
    now = datetime.now().astimezone()
    region = _ask(analysis, "coming-up-in-a-region")
    assert {r["title"] for r in region} == {"Leeds Service Design Meetup"}
    assert all(r["start_at"] >= now for r in region)
    [free] = _ask(analysis, "free-events-for-a-profession")
    assert free["title"].startswith("Data sharing") and free["open_to"] == "civil-servants-only"
    assert [r["organiser"] for r in _ask(analysis, "quiet-organisers")] == [
        "Scottish Digital Academy"
    ]
    [failing] = _ask(analysis, "failing-sources")
    assert failing["source"] == "Scottish Digital Academy"
    assert failing["last_error"] == "HTTP 500 from the server"
    reliability = {r["source_id"]: r for r in _ask(analysis, "source-reliability")}
    assert reliability["scottish-digital-academy"]["success_percent"] == 50.0
    assert reliability["sample-leeds-service-design"]["success_percent"] == 100.0
    changes = _ask(analysis, "recent-reschedules-and-cancellations")
    assert {(r["change"], r["title"]) for r in changes} == {
        ("cancelled", "Open data for councils: a workshop"),
        ("rescheduled", "UKGovCamp 2027"),
        ("rescheduled", "UK GovCamp 2027 - the unconference"),
    }
    moved = [r["summary"] for r in changes if r["source"] == "UKGovCamp"]
    assert any(s.startswith("start moved from ") and "(London time)" in s for s in moved)
    [twice] = _ask(analysis, "events-listed-twice")
    assert twice["title"] == "UKGovCamp 2027" and twice["members"] == 2
    assert sorted(twice["sources"]) == ["eventbrite-gov", "ukgovcamp"]
    assert 0.75 <= twice["min_score"] <= 1
    busiest = _ask(analysis, "busiest-organisers")
    assert busiest[0]["organiser"] == "Leeds Service Design Meetup"
    assert [r["title"] for r in _ask(analysis, "restricted-events")] == [
        "Data sharing across government: lunchtime talk"
    ]


def test_monthly_questions_agree_with_the_upcoming_events(
    analysis: duckdb.DuckDBPyConnection,
) -> None:
    by_month = _ask(analysis, "online-share-by-month")
    counted = sum(r["online"] + r["in_person"] + r["mixed_or_unknown"] for r in by_month)
    [(upcoming,)] = analysis.execute("SELECT count(*) FROM upcoming_events").fetchall()
    assert counted == upcoming
    pivot = _ask(analysis, "regions-by-month")
    assert 1 <= len(pivot) <= 6
    assert "yorkshire-and-the-humber" in pivot[0]


def test_readme_shows_every_question_as_written() -> None:
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    if blocks is None:
        pytest.skip(
            f'README.md has no "{SECTION}" section yet (it is merged from the analysis '
            "work separately); once it has, its SQL blocks must match docs/questions.sql"
        )
    entries = set(questions().values())
    assert blocks, f"{SECTION} shows no SQL"
    for block in blocks:
        assert block in entries, f"README block not in docs/questions.sql:\n{block}"


def test_readme_blocks_are_found_by_the_parser() -> None:
    entry = next(iter(questions().values()))
    text = f"# Convene\n\n{SECTION}\n\nSome words.\n\n```sql\n{entry}\n```\n\n## Next\n"
    assert readme_blocks(text) == [entry]
    assert readme_blocks("# Convene\n\n## Other\n") is None
