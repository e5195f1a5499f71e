"""Per-source results as Arrow rows and back, exactly: see warehouse/shards.py.

Datetimes are stored as UTC instants with the zone they were published in (an IANA name
or a fixed offset), since an event's content hash reads the offset it was given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from scrapers.fetch_types import Fetched, FetchError, FetchOutcome, RobotsRecord
from scrapers.model import Event, Location, ParseResult, Post, Source
from scrapers.pipeline import SourceResult

TS = pa.timestamp("us", tz="UTC")
TEXTS = pa.list_(pa.string())
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Row = dict[str, Any]
Columns = dict[str, list[Any]]

_SOURCE = pa.struct(
    [("id", pa.string()), ("name", pa.string()), ("organiser", pa.string()),
     ("url", pa.string()), ("kind", pa.string()), ("regions", TEXTS), ("professions", TEXTS),
     ("enabled", pa.bool_()), ("timezone", pa.string()), ("local", pa.bool_()),
     ("base_dir", pa.string()), ("notes", pa.string()), ("max_body_mb", pa.float64()),
     ("ignore_robots", pa.bool_()), ("priority", pa.int64()), ("max_pages", pa.int64()),
     ("selectors", pa.list_(TEXTS)), ("date_format", pa.string())]
)  # fmt: skip
# The fields of Fetched and FetchError together; `type` says which one a row is.
_OUTCOME = pa.struct(
    [("type", pa.string()), ("url", pa.string()), ("http_status", pa.int32()),
     ("seconds", pa.float64()), ("final_url", pa.string()), ("attempts", pa.int32()),
     ("moved_to", pa.string()), ("content_type", pa.string()), ("etag", pa.string()),
     ("last_modified", pa.string()), ("not_modified", pa.bool_()), ("encoding", pa.string()),
     ("raw_bytes", pa.int64()), ("body", pa.binary()), ("kind", pa.string()),
     ("reason", pa.string()), ("retry_after", pa.float64()), ("retriable", pa.bool_()),
     ("robots", pa.struct([("site", pa.string()), ("status", pa.int32()),
                           ("body", pa.binary()), ("fetched_at", TS)]))]
)  # fmt: skip
RESULT_SCHEMA = pa.schema(
    [("source_id", pa.string()), ("status", pa.string()), ("error", pa.string()),
     ("error_kind", pa.string()), ("content_digest", pa.string()), ("warnings", TEXTS),
     ("follow", TEXTS), ("parse_error", pa.string()), ("source", _SOURCE),
     ("outcome", _OUTCOME)]
)  # fmt: skip
EVENT_SCHEMA = pa.schema(
    [("result", pa.string()), ("source_id", pa.string()), ("source_uid", pa.string()),
     ("title", pa.string()), ("start", TS), ("start_tz", pa.string()), ("end", TS),
     ("end_tz", pa.string()), ("all_day", pa.bool_()), ("timezone", pa.string()),
     ("url", pa.string()), ("description", pa.string()), ("location", pa.bool_()),
     ("location_name", pa.string()), ("address", pa.string()), ("postcode", pa.string()),
     ("lat", pa.float64()), ("lon", pa.float64()), ("attendance", pa.string()),
     ("status", pa.string()), ("organiser", pa.string()), ("categories", TEXTS)]
)  # fmt: skip
POST_SCHEMA = pa.schema(
    [("result", pa.string()), ("source_id", pa.string()), ("source_uid", pa.string()),
     ("title", pa.string()), ("url", pa.string()), ("published", TS),
     ("published_tz", pa.string()), ("summary", pa.string()), ("author", pa.string())]
)  # fmt: skip
TABLES = ("results", "events", "posts")
SCHEMAS = (RESULT_SCHEMA, EVENT_SCHEMA, POST_SCHEMA)
_LOCATION = ("name", "address", "postcode", "lat", "lon")
_EVENT_FIELDS = [f.name for f in fields(Event) if f.name != "location"]
_POST_FIELDS = [f.name for f in fields(Post)]


def _zone(value: datetime | None) -> str | None:
    """What turns a UTC instant back into `value` as published (its offset is hashed)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return "naive"
    if isinstance(value.tzinfo, ZoneInfo) and value.tzinfo.key:
        return value.tzinfo.key
    offset = value.utcoffset() or timedelta(0)
    return f"{offset.total_seconds():+.0f}"


def _unzone(value: datetime | None, zone: str | None) -> datetime | None:
    if value is None or zone is None:
        return value
    if zone == "naive":
        return value.replace(tzinfo=None)
    if zone[0] in "+-":
        return value.astimezone(timezone(timedelta(seconds=int(zone))))
    return value.astimezone(ZoneInfo(zone))


def _outcome_row(outcome: FetchOutcome, bodies: bool) -> Row:
    row = {f.name: getattr(outcome, f.name) for f in fields(outcome)}
    row["type"] = "fetched" if isinstance(outcome, Fetched) else "error"
    # The robots.txt answer a worker read goes to the merge, which remembers it.
    row["robots"] = None if outcome.robots is None else asdict(outcome.robots)
    if "body" in row and not bodies:
        row["body"] = None
    return row


def _outcome(row: Row) -> FetchOutcome:
    robots = RobotsRecord(**row["robots"]) if row["robots"] is not None else None
    if row["type"] == "fetched":
        given = {f.name: row[f.name] for f in fields(Fetched)}
        return Fetched(**{**given, "body": given["body"] or b"", "robots": robots})
    return FetchError(**{**{f.name: row[f.name] for f in fields(FetchError)}, "robots": robots})


def _source_row(source: Source) -> Row:
    row = {f.name: getattr(source, f.name) for f in fields(Source)}
    row["base_dir"] = None if source.base_dir is None else str(source.base_dir)
    row["selectors"] = [list(pair) for pair in source.selectors]
    return row


def _source(row: Row) -> Source:
    base = row["base_dir"]
    return Source(
        **{
            **row,
            "regions": tuple(row["regions"]),
            "professions": tuple(row["professions"]),
            "base_dir": None if base is None else Path(base),
            "selectors": tuple((role, css) for role, css in row["selectors"]),
        }
    )


def _event_row(result: str, e: Event) -> Row:
    row = {name: getattr(e, name) for name in _EVENT_FIELDS}
    row.update(result=result, start_tz=_zone(e.start), end_tz=_zone(e.end))
    row["location"] = e.location is not None
    for name in _LOCATION:
        key = "location_name" if name == "name" else name
        row[key] = getattr(e.location, name) if e.location else None
    return row


def _events(c: Columns) -> dict[str, list[Event]]:
    """Events by the result they belong to, built straight from the columns."""
    found: dict[str, list[Event]] = {}
    places = zip(c["location"], *(c[k] for k in ("location_name", *_LOCATION[1:])), strict=True)
    for result, sid, uid, title, start, start_tz, end, end_tz, all_day, zone, url, text, (
        has_place, *place
    ), attendance, status, organiser, categories in zip(
        c["result"], c["source_id"], c["source_uid"], c["title"], c["start"], c["start_tz"],
        c["end"], c["end_tz"], c["all_day"], c["timezone"], c["url"], c["description"], places,
        c["attendance"], c["status"], c["organiser"], c["categories"], strict=True,
    ):  # fmt: skip
        found.setdefault(result, []).append(
            Event(
                sid,
                uid,
                title,
                _unzone(start, start_tz) or start,
                _unzone(end, end_tz),
                all_day=all_day,
                timezone=zone,
                url=url,
                description=text,
                location=Location(*place) if has_place else None,
                attendance=attendance,
                status=status,
                organiser=organiser,
                categories=tuple(categories),
            )
        )
    return found


def _post_row(result: str, p: Post) -> Row:
    row = {name: getattr(p, name) for name in _POST_FIELDS}
    return {**row, "result": result, "published_tz": _zone(p.published)}


def _posts(c: Columns) -> dict[str, list[Post]]:
    found: dict[str, list[Post]] = {}
    for result, zone, *values in zip(
        c["result"], c["published_tz"], *(c[n] for n in _POST_FIELDS), strict=True
    ):
        post = dict(zip(_POST_FIELDS, values, strict=True))
        post["published"] = _unzone(post["published"], zone)
        found.setdefault(result, []).append(Post(**post))
    return found


def table_columns(table: pa.Table) -> Columns:
    """The table's columns as lists, timestamps and lists of text converted a column at a
    time (pyarrow's own per-value conversion of those is slow)."""
    found: dict[str, list[Any]] = {}
    for name, chunked in zip(table.column_names, table.columns, strict=True):
        column = chunked.combine_chunks()
        if pa.types.is_timestamp(column.type):
            micros = column.cast(pa.int64()).to_pylist()
            found[name] = [None if v is None else EPOCH + timedelta(microseconds=v) for v in micros]
        elif column.type == TEXTS:
            values, ends, valid = (
                column.values.to_pylist(), column.offsets.to_pylist(), column.is_valid().to_pylist()
            )  # fmt: skip
            found[name] = [
                values[a:b] if ok else None for a, b, ok in zip(ends, ends[1:], valid, strict=False)
            ]
        else:
            found[name] = column.to_pylist()
    return found


def column_rows(columns: Columns) -> list[Row]:
    return [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]


def result_rows(
    results: Sequence[SourceResult], bodies: bool = False
) -> tuple[list[Row], list[Row], list[Row]]:
    """Rows of results, events and posts; fetched bodies only when `bodies`."""
    rows = [
        {
            "source_id": r.source.id,
            "status": r.status,
            "error": r.error,
            "error_kind": r.error_kind,
            "content_digest": r.content_digest,
            "warnings": list(r.parsed.warnings),
            "follow": list(r.parsed.follow),
            "parse_error": r.parsed.error,
            "source": _source_row(r.source),
            "outcome": _outcome_row(r.outcome, bodies),
        }
        for r in results
    ]
    events = [_event_row(r.source.id, e) for r in results for e in r.parsed.events]
    posts = [_post_row(r.source.id, p) for r in results for p in r.parsed.posts]
    return rows, events, posts


def from_columns(rows: list[Row], events: Columns, posts: Columns) -> list[SourceResult]:
    """The results again; raises ValueError when an event or post has no result."""
    by_result, posts_by = _events(events), _posts(posts)
    results = []
    for row in rows:
        sid = row["source_id"]
        parsed = ParseResult(
            tuple(by_result.pop(sid, ())),
            tuple(posts_by.pop(sid, ())),
            tuple(row["warnings"]),
            row["parse_error"],
            tuple(row["follow"]),
        )
        outcome = _outcome(row["outcome"])
        status, error, digest = row["status"], row["error"], row["content_digest"]
        results.append(
            SourceResult(
                _source(row["source"]), status, outcome, parsed, error, digest, row["error_kind"]
            )
        )
    if by_result or posts_by:
        raise ValueError(f"events or posts of unknown sources: {sorted({*by_result, *posts_by})}")
    return results
