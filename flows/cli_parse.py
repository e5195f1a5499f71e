"""`convene parse FILE_OR_URL --kind KIND`: what a parser finds in one document, and its
warnings, without touching the database: for checking a new source before adding it and
for debugging one that misbehaves. A URL is fetched the way a refresh fetches (robots.txt,
size limit, private addresses refused unless --local)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from flows.cli import _check_sources, app, fail, out
from scrapers.fetch import fetch_all
from scrapers.fetch_types import Fetched, FetchSettings
from scrapers.model import ParseContext, ParseResult, Source
from scrapers.registry import PARSERS

KindOpt = Annotated[
    str | None,
    typer.Option("--kind", "-k", help=f"The parser to use: {', '.join(sorted(PARSERS))}."),
]


@app.command("parse")
def parse_command(
    target: Annotated[
        str | None,
        typer.Argument(help="A file, or an http(s) URL to fetch (default: the --source's URL)."),
    ] = None,
    kind: KindOpt = None,
    source_id: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="Parse as this source of the sources file does: its kind, selectors, "
            "date format and --local setting.",
        ),
    ] = None,
    sources: Annotated[
        Path, typer.Option("--sources", help="The sources file --source is read from.")
    ] = Path("sources.toml"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    local: Annotated[
        bool,
        typer.Option("--local", help="Allow a URL on this machine or a private network."),
    ] = False,
) -> None:
    """Print the events (and posts) a parser finds in one document, and its warnings.

    Give --kind, or --source ID to parse as a configured source does (the only way to give
    an html source its selectors); with --source and no FILE_OR_URL, the source's own URL
    is fetched. Nothing is stored. Exit status 0 when the document was read, 1 when it
    could not be fetched or parsed as a whole, 2 for a wrong kind, source or missing file.
    """
    source = _source(target, kind, source_id, sources, local)
    body = _read(target or source.url, source)
    result = PARSERS[source.kind](source, body, ParseContext())
    if as_json:
        out.print_json(json.dumps(_as_dict(result), default=_plain), highlight=False)
    else:
        _print(result)
    if result.error is not None:
        raise typer.Exit(1)


def _source(
    target: str | None, kind: str | None, source_id: str | None, sources: Path, local: bool
) -> Source:
    """The source to parse as: a configured one, or an ad hoc one of the given kind."""
    if source_id is not None:
        configured = {source.id: source for source in _check_sources(sources)}
        if source_id not in configured:
            raise fail(f"no source {source_id!r} in {sources}; known: {', '.join(configured)}")
        source = configured[source_id]
        if kind is not None and kind != source.kind:
            raise fail(f"source {source_id!r} is of kind {source.kind!r}, not {kind!r}")
        return dataclasses.replace(source, local=source.local or local)
    if kind is None or target is None:
        raise fail("give FILE_OR_URL and --kind, or --source ID (see convene parse --help)")
    if kind not in PARSERS:
        raise fail(f"unknown kind {kind!r}; choose one of {', '.join(sorted(PARSERS))}")
    return Source("parse", "convene parse", "", target, kind, local=local)


def _read(target: str, source: Source) -> bytes:
    if target.startswith(("http://", "https://")):
        outcome = asyncio.run(fetch_all([source], FetchSettings()))[source.id]
        if not isinstance(outcome, Fetched):
            hint = " (here: --local)" if "local = true" in outcome.reason else ""
            raise fail(f"could not fetch {target}: {outcome.reason}{hint}", 1)
        if outcome.not_modified:  # no validators were sent, so a 304 is the server's error
            raise fail(f"{target} answered 304 Not Modified to a plain request", 1)
        return outcome.body
    path = Path(target)
    if not path.is_file():
        raise fail(f"no file at {target} (give a file or an http(s) URL)")
    return path.read_bytes()


def _print(result: ParseResult) -> None:
    table = Table("start", "title", "where", "status", "url", title="Events")
    table.columns[0].no_wrap = True
    for event in sorted(result.events, key=lambda e: (e.start, e.source_uid)):
        where = event.location.name or event.location.postcode if event.location else None
        table.add_row(
            event.start.isoformat(" ", "minutes"),
            event.title,
            where or event.attendance,
            event.status,
            event.url or "",
        )
    out.print(table)
    out.print(f"{len(result.events)} events, {len(result.posts)} posts", highlight=False)
    for post in result.posts:
        when = post.published.isoformat(" ", "minutes") if post.published else "undated"
        out.print(f"post: {when} {post.title}", highlight=False)
    if result.follow:
        out.print(f"{len(result.follow)} linked pages a refresh would follow", highlight=False)
    for warning in result.warnings:
        out.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if result.error is not None:
        out.print(f"[bold red]could not read the document:[/] {result.error}", highlight=False)


def _as_dict(result: ParseResult) -> dict[str, Any]:
    return dataclasses.asdict(result)


def _plain(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
