"""What people see in the terminal: tables of sources, refresh results and query rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from scrapers.model import Source
from warehouse.read import SourceHealth

if TYPE_CHECKING:
    from flows.refresh import RefreshOutcome

_STATUS_STYLE = {"ok": "green", "fetch-error": "red", "parse-error": "yellow"}


def print_refresh(console: Console, outcome: RefreshOutcome) -> None:
    table = Table(title="Refresh results", title_justify="left")
    for name in ("source", "status", "events", "posts", "new", "updated", "removed"):
        table.add_column(name, justify="right" if name not in ("source", "status") else "left")
    table.add_column("error", overflow="fold")
    for s in outcome.summaries:
        style = _STATUS_STYLE.get(s.status, "")
        table.add_row(
            s.source_id, f"[{style}]{s.status}[/]", str(s.events_found), str(s.posts_found),
            str(s.new), str(s.updated), str(s.removed), s.error or "",
        )
    console.print(table)
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
    table = Table(title="Configured sources", title_justify="left")
    for name in ("id", "kind", "enabled", "last fetched (UTC)", "result", "events", "error"):
        table.add_column(name, overflow="fold")
    for source in sources:
        h = health.get(source.id)
        fetched = h.last_fetched.strftime("%Y-%m-%d %H:%M") if h and h.last_fetched else "never"
        result = (h.status or "") if h else ""
        if h and h.http_status:
            result += f" (HTTP {h.http_status})"
        table.add_row(
            source.id, source.kind, "yes" if source.enabled else "no", fetched,
            f"[{_STATUS_STYLE.get(h.status or '', '')}]{result}[/]" if h else "",
            str(h.events_stored) if h else "0", (h.error or "") if h else "",
        )
    console.print(table)


def print_query_result(console: Console, columns: Sequence[str], rows: Sequence[Any]) -> None:
    table = Table()
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    console.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}", highlight=False)
