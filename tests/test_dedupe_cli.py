"""`convene dedupe LISTINGS.jsonl`: the matcher on a file, the database untouched."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()
LINES = [
    {"id": "site/1", "source": "site", "source_uid": "ukgc27@ukgovcamp.com",
     "title": "UKGovCamp 2027", "start": "2027-01-23T09:00:00+00:00", "postcode": "SE1 9SG",
     "url": "https://www.ukgovcamp.com/2027/"},
    {"id": "eb/9", "source": "eventbrite", "source_uid": "123456789",
     "title": "UK GovCamp 2027 - the unconference", "start": "2027-01-23T09:00:00Z",
     "postcode": "SE1 9SG", "url": "https://www.eventbrite.co.uk/e/ukgovcamp-tickets-123456789"},
    {"id": "meetup/5", "source": "meetup", "title": "Service design drinks",
     "start": "2027-01-23T18:00:00+00:00"},
]  # fmt: skip


def test_dedupe_prints_one_verdict_per_listing(tmp_path: Path) -> None:
    path = tmp_path / "listings.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in LINES) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["dedupe", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in rows] == ["site/1", "eb/9", "meetup/5"]
    assert rows[0]["cluster"] == rows[1]["cluster"] != rows[2]["cluster"]
    assert rows[0]["best_match"] == "eb/9" and rows[0]["score"] >= 0.75
    assert rows[2]["best_match"] is None and rows[2]["score"] is None
    assert not (tmp_path / "data").exists()


def test_dedupe_names_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "a", "title": "T", "start": "2027-01-01T10:00"}\nnot json\n{"id": "b"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["dedupe", str(path)], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert "bad.jsonl:1: start" in result.output and "no UTC offset" in result.output
    assert (
        "bad.jsonl:2: not valid JSON" in result.output
        and "bad.jsonl:3: missing title, start" in result.output
    )
