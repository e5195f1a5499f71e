"""Turn a fetch outcome into a per-source result: parse, and classify failures."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from scrapers.fetch import Fetched, FetchOutcome
from scrapers.model import ParseContext, Parser, ParseResult, Source

Status = Literal["ok", "fetch-error", "parse-error"]


@dataclass(frozen=True)
class SourceResult:
    source: Source
    status: Status
    http_status: int | None
    seconds: float
    bytes: int
    parsed: ParseResult  # empty unless status == "ok"
    error: str | None
    body_sha256: str | None
    error_kind: str | None = None  # FetchError.kind, or "parse"


def parse_outcome(
    source: Source, outcome: FetchOutcome, parser: Parser, ctx: ParseContext
) -> SourceResult:
    if not isinstance(outcome, Fetched):
        return SourceResult(
            source,
            "fetch-error",
            outcome.http_status,
            outcome.seconds,
            0,
            ParseResult(),
            outcome.reason,
            None,
            outcome.kind,
        )
    parsed = parser(source, outcome.body, ctx)
    digest = hashlib.sha256(outcome.body).hexdigest()
    size = len(outcome.body)
    if parsed.error is not None:
        return SourceResult(
            source,
            "parse-error",
            outcome.http_status,
            outcome.seconds,
            size,
            ParseResult(warnings=parsed.warnings),
            parsed.error,
            digest,
            "parse",
        )
    return SourceResult(
        source, "ok", outcome.http_status, outcome.seconds, size, parsed, None, digest
    )
