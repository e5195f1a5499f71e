"""iCalendar text written directly: the fast path of the cached publisher (feeds.cached).

feeds.ical builds icalendar objects and lets icalendar serialise them; that is the
reference, and it stays the renderer the tests read. Building objects costs far more than
the text itself, and an event in ten feeds was built ten times. Here each event's VEVENT
is written once as text, split around the one part that differs between feeds (the
"In this feed because" end of DESCRIPTION), and every feed is assembled from the pieces.
The bytes are the same as feeds.ical's (tests/test_feeds_fast.py compares them), so the
lines follow icalendar's conventions: its property order, its parameter quoting, and
its folding at 75 octets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import vDuration, vText
from icalendar.parser import Parameters
from icalendar.timezone.tzid import tzid_from_tzinfo

from feeds.ical import (
    _STATUS,
    DEFAULT_ZONE,
    ORGANIZER_URI,
    PRODID,
    REFRESH,
    all_day_dates,
    as_utc,
    clean_text,
    description_head,
    display_title,
    event_uid,
    event_zone,
    location_text,
    profession_names,
)
from feeds.ical_parts import (
    clean_url,
    escape_text,
    geo,
    param_text,
    plain_text,
    vtimezone,
    writable_time,
)
from feeds.specs import FeedSpec
from warehouse.records import StoredEvent

LIMIT = 75  # octets; a line is folded before the character that would reach it
FOLD = "\r\n "
CRLF = "\r\n"
_ESCAPED_ENDS = "\\^"  # icalendar never folds right after one of these (its issue 1501)
_DAY = timedelta(days=1)
_REFRESH: str = vDuration(REFRESH).to_ical().decode()  # type: ignore[no-untyped-call]


def _octets(char: str) -> int:
    code = ord(char)
    return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4


def chunks(line: str) -> list[str]:
    """The physical lines of one content line, exactly as icalendar folds it."""
    if line.isascii():
        if len(line) < LIMIT:
            return [line]
        found, start, width = [], 0, LIMIT - 1
        while len(line) - start > width:
            end = start + width
            if line[end - 1] in _ESCAPED_ENDS:
                end -= 1
            found.append(line[start:end])
            start = end
        found.append(line[start:])
        return found
    return _chunks_unicode(line)


def _chunks_unicode(line: str) -> list[str]:
    if len(line.encode()) < LIMIT:  # most lines: no per-character walk
        return [line]
    found: list[str] = []
    current: list[str] = []
    count = 0
    for char in line:
        size = _octets(char)
        if current and count + size >= LIMIT:
            if len(current) > 1 and current[-1] in _ESCAPED_ENDS:
                moved = current.pop()
                found.append("".join(current))
                current, count = [moved], _octets(moved)
            else:
                found.append("".join(current))
                current, count = [], 0
        current.append(char)
        count += size
    if current:
        found.append("".join(current))
    return found


def fold(line: str) -> str:
    """One content line, folded, with its CRLF."""
    return FOLD.join(chunks(line)) + CRLF


def text_value(text: str) -> str:
    """A TEXT value as icalendar writes it: escaped, then read back from UTF-8 with an
    optional byte order mark (its to_unicode), which drops one leading U+FEFF."""
    return escape_text(text).removeprefix("\ufeff")


def utc_stamp(moment: datetime) -> str:
    utc = as_utc(moment)
    return f"{utc:%Y%m%dT%H%M%S}Z"


@lru_cache(maxsize=256)
def _tzid(zone: ZoneInfo) -> tuple[str | None, str]:
    """(TZID, parameter text) as icalendar writes them; TZID None for UTC."""
    tzid = tzid_from_tzinfo(zone) or zone.key
    if tzid == "UTC":
        return None, ""
    return tzid, ";" + Parameters({"TZID": tzid}).to_ical().decode()


def _time_line(name: str, moment: datetime, zone: ZoneInfo) -> tuple[str, str | None]:
    local = writable_time(as_utc(moment), zone)
    # writable_time gives the event's ZoneInfo, or datetime.UTC when the wall time is
    # ambiguous; icalendar writes UTC (and zones it knows to equal UTC) with a Z.
    tzid, params = _tzid(local.tzinfo) if isinstance(local.tzinfo, ZoneInfo) else (None, "")
    value = f"{local:%Y%m%dT%H%M%S}" + ("Z" if tzid is None else "")
    return f"{name}{params}:{value}", tzid


def _time_lines(stored: StoredEvent) -> tuple[list[str], frozenset[str]]:
    event = stored.event
    if event.all_day:
        first, end = all_day_dates(event)
        return [f"DTSTART;VALUE=DATE:{first:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}"], frozenset()
    zone = event_zone(event)
    line, tzid = _time_line("DTSTART", event.start, zone)
    lines, tzids = [line], {tzid}
    if event.end is not None and as_utc(event.end) > as_utc(event.start):
        line, tzid = _time_line("DTEND", event.end, zone)
        lines.append(line)
        tzids.add(tzid)
    return lines, frozenset(t for t in tzids if t is not None)


@lru_cache(maxsize=4096)
def _organizer(name: str) -> str:
    return f"ORGANIZER;{Parameters({'CN': name}).to_ical().decode()}:{ORGANIZER_URI}"


@lru_cache(maxsize=4096)
def explanation_text(because: str) -> str:
    """The escaped "In this feed because" text, shared by every event that has it."""
    return escape_text(clean_text(because))


@dataclass(frozen=True)
class VEventText:
    """One event's VEVENT, missing only its feed's explanation."""

    before: str  # every line before DESCRIPTION, folded
    done: str  # DESCRIPTION's finished physical lines, each followed by a fold
    open: str  # its unfinished last physical line, which the explanation continues
    after: str  # every line after DESCRIPTION, through END:VEVENT
    tzids: frozenset[str]  # the zones its times name
    years: tuple[int, int]  # the first and last year its VTIMEZONEs must cover

    def text(self, because: str) -> str:
        """The VEVENT of a feed whose explanation (explanation_text) is `because`."""
        return f"{self.before}{self.done}{fold(self.open + because)}{self.after}"


def _years(stored: StoredEvent) -> tuple[int, int]:
    # The same years as feeds.ical._zone_window reads from each event.
    event = stored.event
    years = [(as_utc(event.start) - _DAY).year]
    if event.end is not None:
        years.append((as_utc(event.end) + _DAY).year)
    return min(years), max(years)


def vevent_text(stored: StoredEvent, now: datetime) -> VEventText:
    """The VEVENT of feeds.ical.build_vevent, as text, once for every feed."""
    event = stored.event
    times, tzids = _time_lines(stored)
    head = [
        "BEGIN:VEVENT",
        f"SUMMARY:{text_value(display_title(event))}",
        *times,
        f"DTSTAMP:{utc_stamp(now)}",
        f"UID:{vText(event_uid(event)).to_ical().decode()}",
        f"SEQUENCE:{stored.sequence}",
    ]
    names = profession_names(stored)
    if names:
        head.append("CATEGORIES:" + ",".join(escape_text(name) for name in names))
    head.append(f"CREATED:{utc_stamp(stored.first_seen)}")
    tail = []
    position = geo(event.location.lat, event.location.lon) if event.location else None
    if position is not None:
        tail.append(f"GEO:{position.to_ical()}")
    tail.append(f"LAST-MODIFIED:{utc_stamp(stored.last_changed)}")
    where = location_text(event)
    if where:
        tail.append(f"LOCATION:{text_value(where)}")
    organiser = param_text(clean_text(event.organiser or ""))
    if organiser:
        tail.append(_organizer(organiser))
    tail += [f"STATUS:{_STATUS[event.status][0]}", "TRANSP:TRANSPARENT"]
    url = clean_url(event.url or "")
    if url:
        tail.append(f"URL:{url}")
    tail.append("END:VEVENT")
    described = chunks("DESCRIPTION:" + text_value(description_head(stored)))
    return VEventText(
        before="".join(fold(line) for line in head),
        done="".join(chunk + FOLD for chunk in described[:-1]),
        open=described[-1],
        after="".join(fold(line) for line in tail),
        tzids=tzids,
        years=_years(stored),
    )


@lru_cache(maxsize=1024)
def calendar_head(title: str, description: str) -> str:
    """The lines of feeds.ical.calendar_shell before END:VCALENDAR, as icalendar writes
    them: its canonical order for VCALENDAR, each value escaped by the same type.
    Building a Calendar and serialising it cost about 2 ms a feed, most of a small
    publish once the events are cached; this text costs microseconds."""
    name = vText(plain_text(title)).to_ical().decode()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{vText(PRODID).to_ical().decode()}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"DESCRIPTION:{text_value(description)}",
        f"X-WR-CALDESC:{vText(plain_text(description)).to_ical().decode()}",
        f"NAME:{name}",
        f"X-WR-CALNAME:{name}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{_REFRESH}",
        "X-PUBLISHED-TTL:PT6H",
    ]
    return "".join(fold(line) for line in lines)


@lru_cache(maxsize=256)
def _zone(tzid: str, first: date, last: date) -> str:
    text: str = vtimezone(tzid, first, last).to_ical().decode()
    return text


def ics_document(spec: FeedSpec, events: list[tuple[VEventText, str]], now: datetime) -> bytes:
    """A feed as feeds.ical.render_ics writes it: `events` are (VEVENT, explanation) in
    the order render_ics sorts them."""
    year = as_utc(now).year
    first = min((e.years[0] for e, _ in events), default=year)
    last = max((e.years[1] for e, _ in events), default=year)
    window = date(min(first, year), 1, 1), date(max(last, year) + 2, 1, 1)
    tzids = sorted({DEFAULT_ZONE}.union(*(e.tzids for e, _ in events)))
    parts = [calendar_head(spec.title, spec.description), *(_zone(tzid, *window) for tzid in tzids)]
    parts += [event.text(because) for event, because in events]
    parts.append("END:VCALENDAR" + CRLF)
    return "".join(parts).encode()
