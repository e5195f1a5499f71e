"""RSS and Atom feeds: blog entries become posts; only entries with real event dates
(RSS event module, xCal, RDF iCal) become events. A publication date never does.

Pure: bytes in, ParseResult out, never raises for bad input. feedparser is handed a
byte stream, never the bytes themselves: given a str or bytes it may treat them as a
URL to fetch or a path to open. It turns off external entities, so nothing outside
the body is ever read; the DOCTYPE, whose plain-text entities feedparser would expand
without limit, is cut out first (scrapers.feed_doctype).
"""

from __future__ import annotations

import hashlib
import html
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapers.feed_doctype import without_doctype
from scrapers.feed_errors import describe_bozo, not_a_feed
from scrapers.feed_events import (
    Vocabulary,
    event_fields,
    field,
    read_end,
    read_moment,
    vocabularies,
)
from scrapers.feed_read import read_feed
from scrapers.feed_text import attendance, plain_text
from scrapers.model import Event, Location, ParseContext, ParseResult, Post, Source, Status
from scrapers.places import find_postcode, source_zone

TITLE_LIMIT = 100
SUMMARY_LIMIT = 1000
DESCRIPTION_LIMIT = 5000
_STATUS = re.compile(r"^\W*(cancel+ed|postponed)\b", re.I)

Entry = Mapping[str, Any]


def parse(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
    try:
        return _parse(source, body, ctx)
    except Exception as exc:  # a feedparser or bs4 bug must not take the run down
        return ParseResult(error=f"could not read the feed: {type(exc).__name__}: {exc}")


def _parse(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
    cut = without_doctype(body)
    if isinstance(cut, str):
        return ParseResult(error=cut)
    warnings = [cut[1]] if cut[1] else []
    parsed = read_feed(cut[0], warnings)
    # Plain dicts: FeedParserDict answers some missing keys from others (with a
    # DeprecationWarning), which would blur "published" and "updated".
    entries: list[Entry] = [dict(e) for e in parsed.get("entries") or [] if isinstance(e, Mapping)]
    bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not entries and not parsed.get("version"):
        return ParseResult(error=not_a_feed(body, parsed, source.url, bozo))
    if bozo is not None:
        warnings.append(describe_bozo(bozo, parsed.get("encoding")))
    zone = source_zone(source, warnings)
    vocabs = vocabularies(parsed.get("namespaces") or {})
    events: list[Event] = []
    posts: list[Post] = []
    for number, entry in enumerate(entries, 1):
        try:
            item = _item(source, entry, vocabs, zone, warnings)
        except Exception as exc:  # one odd entry must not cost the feed its others
            warnings.append(f"entry {number} could not be read ({type(exc).__name__}: {exc})")
            continue
        if isinstance(item, Post):
            posts.append(item)
        elif _in_window(item, ctx):
            events.append(item)
    return ParseResult(events=tuple(events), posts=tuple(posts), warnings=tuple(warnings))


def _item(
    source: Source, entry: Entry, vocabs: list[Vocabulary], zone: tzinfo, warnings: list[str]
) -> Event | Post:
    found = event_fields(entry, vocabs)
    if found is None:
        return _post(source, entry)
    vocab, raw_start = found
    start = read_moment(raw_start, zone)
    if start is None:
        warnings.append(
            f"entry {_title(entry)!r} gives its event start as {raw_start!r}, which is not "
            "a date; kept as a post"
        )
        return _post(source, entry)
    end = read_end(field(entry, f"{vocab.prefix}_{vocab.end}"), start, vocab, zone)
    place = field(entry, f"{vocab.prefix}_{vocab.place}")
    title = _title(entry)
    description = _text(entry, prefer_content=True, limit=DESCRIPTION_LIMIT)
    return Event(
        source_id=source.id,
        source_uid=_uid(entry),
        title=title,
        start=start.when,
        end=end,
        all_day=start.all_day,
        timezone=source.timezone if start.floating else None,
        url=_url(source, entry),
        description=description,
        location=Location(name=place, postcode=find_postcode(place)) if place else None,
        attendance=attendance(place, f"{title} {description or ''}"),
        status=_status(title),
        organiser=field(entry, "ev_organizer") or _author(entry),
        categories=_categories(entry, field(entry, f"{vocab.prefix}_type")),
    )


def _post(source: Source, entry: Entry) -> Post:
    return Post(
        source_id=source.id,
        source_uid=_uid(entry),
        title=_title(entry),
        url=_url(source, entry),
        published=_published(entry),
        summary=_text(entry, prefer_content=False, limit=SUMMARY_LIMIT),
        author=_author(entry),
    )


def _in_window(event: Event, ctx: ParseContext) -> bool:
    # An event still running at the window's start is kept, like any overlap.
    return event.start <= ctx.window_end and (event.end or event.start) >= ctx.window_start


def _uid(entry: Entry) -> str:
    uid = field(entry, "id") or field(entry, "link")
    if uid:
        return uid
    # Nothing stable was published: the title and date are the next best identity.
    seed = f"{_title(entry)}\n{entry.get('published') or entry.get('updated') or ''}"
    return "sha256:" + hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:32]


def _title(entry: Entry) -> str:
    raw = field(entry, "title")
    detail = entry.get("title_detail") or {}
    if raw and "html" in str(detail.get("type", "")):
        raw = plain_text(raw)
    # Microblog feeds (Mastodon, micro.blog) leave titles out; readers show the text.
    return raw or _text(entry, prefer_content=False, limit=TITLE_LIMIT) or "(untitled)"


def _url(source: Source, entry: Entry) -> str | None:
    link = field(entry, "link")
    # feedparser copies a guid into link when the guid may be a permalink; a
    # "tag:" or "urn:" id is no page address.
    if link is None or (entry.get("guidislink") and not _is_web(link)):
        return None
    if not urlsplit(link).scheme and _is_web(source.url):
        link = urljoin(source.url, link)
    return link if _is_web(link) else None


def _is_web(url: str) -> bool:
    try:
        return urlsplit(url).scheme in ("http", "https")
    except ValueError:
        return False


def _published(entry: Entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime(*value[:6], tzinfo=UTC)
            except ValueError:
                continue
    return None


def _text(entry: Entry, *, prefer_content: bool, limit: int) -> str | None:
    content = entry.get("content") or []
    bodies = [str(part.get("value") or "") for part in content if isinstance(part, Mapping)]
    summary = str(entry.get("summary") or "")
    ordered = [*bodies, summary] if prefer_content else [summary, *bodies]
    for raw in ordered:
        text = plain_text(raw, limit)
        if text:
            return text
    return None


def _author(entry: Entry) -> str | None:
    detail = entry.get("author_detail")
    name = detail.get("name") if isinstance(detail, Mapping) else None
    if not isinstance(name, str) or not name.strip():
        name = field(entry, "author")
    if name is None:
        return None
    # WordPress escapes names before wrapping them in CDATA, so "O&#039;Neill" arrives.
    return html.unescape(name).strip() or None


def _categories(entry: Entry, kind: str | None) -> tuple[str, ...]:
    terms = [str(tag.get("term") or tag.get("label") or "").strip() for tag in _tags(entry)]
    if kind:
        terms.append(kind)
    return tuple(dict.fromkeys(term for term in terms if term))


def _tags(entry: Entry) -> list[Mapping[str, Any]]:
    return [tag for tag in entry.get("tags") or [] if isinstance(tag, Mapping)]


def _status(title: str) -> Status:
    match = _STATUS.match(title)
    if match is None:
        return "scheduled"
    return "postponed" if match.group(1).lower() == "postponed" else "cancelled"
