"""The `convene` command. Prefect is imported only by `refresh`, so the rest start fast."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console

from feeds.ical import uid_for
from flows.report import print_explanation, print_query_result, print_sources
from scrapers.config import Settings, load_settings
from scrapers.model import Source
from scrapers.registry import PARSERS
from scrapers.sources import SourcesError, load_sources
from warehouse.canonical import cluster_members
from warehouse.classify import Classifier, make_classifier
from warehouse.health import source_health
from warehouse.labels import stored_labels
from warehouse.listings_io import ListingsError, read_listings, verdicts
from warehouse.matching import match
from warehouse.records import StoredEvent
from warehouse.schema import MIGRATIONS
from warehouse.semantic import SemanticUnavailable
from warehouse.store import connect
from warehouse.subjects_io import Read, answer, read_subjects

app = typer.Typer(
    help="Convene: events for people who change public services, gathered into iCal and RSS feeds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Docstrings are wrapped at 88 columns: markdown joins their lines into paragraphs,
    # so help is rewrapped to the terminal instead of keeping our line breaks.
    rich_markup_mode="markdown",
)
out = Console()
err = Console(stderr=True)

SourcesOpt = Annotated[
    Path, typer.Option("--sources", "-s", help="Sources file (TOML) listing what to fetch.")
]
DbOpt = Annotated[
    Path, typer.Option("--db", help="DuckDB file that keeps events and fetch history.")
]


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False)
    return typer.Exit(code)


# `convene refresh` and `convene deploy` (here, so they come first in --help).
import flows.deploy  # noqa: E402


@app.command("sources")
def list_sources(
    sources: SourcesOpt = Path("sources.toml"),
    db: DbOpt = Path("data/convene.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the same as JSON.")] = False,
) -> None:
    """List the configured sources and their health.

    Per source: state (ok, not modified, unchanged, failing, stale, disabled, never
    fetched), last success, consecutive failures, events stored, the last error in
    plain words, and the new URL to use after a permanent redirect.
    """
    configured = _check_sources(sources)
    stale_days = _settings(sources).stale_after_days
    con = _open_read_only(db) if db.exists() else None
    try:
        health = source_health(con, configured, datetime.now(UTC), stale_days)
    finally:
        if con is not None:
            con.close()
    if as_json:
        print(json.dumps([h.as_json() for h in health], indent=2))
    else:
        print_sources(out, configured, health)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help='SQL to run, e.g. "SELECT count(*) FROM events".')],
    db: DbOpt = Path("data/convene.duckdb"),
) -> None:
    """Run a read-only SQL query against the database and print the result as a table."""
    if not db.exists():
        raise fail(f"no database at {db}: run `convene refresh` first")
    con = _open_read_only(db)
    try:
        result = con.execute(sql)
        columns = [d[0] for d in result.description or []]
        rows = result.fetchall()
    except duckdb.Error as exc:
        raise fail(f"query failed: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    print_query_result(out, columns, rows)


def _check_sources(path: Path) -> tuple[Source, ...]:
    try:
        configured = load_sources(path, PARSERS.keys())
    except SourcesError as exc:
        raise fail(str(exc)) from None
    _settings(path)
    return configured


@app.command()
def explain(
    event_id: Annotated[str, typer.Argument(help="A feed UID, a cluster id or a listing id.")],
    db: DbOpt = Path("data/convene.duckdb"),
) -> None:
    """Explain one published event: its copies, their match scores, where its fields
    come from, and which feeds carry it and why."""
    if not db.exists():
        raise fail(f"no database at {db}: run `convene refresh` first")
    con = _open_read_only(db)
    try:
        found = cluster_members(con, event_id) or _by_feed_uid(con, event_id)
        labels = stored_labels(con, [found[0]]).get(found[0], ()) if found else ()
    finally:
        con.close()
    if found is None or not found[1]:
        raise fail(f'no event "{event_id}": use a UID from a feed or an id from the database')
    print_explanation(out, *found, labels)


def _by_feed_uid(
    con: duckdb.DuckDBPyConnection, uid: str
) -> tuple[str, list[StoredEvent], list[tuple[object, ...]]] | None:
    # Feed UIDs are made safe for calendar apps, so they may not spell the cluster id.
    for (cluster_id,) in con.execute("SELECT DISTINCT cluster_id FROM clusters").fetchall():
        if uid_for(*cluster_id.partition("/")[::2]) == uid:
            return cluster_members(con, cluster_id)
    return None


@app.command()
def dedupe(
    listings: Annotated[Path, typer.Argument(help="JSON Lines file of listings ('-' for stdin).")],
) -> None:
    """Run the deduplication matcher on listings, without touching the database.

    Each input line: {"id", "source", "source_uid", "title", "start", "end" (ISO 8601 with
    offset), "all_day", "timezone", "url", "location_name", "postcode", "online",
    "organiser", "description"}; only id, title and start are required. Prints one JSON
    line per listing: {"id", "cluster", "best_match", "score"}.
    """
    try:
        if str(listings) == "-":
            read = read_listings(sys.stdin, "<stdin>")
        else:
            with listings.open(encoding="utf-8") as handle:
                read = read_listings(handle, str(listings))
    except OSError as exc:
        raise fail(f"cannot read {listings}: {exc.strerror or exc}") from None
    except ListingsError as exc:
        raise fail(f"bad listings:\n{exc}") from None
    for row in verdicts(read, match(read)):
        print(json.dumps(row))


@app.command()
def classify(
    listings: Annotated[Path, typer.Argument(help="JSON Lines file of listings ('-' for stdin).")],
    model: Annotated[
        bool, typer.Option("--model", help="Also use the semantic model (uv sync --group model).")
    ] = False,
    threshold: Annotated[
        float | None, typer.Option(help="Similarity the model needs to add a label.")
    ] = None,
) -> None:
    """Classify listings by region and profession, without touching the database.

    Each input line: {"id", "title", "description", "location_name", "address",
    "postcode", "lat", "lon", "online" (true, false or "hybrid"), "organiser",
    "categories"}; only id is required. Prints one JSON line per listing: {"id",
    "regions", "professions", "free", "restricted", "reasons"}. Bad lines are reported
    on stderr with their line number and the rest are still classified (exit code 1).
    """
    try:
        classifier = make_classifier(model, threshold)
    except SemanticUnavailable as exc:
        raise fail(str(exc)) from None
    try:
        handle = sys.stdin if str(listings) == "-" else listings.open(encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot read {listings}: {exc.strerror or exc}") from None
    with handle:
        bad = _classify_lines(handle, classifier)
    if bad:
        raise fail(f"{bad} line(s) of {listings} could not be read (see above)", code=1)


def _classify_lines(lines: Iterable[str], classifier: Classifier) -> int:
    """Classify in batches (the model embeds many texts at once); returns bad lines."""
    bad, unknown = 0, set[str]()
    batch: list[Read] = []
    for read in read_subjects(lines):
        if read.problem is not None:
            bad += 1
            err.print(f"line {read.line}: {read.problem}", highlight=False)
            continue
        unknown.update(read.unknown_fields)
        batch.append(read)
        if len(batch) == 256:
            _print_answers(batch, classifier)
            batch = []
    _print_answers(batch, classifier)
    if unknown:
        err.print(f"Note: ignored unknown fields: {', '.join(sorted(unknown))}", highlight=False)
    return bad


def _print_answers(batch: list[Read], classifier: Classifier) -> None:
    subjects = [read.subject for read in batch if read.subject is not None]
    for read, result in zip(batch, classifier.classify_many(subjects), strict=True):
        print(json.dumps(answer(read.given_id, result)))
    sys.stdout.flush()


def _settings(path: Path) -> Settings:
    try:
        return load_settings(path)
    except SourcesError as exc:
        raise fail(str(exc)) from None


def _open_read_only(db: Path) -> duckdb.DuckDBPyConnection:
    try:
        con = connect(db, read_only=True)
        [(version,)] = con.execute(
            "SELECT coalesce(max(version), 0) FROM schema_migrations"
        ).fetchall()
    except duckdb.Error as exc:
        raise fail(_db_busy(db, exc)) from None
    latest = MIGRATIONS[-1].version
    if version < latest:
        # Read-only connections never migrate: say why newer tables are missing.
        err.print(
            f"Note: {db} has schema version {version} of {latest}; "
            "run `convene refresh` to bring it up to date.",
            highlight=False,
        )
    return con


def _db_busy(db: Path, exc: Exception) -> str:
    first = str(exc).splitlines()[0]
    if "lock" in first.lower():
        return f"the database {db} is in use by another Convene process; try again when it ends"
    return f"cannot open the database {db}: {first}"


def main() -> None:
    app()


# Each module below adds its commands to `app` when imported.
import flows.cli_check  # noqa: E402  (adds `convene check`)
import flows.cli_parse  # noqa: E402  (adds `convene parse`)
import flows.cli_shard  # noqa: E402  (adds `convene fetch` and `convene merge`)
import flows.serve  # noqa: E402, F401  (adds `convene serve`)
from flows import cli_analysis  # noqa: E402, F401  (adds `convene stats` and `convene export`)
