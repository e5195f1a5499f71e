"""What people see in the terminal: tables of sources, refresh results and query rows.

Errors are listed under each table, one line per source, rather than in a column:
reasons are sentences and a column squeezed into 80 characters hides them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, JustifyMethod
from rich.table import Table

from scrapers.model import Source
from warehouse.read import SourceHealth

if TYPE_CHECKING:
    from flows.refresh import RefreshOutcome

_STATUS_STYLE = {"ok": "green", "fetch-error": "red", "parse-error": "yellow"}


def _styled(status: str) -> str:
    return f"[{_STATUS_STYLE.get(status, '')}]{status}[/]"


def _print_errors(console: Console, errors: Sequence[tuple[str, str]]) -> None:
    if errors:
        console.print("Problems:")
    for source_id, reason in errors:
        console.print(f"  {source_id}: {reason}", highlight=False, soft_wrap=True)


def print_refresh(console: Console, outcome: RefreshOutcome) -> None:
    table = Table(title="Refresh results", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("source", overflow="fold")
    table.add_column("status", no_wrap=True, min_width=11)
    for name in ("events", "posts", "new", "updated", "removed"):
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    for s in outcome.summaries:
        table.add_row(
            s.source_id,
            _styled(s.status),
            str(s.events_found),
            str(s.posts_found),
            str(s.new),
            str(s.updated),
            str(s.removed),
        )
    console.print(table)
    _print_errors(console, [(s.source_id, s.error) for s in outcome.summaries if s.error])
    failed = len(outcome.summaries) - outcome.succeeded
    console.print(
        f"{outcome.succeeded} of {len(outcome.summaries)} sources worked"
        + (f", {failed} failed (their earlier events are kept)" if failed else "")
        + f". {outcome.published.event_count} events in {outcome.published.feed_count} feeds.",
        highlight=False,
    )
    console.print(f"Feeds:    {outcome.public_dir.resolve()}/index.html", highlight=False)
    console.print(f"Database: {outcome.db_path.resolve()}", highlight=False)


def print_sources(
    console: Console, sources: Sequence[Source], health: dict[str, SourceHealth]
) -> None:
    table = Table(title="Configured sources", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("id", overflow="fold")
    for name in ("kind", "enabled", "last fetch (UTC)", "result", "events"):
        justify: JustifyMethod = "right" if name == "events" else "left"
        table.add_column(name, no_wrap=True, min_width=len(name), justify=justify)
    errors: list[tuple[str, str]] = []
    for source in sources:
        h = health.get(source.id)
        fetched = h.last_fetched.strftime("%Y-%m-%d %H:%M") if h and h.last_fetched else "never"
        result = _styled(h.status) if h and h.status else ""
        if h and h.http_status and h.status != "ok":
            result += f" ({h.http_status})"
        events = str(h.events_stored) if h else "0"
        enabled = "yes" if source.enabled else "no"
        table.add_row(source.id, source.kind, enabled, fetched, result, events)
        if h and h.error:
            errors.append((source.id, h.error))
    console.print(table)
    _print_errors(console, errors)


def print_query_result(console: Console, columns: Sequence[str], rows: Sequence[Any]) -> None:
    table = Table()
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    console.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}", highlight=False)
