"""The `refresh` flow: load sources, fetch, parse, store, publish."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.states import Failed

from feeds import publish
from feeds.site import write_site
from feeds.write import PublishReport
from scrapers.config import FeedWindow, load_settings
from scrapers.crawl import collect
from scrapers.fetch_types import FetchSettings, Remembered
from scrapers.model import ParseContext, Source
from scrapers.pipeline import SUCCESS, SourceResult
from scrapers.registry import PARSERS
from scrapers.sources import load_sources
from warehouse.cache import recall
from warehouse.canonical import published_events
from warehouse.changelog import change_records, news_posts
from warehouse.classify import Classifier, make_classifier
from warehouse.overrides import Overrides, load_overrides
from warehouse.site_data import read_site_data
from warehouse.store import RefreshRun, SourceSummary, connect, save_refresh


@dataclass(frozen=True)
class RefreshOutcome:
    run_id: str
    db_path: Path
    public_dir: Path
    summaries: tuple[SourceSummary, ...]
    published: PublishReport

    @property
    def succeeded(self) -> int:
        return sum(1 for s in self.summaries if s.status in SUCCESS)


@task(cache_policy=NO_CACHE)
def recall_validators(db_path: Path, now: datetime) -> dict[str, Remembered]:
    if not db_path.exists():
        return {}
    con = connect(db_path)
    try:
        return recall(con, now)
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


@task(cache_policy=NO_CACHE)
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


@task(cache_policy=NO_CACHE)
def publish_feeds(
    db_path: Path,
    public_dir: Path,
    source_ids: Sequence[str],
    now: datetime,
    base_url: str | None,
    overrides: Overrides,
    window: FeedWindow,
) -> PublishReport:
    con = connect(db_path, read_only=True)
    try:
        events = published_events(
            con, source_ids, now, window.days_back, window.days_ahead, overrides,
            window.cancelled_days,
        )  # fmt: skip
        site = read_site_data(con, source_ids, now)
        changes = change_records(
            con, source_ids, now, window.days_back, window.days_ahead, overrides
        )
        posts = news_posts(con, source_ids, now)
    finally:
        con.close()
    report = publish(events, public_dir, now, base_url, changes=changes, posts=posts)
    write_site(report, now, base_url, events, site)
    return report


@flow(name="refresh", log_prints=True)
async def refresh(
    sources_file: str = "sources.toml",
    db: str = "data/convene.duckdb",
    public: str = "public",
    timeout_seconds: float | None = None,
    base_url: str | None = None,
    overrides_file: str = "overrides.toml",
) -> RefreshOutcome | State:
    """Fetch every enabled source, store its events in DuckDB and publish the feeds.

    When no source worked the run ends Failed, with the outcome as its data: that is
    a finding for people to act on, not a crash, so no traceback is logged.
    """
    started = datetime.now(UTC)
    all_sources = load_sources(Path(sources_file), PARSERS.keys())
    configured = load_settings(Path(sources_file))
    settings = configured.fetch
    classifier = make_classifier(configured.classifier_model, configured.model_threshold)
    if timeout_seconds is not None:
        settings = replace(settings, timeout=timeout_seconds)
    overrides = load_overrides(Path(overrides_file))
    enabled = [s for s in all_sources if s.enabled]
    known = recall_validators(Path(db), started)
    results = await collect_sources(enabled, settings, ParseContext(now=started), known)
    run = RefreshRun(uuid.uuid4().hex, started, datetime.now(UTC), str(sources_file))
    summaries = store_results(Path(db), run, all_sources, results, overrides, classifier)
    report = publish_feeds(
        Path(db),
        Path(public),
        [s.id for s in enabled],
        run.finished_at,
        base_url,
        overrides,
        configured.window,
    )
    outcome = RefreshOutcome(run.run_id, Path(db), Path(public), tuple(summaries), report)
    if enabled and outcome.succeeded == 0:
        return Failed(message=no_source_reason(results), data=outcome)
    return outcome


def no_source_reason(results: Sequence[SourceResult]) -> str:
    if results and all(r.error_kind == "dns" for r in results):
        return (
            "no source could be reached: this machine looks offline (no DNS answers). "
            "Try the bundled samples: convene refresh --sources examples/sample-sources.toml"
        )
    return "no source succeeded: each source's reason is listed above"
