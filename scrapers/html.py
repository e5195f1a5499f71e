"""The last resort: plain HTML pages with no structured data, read by CSS selectors.

A source of kind "html" names its selectors by role: container (each match is one event),
title and date (required inside each container), link, location and description
(optional). The date is read from a <time datetime> when the date element is or holds one,
else from its text with the source's date_format, else with common UK formats. A selector
that matches nothing is an error, never an empty success: the page has probably changed.

Pure: bytes in, ParseResult out, never raises for bad input.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from urllib.parse import urljoin, urlsplit

import soupsieve
from bs4 import BeautifulSoup, Tag

from scrapers.feed_events import read_moment
from scrapers.feed_text import attendance, plain_text, truncate
from scrapers.model import Event, Location, ParseContext, ParseResult, Source, Status
from scrapers.places import find_postcode, source_zone

REQUIRED = ("container", "title", "date")
OPTIONAL = ("link", "location", "description")
DESCRIPTION_LIMIT = 2000
# Common UK ways of writing a date, each optionally followed by a time.
DATES = ("%d %B %Y", "%d %b %Y", "%A %d %B %Y", "%a %d %b %Y", "%A %d %b %Y", "%d/%m/%Y")
TIMES = ("%H:%M", "%I:%M%p", "%I%p")
_SPACE = re.compile(r"\s+")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ORDINAL = re.compile(r"\b(\d{1,2}) ?(?:st|nd|rd|th)\b", re.I)
_MERIDIEM = re.compile(r"\b(\d{1,2})(?:[.:](\d{2}))?\s*([ap])\.?m\b\.?", re.I)
_RANGE = re.compile(r"\s*[\u2013\u2014]\s*|\s+(?:-|to|until|till)\s+", re.I)  # en, em dash
_STATUS = re.compile(r"^\W*(cancel+ed|postponed)\b", re.I)
_NOT_LINKS = ("#", "javascript:", "mailto:", "tel:")


@dataclass(frozen=True)
class When:
    start: datetime
    end: datetime | None
    all_day: bool
    floating: bool  # read in the source's timezone


def parse(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
    try:
        return _parse(source, body, ctx)
    except Exception as exc:  # a bs4 or soupsieve bug must not take the run down
        return ParseResult(error=f"could not read the page: {type(exc).__name__}: {exc}")


def _parse(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
    selectors = {role: str(sel).strip() for role, sel in source.selectors if str(sel).strip()}
    missing = [role for role in REQUIRED if role not in selectors]
    if missing:
        return ParseResult(
            error=f"the source has no CSS selector for {' and '.join(missing)}: an html source "
            "needs selectors for container, title and date (link, location and description "
            "are optional)"
        )
    for role, selector in selectors.items():
        try:
            soupsieve.compile(selector)
        except soupsieve.SelectorSyntaxError as exc:
            problem = str(exc).splitlines()[0]
            return ParseResult(
                error=f'CSS selector "{selector}" ({role}) is not valid CSS: {problem}'
            )
    warnings: list[str] = []
    zone = source_zone(source, warnings)
    containers = BeautifulSoup(body, "lxml").select(selectors["container"])
    if not containers:
        why = "the response was empty" if not body.strip() else "the page layout may have changed"
        return ParseResult(
            error=f'CSS selector "{selectors["container"]}" (container) matches nothing on the '
            f"page: {why}",
            warnings=tuple(warnings),
        )
    events: list[Event] = []
    skipped: list[str] = []
    used: set[str] = set()
    seen: set[str] = set()
    for number, node in enumerate(containers, 1):
        found = {
            role: node.select_one(selectors[role]) for role in selectors if role != "container"
        }
        used.update(role for role, element in found.items() if element is not None)
        event = _item(source, selectors, number, found, node, zone, skipped)
        if event is None:
            continue
        if event.source_uid in seen:  # two items with one link: the link is no identity
            event = replace(event, source_uid=f"{event.source_uid}#{event.start.isoformat()}")
        seen.add(event.source_uid)
        if event.start <= ctx.window_end and (event.end or event.start) >= ctx.window_start:
            events.append(event)
    warnings += skipped
    for role in OPTIONAL:
        if role in selectors and role not in used:
            warnings.append(
                f'CSS selector "{selectors[role]}" ({role}) matches nothing in any item; '
                "check it still fits the page"
            )
    if len(skipped) == len(containers):
        container = selectors["container"]
        return ParseResult(
            error=f'none of the {len(containers)} items that CSS selector "{container}" '
            "(container) matches could be read: the page layout may have changed. First "
            f"problem: {skipped[0]}",
            warnings=tuple(warnings),
        )
    return ParseResult(events=tuple(events), warnings=tuple(warnings))


def _item(
    source: Source,
    selectors: dict[str, str],
    number: int,
    found: dict[str, Tag | None],
    node: Tag,
    zone: tzinfo,
    skipped: list[str],
) -> Event | None:
    label, title_element, date_element = f"item {number}", found["title"], found["date"]
    title = plain_text(str(title_element)) if title_element is not None else ""
    if title_element is not None and not title:
        skipped.append(f'{label}: its title ("{selectors["title"]}") is empty; skipped')
        return None
    label += f" ({title!r})" if title else ""
    if title_element is None or date_element is None:
        role = "title" if title_element is None else "date"
        skipped.append(
            f'{label}: CSS selector "{selectors[role]}" ({role}) matches nothing inside it; skipped'
        )
        return None
    date_text = _text(date_element)
    when = _when(date_element, date_text, source.date_format, zone)
    if when is None:
        expected = (
            f'the date_format "{source.date_format}"'
            if source.date_format
            else "any date format Convene knows; set date_format for this source"
        )
        shown = truncate(date_text, 80)
        skipped.append(f'{label}: the date "{shown}" does not match {expected}; skipped')
        return None
    chosen = found.get("link")
    link = _link(source, chosen if chosen is not None else title_element) or _link(source, node)
    place = _text(found.get("location")) or None
    about = found.get("description")
    description = plain_text(str(about), DESCRIPTION_LIMIT) if about is not None else None
    seed = f"{title}\n{date_text}"
    uid = link or "sha256:" + hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:32]
    return Event(
        source_id=source.id,
        source_uid=uid,
        title=title,
        start=when.start,
        end=when.end,
        all_day=when.all_day,
        timezone=str(zone) if when.floating and not when.all_day else None,
        url=link if link and urlsplit(link).scheme in ("http", "https") else None,
        description=description or None,
        location=Location(name=place, postcode=find_postcode(place)) if place else None,
        attendance=attendance(place, f"{title} {description or ''}"),
        status=_status(title),
        categories=(),
    )


def _when(element: Tag, text: str, layout: str | None, zone: tzinfo) -> When | None:
    stamp = element if element.name == "time" else element.select_one("time[datetime]")
    value = stamp.get("datetime") if stamp is not None else None
    if isinstance(value, str) and _ISO.match(value.strip()):
        found = _read(value, None, zone)
        if found is not None:
            return found
    whole = _read(text, layout, zone)
    parts = _RANGE.split(text, maxsplit=1)
    if whole is not None or len(parts) != 2:
        return whole
    first, last = _read(parts[0], layout, zone), _read(parts[1], layout, zone)
    if first is None:
        return None
    if first.all_day:  # "6 March 2027 to 8 March 2027"
        end = last.end if last and last.all_day else first.end
    elif last and not last.all_day:  # "11 March 2027, 10:00 to 12 March 2027, 16:00"
        end = last.start
    else:  # "11 March 2027, 10:00 to 16:00": the end is a time on the same day
        clock = _clock(parts[1])
        end = first.start.replace(hour=clock.hour, minute=clock.minute) if clock else None
    end = end if end is not None and end > first.start else first.end
    return When(first.start, end, first.all_day, first.floating)


def _read(text: str, layout: str | None, zone: tzinfo) -> When | None:
    """One date, with or without a time, in the given layout or a common UK one."""
    text = text.strip()
    if _ISO.match(text):
        moment = read_moment(text, zone)
        if moment is None:
            return None
        end = moment.when + timedelta(days=1) if moment.all_day else None
        return When(moment.when, end, moment.all_day, moment.floating)
    if layout:
        layouts = [layout]
    else:
        layouts = [f"{day}{sep}{clock}" for day in DATES for sep in (" ", ", ") for clock in TIMES]
        layouts += list(DATES)
    for candidate in dict.fromkeys([text, _tidy(text)]):
        for pattern in layouts:
            try:
                parsed = datetime.strptime(candidate, pattern)
            except ValueError:
                continue
            timed = any(code in pattern for code in ("%H", "%I", "%M", "%X", "%c", "%T", "%R"))
            if not timed:
                start = datetime.combine(parsed.date(), time(), UTC)
                return When(start, start + timedelta(days=1), True, False)
            if parsed.tzinfo is not None:
                return When(parsed, None, False, False)
            return When(parsed.replace(tzinfo=zone), None, False, True)
    return None


def _clock(text: str) -> time | None:
    for pattern in TIMES:
        try:
            return datetime.strptime(_tidy(text), pattern).time()
        except ValueError:
            continue
    return None


def _tidy(text: str) -> str:
    """Common ways of writing a date brought to what strptime reads."""
    text = _ORDINAL.sub(r"\1", _SPACE.sub(" ", text).strip())
    text = re.sub(r"\bSept\b", "Sep", text, flags=re.I)
    text = _MERIDIEM.sub(lambda m: f"{m[1]}:{m[2] or '00'}{m[3].lower()}m", text)
    text = re.sub(r"(?<=[A-Za-z]),", "", text)  # "Thursday, 11 March" → "Thursday 11 March"
    text = re.sub(r"^(?:date|when|time|date and time)\s*:\s*", "", text, flags=re.I)
    text = re.sub(r"\s+(?:at|from)\s+|\s*@\s*", " ", text, flags=re.I)
    return re.sub(r"\s*,\s*", ", ", text)


def _text(element: Tag | None) -> str:
    return _SPACE.sub(" ", element.get_text(" ")).replace(" ,", ",").strip() if element else ""


def _link(source: Source, element: Tag | None) -> str | None:
    if element is None:
        return None
    anchor = (
        element
        if element.name == "a" and element.has_attr("href")
        else element.select_one("a[href]")
    )
    href = anchor.get("href") if anchor is not None else None
    if not isinstance(href, str) or not href.strip() or href.strip().startswith(_NOT_LINKS):
        return None
    return urljoin(source.url, href.strip())


def _status(title: str) -> Status:
    word = match.group(1).lower() if (match := _STATUS.match(title)) else ""
    return "postponed" if word == "postponed" else "cancelled" if word else "scheduled"
