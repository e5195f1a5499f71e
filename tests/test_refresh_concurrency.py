"""Refreshes and readers at the same time, through `convene refresh` (README: "One refresh
at a time", "The analysis copy").

Two refreshes of one database forked at the same instant: one runs, the other waits and
then runs, or with --lock-timeout 0 stops with exit 4 naming the holder's pid; nothing is
corrupted either way. An analyst reading the analysis copy throughout a refresh never sees
a query fail and does not hold the refresh up. One holding the database itself makes the
refresh give up, as the README says, with a plain message, changing nothing, and never
fails the analyst's queries. A source that answers after 5 s keeps each refresh going
long enough for the others to meet it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from crash_sources import Place, sources_file, write_round
from forked_cli import ForkedCli, prefect_cli
from httpserver import LocalServer, serve
from published_files import leftovers, snapshot, unreadable

from warehouse.integrity import problems

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_api")]

SLOW = """
[[source]]
id = "slow-calendar"
name = "A calendar that takes 5 s to answer"
organiser = "Slow community"
url = "{base}/slow"
kind = "ical"
local = true
"""


@pytest.fixture(scope="module")
def cli() -> Iterator[ForkedCli]:
    with prefect_cli() as forked:
        yield forked


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LocalServer]:
    (tmp_path / "site").mkdir()
    write_round(tmp_path / "site", 0)
    with serve(tmp_path / "site", slow_seconds=5.0) as server:
        yield server


def _refreshed(cli: ForkedCli, tmp_path: Path, server: LocalServer) -> tuple[Place, Path]:
    """A place refreshed once (round 0), and the sources file with the slow source."""
    place = Place(tmp_path / "main")
    place.folder.mkdir()
    sources = sources_file(tmp_path, server.base_url, SLOW.format(base=server.base_url))
    assert cli.wait(cli.start(place.args(sources), tmp_path / "first.log")) == 0
    write_round(tmp_path / "site", 1)
    return place, sources


def _sound(place: Place) -> None:
    con = duckdb.connect(str(place.db), read_only=True)
    try:
        assert problems(con) == []
    finally:
        con.close()
    files = snapshot(place.public)
    assert {n: unreadable(n, d) for n, d in files.items() if unreadable(n, d)} == {}
    assert leftovers(files) == []


def _runs(place: Place) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(place.db), read_only=True)
    try:
        return con.execute("SELECT started_at, finished_at FROM refreshes ORDER BY 1").fetchall()
    finally:
        con.close()


def test_two_refreshes_started_at_once_take_turns(
    cli: ForkedCli, tmp_path: Path, site: LocalServer
) -> None:
    place, sources = _refreshed(cli, tmp_path, site)
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    pids = [cli.start(place.args(sources), log) for log in logs]
    assert [cli.wait(pid) for pid in pids] == [0, 0], [log.read_text() for log in logs]
    texts = [log.read_text() for log in logs]
    waited = [n for n, text in enumerate(texts) if "Waiting up to 60 s for another refresh" in text]
    assert len(waited) == 1, texts  # exactly one found the other running
    holder = pids[1 - waited[0]]
    assert f"another refresh (pid {holder}), started at " in texts[waited[0]]
    runs = _runs(place)
    assert len(runs) == 3 and runs[1][1] <= runs[2][0]  # one after the other
    _sound(place)


def test_with_no_time_to_wait_the_second_stops_with_exit_4(
    cli: ForkedCli, tmp_path: Path, site: LocalServer
) -> None:
    place, sources = _refreshed(cli, tmp_path, site)
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    pids = [cli.start(place.args(sources, "--lock-timeout", "0"), log) for log in logs]
    codes = [cli.wait(pid) for pid in pids]
    texts = [log.read_text() for log in logs]
    assert sorted(codes) == [0, 4], texts
    winner, stopped = codes.index(0), codes.index(4)
    assert re.search(
        rf"another refresh is running \(pid {pids[winner]}\), started at .*; try again later",
        texts[stopped].replace("\n", " "),
    ), texts[stopped]
    assert "Traceback" not in texts[stopped]
    assert len(_runs(place)) == 2  # the stopped one stored nothing
    _sound(place)


# Queries the file in a loop until told to stop, on one connection held throughout;
# writes what it saw: its errors, how many queries, the refreshes it counted.
ANALYST = """
import json, sys, time, duckdb
from pathlib import Path
path, ready, stop, out = sys.argv[1:]
con = duckdb.connect(path, read_only=True)
Path(ready).touch()
seen, errors, queries = set(), [], 0
while not Path(stop).exists():
    try:
        seen.add(con.execute("SELECT count(*) FROM refreshes").fetchone()[0])
        con.execute("SELECT count(*), min(start_at) FROM upcoming_events").fetchone()
        queries += 1
    except duckdb.Error as exc:
        errors.append(str(exc))
    time.sleep(0.02)
con.close()
Path(out).write_text(json.dumps({"seen": sorted(seen), "errors": errors, "queries": queries}))
"""


def _analyst(path: Path, tmp_path: Path) -> subprocess.Popen[bytes]:
    ready = tmp_path / "ready"
    args = [str(path), str(ready), str(tmp_path / "stop"), str(tmp_path / "seen.json")]
    reader = subprocess.Popen([sys.executable, "-c", ANALYST, *args])
    while not ready.exists():
        assert reader.poll() is None, "the analyst could not open the file"
        time.sleep(0.02)
    return reader


def _finish(reader: subprocess.Popen[bytes], tmp_path: Path) -> dict[str, object]:
    (tmp_path / "stop").touch()
    assert reader.wait(timeout=60) == 0
    seen: dict[str, object] = json.loads((tmp_path / "seen.json").read_text())
    return seen


def test_an_analyst_on_the_analysis_copy_neither_fails_nor_holds_up_a_refresh(
    cli: ForkedCli, tmp_path: Path, site: LocalServer
) -> None:
    place, sources = _refreshed(cli, tmp_path, site)
    reader = _analyst(place.folder / "analysis.duckdb", tmp_path)
    try:
        code = cli.wait(cli.start(place.args(sources), tmp_path / "refresh.log"))
    finally:
        seen = _finish(reader, tmp_path)
    assert code == 0, (tmp_path / "refresh.log").read_text()
    assert seen["errors"] == [] and isinstance(seen["queries"], int) and seen["queries"] > 50
    assert seen["seen"] == [1]  # the copy it opened, whole, to the end
    con = duckdb.connect(str(place.folder / "analysis.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM refreshes").fetchone() == (2,)  # the new copy
    finally:
        con.close()
    _sound(place)


def test_an_analyst_holding_the_database_makes_a_refresh_give_up_and_changes_nothing(
    cli: ForkedCli, tmp_path: Path, site: LocalServer
) -> None:
    place, sources = _refreshed(cli, tmp_path, site)
    before = snapshot(place.public)
    reader = _analyst(place.db, tmp_path)
    try:
        code = cli.wait(cli.start(place.args(sources), tmp_path / "refresh.log"))
    finally:
        seen = _finish(reader, tmp_path)
    text = (tmp_path / "refresh.log").read_text()
    assert code == 1, text
    assert f"the database {place.db} is in use by another Convene process" in " ".join(text.split())
    assert seen["errors"] == [] and seen["seen"] == [1]
    assert snapshot(place.public) == before and len(_runs(place)) == 1
    _sound(place)
    # Once the analyst is gone, the next refresh goes ahead.
    assert cli.wait(cli.start(place.args(sources), tmp_path / "after.log")) == 0
    assert len(_runs(place)) == 2
