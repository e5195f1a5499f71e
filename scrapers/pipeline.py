"""Turn a fetch outcome into a per-source result: parse, skip, or record the failure."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from scrapers.fetch_types import Fetched, FetchOutcome
from scrapers.model import ParseContext, Parser, ParseResult, Source

# "not-modified": the server answered 304. "unchanged": same body as last time
# once volatile lines are set aside. Neither is parsed; both keep their events.
Status = Literal["ok", "not-modified", "unchanged", "fetch-error", "parse-error"]
SUCCESS: frozenset[str] = frozenset({"ok", "not-modified", "unchanged"})

# Lines that change on every request without the content changing: iCal DTSTAMP,
# feed build dates, Google's generation stamps.
_VOLATILE = re.compile(
    rb"^[ \t]*(?:DTSTAMP[:;]|X-PUBLISHED-TTL|<lastBuildDate>|<updated>|<pubDate>"
    rb"|<generator|<!-- generated|<!-- page generated).*$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class SourceResult:
    source: Source
    status: Status
    outcome: FetchOutcome
    parsed: ParseResult  # empty unless status == "ok"
    error: str | None
    content_digest: str | None
    error_kind: str | None = None  # FetchError.kind, or "parse"

    @property
    def succeeded(self) -> bool:
        return self.status in SUCCESS

    @property
    def http_status(self) -> int | None:
        return self.outcome.http_status

    @property
    def seconds(self) -> float:
        return self.outcome.seconds

    @property
    def bytes(self) -> int:
        return self.outcome.raw_bytes if isinstance(self.outcome, Fetched) else 0


def content_digest(body: bytes) -> str:
    """A hash of the body that ignores stamps which change on every request."""
    return hashlib.sha256(_VOLATILE.sub(b"", body)).hexdigest()


def parse_outcome(
    source: Source,
    outcome: FetchOutcome,
    parser: Parser,
    ctx: ParseContext,
    previous_digest: str | None = None,
) -> SourceResult:
    if not isinstance(outcome, Fetched):
        return SourceResult(
            source, "fetch-error", outcome, ParseResult(), outcome.reason, None, outcome.kind
        )
    if outcome.not_modified:
        return SourceResult(source, "not-modified", outcome, ParseResult(), None, previous_digest)
    digest = content_digest(outcome.body)
    if previous_digest is not None and digest == previous_digest:
        return SourceResult(source, "unchanged", outcome, ParseResult(), None, digest)
    parsed = parser(source, outcome.body, ctx)
    if parsed.error is not None:
        return SourceResult(
            source,
            "parse-error",
            outcome,
            ParseResult(warnings=parsed.warnings),
            parsed.error,
            digest,
            "parse",
        )
    return SourceResult(source, "ok", outcome, parsed, None, digest)
