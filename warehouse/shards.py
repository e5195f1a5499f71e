"""A shard of a refresh on disk: what fetching and parsing some sources found, as Parquet.

`convene fetch --shard i/n --out DIR` fetches and parses shard i of n and writes DIR:

- results.parquet: one row per source, everything `save_refresh` reads: status, error,
  content digest, warnings, the fetch outcome (timings, attempts, validators, redirects)
  and the source as configured;
- events.parquet, posts.parquet: one row per event or post, `result` naming its source;
- manifest.json: which shard of how many, its clock and the sources file's digest. It is
  written last, so a folder without one is an unfinished shard.

A source belongs to shard 1 + (first 8 bytes of sha256(key) mod n), its key being the host
of its URL as the fetch layer's per-host limits count it (a local file's key is the source
id). Every source on one host lands in one shard, so per-host politeness holds across
machines, and a source keeps its shard while others are added or removed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from scrapers.fetch_types import Remembered, Validators
from scrapers.model import Source
from scrapers.pipeline import SourceResult
from warehouse.cache import REPARSE_AFTER, recall, recall_robots
from warehouse.shard_rows import (
    SCHEMAS,
    TABLES,
    TS,
    column_rows,
    from_columns,
    result_rows,
    table_columns,
)
from warehouse.store import connect

FORMAT = 1
MANIFEST = "manifest.json"
KNOWN_SCHEMA = pa.schema(
    [("url", pa.string()), ("etag", pa.string()), ("last_modified", pa.string()),
     ("content_digest", pa.string()), ("parsed_at", TS)]
)  # fmt: skip


class ShardError(ValueError):
    """A shard that cannot be used: missing, unfinished, or from another set."""


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        left, sep, right = text.partition("/")
        ok = sep and left.strip().isdigit() and right.strip().isdigit()
        if not ok or not 1 <= int(left) <= int(right):
            raise ShardError(f'"{text}" is not a shard: write i/n with 1 <= i <= n, e.g. 2/3')
        return cls(int(left), int(right))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, source: Source) -> bool:
        return shard_of(source, self.count) == self.index


def shard_key(source: Source) -> str:
    parts = urlsplit(source.url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return parts.netloc.lower()
    return source.id


def shard_of(source: Source, count: int) -> int:
    digest = hashlib.sha256(shard_key(source).encode()).digest()
    return 1 + int.from_bytes(digest[:8], "big") % count


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Manifest:
    shard: Shard
    started_at: datetime
    finished_at: datetime
    sources_digest: str  # sha256 of the sources file the shard was fetched with
    source_ids: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "shard": str(self.shard),
                "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat(),
                "sources_digest": self.sources_digest,
                "source_ids": list(self.source_ids),
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ShardError(f"shard format {data.get('format')!r}; this Convene reads {FORMAT}")
        return cls(
            Shard.parse(data["shard"]),
            datetime.fromisoformat(data["started_at"]),
            datetime.fromisoformat(data["finished_at"]),
            data["sources_digest"],
            tuple(data["source_ids"]),
        )


def write_shard(
    folder: Path, manifest: Manifest, results: Sequence[SourceResult], bodies: bool = False
) -> None:
    """Write one shard; fetched bodies are left out unless `bodies` (the merge needs none)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)
    tables = zip(TABLES, result_rows(results, bodies), SCHEMAS, strict=True)
    for name, rows, schema in tables:
        table = pa.Table.from_pylist(rows, schema=schema)
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
    (folder / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")


def read_shard(folder: Path) -> tuple[Manifest, list[SourceResult]]:
    try:
        manifest = Manifest.from_json((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ShardError(f"{folder} has no {MANIFEST}: not a shard, or unfinished") from None
    try:
        rows, events, posts = (
            table_columns(pq.read_table(folder / f"{n}.parquet")) for n in TABLES
        )
        results = from_columns(column_rows(rows), events, posts)
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        raise ShardError(f"{folder}: cannot read the shard: {exc}") from None
    if tuple(r.source.id for r in results) != manifest.source_ids:
        raise ShardError(f"{folder}: results.parquet does not list the sources of {MANIFEST}")
    return manifest, results


def find_shards(paths: Iterable[Path]) -> list[Path]:
    """Shard folders: each path itself, or (with no manifest) the shards just inside it."""
    found: list[Path] = []
    for path in paths:
        inside = sorted(p.parent for p in path.glob(f"*/{MANIFEST}"))
        found += [path] if (path / MANIFEST).exists() or not inside else inside
    return found


def check_complete(manifests: Sequence[Manifest], sources_digest: str) -> None:
    """One set of shards, all there, fetched with the sources file the merge reads."""
    counts = {m.shard.count for m in manifests}
    if len(counts) != 1:
        raise ShardError(f"shards of different sets: n = {sorted(counts)}")
    count = counts.pop()
    have = sorted(m.shard.index for m in manifests)
    if have != list(range(1, count + 1)):
        missing = sorted(set(range(1, count + 1)) - set(have)) or "none"
        doubled = sorted({i for i in have if have.count(i) > 1}) or "none"
        raise ShardError(f"need shards 1..{count} once each: missing {missing}, twice {doubled}")
    if any(m.sources_digest != sources_digest for m in manifests):
        raise ShardError("shards were fetched with a different sources file than this one")


def write_known(con: duckdb.DuckDBPyConnection, path: Path, now: datetime) -> int:
    """What the database remembers of each URL (validators, digest), for fetch workers on
    machines without the database: `convene fetch --known` reads it. Returns the URLs."""
    keep = recall(con, now, reparse_after=timedelta(days=36500))  # all but held sources
    parsed_at = dict(con.execute("SELECT url, parsed_at FROM http_cache").fetchall())
    rows = [
        {"url": url, "etag": k.validators.etag, "last_modified": k.validators.last_modified,
         "content_digest": k.digest, "parsed_at": parsed_at[url]}
        for url, k in keep.items()
    ]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    pq.write_table(pa.Table.from_pylist(rows, schema=KNOWN_SCHEMA), partial)
    os.replace(partial, path)  # workers reading the old file never see half of the new one
    return len(rows)


def read_known(
    path: Path, now: datetime, reparse_after: timedelta = REPARSE_AFTER
) -> dict[str, Remembered]:
    """What `recall` would answer at `now` from the database the snapshot was taken of."""
    since = now - reparse_after
    return {
        row["url"]: Remembered(Validators(row["etag"], row["last_modified"]), row["content_digest"])
        for row in pq.read_table(path, schema=KNOWN_SCHEMA).to_pylist()
        if row["parsed_at"] is not None and row["parsed_at"] >= since
    }


def remembered(path: Path | None, now: datetime) -> dict[str, Remembered]:
    """Validators and digests from a database (*.duckdb) or a `write_known` snapshot."""
    if path is None or not path.exists():
        return {}
    if path.suffix != ".duckdb":
        return read_known(path, now)
    con = connect(path, read_only=True)
    try:
        return recall(con, now) | recall_robots(con)  # the Parquet snapshot has no robots.txt
    finally:
        con.close()
