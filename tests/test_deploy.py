"""`convene deploy`: the refresh flow served as a Prefect deployment, in its own process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pytest
from conftest import SAMPLES

T = TypeVar("T")
CONVENE = str(Path(sys.executable).parent / "convene")


def _wait_for(what: str, check: Callable[[], T | None], timeout: float) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no {what} within {timeout:g} s")


def _deployment(name: str) -> Any:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            return client.read_deployment_by_name(f"refresh/{name}")
        except ObjectNotFound:
            return None


def _run_now(name: str) -> Any:
    from prefect.deployments import run_deployment

    return run_deployment(f"refresh/{name}", timeout=0)


def _finished(run_id: Any) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
    return run if run.state and run.state.is_final() else None


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_api")
def test_deploy_serves_runs_one_at_a_time_and_stops_on_sigterm(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    name = f"test-{uuid.uuid4().hex[:8]}"
    db, public = tmp_path / "c.duckdb", tmp_path / "public"
    env = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "COLUMNS": "200",
    }
    command = [CONVENE, "deploy", "--sources", str(SAMPLES / "sample-sources.toml")]
    command += ["--db", str(db), "--public", str(public), "--name", name, "--cron", "0 3 * * *"]
    log = tmp_path / "deploy.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deployment = _wait_for("deployment", lambda: _deployment(name), timeout=120)
        assert [s.schedule.cron for s in deployment.schedules] == ["0 3 * * *"]  # type: ignore[union-attr]
        assert not deployment.paused and deployment.entrypoint == "flows.refresh.refresh"
        assert deployment.global_concurrency_limit.limit == 1
        assert deployment.parameters["db"] == str(db)

        # Two manual runs at once: never both running, and the samples get published.
        runs = [_run_now(name), _run_now(name)]
        done = [_wait_for("finished run", lambda r=r: _finished(r.id), 300) for r in runs]
        states = sorted(run.state.type.value for run in done)
        assert states in (["COMPLETED", "COMPLETED"], ["CANCELLED", "COMPLETED"]), states
        ran = sorted((r.start_time, r.end_time) for r in done if r.state.is_completed())
        assert all(end <= start for (_, end), (start, _) in pairwise(ran))
        assert all(r.state.message is None for r in done if r.state.is_completed())
        assert (public / "index.html").exists()
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT count(*) FROM events").fetchone() > (0,)  # type: ignore[operator]
        con.close()
    finally:
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    text = log.read_text()
    assert code == 0, text
    assert time.monotonic() - started < 30
    assert "Traceback" not in text and f"prefect deployment run 'refresh/{name}'" in text
    assert _deployment(name).paused  # a stopped server pauses its schedule


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--cron", "every hour"], {}, '"every hour" is not a cron schedule'),
        ([], {"PREFECT_API_URL": ""}, "needs a running Prefect server"),
        ([], {"PREFECT_API_URL": "http://127.0.0.1:9/api"}, "no Prefect server answers"),
    ],
)
def test_deploy_refuses_what_could_not_work(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    environment = {**os.environ, "PREFECT_HOME": str(tmp_path), "COLUMNS": "200", **env}
    command = [CONVENE, "deploy", "--sources", str(SAMPLES / "sample-sources.toml"), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert "prefect server start" in done.stderr or "cron" in expected
