"""`convene` commands in processes forked from one that has already imported them.

A fresh `convene refresh` spends seconds importing Python modules (Prefect among them)
before it touches anything; the crash trials start dozens of refreshes, and a kill during
those imports proves nothing. So this module, run as a script, imports the command once
and then forks a child per command it is sent: each child is a whole process of its own
(its own pid, killed alone by SIGKILL) running exactly what `convene ...` runs, from
`flows.cli.main`. The imports start no thread, so forking after them is safe.

Protocol, one JSON object a line: {"run": [args], "log": path} answers {"pid": n};
{"wait": pid} answers {"status": n}: the exit status, or minus the signal that ended it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _child(args: list[str], log: str) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    sys.argv = ["convene", *args]
    code = 3
    try:
        from flows.cli import main

        main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _serve() -> None:
    import flows.cli
    import flows.refresh  # noqa: F401  (Prefect, the flow and its tasks: imported once)

    assert threading.active_count() == 1, "forking would copy a running thread's state"
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        asked: dict[str, Any] = json.loads(line)
        if "run" in asked:
            pid = os.fork()
            if pid == 0:
                _child(asked["run"], asked["log"])
            print(json.dumps({"pid": pid}), flush=True)
        else:
            _, status = os.waitpid(asked["wait"], 0)
            print(json.dumps({"status": os.waitstatus_to_exitcode(status)}), flush=True)


class ForkedCli:
    """The test's side: start the forking process, then run and wait for commands."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        assert self._ask(None) == {"ready": True}

    def _ask(self, message: dict[str, Any] | None) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        if message is not None:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def start(self, args: list[str], log: Path) -> int:
        """Start `convene ARGS` with its output in `log`; returns its pid."""
        return int(self._ask({"run": args, "log": str(log)})["pid"])

    def wait(self, pid: int) -> int:
        return int(self._ask({"wait": pid})["status"])

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


@contextmanager
def prefect_cli() -> Iterator[ForkedCli]:
    """A ForkedCli whose commands use the Prefect API of this process's settings (the
    test harness's, under the prefect_api fixture)."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "COLUMNS": "200"}
    forked = ForkedCli(env)
    try:
        yield forked
    finally:
        forked.close()


if __name__ == "__main__":
    _serve()
