"""Rendered pieces kept from one publish to the next, so a refresh that changes a few
events renders only those.

The cached publisher (feeds.cached) renders each event once per publish, but a feed that
holds one changed event is rewritten whole, and an event is in about ten feeds: when 5%
of the sources change, nearly every feed is rewritten, and rendering every event again
was most of the cost. Here each piece (an event's VEVENT, its RSS item, a change's item,
an event's page item) is kept under the digest of the record it renders (feeds.cached's
`digest`, a hash of everything a render reads), so an unchanged record is never
rendered twice. A piece that read the clock is stored with that clock and brought up to
date when it is used (the VEVENT's DTSTAMP: see feeds.cached).

The pieces live in an SQLite file beside the database (`<db>.render-cache`), not in
public/: it is a cache, rebuilt from nothing by any publish. SQLite rather than one
serialised file, so a publish reads one kind of piece at a time and writes back only
what changed, row by row, instead of holding every piece and one serialised copy of them
all at once (a refresh of 10,000 sources has about a gigabyte of pieces). Pieces are text
or JSON (reading one runs no code), and the file names the version of
the code that rendered them and the base URL: a piece rendered by other code or for
another site is never used. A file that is not a readable store is replaced. Only the
pieces of records the publish saw are kept, so the file holds what is published now.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

# Bumped when the file's layout changes; the code version covers the renderers.
_FORMAT = "convene-render-store 1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS about (format TEXT NOT NULL, version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pieces (
    kind TEXT NOT NULL, key BLOB NOT NULL, piece TEXT NOT NULL, PRIMARY KEY (kind, key)
);
"""

Piece = tuple[object, ...] | str


class RenderStore:
    """Pieces by (kind, digest): "vevent", "item", "change" or "page<heading>".

    A kind's pieces are read in one scan when it is first asked for (a scan of 20,000
    rows takes a fraction of a second; a query per piece took seconds), and let go with
    `flush` once the publish is done with them, as the publisher lets go of its texts."""

    def __init__(self, path: Path | None, version: str) -> None:
        self.path = path
        self.version = version
        self._con = _open(path, version) if path else None
        self._loaded: dict[str, dict[bytes, Piece]] = {}
        self._new: dict[str, dict[bytes, Piece]] = {}
        self.hits: Counter[str] = Counter()  # by kind, for reports and tests
        self.misses: Counter[str] = Counter()

    def get(self, kind: str, key: bytes) -> Piece | None:
        found = self._new.get(kind, {}).get(key)
        if found is None:
            found = self._kind(kind).get(key)
        (self.misses if found is None else self.hits)[kind] += 1
        return found

    def _kind(self, kind: str) -> dict[bytes, Piece]:
        loaded = self._loaded.get(kind)
        if loaded is None:
            loaded = self._loaded[kind] = {}
            if self._con is not None:
                rows = self._con.execute("SELECT key, piece FROM pieces WHERE kind = ?", (kind,))
                for key, text in rows:
                    piece = _decoded(kind, text)
                    if piece is not None:
                        loaded[key] = piece
        return loaded

    def count(self, kind: str) -> int:
        """How many pieces of `kind` the file holds."""
        if self._con is None:
            return 0
        row = self._con.execute("SELECT count(*) FROM pieces WHERE kind = ?", (kind,)).fetchone()
        return int(row[0])

    def put(self, kind: str, key: bytes, piece: Piece) -> None:
        self._new.setdefault(kind, {})[key] = piece

    def flush(self, kinds: Iterable[str], seen: Iterable[bytes]) -> bool:
        """Keep the pieces of `kinds` whose records are in `seen` (every digest the
        publish made), those made now and those kept from before, drop the rest, and
        let go of them in memory. False when the file did not change."""
        kinds = sorted(set(kinds))
        con, new = self._con, [self._new.pop(kind, {}) for kind in kinds]
        for kind in kinds:
            self._loaded.pop(kind, None)
        if con is None:
            return False
        keep = set(seen)
        rows = [
            (kind, key, _encoded(kind, piece))
            for kind, pieces in zip(kinds, new, strict=True)
            for key, piece in pieces.items()
            if key in keep
        ]
        marks = ", ".join("?" * len(kinds))
        with con:
            con.execute("CREATE TEMP TABLE IF NOT EXISTS seen (key BLOB PRIMARY KEY)")
            con.execute("DELETE FROM temp.seen")
            con.executemany("INSERT INTO temp.seen VALUES (?)", ((k,) for k in keep))
            gone = con.execute(
                f"DELETE FROM pieces WHERE kind IN ({marks})"
                " AND key NOT IN (SELECT key FROM temp.seen)",
                kinds,
            ).rowcount
            con.executemany("INSERT OR REPLACE INTO pieces VALUES (?, ?, ?)", rows)
        return bool(rows) or gone > 0

    def save(self, seen: Iterable[bytes]) -> bool:
        """flush every kind: the publish is over."""
        kinds = set(self._new) | set(self._loaded)
        if self._con is not None:
            kinds |= {k for (k,) in self._con.execute("SELECT DISTINCT kind FROM pieces")}
        return self.flush(kinds, seen)

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


# Items are text as they are; the other kinds are lists of texts and numbers, as JSON.
_TEXT_KINDS = ("item", "change")


def _encoded(kind: str, piece: Piece) -> str:
    return piece if kind in _TEXT_KINDS and isinstance(piece, str) else json.dumps(piece)


def _decoded(kind: str, text: object) -> Piece | None:
    """A stored piece: a string, or a list made a tuple (lists inside stay lists)."""
    if not isinstance(text, str):
        return None
    if kind in _TEXT_KINDS:  # a damaged row is a miss; so is any text but an item
        return text if text.startswith("<item>") and text.endswith("</item>") else None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, str):
        return value
    return tuple(value) if isinstance(value, list) else None


def _open(path: Path, version: str) -> sqlite3.Connection:
    """The store at `path` for `version`: emptied when another version wrote it, made
    afresh when the file is not a store at all."""
    try:
        return _checked(sqlite3.connect(path), version)
    except sqlite3.DatabaseError:
        path.unlink(missing_ok=True)
        return _checked(sqlite3.connect(path), version)


def _checked(con: sqlite3.Connection, version: str) -> sqlite3.Connection:
    try:
        with con:
            if _about(con) != (_FORMAT, version):
                con.executescript("DROP TABLE IF EXISTS about; DROP TABLE IF EXISTS pieces;")
                con.executescript(_SCHEMA)
                con.execute("INSERT INTO about VALUES (?, ?)", (_FORMAT, version))
    except sqlite3.DatabaseError:
        con.close()
        raise
    return con


def _about(con: sqlite3.Connection) -> tuple[str, str] | None:
    """The store's format and version, or None unless both tables have our columns."""
    columns = {
        table: [row[1] for row in con.execute(f"PRAGMA table_info({table})")]
        for table in ("about", "pieces")
    }
    if columns != {"about": ["format", "version"], "pieces": ["kind", "key", "piece"]}:
        return None
    rows = con.execute("SELECT format, version FROM about").fetchall()
    return (str(rows[0][0]), str(rows[0][1])) if len(rows) == 1 else None


def store_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".render-cache")
