"""Shared test set-up. Tests never touch the internet: name lookups other than
loopback fail here, exactly as they would on an offline machine."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpserver import LocalServer, serve
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "examples"
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", None}
_real_getaddrinfo = socket.getaddrinfo


def _offline_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if name not in _LOCAL_HOSTS:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _offline_getaddrinfo)


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[LocalServer]:
    with serve(SAMPLES, slow_seconds=6.0) as server:
        yield server


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """Start Prefect's temporary API once for the whole session: it costs 10-20 s."""
    from prefect.testing.utilities import prefect_test_harness

    import flows  # noqa: F401  (sets Prefect's telemetry switches before import)

    with prefect_test_harness(server_startup_timeout=180):
        yield


def sample_sources_over_http(server: LocalServer, folder: Path, extra: str = "") -> Path:
    """The bundled sample sources, served by the local HTTP server instead of read as files."""
    text = (SAMPLES / "sample-sources.toml").read_text(encoding="utf-8")
    text = text.replace('url = "samples/', f'url = "{server.base_url}/samples/')
    # One local server is one host: per-host politeness would serialise the test.
    extra += "\n[settings]\nper_host_concurrency = 16\nhost_delay_seconds = 0\n"
    path = folder / "sources.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


# Property tests: the same examples on every machine, so CI never goes red on a new draw;
# a local run may widen the search with HYPOTHESIS_PROFILE=explore.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200)
settings.register_profile("explore", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
