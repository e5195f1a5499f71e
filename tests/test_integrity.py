"""warehouse.integrity and `convene check`: a database made by real refreshes passes every
check, and each check finds the damage it is for, made with SQL on a copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import analysis_db
import duckdb
import pytest
from analysis_db import EXTRA, SAMPLE_FILE, extra_events, ok, sample_results, sample_sources
from test_cli import _run

from warehouse.integrity import CHECKS, problems
from warehouse.store import RefreshRun, connect, save_refresh


def _build(path: Path) -> None:
    """The analysts' database (two refreshes: a copy across sources, a cancellation, a
    failed source, posts) and two more in which the camp's workshop is no longer listed,
    so it is removed. Runs are dated after the migrations were applied, as real ones are."""
    now = datetime.now(UTC) + timedelta(days=5)
    analysis_db.build(path, now)
    written = extra_events(now, second=True)
    written["ukgovcamp"] = written["ukgovcamp"][:2]
    results = [*sample_results(now), *(ok(s, written[s.id]) for s in EXTRA)]
    con = connect(path)
    try:
        for n in (2, 3):
            at = now + timedelta(hours=n)
            run = RefreshRun(f"run{n}", at - timedelta(seconds=30), at, str(SAMPLE_FILE))
            save_refresh(con, run, [*sample_sources(), *EXTRA], results)
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("integrity") / "convene.duckdb"
    _build(path)
    return path


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    path = tmp_path / "convene.duckdb"
    shutil.copy(built, path)
    return path


def _problems(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return problems(con)
    finally:
        con.close()


def _damage(db: Path, sql: str) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(sql)
    finally:
        con.close()


def test_a_database_made_by_refreshes_has_no_problems(built: Path) -> None:
    con = duckdb.connect(str(built), read_only=True)
    try:
        # What the checks look at is there to be checked.
        counts = con.execute(
            "SELECT (SELECT count(*) FROM events WHERE removed_at IS NOT NULL),"
            " (SELECT count(*) FROM canonical_events WHERE NOT listed),"
            " (SELECT count(*) FROM (SELECT cluster_id FROM clusters GROUP BY ALL"
            "                        HAVING count(*) > 1)),"
            " (SELECT count(*) FROM posts), (SELECT count(*) FROM labels),"
            " (SELECT count(*) FROM event_changes),"
            " (SELECT count(*) FROM fetch_runs WHERE status = 'fetch-error')"
        ).fetchone()
        assert counts is not None and all(counts), counts
        assert problems(con) == []
    finally:
        con.close()
    code, text = _run("check", "--db", str(built))
    assert code == 0 and "no problems found" in text, text


@dataclass(frozen=True)
class Damage:
    sql: str
    found: tuple[str, ...]  # every problem it must cause, each whole or its start


WITHOUT_KEY = """
CREATE TABLE loose AS SELECT * FROM meta; DROP TABLE meta; ALTER TABLE loose RENAME TO meta;
INSERT INTO meta SELECT * FROM meta WHERE key = 'matcher';
"""
ROBOTS_BIGINT = """
CREATE TABLE wide (site VARCHAR PRIMARY KEY, status BIGINT NOT NULL, body BLOB NOT NULL,
                   fetched_at TIMESTAMPTZ NOT NULL);
INSERT INTO wide SELECT * FROM robots_cache; DROP TABLE robots_cache;
ALTER TABLE wide RENAME TO robots_cache;
"""
NO_PARSED_AT = """
CREATE TABLE narrow AS SELECT * EXCLUDE (parsed_at) FROM http_cache; DROP TABLE http_cache;
ALTER TABLE narrow RENAME TO http_cache;
"""
# The cluster of the camp (listed by ukgovcamp and eventbrite-gov).
CAMP_CLUSTER = "(SELECT cluster_id FROM clusters WHERE listing_id = 'ukgovcamp/ukgc-2027')"
TALK = "source_id = 'ukgovcamp' AND source_uid = 'ukgc-data-talk'"

NO_SOURCE = "listings whose source is not in the sources table"
NO_FETCH_SOURCE = "fetch rows whose source is not in the sources table"
COUNTS = "refreshes whose fetch rows do not add up to their counts of sources"
UNCLUSTERED = "listed events in no cluster"
PUBLISHED = "clusters whose published row (canonical_events) is missing, unlisted or names other"
NO_META = (
    "facts missing from meta although events are clustered (which matcher, overrides and"
    " classifier made the clusters)"
)
DAMAGES = {
    "versions-behind": Damage(
        "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM"
        " schema_migrations)",
        ("the database is at schema version 10 of 11: run `convene refresh`",),
    ),
    "versions-ahead": Damage(
        "INSERT INTO schema_migrations VALUES (99, 'from the future', now())",
        ("the database is at schema version 99, newer than this Convene knows (11)",),
    ),
    "versions-gap": Damage(
        "DELETE FROM schema_migrations WHERE version = 3",
        ("migration(s) 3 not recorded as applied",),
    ),
    "table-missing": Damage("DROP TABLE labels", ("the table labels is missing",)),
    "view-missing": Damage("DROP VIEW upcoming_events", ("the view upcoming_events is missing",)),
    "column-missing": Damage(NO_PARSED_AT, ("the table http_cache has no column parsed_at",)),
    "column-type": Damage(
        ROBOTS_BIGINT, ("the column robots_cache.status is BIGINT, not INTEGER",)
    ),
    "not-null": Damage(
        "ALTER TABLE sources ALTER COLUMN name DROP NOT NULL",
        ("the column sources.name accepts empty (NULL) values",),
    ),
    "key-lost-and-duplicated": Damage(
        WITHOUT_KEY,
        (
            "the column meta.key accepts empty (NULL) values",
            "the column meta.value accepts empty (NULL) values",
            "the table meta lost its primary key (key): duplicate rows are no longer refused",
            "keys held by more than one row of meta (key): 1 (e.g. matcher)",
        ),
    ),
    "listing-source": Damage(
        "DELETE FROM sources WHERE id = 'scottish-digital-academy'",
        (
            f"{NO_SOURCE}: 1 (e.g. scottish-digital-academy/sda-agile-2026)",
            f"{NO_FETCH_SOURCE}: 4 (e.g. run0 scottish-digital-academy,",
        ),
    ),
    "post-source": Damage(
        "UPDATE posts SET source_id = 'gone' WHERE source_uid = (SELECT min(source_uid)"
        " FROM posts)",
        ("posts whose source is not in the sources table: 1 (e.g. gone/",),
    ),
    "fetch-source": Damage(
        "UPDATE fetch_runs SET source_id = 'gone' WHERE run_id = 'run2'"
        " AND source_id = 'ukgovcamp'",
        (f"{NO_FETCH_SOURCE}: 1 (e.g. run2 gone)",),
    ),
    "fetch-refresh": Damage(
        "DELETE FROM refreshes WHERE run_id = 'run0'",
        ("fetch rows of a refresh that is not in the refreshes table: 11 (e.g. run0 ",),
    ),
    "refresh-counts": Damage(
        "DELETE FROM fetch_runs WHERE run_id = 'run2' AND source_id = 'ukgovcamp'",
        (f"{COUNTS}: 1 (e.g. run2)",),
    ),
    "refresh-history-lost": Damage(
        "DELETE FROM fetch_runs WHERE run_id = 'run3'", (f"{COUNTS}: 1 (e.g. run3)",)
    ),
    "refresh-times": Damage(
        "UPDATE refreshes SET finished_at = started_at - INTERVAL 1 HOUR WHERE run_id = 'run1'",
        ("refreshes that finished before they started: 1 (e.g. run1)",),
    ),
    "listing-dates": Damage(
        f"UPDATE events SET last_changed = first_seen - INTERVAL 1 DAY WHERE {TALK}",
        (
            "listings whose dates are out of order (first seen, last changed, removed) or whose"
            " sequence is negative: 1 (e.g. ukgovcamp/ukgc-data-talk)",
        ),
    ),
    "removal-unmarked": Damage(
        "UPDATE events SET missing_since = NULL WHERE removed_at IS NOT NULL",
        (
            "removed listings that were never marked missing before their removal: 1"
            " (e.g. ukgovcamp/ukgc-open-data-workshop)",
        ),
    ),
    "content-hash": Damage(
        f"UPDATE events SET content_hash = 'x' WHERE {TALK}",
        (
            "listings or posts whose content hash is not a SHA-256: 1"
            " (e.g. ukgovcamp/ukgc-data-talk)",
        ),
    ),
    "listing-unclustered": Damage(
        "DELETE FROM clusters WHERE listing_id = 'ukgovcamp/ukgc-2027'",
        (f"{UNCLUSTERED}: 1 (e.g. ukgovcamp/ukgc-2027)", PUBLISHED),
    ),
    "cluster-unlisted": Damage(
        "UPDATE events SET missing_since = last_changed, removed_at = last_changed"
        " WHERE source_id = 'ukgovcamp' AND source_uid = 'ukgc-2027'",
        ("cluster rows whose listing is not a listed event: 1 (e.g. ukgovcamp/ukgc-2027)",),
    ),
    "canonical-missing": Damage(
        f"DELETE FROM canonical WHERE cluster_id = {CAMP_CLUSTER}",
        ("clusters with no canonical row (sequence and dates): 1",),
    ),
    "published-listings": Damage(
        f"UPDATE canonical_events SET listings = ['x/y'] WHERE cluster_id = {CAMP_CLUSTER}",
        (PUBLISHED,),
    ),
    "published-unclustered": Damage(
        "UPDATE canonical_events SET listed = true, removed_at = NULL WHERE NOT listed",
        (
            "published rows (canonical_events) listed although no cluster has that id: 1"
            " (e.g. ukgovcamp/ukgc-open-data-workshop)",
        ),
    ),
    "published-flag": Damage(
        f"UPDATE canonical_events SET removed_at = now() WHERE cluster_id = {CAMP_CLUSTER}",
        ("published rows (canonical_events) whose listed flag and removal date disagree: 1",),
    ),
    "published-sequence": Damage(
        f"UPDATE canonical SET sequence = sequence + 5 WHERE cluster_id = {CAMP_CLUSTER}",
        ("published rows (canonical_events) whose sequence is not their canonical row's: 1",),
    ),
    "labels-unclassified": Damage(
        f"DELETE FROM classified WHERE cluster_id = {CAMP_CLUSTER}",
        ("labels of clusters that are not classified: 1",),
    ),
    "classified-unclustered": Damage(
        "INSERT INTO classified VALUES ('gone/1', 'h', now())",
        ("classified clusters that are not clusters: 1 (e.g. gone/1)",),
    ),
    "changes-unknown": Damage(
        "INSERT INTO event_changes VALUES (now(), 'gone', '1', 'title', 'a', 'b')",
        ("recorded changes of listings that are not in the events table: 1 (e.g. gone/1)",),
    ),
    "meta-missing": Damage(
        "DELETE FROM meta WHERE key = 'matcher'", (f"{NO_META}: 1 (e.g. matcher)",)
    ),
}


@pytest.mark.parametrize("name", sorted(DAMAGES))
def test_each_check_finds_its_damage_and_nothing_else(db: Path, name: str) -> None:
    damage = DAMAGES[name]
    _damage(db, damage.sql)
    found = _problems(db)
    assert len(found) == len(damage.found), found
    for problem, expected in zip(found, damage.found, strict=True):
        assert problem.startswith(expected), found


def test_every_check_has_a_damage_test() -> None:
    expected = [problem for damage in DAMAGES.values() for problem in damage.found]
    for check in CHECKS:
        assert any(problem.startswith(check.says[:60]) for problem in expected), check.says


def test_convene_check_lists_problems_and_exits_1(db: Path) -> None:
    _damage(db, DAMAGES["post-source"].sql + "; " + DAMAGES["meta-missing"].sql)
    code, text = _run("check", "--db", str(db))
    assert code == 1, text
    assert f"{db}: 2 problem(s) found:" in text and "Traceback" not in text
    assert f"- {DAMAGES['post-source'].found[0]}" in text
    assert f"- {DAMAGES['meta-missing'].found[0]}" in text


def test_convene_check_without_a_database_or_with_another_file(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    code, text = _run("check", "--db", str(missing))
    assert code == 2 and "no database at" in text and not missing.exists()
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"not a database\n" * 1000)
    code, text = _run("check", "--db", str(garbage))
    assert code == 1 and "cannot be read as a database" in text, text


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


def test_convene_check_while_a_refresh_writes_says_so(db: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "open\n"
        code, text = _run("check", "--db", str(db))
    finally:
        writer.kill()
        writer.wait(timeout=30)
    assert code == 2 and "is in use by another Convene process" in text, text
