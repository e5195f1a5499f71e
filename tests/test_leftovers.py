"""What a writer killed before its rename leaves (feeds.write.remove_leftovers,
warehouse.analysis.remove_scratch): made here by really killing each writer at its
os.replace, then removed, and nothing else with them."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import analysis_db
from conftest import REPO

from feeds.write import remove_leftovers
from warehouse.analysis import remove_scratch

# Runs one writer with os.replace made to SIGKILL the process: the moment between a
# temp file's last byte and its rename.
KILLED_AT_RENAME = """
import os, signal, sys
from datetime import UTC, datetime
from pathlib import Path
os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
folder, which = Path(sys.argv[1]), sys.argv[2]
if which == "feed":
    from feeds.write import write_atomic
    write_atomic(folder / "all.ics", b"BEGIN:VCALENDAR\\r\\n")
elif which == "chart":
    from warehouse.analysis import write_if_changed
    write_if_changed(folder / "events-by-month.svg", b"<svg/>")
else:
    from warehouse.analysis import publish_analysis
    publish_analysis(folder / "convene.duckdb", folder / "public", datetime.now(UTC))
"""


def _killed(folder: Path, which: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED_AT_RENAME, str(folder), which], cwd=REPO, check=False
    )
    assert done.returncode == -9


def test_temp_files_of_killed_writes_are_removed_and_nothing_else(tmp_path: Path) -> None:
    public = tmp_path / "public"
    (public / "data").mkdir(parents=True)
    kept = [public / ".convene-feeds.json", public / "notes.tmp", public / ".draft.tmp",
            public / ".well-known" / "security.txt", public / "data" / ".x.abc.tmp"]  # fmt: skip
    for path in kept:
        path.parent.mkdir(exist_ok=True)
        path.write_text("mine")
    _killed(public, "feed")
    _killed(public / "data", "chart")
    left = sorted(p for p in public.rglob("*.tmp") if p not in kept)
    assert [p.parent for p in left] == [public, public / "data"], left
    assert left[0].name.startswith(".all.ics.") and left[1].name.startswith(".events-by")
    assert sorted(remove_leftovers(public)) == left
    assert not any(p.exists() for p in left) and all(p.exists() for p in kept)
    assert remove_leftovers(public) == []


def test_scratch_folders_of_killed_publishes_are_removed(tmp_path: Path) -> None:
    analysis_db.build(tmp_path / "convene.duckdb", datetime.now(UTC))
    (tmp_path / ".analysis-notes.txt").write_text("a file, not a scratch folder")
    _killed(tmp_path, "analysis")
    [scratch] = [p for p in tmp_path.glob(".analysis-*") if p.is_dir()]
    assert (scratch / "analysis.duckdb").stat().st_size > 0  # a whole copy of the database
    assert remove_scratch(tmp_path) == [scratch]
    assert not scratch.exists() and (tmp_path / ".analysis-notes.txt").exists()
