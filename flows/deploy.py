"""`convene refresh` and `convene deploy`: run the refresh flow once, now, or serve it as
a Prefect deployment on a cron schedule.

`Flow.serve` registers the deployment `refresh/<name>` with the Prefect server and then
polls it (every PREFECT_RUNNER_POLL_FREQUENCY seconds, 10 by default) for runs that are
due: the scheduled ones, and any a person starts with `prefect deployment run` or from
the UI. Each run executes in its own process. Runs never overlap: the runner starts one
at a time and the deployment's concurrency limit (1, cancel new) turns away a run that
is due while another is still going, wherever it was served from; a `convene refresh`
outside Prefect meets the database's lock file instead (flows/lock.py).

SIGTERM (or Ctrl-C) stops the serving process cleanly with exit status 0: a run in
progress is cancelled (its DuckDB transaction rolls back) and the schedule is paused
until the deployment is served again.

flows/cli.py imports this module to add the two commands; Prefect is imported inside
the functions, so `convene --help` stays quick.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import duckdb
import typer

from flows import cli
from flows.cli import DbOpt, SourcesOpt, app, fail, out
from flows.report import print_refresh
from scrapers.model import Source
from warehouse.overrides import OverridesError, load_overrides

if TYPE_CHECKING:
    from prefect.client.schemas.objects import State

    from flows.refresh import RefreshOutcome

PublicOpt = Annotated[Path, typer.Option(help="Folder the feeds are published into.")]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(help="Seconds allowed per source, retries included (default: settings, or 30)."),
]
BaseUrlOpt = Annotated[
    str | None, typer.Option(help="Public URL the feeds folder is served at (for links).")
]
OverridesOpt = Annotated[
    Path, typer.Option(help="Manual same/different/correct decisions (skipped if absent).")
]
LockTimeoutOpt = Annotated[
    float,
    typer.Option(min=0, help="Seconds to wait while another refresh uses the database (exit 4)."),
]

DEFAULT_CRON = "0 * * * *"
DEFAULT_NAME = "hourly"


@app.command()
def refresh(
    sources: SourcesOpt = Path("sources.toml"),
    db: DbOpt = Path("data/convene.duckdb"),
    public: PublicOpt = Path("public"),
    timeout: TimeoutOpt = None,
    base_url: BaseUrlOpt = None,
    overrides: OverridesOpt = Path("overrides.toml"),
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source", metavar="ID", help="Fetch only this source (repeatable); others stay."
        ),
    ] = None,
    publish_only: Annotated[
        bool,
        typer.Option("--publish-only", help="Publish feeds and pages from the database only."),
    ] = False,
    lock_timeout: LockTimeoutOpt = 60.0,
) -> None:
    """Fetch every enabled source, store events in the database and publish the feeds.

    Runs the Prefect flow `refresh`. With no Prefect server configured it starts a
    temporary local one (10-20 s); set PREFECT_API_URL to use a running server.
    One refresh of a database runs at a time (lock file DB.lock); another waits up to
    --lock-timeout seconds. Exit status: 0 when at least one source worked, 1 when none
    did, 2 for bad input, 3 when the refresh itself broke (a bug: please report it),
    4 when another refresh kept the database for all of --lock-timeout.
    """
    configured = cli._check_sources(sources)
    _check_overrides(overrides)
    params = flow_parameters(sources, db, public, timeout, base_url, overrides, lock_timeout)
    if publish_only:
        if source:
            raise fail("--publish-only publishes what is stored: it takes no --source")
        if not db.exists():
            raise fail(f"no database at {db}: run `convene refresh` first")
        params["publish_only"] = True
    elif source:
        _check_chosen(configured, source)
        params["only"] = source
    what = "Publishing from" if publish_only else "Refreshing sources from"
    out.print(f"{what} {db if publish_only else sources} ...", highlight=False)
    print_refresh(out, _run_flow(params, db))


def _check_overrides(overrides: Path) -> None:
    try:
        load_overrides(overrides)
    except OverridesError as exc:
        raise fail(str(exc)) from None


def _check_chosen(configured: tuple[Source, ...], chosen: list[str]) -> None:
    from flows.refresh import SourceChoiceError, choose_sources

    try:
        choose_sources(configured, chosen)
    except SourceChoiceError as exc:
        raise fail(str(exc)) from None


def _run_flow(params: dict[str, Any], db: Path) -> RefreshOutcome:
    from flows.lock import LockBusy
    from flows.refresh import RefreshOutcome
    from flows.refresh import refresh as refresh_flow

    async def run() -> State[Any]:
        return await refresh_flow(**params, return_state=True)

    state = asyncio.run(run())
    result = state.result(raise_on_failure=False)
    if isinstance(result, LockBusy):
        raise fail(result.message, code=4)
    if isinstance(result, duckdb.IOException):
        raise fail(cli._db_busy(db, result), code=1)
    if isinstance(result, RefreshOutcome) and state.is_failed():
        print_refresh(out, result)
        raise fail(state.message or "the refresh failed", code=1)
    if not isinstance(result, RefreshOutcome):
        # Prefect has logged the traceback above: this is a bug in Convene.
        raise fail(f"the refresh itself broke ({result!r}); please report it with the log above", 3)
    return result


@app.command()
def deploy(
    sources: SourcesOpt = Path("sources.toml"),
    db: DbOpt = Path("data/convene.duckdb"),
    public: PublicOpt = Path("public"),
    timeout: TimeoutOpt = None,
    base_url: BaseUrlOpt = None,
    overrides: OverridesOpt = Path("overrides.toml"),
    lock_timeout: LockTimeoutOpt = 60.0,
    cron: Annotated[str, typer.Option(help="When to refresh: a cron line, in UTC.")] = DEFAULT_CRON,
    name: Annotated[str, typer.Option(help="Deployment name (refresh/NAME).")] = DEFAULT_NAME,
) -> None:
    """Serve the refresh flow as the Prefect deployment refresh/NAME on a cron schedule.

    Needs a running Prefect server (PREFECT_API_URL); runs show in its UI. Start one by
    hand with `prefect deployment run refresh/NAME`: it is picked up within
    PREFECT_RUNNER_POLL_FREQUENCY seconds (10 by default). Runs never overlap. Stop with
    SIGTERM or Ctrl-C (exit 0): a run in progress is cancelled, the schedule paused.
    """
    cli._check_sources(sources)
    _check_overrides(overrides)
    problem = cron_problem(cron) or server_problem()
    if problem:
        raise fail(problem)
    serve_refresh(
        name, cron, flow_parameters(sources, db, public, timeout, base_url, overrides, lock_timeout)
    )


def flow_parameters(
    sources: Path,
    db: Path,
    public: Path,
    timeout: float | None,
    base_url: str | None,
    overrides: Path,
    lock_timeout: float,
) -> dict[str, Any]:
    """The refresh flow's parameters, with absolute paths: a served run starts in a
    process of its own, which should not depend on where the server was started."""
    return {
        "sources_file": str(sources.resolve()),
        "db": str(db.resolve()),
        "public": str(public.resolve()),
        "timeout_seconds": timeout,
        "base_url": base_url,
        "overrides_file": str(overrides.resolve()),
        "lock_timeout": lock_timeout,
    }


def cron_problem(cron: str) -> str | None:
    """Why Prefect would refuse this cron line, or None."""
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron)
    except ValueError as exc:
        return f'"{cron}" is not a cron schedule ({_first_reason(exc)})'
    return None


def _first_reason(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        for error in errors():
            return str(error.get("msg", exc))
    return str(exc).splitlines()[0]


def server_problem() -> str | None:
    """Why runs could not be served, or None: a deployment needs a Prefect server that
    outlives this process (the temporary one `convene refresh` starts would not)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    start = (
        "start one with `prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api"
    )
    if not url:
        return f"`convene deploy` needs a running Prefect server: {start}"
    with get_client(sync_client=True) as client:
        failure = client.api_healthcheck()
    if failure is not None:
        return f"no Prefect server answers at PREFECT_API_URL={url} ({failure!r}): {start}"
    return None


def serve_refresh(name: str, cron: str, parameters: dict[str, Any]) -> None:
    """Register refresh/<name> with the schedule and serve its runs until SIGTERM."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.types.entrypoint import EntrypointType

    from flows.refresh import refresh as refresh_flow

    refresh_flow.serve(
        name=name,
        cron=cron,
        parameters=parameters,
        description="Convene: fetch every enabled source, store the events, publish feeds.",
        tags=["convene"],
        # Runs on this server never overlap; a run due while one is going is
        # cancelled (it would only fetch again what the running one is fetching).
        global_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        ),
        limit=1,
        # Served again after a stop, the schedule resumes (a stop pauses it).
        paused=False,
        # By module (flows.refresh.refresh), not file path: found from any folder.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
