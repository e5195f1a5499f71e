"""The two moments of a refresh too short for the random kills of test_crash_trials to
hit, made to happen: killed after the store committed but before DuckDB moved its
write-ahead log into the file, and killed inside the render cache's transaction."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import analysis_db
import duckdb
from conftest import REPO
from test_cli import _run

from feeds.render_store import RenderStore, store_path
from warehouse.integrity import problems

AFTER_COMMIT = """
import os, signal, sys
from datetime import datetime, timedelta
from pathlib import Path
sys.path.insert(0, "tests")
from analysis_db import EXTRA, SAMPLE_FILE, extra_events, ok, sample_results, sample_sources
from warehouse.store import RefreshRun, connect, save_refresh

now = datetime.fromisoformat(sys.argv[2]) + timedelta(hours=1)
written = extra_events(now, second=True)
written["ukgovcamp"] = written["ukgovcamp"][:2]
results = [*sample_results(now), *(ok(s, written[s.id]) for s in EXTRA)]
con = connect(Path(sys.argv[1]))
save_refresh(con, RefreshRun("killed", now, now, str(SAMPLE_FILE)), [*sample_sources(), *EXTRA],
             results)
os.kill(os.getpid(), signal.SIGKILL)  # committed; the connection never closed
"""


def test_a_refresh_killed_after_its_commit_keeps_what_it_stored(tmp_path: Path) -> None:
    db = tmp_path / "convene.duckdb"
    now = analysis_db.build(db, datetime.now(UTC) + timedelta(days=1))
    killed = subprocess.run(
        [sys.executable, "-c", AFTER_COMMIT, str(db), now.isoformat()], cwd=REPO, check=False
    )
    assert killed.returncode == -9
    assert db.with_name(db.name + ".wal").stat().st_size > 0  # the log is still to replay
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert problems(con) == []
        runs = con.execute("SELECT run_id FROM refreshes ORDER BY finished_at").fetchall()
        missing = con.execute(
            "SELECT count(*) FROM events WHERE missing_since IS NOT NULL"
        ).fetchone()
    finally:
        con.close()
    assert runs == [("run0",), ("run1",), ("killed",)]
    assert missing == (1,)  # the workshop the killed refresh no longer found
    code, text = _run("check", "--db", str(db))
    assert code == 0, text


IN_TRANSACTION = """
import os, signal, sys
from pathlib import Path
from feeds.render_store import RenderStore

store = RenderStore(Path(sys.argv[1]), "v1")
store.put("item", b"new", "<item>new</item>")
# Killed once the old piece is deleted, as the new one is about to be written.
store._con.set_trace_callback(
    lambda sql: sql.startswith("INSERT OR REPLACE") and os.kill(os.getpid(), signal.SIGKILL))
store.save([b"new"])
"""


def test_a_publish_killed_inside_the_render_cache_transaction_leaves_it_as_before(
    tmp_path: Path,
) -> None:
    path = store_path(tmp_path / "convene.duckdb")
    store = RenderStore(path, "v1")
    store.put("item", b"old", "<item>old</item>")
    store.save([b"old"])
    store.close()
    killed = subprocess.run(
        [sys.executable, "-c", IN_TRANSACTION, str(path)], cwd=REPO, check=False
    )
    assert killed.returncode == -9
    assert path.with_name(path.name + "-journal").stat().st_size > 0  # a hot journal
    again = RenderStore(path, "v1")
    try:
        assert again.get("item", b"old") == "<item>old</item>"
        assert again.get("item", b"new") is None
        assert again.count("item") == 1
    finally:
        again.close()
