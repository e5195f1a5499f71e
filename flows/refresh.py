"""The `refresh` flow: load sources, fetch, parse, store, publish."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from prefect import Task, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from prefect.states import Cancelled, Completed, Failed

from feeds import publish
from feeds.cached import Cache
from feeds.render_store import RenderStore, store_path
from feeds.site import write_site
from feeds.site_manifest import code_version
from feeds.write import PublishReport, remove_leftovers
from flows.lock import LockBusy, RefreshLocked, refresh_lock
from scrapers.config import FeedWindow, Settings, load_settings
from scrapers.crawl import collect
from scrapers.fetch_types import FetchSettings, Remembered
from scrapers.model import ParseContext, Source
from scrapers.pipeline import SUCCESS, SourceResult
from scrapers.registry import PARSERS
from scrapers.sources import load_sources
from warehouse.analysis import analysis_path, publish_analysis, remove_scratch
from warehouse.cache import recall, recall_robots
from warehouse.canonical import read_published
from warehouse.changelog import change_records, news_posts
from warehouse.classify import Classifier, make_classifier
from warehouse.overrides import Overrides, load_overrides
from warehouse.site_data import read_site_data
from warehouse.store import RefreshRun, SourceSummary, connect, save_refresh


@dataclass(frozen=True)
class RefreshOutcome:
    run_id: str | None  # None when only publishing: nothing was fetched or stored
    db_path: Path
    public_dir: Path
    summaries: tuple[SourceSummary, ...]
    published: PublishReport

    @property
    def succeeded(self) -> int:
        return sum(1 for s in self.summaries if s.status in SUCCESS)


class SourceChoiceError(ValueError):
    """`only` named a source that is not in the sources file, or is disabled there."""


def choose_sources(sources: Sequence[Source], only: Sequence[str] | None) -> list[Source]:
    """The sources to fetch: every enabled one, or only those named (in file order)."""
    if only is None:
        return [s for s in sources if s.enabled]
    by_id = {s.id: s for s in sources}
    unknown = [i for i in only if i not in by_id]
    if unknown:
        raise SourceChoiceError(
            f"unknown source{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"known ids: {', '.join(by_id)}"
        )
    disabled = [i for i in only if not by_id[i].enabled]
    if disabled:
        raise SourceChoiceError(
            f"disabled in the sources file (enabled = false): {', '.join(disabled)}"
        )
    return [s for s in sources if s.id in set(only)]


def _database_in_use(task: Task[..., Any], run: TaskRun, state: State[Any]) -> bool:
    return isinstance(state.data, duckdb.IOException) and "lock" in str(state.data).lower()


# Retries, only where they help. Another process reading the DuckDB file (`convene
# query`, a notebook) stops it opening for writing, and a writer stops the publish
# task's read; such readers are usually gone within seconds, so the three tasks that
# open the file try again after 2 and 10 s, for that error only (retrying a bug only
# repeats it). All are safe to repeat: the conflict comes at connect, save_refresh is
# one transaction, files are replaced atomically. Nothing is cached: a refresh is run
# to see what changed. (Two refreshes never meet here: see flows/lock.py.)
_ON_DB_LOCK: dict[str, Any] = {
    "retries": 2,
    "retry_delay_seconds": [2, 10],
    "retry_condition_fn": _database_in_use,
}


@task(cache_policy=NO_CACHE, **_ON_DB_LOCK)
def recall_validators(db_path: Path, now: datetime) -> dict[str, Remembered]:
    if not db_path.exists():
        return {}
    con = connect(db_path)
    try:
        return recall(con, now) | recall_robots(con)  # robots.txt answers ride along
    finally:
        con.close()


# Sources are fetched inside one task, not one task per source: a Prefect task
# costs milliseconds of overhead and hundreds of them cost tens of seconds.
@task(cache_policy=NO_CACHE)
async def collect_sources(
    sources: Sequence[Source],
    settings: FetchSettings,
    ctx: ParseContext,
    known: dict[str, Remembered],
) -> list[SourceResult]:
    """Fetch and parse every source, following listing and API links."""
    return await collect(sources, PARSERS, ctx, settings, known)


@task(cache_policy=NO_CACHE, **_ON_DB_LOCK)
def store_results(
    db_path: Path,
    run: RefreshRun,
    sources: Sequence[Source],
    results: Sequence[SourceResult],
    overrides: Overrides,
    classifier: Classifier,
) -> list[SourceSummary]:
    con = connect(db_path)
    try:
        return save_refresh(con, run, sources, results, overrides, classifier)
    finally:
        con.close()


@task(cache_policy=NO_CACHE, **_ON_DB_LOCK)
def publish_feeds(
    db_path: Path,
    public_dir: Path,
    source_ids: Sequence[str],
    now: datetime,
    base_url: str | None,
    overrides: Overrides,
    window: FeedWindow,
) -> PublishReport:
    # A refresh killed while publishing left its temp files and scratch folders; this
    # one holds the lock, so no writer is at work there now.
    remove_leftovers(public_dir)
    remove_scratch(analysis_path(db_path).parent)
    con = connect(db_path, read_only=True)
    try:
        # Read and merged once: the event feeds and the changes feeds cut the same set.
        found = read_published(con, source_ids, now, window.days_back, window.days_ahead, overrides)
        events = found.events(now, window.cancelled_days)
        site = read_site_data(con, source_ids, now)
        changes = change_records(
            con, source_ids, now, window.days_back, window.days_ahead, overrides,
            published=found,
        )  # fmt: skip
        posts = news_posts(con, source_ids, now)
    finally:
        con.close()
    # Each event's digest made while publishing the feeds serves the pages' fingerprints,
    # and keys the pieces an earlier publish rendered (feeds.render_store).
    store = RenderStore(store_path(db_path), f"{code_version()} {base_url}")
    try:
        digests = Cache(now, base_url, store)
        # The analysts' copy and its exports run in DuckDB, outside the GIL, so they
        # overlap the feeds' rendering; done before the pages: the index shows its chart.
        with ThreadPoolExecutor(1, thread_name_prefix="analysis") as pool:
            analysed = pool.submit(publish_analysis, db_path, public_dir, now)
            report = publish(
                events, public_dir, now, base_url, changes=changes, posts=posts, cache=digests
            )
            analysed.result()
        write_site(report, now, base_url, events, site, digests)
        store.save(digests.seen())
    finally:
        store.close()
    return report


# No flow retries: a failing source is data (its row says why), not a reason to fetch
# every source again; each source already retries its own requests within --timeout.
@flow(name="refresh", log_prints=True, retries=0)
async def refresh(
    sources_file: str = "sources.toml",
    db: str = "data/convene.duckdb",
    public: str = "public",
    timeout_seconds: float | None = None,
    base_url: str | None = None,
    overrides_file: str = "overrides.toml",
    only: list[str] | None = None,
    publish_only: bool = False,
    lock_timeout: float = 60.0,
) -> RefreshOutcome | State:
    """Fetch the enabled sources (or only those named in `only`), store their events in
    DuckDB and publish the feeds from everything stored; `publish_only` skips the fetch.

    Ends Completed when every source worked; Completed with a message naming the failed
    ones when some failed; Failed when none worked (a finding for people, so the outcome
    is its data and no traceback is logged) or the pipeline broke; Cancelled when another
    refresh held the database's lock for `lock_timeout` seconds.
    """
    all_sources = load_sources(Path(sources_file), PARSERS.keys())
    configured = load_settings(Path(sources_file))
    chosen = choose_sources(all_sources, only)
    overrides = load_overrides(Path(overrides_file))
    enabled = [s.id for s in all_sources if s.enabled]
    if publish_only and not Path(db).exists():
        raise FileNotFoundError(f"no database at {db}: nothing to publish yet")
    try:
        async with refresh_lock(Path(db), lock_timeout, _waiting(lock_timeout)):
            run_id: str | None = None
            summaries: list[SourceSummary] = []
            results: list[SourceResult] = []
            now = datetime.now(UTC)
            if not publish_only:
                run_id, summaries, results, now = await _fetch_and_store(
                    chosen, all_sources, configured, sources_file, db, timeout_seconds, overrides
                )
            report = publish_feeds(
                Path(db), Path(public), enabled, now, base_url, overrides, configured.window
            )
    except RefreshLocked as busy:
        return Cancelled(message=busy.busy.message, data=busy.busy)
    outcome = RefreshOutcome(run_id, Path(db), Path(public), tuple(summaries), report)
    return end_state(outcome, results)


async def _fetch_and_store(
    chosen: Sequence[Source],
    all_sources: Sequence[Source],
    configured: Settings,
    sources_file: str,
    db: str,
    timeout_seconds: float | None,
    overrides: Overrides,
) -> tuple[str, list[SourceSummary], list[SourceResult], datetime]:
    started = datetime.now(UTC)
    settings = configured.fetch
    if timeout_seconds is not None:
        settings = replace(settings, timeout=timeout_seconds)
    classifier = make_classifier(configured.classifier_model, configured.model_threshold)
    known = recall_validators(Path(db), started)
    results = await collect_sources(chosen, settings, ParseContext(now=started), known)
    run = RefreshRun(uuid.uuid4().hex, started, datetime.now(UTC), str(sources_file))
    summaries = store_results(Path(db), run, all_sources, results, overrides, classifier)
    return run.run_id, summaries, results, run.finished_at


def _waiting(timeout: float) -> Callable[[LockBusy], None]:
    def log(busy: LockBusy) -> None:
        get_run_logger().info(f"Waiting up to {timeout:g} s for another refresh{busy.holder}")

    return log


def end_state(outcome: RefreshOutcome, results: Sequence[SourceResult]) -> RefreshOutcome | State:
    failed = [s.source_id for s in outcome.summaries if s.status not in SUCCESS]
    if not failed:
        return outcome
    if outcome.succeeded == 0:
        return Failed(message=no_source_reason(results), data=outcome)
    message = failed_summary(failed, len(outcome.summaries))
    get_run_logger().warning(message)
    return Completed(message=message, data=outcome)


def failed_summary(failed: Sequence[str], total: int, shown: int = 5) -> str:
    names = ", ".join(failed[:shown])
    more = f" and {len(failed) - shown} more" if len(failed) > shown else ""
    return f"{len(failed)} of {total} sources failed: {names}{more}"


def no_source_reason(results: Sequence[SourceResult]) -> str:
    if results and all(r.error_kind == "dns" for r in results):
        return (
            "no source could be reached: this machine looks offline (no DNS answers). "
            "Try the bundled samples: convene refresh --sources examples/sample-sources.toml"
        )
    return "no source succeeded: each source's reason is listed above"
