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

The file sits beside the database (`<db>.render-cache`), not in public/: it is a cache,
rebuilt from nothing by any publish. It is written with `marshal` (plain strings and
tuples only, so loading it can run no code) and carries the version of the code that
rendered it and the base URL: a piece rendered by other code or for another site is never
used. An unreadable file is ignored and replaced. Only the pieces of records the publish
saw are written back, so the file holds what is published now and no more.
"""

from __future__ import annotations

import marshal
from collections import Counter
from pathlib import Path

from feeds.write import write_atomic

# Bumped when the file's layout changes; the code version covers the renderers.
_FORMAT = 1

Piece = tuple[object, ...] | str


class RenderStore:
    """Pieces by (kind, digest): "vevent", "item", "change" or "page<heading>"."""

    def __init__(self, path: Path | None, version: str) -> None:
        self.path = path
        self.version = version
        self._old: dict[str, dict[bytes, Piece]] = _load(path, version) if path else {}
        self._new: dict[str, dict[bytes, Piece]] = {}
        self.hits: Counter[str] = Counter()  # by kind, for reports and tests
        self.misses: Counter[str] = Counter()

    def get(self, kind: str, key: bytes) -> Piece | None:
        found = self._new.get(kind, {}).get(key)
        if found is None:
            found = self._old.get(kind, {}).get(key)
        (self.misses if found is None else self.hits)[kind] += 1
        return found

    def count(self, kind: str) -> int:
        """How many pieces of `kind` the store holds (kept and new)."""
        return len(self._old.get(kind, {}).keys() | self._new.get(kind, {}).keys())

    def put(self, kind: str, key: bytes, piece: Piece) -> None:
        self._new.setdefault(kind, {})[key] = piece

    def save(self, seen: set[bytes]) -> bool:
        """Write the pieces of the records in `seen` (every digest the publish made):
        those rendered now and those kept from before. False when nothing would change."""
        if self.path is None:
            return False
        kept: dict[str, dict[bytes, Piece]] = {}
        dropped = False
        for kind in self._old.keys() | self._new.keys():
            pieces = {k: v for k, v in self._old.get(kind, {}).items() if k in seen}
            dropped = dropped or len(pieces) < len(self._old.get(kind, {}))
            pieces.update((k, v) for k, v in self._new.get(kind, {}).items() if k in seen)
            kept[kind] = pieces
        if not dropped and not any(self._new.values()) and self.path.exists():
            return False
        data = marshal.dumps((_FORMAT, self.version, kept))
        write_atomic(self.path, data, sync_dir=False)
        self._old, self._new = kept, {}
        return True


def _load(path: Path, version: str) -> dict[str, dict[bytes, Piece]]:
    try:
        loaded = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not (isinstance(loaded, tuple) and len(loaded) == 3):
        return {}
    layout, made_by, pieces = loaded
    if layout != _FORMAT or made_by != version or not isinstance(pieces, dict):
        return {}
    # Each piece's own shape is checked where it is used (feeds.cached, feeds.page_events).
    return {k: v for k, v in pieces.items() if isinstance(k, str) and isinstance(v, dict)}


def store_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".render-cache")
