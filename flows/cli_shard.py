"""`convene fetch --shard i/n` and `convene merge`: one refresh split over several machines.

Each worker fetches and parses one shard of the enabled sources and writes it as Parquet
(warehouse/shards.py says what goes in and how sources are assigned). One merge reads
every shard and stores them through the same `save_refresh` as a single refresh, in one
transaction, then publishes with the refresh flow's own `publish_feeds`: the database and
the feeds come out as one `convene refresh` would have left them. docs/architecture.md
describes running this on Prefect work pools.

Importing this module does not import Prefect (every `convene` command imports it);
merging does, and so does asking for `fetch_shard_flow` or `merge_flow`, the two Prefect
flows that deployments run (entrypoints flows.cli_shard.fetch_shard_flow and
flows.cli_shard.merge_flow).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import duckdb
import typer

from flows.cli import DbOpt, SourcesOpt, _check_sources, _db_busy, app, fail, out
from flows.report import print_refresh
from scrapers.config import load_settings
from scrapers.crawl import collect
from scrapers.model import ParseContext
from scrapers.pipeline import SourceResult
from scrapers.registry import PARSERS
from scrapers.sources import SourcesError, load_sources
from warehouse.classify import make_classifier
from warehouse.overrides import OverridesError, load_overrides
from warehouse.shards import (
    Manifest,
    Shard,
    ShardError,
    check_complete,
    file_digest,
    find_shards,
    read_shard,
    remembered,
    write_known,
    write_shard,
)
from warehouse.store import RefreshRun, connect

if TYPE_CHECKING:
    from flows.refresh import RefreshOutcome

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


async def fetch_shard(
    sources_file: Path,
    shard: Shard,
    folder: Path,
    known: Path | None = None,
    timeout: float | None = None,
    clock: Clock = _now,
) -> tuple[Manifest, list[SourceResult]]:
    """Fetch and parse the enabled sources of `shard`, and write them into `folder`."""
    settings = load_settings(sources_file).fetch
    if timeout is not None:
        settings = replace(settings, timeout=timeout)
    sources = load_sources(sources_file, PARSERS.keys())
    mine = [s for s in sources if s.enabled and shard.holds(s)]
    started = clock()
    memory = remembered(known, started)
    results = await collect(mine, PARSERS, ParseContext(now=started), settings, memory)
    ids = tuple(s.id for s in mine)
    manifest = Manifest(shard, started, clock(), file_digest(sources_file), ids)
    write_shard(folder, manifest, results)
    return manifest, results


async def merge_shards(
    paths: Sequence[Path],
    sources_file: Path,
    db: Path,
    public: Path,
    overrides_file: Path,
    base_url: str | None = None,
    known_out: Path | None = None,
    lock_timeout: float = 60.0,
) -> RefreshOutcome:
    """Store every shard as one refresh and publish the feeds, holding the database's
    refresh lock; optionally snapshot what the database remembers for the next round."""
    from flows.lock import refresh_lock
    from flows.refresh import RefreshOutcome, publish_feeds, store_results

    folders = find_shards(paths)
    if not folders:
        raise ShardError("no shard folders given")
    shards = [read_shard(folder) for folder in folders]
    check_complete([m for m, _ in shards], file_digest(sources_file))
    sources = load_sources(sources_file, PARSERS.keys())
    configured = load_settings(sources_file)
    enabled = [s for s in sources if s.enabled]
    found = {r.source.id: r for _, results in shards for r in results}
    if sorted(found) != sorted(s.id for s in enabled):
        raise ShardError("the shards do not hold exactly the enabled sources of the file")
    results = [found[s.id] for s in enabled]  # in the file's order, as a refresh has them
    started = min(m.started_at for m, _ in shards)
    finished = max(m.finished_at for m, _ in shards)
    run = RefreshRun(uuid.uuid4().hex, started, finished, str(sources_file))
    overrides = load_overrides(overrides_file)
    classifier = make_classifier(configured.classifier_model, configured.model_threshold)
    ids = [s.id for s in enabled]
    async with refresh_lock(db, lock_timeout):
        summaries = store_results.fn(db, run, sources, results, overrides, classifier)
        if known_out is not None:
            con = connect(db, read_only=True)
            try:
                write_known(con, known_out, finished)
            finally:
                con.close()
        report = publish_feeds.fn(db, public, ids, finished, base_url, overrides, configured.window)
    return RefreshOutcome(run.run_id, db, public, tuple(summaries), report)


@app.command("fetch")
def fetch_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder this shard is written into.")],
    shard: Annotated[
        str, typer.Option(help="Which shard of how many, i/n with 1 <= i <= n (1/1: all).")
    ] = "1/1",
    sources: SourcesOpt = Path("sources.toml"),
    known: Annotated[
        Path | None,
        typer.Option(
            help="What earlier runs remember (ETag, digests), for 304s: a *.duckdb database"
            " or the Parquet file `convene merge --known-out` writes. Absent: a full fetch."
        ),
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Seconds allowed per source (default: \\[settings] or 30).")
    ] = None,
) -> None:
    """Fetch and parse one shard of the enabled sources into Parquet, for `convene merge`.

    Sources are assigned by a hash of their URL's host (a local file's by its id), so
    every source on one host lands in one shard and per-host politeness still holds.
    Run shards 1/n to n/n, on one machine or many, then merge their folders.
    Exit status: 0 when at least one source of the shard worked (or it has none), 1
    when none did (the shard is written all the same), 2 for bad input.
    """
    try:
        which = Shard.parse(shard)
    except ShardError as exc:
        raise fail(str(exc)) from None
    _check_sources(sources)
    try:
        manifest, results = asyncio.run(fetch_shard(sources, which, out_dir, known, timeout))
    except duckdb.Error as exc:
        raise fail(_db_busy(known or Path("?"), exc)) from None
    statuses = Counter(r.status for r in results)
    events = sum(len(r.parsed.events) for r in results)
    posts = sum(len(r.parsed.posts) for r in results)
    took = (manifest.finished_at - manifest.started_at).total_seconds()
    out.print(
        f"Shard {which}: {len(results)} sources in {took:.1f} s"
        f" ({', '.join(f'{n} {s}' for s, n in sorted(statuses.items())) or 'none here'}),"
        f" {events} events, {posts} posts. Written to {out_dir}",
        highlight=False,
    )
    for r in results:
        if r.error:
            out.print(f"  {r.source.id}: {r.error}", highlight=False, soft_wrap=True)
    if results and not any(r.succeeded for r in results):
        raise typer.Exit(1)


@app.command("merge")
def merge_command(
    shards: Annotated[
        list[Path], typer.Argument(help="Shard folders, or folders holding them (all n).")
    ],
    sources: SourcesOpt = Path("sources.toml"),
    db: DbOpt = Path("data/convene.duckdb"),
    public: Annotated[Path, typer.Option(help="Folder the feeds are published into.")] = Path(
        "public"
    ),
    base_url: Annotated[
        str | None, typer.Option(help="Public URL the feeds folder is served at (for links).")
    ] = None,
    overrides: Annotated[
        Path, typer.Option(help="Manual same/different/correct decisions (skipped if absent).")
    ] = Path("overrides.toml"),
    known_out: Annotated[
        Path | None,
        typer.Option(help="Also write what the database remembers, for `fetch --known`."),
    ] = None,
    lock_timeout: Annotated[
        float, typer.Option(min=0, help="Seconds to wait while a refresh uses the database.")
    ] = 60.0,
) -> None:
    """Store all shards of one round as a single refresh and publish the feeds.

    Needs every shard 1/n..n/n, fetched with this same sources file. Holds the database's
    refresh lock (DB.lock) while storing and publishing, as `convene refresh` does.
    Exit status: 0 when at least one source worked, 1 when none did, 2 for bad input or
    an incomplete set, 4 when a refresh kept the database for all of --lock-timeout.
    """
    from flows.lock import RefreshLocked

    _check_sources(sources)
    options = (base_url, known_out, lock_timeout)
    try:
        outcome = asyncio.run(merge_shards(shards, sources, db, public, overrides, *options))
    except (ShardError, SourcesError, OverridesError) as exc:
        raise fail(str(exc)) from None
    except RefreshLocked as exc:
        raise fail(exc.busy.message, code=4) from None
    except duckdb.IOException as exc:
        raise fail(_db_busy(db, exc), code=1) from None
    print_refresh(out, outcome)
    if outcome.summaries and outcome.succeeded == 0:
        raise fail("no source succeeded: each source's reason is listed above", code=1)


async def _fetch_shard_flow(
    shard: str,
    folder: str,
    sources_file: str = "sources.toml",
    known: str | None = None,
    timeout_seconds: float | None = None,
) -> dict[str, Any]:
    """Fetch and parse shard i/n of the enabled sources into the folder `out`."""
    manifest, results = await fetch_shard(
        Path(sources_file),
        Shard.parse(shard),
        Path(folder),
        Path(known) if known else None,
        timeout_seconds,
    )
    statuses = Counter(r.status for r in results)
    print(f"shard {shard}: {dict(statuses)} -> {folder}")
    return {"shard": shard, "sources": len(manifest.source_ids), "statuses": dict(statuses)}


async def _merge_flow(
    shards: list[str],
    sources_file: str = "sources.toml",
    db: str = "data/convene.duckdb",
    public: str = "public",
    base_url: str | None = None,
    overrides_file: str = "overrides.toml",
    known_out: str | None = None,
    lock_timeout: float = 60.0,
) -> RefreshOutcome:
    """Store every shard of one round as a single refresh, then publish the feeds."""
    return await merge_shards(
        [Path(s) for s in shards],
        Path(sources_file),
        Path(db),
        Path(public),
        Path(overrides_file),
        base_url,
        Path(known_out) if known_out else None,
        lock_timeout,
    )


_FLOWS: dict[str, tuple[str, Callable[..., Any]]] = {
    "fetch_shard_flow": ("fetch-shard", _fetch_shard_flow),
    "merge_flow": ("merge-shards", _merge_flow),
}


def __getattr__(name: str) -> Any:
    """The Prefect flows, made on first use so that Prefect loads only when needed."""
    if name not in _FLOWS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from prefect import flow

    flow_name, function = _FLOWS[name]
    made = flow(name=flow_name, log_prints=True)(function)
    globals()[name] = made
    return made
