"""publish makes its renames durable with one fsync of the folder, before the manifest
that records them (feeds.write.publish explains why that order matters)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from feeds_factory import NOW, sample_events

import feeds.write
from feeds.write import MANIFEST, publish


def _record(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every rename (the name it gives) and every fsync of a folder, in order."""
    steps: list[str] = []
    rename, sync = os.replace, feeds.write._fsync_dir

    def replaced(src: str | Path, dst: str | Path) -> None:
        rename(src, dst)
        steps.append(Path(dst).name)

    def synced(folder: Path) -> None:
        sync(folder)
        steps.append("SYNC")

    monkeypatch.setattr(os, "replace", replaced)
    monkeypatch.setattr(feeds.write, "_fsync_dir", synced)
    return steps


def test_one_folder_fsync_after_the_feeds_and_one_after_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = _record(monkeypatch)
    report = publish(sample_events(), tmp_path, NOW)
    assert len(report.changed) > 10
    assert steps == [*(p.name for p in report.changed), "SYNC", MANIFEST, "SYNC"]


def test_nothing_renamed_nothing_synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    publish(sample_events(), tmp_path, NOW)
    steps = _record(monkeypatch)
    report = publish(sample_events(), tmp_path, NOW + timedelta(hours=1))
    assert report.changed == ()
    assert steps == []
