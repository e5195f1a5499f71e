"""`convene serve` as an attacker meets it: only files inside the published folder, no
folder listings, 127.0.0.1 unless told, and a refresh only for the right token.

Requests go out through a raw socket, so paths reach the server exactly as written
(HTTP clients normalise `../` away before sending). The server runs in a thread for the
file and token checks, and as the real command in a process for the bind address and
for a refresh that really runs and publishes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES
from httpserver import in_thread
from test_lock import held_elsewhere
from typer.testing import CliRunner

from feeds.serve_http import ServeConfig, Started, make_server
from flows.cli import app
from flows.serve import TOKEN_ENV, SubprocessRefresher

SECRET = "TOPSECRET-outside-the-folder"
TOKEN = "s3cret-token-for-the-tests-0123456789"

# Every way out of the folder tried here; each must be refused (400 or 404).
TRAVERSALS = [
    "/../secret.txt",
    "/../../../../../../../../etc/passwd",
    "/sub/../../secret.txt",
    "/./../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/.%2e/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/..%2fsecret.txt",
    "/..%2Fsecret.txt",
    "/sub/..%2f..%2fsecret.txt",
    "/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/%252e%252e/secret.txt",  # encoded twice: decoded once, it is a name, not ..
    "/%c0%ae%c0%ae/secret.txt",  # overlong UTF-8 for ..
    "/..\\secret.txt",
    "/..%5csecret.txt",
    "/%5c..%5csecret.txt",
    "//etc/passwd",
    "///etc/passwd",
    "/etc/passwd",
    "etc/passwd",
    "http://127.0.0.1/../secret.txt",
    "file:///etc/passwd",
    "/{outside}",  # the secret's absolute path, after the leading /
    "/leak.txt",  # a symlink inside the folder to the secret outside it
    "/out/secret.txt",  # a symlinked folder pointing outside
    "/out/",
    "/all.ics%00.html",
    "/all.ics\x00.html",
    "/%0d%0aSet-Cookie:%20x=1",
]


@dataclass
class Recorder:
    """Stands in for `convene refresh` in the thread-server tests: counts starts."""

    starts: int = 0
    running: bool = False
    log: list[str] = field(default_factory=list)

    def start(self) -> Started:
        if self.running:
            return Started(False, "a refresh is already running")
        self.starts += 1
        self.running = True
        return Started(True, "refresh started")

    def status(self) -> dict[str, object]:
        return {"running": self.running, "last": None}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def raw(
    port: int, target: str, method: str = "GET", headers: dict[str, str] | None = None
) -> Answer:
    """One request with the target sent byte for byte as given."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        found[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), found, body)


@pytest.fixture
def public(tmp_path: Path) -> Path:
    folder = tmp_path / "public"
    for name, text in {
        "index.html": "<!doctype html><title>Convene</title><p>the index",
        "all.ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "all.xml": '<?xml version="1.0"?><rss version="2.0"></rss>',
        "feed-all.html": "<!doctype html><title>All</title>",
        "data/upcoming_events.parquet": "PAR1",
        "data/events.json": "[]",
        "assets/convene.css": "body{}",
        "assets/convene.js": "void 0;",
        "assets/icon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "sub/listed-name-never-shown.ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "withindex/index.html": "the inner index",
        ".convene-feeds.json": "{}",
    }.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "out").symlink_to(tmp_path, target_is_directory=True)
    return folder


@contextmanager
def serving(config: ServeConfig) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, config)
    with in_thread(server) as port:
        yield port


@pytest.fixture
def port(public: Path) -> Iterator[int]:
    with serving(ServeConfig(public.resolve())) as bound:
        yield bound


def test_no_way_out_of_the_folder(public: Path, port: int) -> None:
    outside = str(public.parent / "secret.txt").lstrip("/")
    assert len(TRAVERSALS) == 30
    for target in TRAVERSALS:
        answer = raw(port, target.format(outside=outside))
        assert answer.status in (400, 404), (target, answer)
        assert SECRET.encode() not in answer.body and b"root:" not in answer.body, target
        assert "set-cookie" not in answer.headers, target
    # The symlinked folder is refused as a whole, not only what it leads to.
    assert raw(port, "/out/").status == 404
    # The same names inside the folder are served: refusals are about the path, not luck.
    assert raw(port, "/all.ics").status == 200


def test_folders_are_never_listed(port: int) -> None:
    listing = raw(port, "/sub/")
    assert listing.status == 404
    assert b"listed-name-never-shown" not in listing.body
    assert raw(port, "/sub/listed-name-never-shown.ics").status == 200
    inner = raw(port, "/withindex/")
    assert (inner.status, inner.body) == (200, b"the inner index")
    assert raw(port, "/").body.endswith(b"the index")
    # Without its slash a folder redirects to itself, never to another host (//x).
    for target in ("/withindex", "//withindex", "/%2Fwithindex"):
        moved = raw(port, target)
        assert (moved.status, moved.headers["location"]) == (301, "/withindex/"), target
    assert raw(port, "/.convene-feeds.json").status == 404  # hidden files stay hidden


def test_content_types_and_headers(port: int) -> None:
    expected = {
        "/all.ics": "text/calendar; charset=utf-8",
        "/all.xml": "application/rss+xml; charset=utf-8",
        "/index.html": "text/html; charset=utf-8",
        "/feed-all.html": "text/html; charset=utf-8",
        "/data/events.json": "application/json",
        "/data/upcoming_events.parquet": "application/vnd.apache.parquet",
        "/assets/convene.css": "text/css; charset=utf-8",
        "/assets/convene.js": "text/javascript; charset=utf-8",
        "/assets/icon.svg": "image/svg+xml",
    }
    for target, content_type in expected.items():
        answer = raw(port, target)
        assert answer.status == 200, target
        assert answer.headers["content-type"] == content_type, target
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert ("content-security-policy" in answer.headers) is target.endswith(".html")
        assert answer.headers["server"] == "convene"  # no Python version on show


def test_calendar_apps_polling_get_304_until_the_feed_changes(public: Path, port: int) -> None:
    first = raw(port, "/all.ics")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"] == "no-cache"
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        again = raw(port, "/all.ics", headers=headers)
        assert (again.status, again.body) == (304, b""), headers
        assert again.headers["etag"] == etag
    older = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert raw(port, "/all.ics", headers={"If-Modified-Since": older}).status == 200
    assert raw(port, "/all.ics", headers={"If-None-Match": '"other"'}).status == 200
    head = raw(port, "/all.ics", method="HEAD")
    assert (head.status, head.body) == (200, b"")
    assert head.headers["content-length"] == str(len(first.body))
    (public / "all.ics").write_text("BEGIN:VCALENDAR\r\nX-NEW:1\r\nEND:VCALENDAR\r\n")
    os.utime(public / "all.ics", (time.time() + 5, time.time() + 5))
    changed = raw(port, "/all.ics", headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert changed.status == 200 and b"X-NEW" in changed.body


def test_a_client_that_hangs_up_mid_file_is_one_plain_log_line(
    public: Path, port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    (public / "big.ics").write_bytes(b"X" * (32 * 1024 * 1024))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.sendall(b"GET /big.ics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
    time.sleep(0.5)
    assert raw(port, "/all.ics").status == 200  # still serving
    log = capsys.readouterr().err
    assert "Traceback" not in log and '"GET /big.ics HTTP/1.1" 200' in log


def test_only_get_and_head_for_files(public: Path, port: int) -> None:
    for method in ("PUT", "DELETE", "POST", "PATCH", "OPTIONS"):
        answer = raw(port, "/all.ics", method=method)
        assert answer.status == 405 and answer.headers["allow"] == "GET, HEAD", method
    assert (public / "all.ics").read_bytes() == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def test_refresh_is_off_without_a_token(public: Path) -> None:
    recorder = Recorder()
    with serving(ServeConfig(public.resolve(), None, recorder)) as bound:
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert raw(bound, "/refresh", "POST", bearer).status == 403
        assert raw(bound, "/refresh/status", headers=bearer).status == 403
    assert recorder.starts == 0


def test_refresh_needs_the_right_token(public: Path) -> None:
    recorder = Recorder()
    wrong = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": TOKEN},  # no scheme
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},  # a prefix
        {"Authorization": f"Bearer {TOKEN}x"},  # one more character
        {"Authorization": f"Bearer {TOKEN[:-1]}X"},  # the last character wrong
        {"Authorization": f"Bearer {TOKEN.upper()}"},
        {"Authorization": "Bearer " + "a" * 10_000},
    ]
    with serving(ServeConfig(public.resolve(), TOKEN, recorder)) as bound:
        for headers in wrong:
            refused = raw(bound, "/refresh", "POST", headers)
            assert refused.status == 401, headers
            assert refused.headers["www-authenticate"] == "Bearer"
            assert raw(bound, "/refresh/status", headers=headers).status == 401
        assert recorder.starts == 0
        right = {"Authorization": f"Bearer {TOKEN}"}
        assert raw(bound, "/refresh", "POST", right).status == 202
        assert recorder.starts == 1
        busy = raw(bound, "/refresh", "POST", {"Authorization": f"bearer  {TOKEN}"})
        assert (busy.status, busy.body) == (409, b"a refresh is already running\n")
        assert json.loads(raw(bound, "/refresh/status", headers=right).body)["running"]
        assert raw(bound, "/refresh", headers=right).status == 405  # GET starts nothing
    assert recorder.starts == 1


def test_a_refresh_another_process_holds_is_answered_at_once(tmp_path: Path) -> None:
    db = tmp_path / "convene.duckdb"
    marker = tmp_path / "ran"
    refresher = SubprocessRefresher([sys.executable, "-c", f"open({str(marker)!r}, 'w')"], db)
    with held_elsewhere(db) as holder:
        busy = refresher.start()
    assert not busy.started and f"another refresh is running (pid {holder.pid})" in busy.message
    assert not marker.exists() and refresher.status() == {"running": False, "last": None}
    assert refresher.start().started
    deadline = time.monotonic() + 30
    while refresher.status()["running"] and time.monotonic() < deadline:
        time.sleep(0.05)
    last = refresher.status()["last"]
    assert isinstance(last, dict) and last["exit_status"] == 0 and marker.exists()


def _cli(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200", **(env or {})})
    return result.exit_code, result.output


def test_bad_tokens_and_folders_are_refused_before_listening(tmp_path: Path) -> None:
    short = tmp_path / "short"
    short.write_text("tooshort\n")
    code, text = _cli(["serve", "--public", str(tmp_path), "--token-file", str(short)])
    assert code == 2 and "at least 16 characters" in text and "secrets.token_urlsafe" in text
    code, text = _cli(
        ["serve", "--public", str(tmp_path)], {TOKEN_ENV: "has spaces in it, sixteen+"}
    )
    assert code == 2 and "at least 16 characters" in text
    good = tmp_path / "good"
    good.write_text(TOKEN + "\n")
    code, text = _cli(["serve", "--token-file", str(good)], {TOKEN_ENV: TOKEN})
    assert code == 2 and "not both" in text
    code, text = _cli(["serve", "--token-file", str(tmp_path / "missing")])
    assert code == 2 and "cannot read the token file" in text
    code, text = _cli(["serve", "--public", str(tmp_path / "none")], {TOKEN_ENV: ""})
    assert code == 2 and "at least 16" in text
    code, text = _cli(["serve", "--public", str(tmp_path / "none")])
    assert code == 2 and "no folder" in text and "Traceback" not in text


@dataclass(frozen=True)
class Running:
    port: int
    child: subprocess.Popen[bytes]
    out: Path  # what the command printed (stdout), and its request log (stderr)
    log: Path


@contextmanager
def convene_serve(folder: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Running]:
    """The real command in its own process, its output in files (a refresh it starts
    writes there too, and a full pipe would stall it); yields the port it listens on."""
    command = [str(Path(sys.executable).parent / "convene"), "serve", "--port", "0", *args]
    clean = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    out, log = folder / "serve.out", folder / "serve.log"
    with out.open("wb") as stdout, log.open("wb") as stderr:
        child = subprocess.Popen(
            command, stdout=stdout, stderr=stderr, env={**clean, **(env or {})}, cwd=REPO
        )
    try:
        deadline = time.monotonic() + 120
        while not (found := re.search(r"at http://127\.0\.0\.1:(\d+)/", out.read_text())):
            assert child.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield Running(int(found.group(1)), child, out, log)
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)


def _listening(port: int) -> list[str]:
    """Local addresses of the sockets listening on `port`, from the kernel's tables."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.append(address)
    return found


def test_the_command_listens_on_127_0_0_1_only_and_stops_cleanly(public: Path) -> None:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux's /proc/net/tcp to see the bound address")
    with convene_serve(public.parent, "--public", str(public)) as running:
        # 0100007F is 127.0.0.1 as the kernel writes it; nothing on any other address.
        assert _listening(running.port) == ["0100007F"]
        assert raw(running.port, "/all.ics").status == 200
        assert raw(running.port, "/../secret.txt").status == 400
    assert running.child.returncode == 0
    assert "Stopped." in running.out.read_text()
    log = running.log.read_text()
    assert '"GET /all.ics HTTP/1.1" 200' in log
    assert '"GET /../secret.txt HTTP/1.1" 400 (the path climbs out with . or ..)' in log


def _wait_for_refresh(port: int, token: str, seconds: float = 300) -> dict[str, object]:
    auth = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = json.loads(raw(port, "/refresh/status", headers=auth).body)
        if not status["running"]:
            return dict(status)
        time.sleep(0.5)
    raise AssertionError("the refresh did not finish")


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_api")
def test_the_right_token_runs_a_refresh_that_publishes(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    public, db = tmp_path / "public", tmp_path / "c.duckdb"
    sources = SAMPLES / "sample-sources.toml"
    env = {TOKEN_ENV: TOKEN, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    options = ("--public", str(public), "--db", str(db), "--sources", str(sources))
    with convene_serve(tmp_path, *options, env=env) as running:
        bound = running.port
        assert raw(bound, "/all.ics").status == 404  # nothing published yet
        wrong = {"Authorization": f"Bearer {TOKEN[:-1]}x"}
        assert raw(bound, "/refresh", "POST", wrong).status == 401
        right = {"Authorization": f"Bearer {TOKEN}"}
        started = raw(bound, "/refresh", "POST", right)
        assert started.status == 202 and b"refresh started (pid " in started.body
        again = raw(bound, "/refresh", "POST", right)
        assert again.status == 409 and b"already running" in again.body
        status = _wait_for_refresh(bound, TOKEN)
        last = status["last"]
        assert isinstance(last, dict) and last["exit_status"] == 0, status
        assert last["result"] == "finished: at least one source worked"
        feed = raw(bound, "/all.ics")
        assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
        assert feed.body.count(b"BEGIN:VEVENT") > 10
        assert b"Upcoming events" in raw(bound, "/").body
