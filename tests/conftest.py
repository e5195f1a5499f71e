"""Shared test set-up. Tests never touch the internet: name lookups other than
loopback fail here, exactly as they would on an offline machine."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from httpserver import LocalServer, serve

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
    with serve(SAMPLES, slow_seconds=3.0) as server:
        yield server
