"""`convene parse FILE_OR_URL --kind KIND`: the events and warnings of one document, from a
file or fetched as a refresh fetches, with nothing stored and plain errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SAMPLES
from httpserver import serve
from test_cli import _run

FIXTURES = Path(__file__).parent / "fixtures"
DOCS = SAMPLES / "samples"


@pytest.fixture(autouse=True)
def _in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # so a stray data/ or public/ would show


def test_a_file_shows_its_events_and_stores_nothing(tmp_path: Path) -> None:
    code, text = _run("parse", str(DOCS / "localgovcamp.ics"), "--kind", "ical")
    assert code == 0, text
    assert "LocalGov Digital show and tell (online)" in text
    assert "events, 0 posts" in text and "Traceback" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_json_lists_events_and_warnings() -> None:
    code, text = _run(
        "parse", str(FIXTURES / "ical" / "council_partly_broken.ics"), "-k", "ical", "--json"
    )
    assert code == 0, text
    data = json.loads(text)
    assert set(data) == {"events", "posts", "warnings", "error", "follow"}
    assert data["error"] is None
    assert any("unreadable DTSTART" in w for w in data["warnings"])
    assert all(e["source_id"] == "parse" and e["start"] for e in data["events"])


def test_a_document_the_parser_cannot_read_exits_1() -> None:
    code, text = _run("parse", str(FIXTURES / "ical" / "not_ical_html.ics"), "--kind", "ical")
    assert code == 1 and "could not read the document" in text and "Traceback" not in text


def test_wrong_kind_or_missing_file_exit_2() -> None:
    code, text = _run("parse", str(DOCS / "localgovcamp.ics"), "--kind", "calendar")
    assert code == 2 and "unknown kind 'calendar'" in text and "ical" in text
    code, text = _run("parse", "no-such-file.ics", "--kind", "ical")
    assert code == 2 and "no file at no-such-file.ics" in text


def test_a_url_is_fetched_as_a_refresh_would() -> None:
    with serve(DOCS) as server:
        url = server.url("northern-camp.html")
        code, text = _run("parse", url, "--kind", "jsonld", "--local")
        assert code == 0, text
        assert "NorthCamp 2027 (sample)" in text
        # Without --local a private address is refused, in plain words.
        code, text = _run("parse", url, "--kind", "jsonld")
    assert code == 1 and "could not fetch" in text and "Traceback" not in text


def test_help_explains_it() -> None:
    code, text = _run("parse", "--help")
    words = " ".join(text.split())  # help is wrapped to the terminal's width
    assert code == 0 and "--kind" in words and "Nothing is stored" in words and "--local" in words


SELECTOR_SOURCES = """
[[source]]
id = "council-digital-events"
name = "Northfield City Council Digital Services events"
organiser = "Northfield City Council"
kind = "html"
url = "{url}"
local = {local}
date_format = "%d %B %Y, %H:%M"
[source.selectors]
container = "li.event"
title = "h3"
date = ".when"
link = "a"
location = ".where"
description = ".summary"
"""


def test_a_configured_source_lends_its_selectors(tmp_path: Path) -> None:
    page = FIXTURES / "html" / "council_events.html"
    sources = tmp_path / "sources.toml"
    with serve(page.parent) as server:
        sources.write_text(SELECTOR_SOURCES.format(url=server.url(page.name), local="true"))
        args = ("--sources", str(sources), "--source", "council-digital-events", "--json")
        by_file = _run("parse", str(page), *args)
        by_url = _run("parse", *args)  # no FILE_OR_URL: the source's own URL is fetched
    assert by_file[0] == 0 and by_url[0] == 0, (by_file, by_url)
    titles = [event["title"] for event in json.loads(by_file[1])["events"]]
    assert titles and titles == [event["title"] for event in json.loads(by_url[1])["events"]]
    # Without the source's selectors the html parser has nothing to go on.
    code, text = _run("parse", str(page), "--kind", "html")
    assert code == 1 and "could not read the document" in text


def test_a_wrong_source_or_kind_is_named(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(SELECTOR_SOURCES.format(url="https://council.example/events", local="false"))
    code, text = _run("parse", "--sources", str(sources), "--source", "nope")
    assert code == 2 and "no source 'nope'" in text and "council-digital-events" in text
    code, text = _run("parse", "x.html", "--sources", str(sources), "--source",
                      "council-digital-events", "--kind", "ical")  # fmt: skip
    assert code == 2 and "is of kind 'html', not 'ical'" in text
    code, text = _run("parse", "x.html")
    assert code == 2 and "--kind" in text and "--source" in text
