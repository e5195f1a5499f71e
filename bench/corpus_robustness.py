"""Every file of the shared corpus (../shared/corpus/) through Convene's matching parser
and through the underlying library alone, each in a worker process with a time limit
and a memory cap (bench/corpus_pool.py): a markdown table per folder of how many files
each yields events from, and of what raised, hung, ran out of memory or crashed.

    .venv/bin/python bench/corpus_robustness.py [--quick] [--workers 2] [--seconds 20]

--quick takes every tenth file. What "yields" means per folder is in
bench/corpus_library.py; tests/test_corpus_isolated.py asserts on the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus_library import CORPUS, FOLDERS, Folder, corpus_files
from bench.corpus_pool import Job, Reply, Settings, run


@dataclass(frozen=True)
class FileRun:
    folder: Folder
    path: Path
    ours: Reply
    library: Reply

    @property
    def ours_yields(self) -> bool:
        got = self.ours.result if self.ours.outcome == "ok" else None
        return bool(got and got["events"] + (got["posts"] if self.folder.posts_count else 0))

    @property
    def library_yields(self) -> bool:
        return self.library.outcome == "ok" and bool((self.library.result or {})["usable"])

    @property
    def lost(self) -> bool:
        return self.library_yields and not self.ours_yields

    @property
    def failed(self) -> bool:
        """Ours raised, hung, ran out of memory or crashed, or needed its catch-all."""
        return self.ours.outcome != "ok" or bool((self.ours.result or {}).get("last_resort"))


@dataclass(frozen=True)
class Summary:
    folder: str
    files: int
    ours_yield: int
    library_yield: int
    library_found: int  # files where the library finds anything, usable or not
    library_clean: int
    outcomes: dict[str, int]  # ours: raised, hung, over-memory, crashed
    last_resort: int  # errors made by a parser's catch-all from an exception
    lost: int
    ours_max_ms: float
    ours_max_cpu_ms: float
    ours_max_rss_mb: float
    library_max_ms: float
    library_failed: int


def survey(
    folders: Sequence[str], settings: Settings, root: Path = CORPUS, step: int = 1
) -> list[FileRun]:
    """Run both sides over every step-th file of each folder, in worker processes."""
    files = [(FOLDERS[name], path) for name in folders for path in corpus_files(name, root)[::step]]
    jobs = [Job(f"{folder.name}/{side}", path) for folder, path in files
            for side in ("ours", "library")]  # fmt: skip
    replies = run(jobs, settings)
    return [FileRun(folder, path, replies[2 * i], replies[2 * i + 1])
            for i, (folder, path) in enumerate(files)]  # fmt: skip


def summarise(runs: Sequence[FileRun]) -> Summary:
    ours = [r.ours for r in runs]
    library = [r.library for r in runs]
    library_ok = [reply.result or {} for reply in library if reply.outcome == "ok"]
    return Summary(
        folder=runs[0].folder.name,
        files=len(runs),
        ours_yield=sum(r.ours_yields for r in runs),
        library_yield=sum(r.library_yields for r in runs),
        library_found=sum(bool(got["found"]) for got in library_ok),
        library_clean=sum(bool(got["clean"]) for got in library_ok),
        outcomes={name: sum(reply.outcome == name for reply in ours) for name in _FAILURES},
        last_resort=sum(bool((reply.result or {}).get("last_resort")) for reply in ours),
        lost=sum(r.lost for r in runs),
        ours_max_ms=max(reply.ms for reply in ours),
        ours_max_cpu_ms=max(reply.cpu_ms for reply in ours),
        ours_max_rss_mb=max(reply.rss_mb or 0.0 for reply in ours),
        library_max_ms=max(reply.ms for reply in library),
        library_failed=sum(reply.outcome != "ok" for reply in library),
    )


_FAILURES = ("raised", "hung", "over-memory", "crashed")


def by_folder(runs: Sequence[FileRun]) -> dict[str, list[FileRun]]:
    grouped: dict[str, list[FileRun]] = {}
    for item in runs:
        grouped.setdefault(item.folder.name, []).append(item)
    return grouped


def table(summaries: Sequence[Summary]) -> str:
    rows = [
        "| folder | files | ours yield | library yields | library finds | library clean "
        "| raised | caught by catch-all | hung | over-memory | crashed | lost | ours max ms "
        "| ours max CPU ms | ours max RSS MB | library max ms | library failed |",
        "|---" * 17 + "|",
    ]
    for s in summaries:
        cells = [s.folder, s.files, _share(s.ours_yield, s.files),
                 _share(s.library_yield, s.files), s.library_found, s.library_clean,
                 s.outcomes["raised"], s.last_resort, s.outcomes["hung"],
                 s.outcomes["over-memory"], s.outcomes["crashed"], s.lost,
                 f"{s.ours_max_ms:,.0f}", f"{s.ours_max_cpu_ms:,.0f}", f"{s.ours_max_rss_mb:,.0f}",
                 f"{s.library_max_ms:,.0f}", s.library_failed]  # fmt: skip
        rows.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(rows)


def _share(count: int, files: int) -> str:
    return f"{count} ({count / files:.1%})"


def problems(runs: Sequence[FileRun]) -> list[str]:
    """One line per file where ours failed, needed its catch-all, or lost the library's."""
    lines = []
    for r in runs:
        if r.failed or r.lost:
            why = r.ours.detail or (r.ours.result or {}).get("error") or "no events"
            lines.append(f"{r.folder.name}/{r.path.name}: {r.ours.outcome}: {why}")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    settings = Settings(seconds=args.seconds, memory_mb=args.memory_mb, workers=args.workers)
    began = time.perf_counter()
    runs = survey(args.folders, settings, args.corpus, step=10 if args.quick else 1)
    elapsed = time.perf_counter() - began
    if not runs:
        print(f"no corpus at {args.corpus}")
        return 1
    print(table([summarise(group) for group in by_folder(runs).values()]))
    print(f"\n{len(runs)} files, {2 * len(runs)} jobs, in {elapsed:.1f} s with "
          f"{settings.workers} workers ({settings.seconds:g} CPU s per job, "
          f"{settings.memory_mb} MiB address space).")  # fmt: skip
    print("\n".join(["Files needing a look:", *problems(runs)] if problems(runs) else []))
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every tenth file only")
    parser.add_argument("--workers", type=int, default=Settings.workers)
    parser.add_argument("--seconds", type=float, default=Settings.seconds,
                        help="CPU seconds a job may take before it counts as hung")  # fmt: skip
    parser.add_argument("--memory-mb", type=int, default=Settings.memory_mb)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--folders", nargs="+", default=list(FOLDERS), choices=list(FOLDERS))
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
