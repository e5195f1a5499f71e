"""`convene serve`: the published folder over HTTP, and a refresh for whoever holds the
operator's token.

The server (feeds/serve_http.py) binds 127.0.0.1 unless --host says otherwise, serves
only files inside --public and never lists a folder. POST /refresh is off unless a token
is configured: in the environment variable CONVENE_REFRESH_TOKEN, or in a file named by
--token-file (never in the sources file, which is often committed). There is no default
token. A refresh runs `convene refresh` in a process of its own, with this command's
--sources, --db, --public and --overrides, and never waits for the database: if another
refresh holds it (flows/lock.py), the request is answered 409 at once.

flows/cli.py imports this module to add the command.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from feeds.serve_http import ServeConfig, Server, Started, make_server
from flows import cli
from flows.cli import DbOpt, SourcesOpt, app, fail
from flows.deploy import OverridesOpt, PublicOpt
from flows.lock import lock_taken

TOKEN_ENV = "CONVENE_REFRESH_TOKEN"
MIN_TOKEN = 16
# RFC 6750's token68: what an Authorization header can carry as it is.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9._~+/-]+=*")
MAKE_ONE = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
EXIT_WORDS = {
    0: "finished: at least one source worked",
    1: "finished: no source worked",
    2: "bad input (sources or overrides file)",
    3: "the refresh itself broke (see the server's log)",
    4: "another refresh had the database",
}


class SubprocessRefresher:
    """Runs `convene refresh` as a child process, one at a time, and remembers the last."""

    def __init__(self, command: list[str], db: Path) -> None:
        self._command = command
        self._db = db
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._last: dict[str, object] = {}

    def start(self) -> Started:
        with self._lock:
            child = self._child
            if child is not None and child.poll() is None:
                since = self._last.get("started_at")
                return Started(False, f"a refresh is already running (pid {child.pid}, {since})")
            busy = lock_taken(self._db)
            if busy is not None:
                return Started(False, busy.message)
            try:
                child = subprocess.Popen(self._command, stdin=subprocess.DEVNULL)
            except OSError as exc:
                return Started(False, f"could not start a refresh: {exc}")
            self._child = child
            self._last = {"pid": child.pid, "started_at": _now()}
        threading.Thread(target=self._wait, args=(child,), daemon=True).start()
        return Started(True, f"refresh started (pid {child.pid})")

    def _wait(self, child: subprocess.Popen[bytes]) -> None:
        code = child.wait()
        with self._lock:
            self._last |= {"finished_at": _now(), "exit_status": code}

    def status(self) -> dict[str, object]:
        with self._lock:
            last = dict(self._last)
            running = self._child is not None and self._child.poll() is None
        code = last.get("exit_status")
        if isinstance(code, int):
            last["result"] = EXIT_WORDS.get(code, f"ended with exit status {code}")
        return {"running": running, "last": last or None}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def read_token(token_file: Path | None) -> str | None:
    """The refresh token from --token-file or CONVENE_REFRESH_TOKEN; None when neither
    is given. A short or oddly shaped token is refused, with how to make a good one."""
    from_env = os.environ.get(TOKEN_ENV)
    if token_file is not None and from_env is not None:
        raise fail(f"give the token one way: --token-file or {TOKEN_ENV}, not both")
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"cannot read the token file {token_file}: {exc}") from None
        where = str(token_file)
    elif from_env is not None:
        token, where = from_env.strip(), TOKEN_ENV
    else:
        return None
    if len(token) < MIN_TOKEN or not TOKEN_SHAPE.fullmatch(token):
        raise fail(
            f"the token in {where} must be at least {MIN_TOKEN} characters of letters, "
            f"digits and -._~+/ (make one with: {MAKE_ONE})"
        )
    return token


def refresh_command(
    sources: Path, db: Path, public: Path, overrides: Path, base_url: str | None
) -> list[str]:
    """`convene refresh` with this interpreter, absolute paths, and no wait for the lock."""
    command = [sys.executable, "-c", "from flows.cli import main; main()", "refresh"]
    for option, path in (
        ("--sources", sources),
        ("--db", db),
        ("--public", public),
        ("--overrides", overrides),
    ):
        command += [option, str(path.resolve())]
    command += ["--lock-timeout", "0"]
    return command + (["--base-url", base_url] if base_url else [])


@app.command("serve")
def serve_command(
    public: PublicOpt = Path("public"),
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 or :: opens it to the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")] = 8000,
    token_file: Annotated[
        Path | None,
        typer.Option(help=f"File holding the refresh token (or set {TOKEN_ENV})."),
    ] = None,
    sources: SourcesOpt = Path("sources.toml"),
    db: DbOpt = Path("data/convene.duckdb"),
    overrides: OverridesOpt = Path("overrides.toml"),
    base_url: Annotated[
        str | None, typer.Option(help="Passed to the refreshes this server starts.")
    ] = None,
) -> None:
    """Serve the published feeds and pages (the --public folder) over HTTP.

    Listens on 127.0.0.1 unless --host says otherwise. Serves only files inside the
    folder: no folder listings (a folder serves its index.html), no hidden files, no
    links out of it. With a token (CONVENE_REFRESH_TOKEN or --token-file; at least 16
    characters), `POST /refresh` with `Authorization: Bearer TOKEN` starts `convene
    refresh` with --sources, --db, --public and --overrides (202; 409 while one runs) and
    `GET /refresh/status` says how the last one went. Without a token both are off.
    Logs one line per request on stderr. Ctrl-C or SIGTERM stops it (exit 0).
    """
    token = read_token(token_file)
    if token is not None:
        cli._check_sources(sources)
        public.mkdir(parents=True, exist_ok=True)
    elif not public.is_dir():
        raise fail(f"no folder {public}: run `convene refresh` first, or give --public")
    refresher = None
    if token is not None:
        command = refresh_command(sources, db, public, overrides, base_url)
        refresher = SubprocessRefresher(command, db.resolve())
    config = ServeConfig(public.resolve(), token, refresher)
    try:
        server = make_server(host, port, config)
    except OSError as exc:
        raise fail(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    refresh = "POST /refresh with the token" if token else f"off (no {TOKEN_ENV})"
    print(f"Serving {config.public} at http://{shown}:{bound_port}/", flush=True)
    print(f"Refresh over HTTP: {refresh}. Ctrl-C stops.", flush=True)
    _serve_until_stopped(server)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _serve_until_stopped(server: Server) -> None:
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    finally:
        server.server_close()
