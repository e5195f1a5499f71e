"""Which file of the published folder a request path means, if any, for `convene serve`.

Only regular files inside the folder are served, whatever the path says: it is
percent-decoded once and split into names, and a name that is empty is skipped, while
"." , "..", a backslash, a NUL or any control character refuses the request. Names
starting with a dot are hidden (the publisher's manifests and half-written temporary
files). The file found is resolved with every symlink followed and must still be inside
the folder, so a link pointing out of it serves nothing. A folder is never listed: it
serves its index.html, if it has one.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, unquote

# What calendar apps, feed readers and browsers expect for each file the publisher writes.
CONTENT_TYPES = {
    ".ics": "text/calendar; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",  # every published .xml is an RSS feed
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".parquet": "application/vnd.apache.parquet",
    ".txt": "text/plain; charset=utf-8",
}
DEFAULT_TYPE = "application/octet-stream"
INDEX = "index.html"


@dataclass(frozen=True)
class Found:
    path: Path  # resolved: no symlinks left, inside the folder
    content_type: str


@dataclass(frozen=True)
class MovedToFolder:
    """A folder asked for without its final slash: its page's relative links need one."""

    location: str


@dataclass(frozen=True)
class Refused:
    status: int  # 400 for a path no file can have, 404 for everything else
    reason: str  # plain words, for the log (the client only sees the status)


Located = Found | MovedToFolder | Refused


def locate(root: Path, target: str) -> Located:
    """The file `target` (the request's path, query and all) names inside `root`, which
    must be resolved already."""
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        return Refused(400, "the path does not start with /")
    names = _names(path)
    if isinstance(names, Refused):
        return names
    found = _inside(root, root.joinpath(*names))
    if isinstance(found, Refused) or not found.is_dir():
        return _regular(found)
    if not path.endswith("/"):
        return MovedToFolder("/" + "".join(quote(name) + "/" for name in names))
    index = _inside(root, found / INDEX)
    if isinstance(index, Refused):
        return Refused(404, "a folder without index.html; folders are never listed")
    return _regular(index)


def _names(path: str) -> list[str] | Refused:
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return Refused(400, "the path is not UTF-8")
    if any(ord(c) < 32 or ord(c) == 127 for c in decoded) or "\\" in decoded:
        return Refused(400, "a control character or backslash in the path")
    names = [name for name in decoded.split("/") if name]
    if any(name in (".", "..") for name in names):
        return Refused(400, "the path climbs out with . or ..")
    if any(name.startswith(".") for name in names):
        return Refused(404, "a hidden file")
    return names


def _inside(root: Path, candidate: Path) -> Path | Refused:
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, unreadable, or a symlink loop
        return Refused(404, "no such file")
    if resolved != root and root not in resolved.parents:
        return Refused(404, "a link to something outside the folder")
    return resolved


def _regular(found: Path | Refused) -> Found | Refused:
    if isinstance(found, Refused):
        return found
    try:
        regular = stat.S_ISREG(found.stat().st_mode)
    except OSError:
        regular = False
    if not regular:
        return Refused(404, "not a file")
    return Found(found, CONTENT_TYPES.get(found.suffix.lower(), DEFAULT_TYPE))


def validators(size: int, mtime_ns: int) -> tuple[str, str]:
    """The ETag and Last-Modified of a file of that size and modification time. The
    publisher leaves an unchanged feed's bytes and time alone, so both stay put until
    the feed really changes, and a calendar app's poll costs a 304."""
    modified = datetime.fromtimestamp(mtime_ns // 1_000_000_000, UTC)
    return f'"{size:x}-{mtime_ns:x}"', format_datetime(modified, usegmt=True)


def not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, mtime_ns: int
) -> bool:
    """True when the client's copy is current (RFC 9110 13.1: If-None-Match, when sent,
    decides alone)."""
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return mtime_ns // 1_000_000_000 <= int(since.timestamp())
