"""One refresh of a database at a time: the lock file beside it (flows/lock.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import REPO, SAMPLES

from flows.lock import RefreshLocked, lock_path, read_holder, refresh_lock

HOLD = """
import asyncio, sys
from pathlib import Path
from flows.lock import refresh_lock

async def hold() -> None:
    async with refresh_lock(Path(sys.argv[1]), 0):
        print("held", flush=True)
        await asyncio.sleep(float(sys.argv[2]))

asyncio.run(hold())
"""


@contextmanager
def held_elsewhere(db: Path, seconds: float = 300) -> Iterator[subprocess.Popen[str]]:
    """The refresh lock, held by another process for `seconds` (or until the block ends)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder
    finally:
        holder.kill()
        holder.wait(timeout=30)


def _take(db: Path, timeout: float) -> float:
    """Take and drop the lock; returns how long that took."""

    async def take() -> None:
        async with refresh_lock(db, timeout):
            pass

    started = time.monotonic()
    asyncio.run(take())
    return time.monotonic() - started


def test_a_held_lock_names_its_holder_and_gives_up_after_the_timeout(tmp_path: Path) -> None:
    db = tmp_path / "data" / "convene.duckdb"
    with held_elsewhere(db) as holder:
        assert lock_path(db) == tmp_path / "data" / "convene.duckdb.lock"
        assert read_holder(lock_path(db))["pid"] == holder.pid
        started = time.monotonic()
        with pytest.raises(RefreshLocked) as raised:
            _take(db, timeout=0.6)
        assert 0.5 <= time.monotonic() - started < 5
    busy = raised.value.busy
    assert busy.pid == holder.pid and busy.started_at and busy.started_at.endswith(" UTC")
    assert str(raised.value) == (
        f"another refresh is running (pid {holder.pid}), started at {busy.started_at}; "
        "try again later"
    )


def test_a_waiting_refresh_goes_ahead_when_the_holder_finishes(tmp_path: Path) -> None:
    db = tmp_path / "convene.duckdb"
    with held_elsewhere(db, seconds=1.5):
        waited = _take(db, timeout=60)
    assert 0.5 < waited < 30
    assert read_holder(lock_path(db))["pid"] == os.getpid()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    db = tmp_path / "convene.duckdb"
    with held_elsewhere(db) as holder:
        holder.kill()
        holder.wait(timeout=30)
        assert _take(db, timeout=0) < 5


def _convene(*args: str, timeout: float = 300) -> subprocess.Popen[str]:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "COLUMNS": "200"}
    command = [str(Path(sys.executable).parent / "convene"), *args]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    output, _ = process.communicate(timeout=300)
    return process.returncode, output


def _tables(db: Path) -> dict[str, Any]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "events": con.execute("SELECT * FROM events ORDER BY ALL").fetchall(),
            "refreshes": con.execute(
                "SELECT started_at, finished_at FROM refreshes ORDER BY started_at"
            ).fetchall(),
        }
    finally:
        con.close()


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_api")
def test_refreshes_of_one_database_take_turns(tmp_path: Path) -> None:
    db, public = tmp_path / "c.duckdb", tmp_path / "public"
    args = ("refresh", "--sources", str(SAMPLES / "sample-sources.toml"), "--db", str(db))
    args += ("--public", str(public))
    code, text = _finish(_convene(*args))
    assert code == 0, text
    before = _tables(db)

    # Another refresh holds the database throughout: a clear message, exit 4, nothing touched.
    with held_elsewhere(db) as holder:
        code, text = _finish(_convene(*args, "--lock-timeout", "1"))
    assert code == 4, text
    assert f"another refresh is running (pid {holder.pid}), started at " in text
    assert "try again later" in text and "Traceback" not in text
    assert _tables(db) == before

    # Two at once: both work, one after the other, and the database is whole.
    first, second = _convene(*args), _convene(*args)
    (code1, text1), (code2, text2) = _finish(first), _finish(second)
    assert (code1, code2) == (0, 0), text1 + text2
    after = _tables(db)
    assert after["events"] == before["events"]  # the samples did not change
    runs = after["refreshes"]
    assert len(runs) == len(before["refreshes"]) + 2
    (_, first_end), (second_start, _) = runs[-2], runs[-1]
    assert first_end <= second_start
