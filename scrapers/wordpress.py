"""WordPress sites running The Events Calendar (TEC): pages of its REST API's JSON.

GET /wp-json/tribe/events/v1/events gives {"events", "rest_url", "next_rest_url" (only when
there is a next page), "previous_rest_url", "total", "total_pages"}. An event has id,
global_id ("host?id=N"), url, title (escaped by WordPress), description (HTML), start_date
and end_date in its own zone, utc_start_date and utc_end_date ("YYYY-MM-DD HH:MM:SS"),
all_day, timezone (IANA, or a manual "UTC+1"), cost, cost_details, venue (an object, or []),
organizer (a list), categories and tags. The next page goes into ParseResult.follow.
Pure: bytes in, ParseResult out, never raises for bad input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scrapers.feed_text import attendance, plain_text
from scrapers.json_text import without_lone_surrogates
from scrapers.model import Event, Location, ParseContext, ParseResult, Source, Status
from scrapers.places import find_postcode

DESCRIPTION_LIMIT = 2000
ROUTE = "/wp-json/tribe/events/v1/events"
_PREFIX = "not an Events Calendar REST API response: "
_ICAL = "use the site's iCal export instead (its events page with ?ical=1)"
_REFUSED = ("rest_forbidden", "rest_cannot_access", "rest_not_logged_in", "rest_disabled")
_OFFSET = re.compile(r"^UTC([+-])(\d{1,2})(?:([:.])(\d{1,2}))?$")
_STATUS = re.compile(r"^\W*(cancel+ed|postponed)\b", re.I)
_WEB = ("http://", "https://")
_DAY = timedelta(days=1)

Item = Mapping[str, Any]


def parse(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
    try:
        return _parse(source, body, ctx)
    except Exception as exc:  # a bug here must not take the run down
        problem = f"{type(exc).__name__}: {exc}"
        return ParseResult(error=f"could not read the events API response: {problem}")


def _parse(source: Source, body: bytes, ctx: ParseContext) -> ParseResult:
    warnings: list[str] = []
    data = _load(body, warnings)
    if isinstance(data, str):
        return ParseResult(error=data, warnings=tuple(warnings))
    zone = (_zone(source.timezone) or (None, None))[0] or ZoneInfo("Europe/London")
    if _zone(source.timezone) is None:
        warnings.append(f"the source's timezone {source.timezone!r} is unknown; used {zone}")
    events: list[Event] = []
    low, high = ctx.window_start, ctx.window_end
    for number, item in enumerate(data["events"], 1):
        event = _event(source, item, zone, warnings) if isinstance(item, Mapping) else None
        if not isinstance(item, Mapping):
            warnings.append(f"item {number} of the events list is not a JSON object; skipped")
        # An event still running at the window's start is kept, like any overlap.
        elif event and event.start <= high and (event.end or event.start) >= low:
            events.append(event)
    url, here = _str(data.get("next_rest_url")), (data.get("rest_url"), source.url)
    follow = (url,) if url.startswith(_WEB) and url not in here else ()
    return ParseResult(events=tuple(events), warnings=tuple(warnings), follow=follow)


def _load(body: bytes, warnings: list[str]) -> dict[str, Any] | str:
    """The decoded response, or the error to report."""
    text = without_lone_surrogates(body.decode("utf-8-sig", errors="replace").strip())
    if "\ufffd" in text:
        warnings.append("the response is not valid UTF-8; unreadable bytes were replaced")
    if not text:
        return _PREFIX + "the response was empty; check the source URL still answers"
    try:
        data = json.loads(text)
    except ValueError as exc:
        start = text.find('{"events"')  # PHP notices printed before the JSON are common
        try:
            data = json.loads(text[start:]) if start > 0 else None
        except ValueError:
            data = None
        if data is None:
            return _PREFIX + (
                "the response is an HTML page, not JSON: the site may have sent its home page, "
                f"a login page or a security check. Check the URL ends {ROUTE}, or {_ICAL}"
                if text.startswith("<")
                else f"the response is not valid JSON ({exc})"
            )
        warnings.append("the site printed text (often a PHP warning) before the JSON; ignored it")
    if isinstance(data, list):  # what WordPress's own /wp-json/wp/v2/ routes give
        return _PREFIX + f"the JSON is a list of posts with no event dates; use {ROUTE}"
    if not isinstance(data, dict):
        return _PREFIX + f"the JSON is a single {type(data).__name__}, not an object"
    if isinstance(data.get("code"), str) and "events" not in data:
        return _wordpress_error(str(data["code"]), plain_text(_str(data.get("message"))))
    if not isinstance(data.get("events"), list):
        keys = ", ".join(sorted(str(key) for key in data)[:8]) or "none"
        return _PREFIX + f'the JSON has no "events" list (its keys: {keys})'
    return data


def _wordpress_error(code: str, message: str) -> str:
    said = f"WordPress said {code}" + (f": {message}" if message else "")
    if code == "rest_no_route":
        return (
            f"the site has no The Events Calendar REST API ({said}): check the plugin is "
            f"installed and its REST API is switched on, or {_ICAL}"
        )
    if code in _REFUSED:
        return f"the site does not let visitors use its REST API ({said}); {_ICAL}"
    if code == "event-archive-page-not-found":
        return f"there is no such page of events ({said}); events may have been removed meanwhile"
    return f"WordPress answered with an error instead of events ({said})"


def _zone(name: str) -> tuple[tzinfo, str | None] | None:
    """The zone to read local times in and the IANA name to record, or None if unknown."""
    offset = _OFFSET.match(name.upper().replace(" ", ""))
    if offset:  # a manual offset from WordPress's settings: fixed, no summer time
        hours, part = int(offset.group(2)), offset.group(4) or "0"
        # WordPress writes half hours as decimals ("UTC+5.5"); "UTC+5:30" means minutes.
        minutes = int(part) if offset.group(3) == ":" else round(float(f"0.{part}") * 60)
        shift = (-1 if offset.group(1) == "-" else 1) * timedelta(hours=hours, minutes=minutes)
        # "UTC-99" is no offset: unknown, like a zone name no one knows.
        return (timezone(shift), None) if abs(shift) < timedelta(hours=24) else None
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _event(source: Source, item: Item, fallback: tzinfo, warnings: list[str]) -> Event | None:
    title = plain_text(_str(item.get("title")))
    label = f"event {item.get('id')!s}" + (f" ({title!r})" if title else "")
    local_start, local_end = _moment(item.get("start_date")), _moment(item.get("end_date"))
    utc_start, utc_end = _moment(item.get("utc_start_date")), _moment(item.get("utc_end_date"))
    first = local_start or utc_start
    if not title or first is None:
        raw = item.get("utc_start_date") or item.get("start_date")
        missing = "title" if first else f"readable start date ({raw!r})" if raw else "start date"
        warnings.append(f"{label} has no {missing}; skipped")
        return None
    published = _str(item.get("timezone")).strip()
    zone, zone_name = (_zone(published) or (None, None)) if published else (fallback, None)
    all_day = item.get("all_day") in (True, 1, "1", "true", "yes")
    if all_day:  # midnight UTC of the local dates; TEC ends them at 23:59:59 on the last day
        start = datetime.combine(first.date(), time(), UTC)
        last = (local_end - timedelta(seconds=1)).date() + _DAY if local_end else None
        end: datetime | None = max(start + _DAY, datetime.combine(last or start, time(), UTC))
    else:
        if zone is None and not utc_start:
            warnings.append(f"{label} has an unknown timezone {published!r}; used the source's")
        zone = zone or fallback
        start = utc_start.replace(tzinfo=UTC) if utc_start else first.replace(tzinfo=zone)
        end = utc_end.replace(tzinfo=UTC) if utc_end else None
        end = end or (local_end.replace(tzinfo=zone) if local_end else None)
    if end is not None and end < start:
        warnings.append(f"{label} ends before it starts; its end was left out")
        end = None
    venue = item.get("venue")
    place = _location(venue) if isinstance(venue, Mapping) and venue else None
    description = plain_text(_str(item.get("description")), DESCRIPTION_LIMIT)
    where = ", ".join(part for part in (place.name, place.address) if part) if place else None
    url = _str(item.get("url"))
    ids = [_str(item.get(key)).strip() for key in ("global_id", "id", "url")]
    return Event(
        source_id=source.id,
        source_uid=next((uid for uid in ids if uid), f"{title} {start.isoformat()}"),
        title=title,
        start=start.astimezone(UTC),
        end=end.astimezone(UTC) if end else None,
        all_day=all_day,
        timezone=None if all_day else zone_name,
        url=url if url.startswith(_WEB) else None,
        description="\n\n".join(part for part in (description, _cost(item)) if part) or None,
        location=place,
        attendance=attendance(where, f"{title} {description}"),
        status=_status(title),
        organiser=_organiser(item.get("organizer")),
        categories=_terms(item.get("categories"), item.get("tags")),
    )


def _moment(value: object) -> datetime | None:
    text = _str(value).strip().replace("T", " ")
    for layout in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    return None


def _location(venue: Mapping[str, Any]) -> Location:
    name = plain_text(_str(venue.get("venue"))) or None
    parts = [plain_text(_str(venue.get(key))) for key in ("address", "city", "zip")]
    address = ", ".join(part for part in parts if part) or None
    postcode = find_postcode(parts[2].upper()) or find_postcode(address or "")
    lat, lon = _number(venue.get("geo_lat")), _number(venue.get("geo_lng"))
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:  # NaN fails too
        lat = lon = None
    return Location(name=name, address=address, postcode=postcode, lat=lat, lon=lon)


def _number(value: object) -> float | None:
    try:
        number = float(_str(value).strip().lstrip("£$€"))
    except ValueError:
        return None
    return None if number != number else number  # NaN is no number


def _cost(item: Item) -> str | None:
    cost = plain_text(_str(item.get("cost")))
    details = item.get("cost_details")
    details = details if isinstance(details, Mapping) else {}
    values = details.get("values")
    if not cost and isinstance(values, list) and values:
        # values are the prices sorted low to high; all zero means a free event
        free = all(_number(value) == 0 for value in values)
        cost = "0" if free else f"{_str(details.get('currency_symbol'))}{values[-1]}"
    if not cost:
        return None
    return "Cost: Free" if cost.lower() == "free" or _number(cost) == 0 else f"Cost: {cost}"


def _organiser(value: object) -> str | None:
    people = [value] if isinstance(value, Mapping) else value if isinstance(value, list) else []
    names = [_str(who.get("organizer")) for who in people if isinstance(who, Mapping)]
    return next((plain_text(name) for name in names if plain_text(name)), None)


def _terms(*groups: object) -> tuple[str, ...]:
    terms = [term for group in groups if isinstance(group, list) for term in group]
    names = [plain_text(_str(term.get("name"))) for term in terms if isinstance(term, Mapping)]
    return tuple(dict.fromkeys(name for name in names if name))


def _status(title: str) -> Status:
    word = match.group(1).lower() if (match := _STATUS.match(title)) else ""
    return "postponed" if word == "postponed" else "cancelled" if word else "scheduled"


def _str(value: object) -> str:
    """Text from a JSON string or number; WordPress writes false for "none"."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return value if isinstance(value, str) else str(value)
