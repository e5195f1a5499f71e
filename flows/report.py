"""What people see in the terminal: tables of sources, refresh results and query rows.

Errors are listed under each table, one line per source, rather than in a column:
reasons are sentences and a column squeezed into 80 characters hides them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, JustifyMethod
from rich.table import Table

from feeds.ical import event_uid
from feeds.specs import explain, feed_specs
from scrapers.model import Source
from warehouse.canonical import listing_id, merge
from warehouse.classify import applied, summarise
from warehouse.health import SourceHealth
from warehouse.records import Label, StoredEvent

if TYPE_CHECKING:
    from flows.refresh import RefreshOutcome

_STATUS_STYLE = {
    "ok": "green", "not-modified": "green", "unchanged": "green",
    "fetch-error": "red", "parse-error": "yellow",
}  # fmt: skip


def _styled(status: str) -> str:
    return f"[{_STATUS_STYLE.get(status, '')}]{status}[/]"


def _print_errors(console: Console, errors: Sequence[tuple[str, str]]) -> None:
    if errors:
        console.print("Notes:")
    for source_id, reason in errors:
        console.print(f"  {source_id}: {reason}", highlight=False, soft_wrap=True)


def print_refresh(console: Console, outcome: RefreshOutcome) -> None:
    if outcome.run_id is None:
        console.print(
            f"Published from the database without fetching: {outcome.published.event_count} "
            f"events in {outcome.published.feed_count} feeds.",
            highlight=False,
        )
        _print_places(console, outcome)
        return
    table = Table(title="Refresh results", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("source", overflow="fold")
    table.add_column("status", no_wrap=True, min_width=12)
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
    notes = [(s.source_id, s.error) for s in outcome.summaries if s.error]
    notes += [(s.source_id, s.held) for s in outcome.summaries if s.held]
    notes += [
        (s.source_id, f"moved permanently: update its url to {s.moved_to}")
        for s in outcome.summaries
        if s.moved_to
    ]
    _print_errors(console, notes)
    failed = len(outcome.summaries) - outcome.succeeded
    console.print(
        f"{outcome.succeeded} of {len(outcome.summaries)} sources worked"
        + (f", {failed} failed (their earlier events are kept)" if failed else "")
        + f". {outcome.published.event_count} events in {outcome.published.feed_count} feeds.",
        highlight=False,
    )
    _print_places(console, outcome)


def _print_places(console: Console, outcome: RefreshOutcome) -> None:
    console.print(f"Feeds:    {outcome.public_dir.resolve()}/index.html", highlight=False)
    console.print(f"Database: {outcome.db_path.resolve()}", highlight=False)


def print_sources(
    console: Console, sources: Sequence[Source], health: Sequence[SourceHealth]
) -> None:
    table = Table(title="Configured sources", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("id", overflow="fold")
    for name in ("state", "last success", "fails", "events"):
        justify: JustifyMethod = "right" if name in ("fails", "events") else "left"
        table.add_column(name, no_wrap=True, min_width=len(name), justify=justify)
    notes: list[tuple[str, str]] = []
    for source, h in zip(sources, health, strict=True):
        state = _STATE_WORDS.get(h.state, h.state)
        if h.state in ("failing", "stale") and h.failing_since:
            state += f" since {_when(h.failing_since)}"
        success = _when(h.last_success) if h.last_success else "never"
        table.add_row(
            source.id,
            _styled_state(h.state, state),
            success,
            str(h.consecutive_failures),
            str(h.events),
        )
        if h.last_error and h.consecutive_failures:
            notes.append((source.id, h.last_error))
        if h.suggested_url:
            notes.append((source.id, f"moved permanently: update its url to {h.suggested_url}"))
    console.print(table)
    console.print("Times are UTC.", style="dim")
    _print_errors(console, notes)


_STATE_WORDS = {"failing": "failing", "stale": "stale"}
_STATE_STYLE = {"failing": "red", "stale": "bold red", "disabled": "dim", "never fetched": "dim"}


def _styled_state(state: str, text: str) -> str:
    return f"[{_STATE_STYLE.get(state, 'green')}]{text}[/]"


def _when(moment: datetime) -> str:
    return moment.strftime("%d %b %H:%M")


def print_query_result(console: Console, columns: Sequence[str], rows: Sequence[Any]) -> None:
    table = Table()
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    console.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}", highlight=False)


def print_explanation(
    console: Console,
    cluster_id: str,
    members: Sequence[StoredEvent],
    pairs: Sequence[tuple[Any, ...]],
    labels: Sequence[Label] = (),
) -> None:
    entry = merge(cluster_id, members)
    if labels:
        entry = applied(entry, summarise(labels))
    console.print(f"Event {cluster_id}: {entry.event.title}", highlight=False)
    console.print(f"UID in the feeds: {event_uid(entry.event)}", highlight=False)
    table = Table(title="Copies (the first gives the published fields)", box=box.SIMPLE_HEAD)
    for name in ("listing", "source", "title", "start (UTC)", "url"):
        table.add_column(name, overflow="fold")
    for m in members:
        start = m.event.start.strftime("%Y-%m-%d %H:%M")
        table.add_row(listing_id(m), m.source_name, m.event.title, start, m.event.url or "")
    console.print(table)
    scores = Table(title="Scored pairs", box=box.SIMPLE_HEAD)
    for name in ("a", "b", "rule", "matched", "score", "components"):
        scores.add_column(name, overflow="fold")
    for a, b, score, rule, matched, components in pairs:
        parts = ", ".join(f"{k} {v:g}" for k, v in json.loads(components).items())
        scores.add_row(a, b, rule, "yes" if matched else "no", f"{score:.3f}", parts)
    console.print(scores)
    _print_labels(console, labels)
    console.print("In feeds:", highlight=False)
    for spec in feed_specs([entry]):
        console.print(f"  {spec.slug}: {explain(spec, entry)}", highlight=False)


def _print_labels(console: Console, labels: Sequence[Label]) -> None:
    if not labels:
        console.print("Not classified yet: run `convene refresh`.", highlight=False)
        return
    table = Table(title="Classification (the first region is the venue's)", box=box.SIMPLE_HEAD)
    for name in ("kind", "label", "method", "why"):
        table.add_column(name, overflow="fold")
    for label in labels:
        table.add_row(label.kind, label.value, label.method, label.reason)
    console.print(table)
