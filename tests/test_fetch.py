"""The fetch module against a real local HTTP server and local files."""

from __future__ import annotations

import asyncio
from pathlib import Path

from httpserver import LocalServer

from scrapers.fetch import Fetched, FetchError, FetchSettings, fetch_all
from scrapers.model import Source

SAMPLE_ICS = "samples/meetup-leeds-service-design.ics"


def _source(sid: str, url: str, *, local: bool = True, base: Path | None = None) -> Source:
    return Source(sid, sid, "Org", url, "ical", local=local, base_dir=base)


def _fetch(sources: list[Source], timeout: float = 2.0) -> dict[str, Fetched | FetchError]:
    # One test server is one host: per-host politeness would serialise these tests.
    settings = FetchSettings(
        timeout=timeout, max_bytes=1024 * 1024, per_host=16, host_delay=0, backoff_base=0.05
    )
    return asyncio.run(fetch_all(sources, settings))


def test_http_ok_error_timeout_loop_and_size(local_server: LocalServer) -> None:
    sources = [
        _source("ok", local_server.url(SAMPLE_ICS)),
        _source("boom", local_server.url("status/500")),
        _source("gone", local_server.url("status/404")),
        _source("slow", local_server.url("slow")),
        _source("loop", local_server.url("loop")),
        _source("big", local_server.url("big")),
    ]
    got = _fetch(sources, timeout=1.0)
    ok = got["ok"]
    assert isinstance(ok, Fetched) and ok.http_status == 200
    assert ok.body.startswith(b"BEGIN:VCALENDAR") or b"BEGIN:VCALENDAR" in ok.body[:600]
    expected = {
        "boom": ("http", 500, "HTTP 500"),
        "gone": ("http", 404, "check the URL"),
        "slow": ("timeout", None, "no complete answer within 1 s"),
        "loop": ("redirect", 302, "redirect loop"),
        "big": ("too-large", 200, "larger than 1 MB"),
    }
    for sid, (kind, status, words) in expected.items():
        error = got[sid]
        assert isinstance(error, FetchError), sid
        assert (error.kind, error.http_status) == (kind, status), sid
        assert words in error.reason, (sid, error.reason)


def test_slow_source_does_not_hold_up_others(local_server: LocalServer) -> None:
    got = _fetch(
        [_source("slow", local_server.url("slow")), _source("ok", local_server.url(SAMPLE_ICS))],
        timeout=3.0,
    )
    ok = got["ok"]
    assert isinstance(ok, Fetched)
    assert ok.seconds < 2.0  # the slow source holds its answer for 6 s


def test_offline_lookup_is_named_as_such() -> None:
    got = _fetch([_source("far", "https://gds.blog.gov.uk/feed/", local=False)])
    error = got["far"]
    assert isinstance(error, FetchError) and error.kind == "dns"
    assert "DNS lookup failed: cannot look up gds.blog.gov.uk" in error.reason


def test_local_files_resolve_against_the_sources_folder(tmp_path: Path) -> None:
    (tmp_path / "cal.ics").write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    got = _fetch(
        [
            _source("file", "cal.ics", base=tmp_path),
            _source("missing", "nope.ics", base=tmp_path),
            _source("sneaky", "cal.ics", local=False, base=tmp_path),
        ]
    )
    assert isinstance(got["file"], Fetched) and got["file"].body.startswith(b"BEGIN")
    missing = got["missing"]
    assert isinstance(missing, FetchError) and missing.kind == "file"
    assert "nope.ics" in missing.reason
    sneaky = got["sneaky"]
    assert isinstance(sneaky, FetchError) and sneaky.kind == "refused"
