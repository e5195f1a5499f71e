"""Property tests of the iCalendar writer: hostile text never breaks or extends a feed.

Events whose title, description, location, organiser, URL, source name and listings are
drawn by hypothesis (tests/hostile_text.py: any Unicode, CR, LF, CRLF, NEL, LINE and
PARAGRAPH SEPARATOR, C0 and C1 controls, NUL, lone surrogates, long lines, ";", ",", "\\",
":" and text shaped like content lines and components) are written by feeds.ical.render_ics
and by the cached publisher (feeds.cached, the bytes actually published), then:

- the file is RFC 5545 at the byte level (CRLF line ends, physical lines of at most 75
  octets that never split a character, no control character but TAB, every content line
  `name *(";" param) ":" value`) and icalendar reads it with no error in any component;
- its components and each VEVENT's properties are exactly those the event calls for:
  nothing a text field held became a line, a property or a component of its own;
- each text reads back, with icalendar here and with ical.js (Thunderbird's parser), as the
  documented rule makes it (README, "Feeds"): line breaks become LF and other controls are
  dropped (hostile_text.clean), titles and place parts are trimmed; the location is name,
  address and postcode, skipping a part already said; the organiser's CN is one line with
  ' for " and / for \\ (a parameter cannot hold either); a URL is what a browser makes
  of it (tabs and line breaks removed, C0 and spaces trimmed, anything outside RFC 3986
  percent-encoded as UTF-8, a lone surrogate as U+FFFD); and a TEXT value loses one
  leading U+FEFF, as icalendar reads a value back from UTF-8 with an optional BOM.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from feeds_factory import FIRST_SEEN, NOW, make_stored
from hostile_text import PREFIX, clean, stored_lists
from hypothesis import example, given
from icalendar import Calendar, Component

from feeds.cached import Cache
from feeds.ical import render_ics, sort_key
from feeds.specs import FeedSpec, explain, keyed_spec
from scrapers.model import Event, Location
from warehouse.records import StoredEvent

SPEC = keyed_spec("region", "london")
JS = Path(__file__).parent / "js"
ALWAYS = {
    "UID", "DTSTAMP", "CREATED", "LAST-MODIFIED", "SEQUENCE", "STATUS", "SUMMARY", "DTSTART",
    "DESCRIPTION", "TRANSP",
}  # fmt: skip
# RFC 5545 3.1: name *(";" param) ":" value, where no part holds a CTL but HTAB in values.
_CTL = "\x00-\x08\x0a-\x1f\x7f"
_PARAM_VALUE = f'(?:"[^"{_CTL}]*"|[^";:,{_CTL}]*)'
CONTENT_LINE = re.compile(
    f"[A-Za-z0-9-]+(?:;[A-Za-z0-9-]+={_PARAM_VALUE}(?:,{_PARAM_VALUE})*)*:[^{_CTL}]*"
)
CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")  # every C0 and C1 control but TAB
UID = re.compile(r"[A-Za-z0-9._~:/+=@-]+@convene")
# RFC 3986's characters, and "%" so escapes already in a URL are kept.
_URL_KEPT = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!#$%&'()*+,/:;=?@[]"
)


# --- what the documented rules say each field becomes --------------------------------


def value(text: str) -> str:
    """A TEXT value as written: icalendar drops one byte order mark at its start."""
    return text.removeprefix("\ufeff")


def expected_url(url: str | None) -> str:
    text = re.sub("[\t\n\r]", "", url or "").strip("".join(map(chr, range(0x21))))
    out = []
    for char in text:
        if char in _URL_KEPT:
            out.append(char)
            continue
        scalar = "\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char
        out.extend(f"%{byte:02X}" for byte in scalar.encode("utf-8"))
    return "".join(out)


def expected_location(event: Event) -> str | None:
    if event.location is None:
        return "Online" if event.attendance == "online" else None
    said = ""
    loc = event.location
    for part in (loc.name, loc.address, loc.postcode):
        part = clean(part or "").strip()
        if part and part.casefold() not in said.casefold():
            said = f"{said}, {part}" if said else part
    return said or None


def expected_cn(organiser: str | None) -> str:
    return " ".join(clean(organiser or "").replace('"', "'").replace("\\", "/").split())


def expected_description(spec: FeedSpec, stored: StoredEvent) -> str:
    listings = [(stored.source_name, stored.event.url), *stored.also_listed]
    listed = "\n".join(
        " ".join(part for part in (clean(name).strip(), expected_url(url)) if part)
        for name, url in listings
    )
    label = "Listed by" if len(listings) == 1 else "Listed by (every copy)"
    footer = f"{label}: {listed}\nIn this feed because: {explain(spec, stored)}"
    body = clean(stored.event.description or "").strip()
    return clean(f"{body}\n\n{footer}" if body else footer)


def _has_geo(location: Location | None) -> bool:
    if location is None or location.lat is None or location.lon is None:
        return False
    return abs(location.lat) <= 90 and abs(location.lon) <= 180  # NaN fails both


def expected_properties(stored: StoredEvent) -> set[str]:
    event = stored.event
    names = set(ALWAYS)
    if event.all_day or (event.end is not None and event.end > event.start):
        names.add("DTEND")
    optional = {
        "LOCATION": expected_location(event),
        "GEO": _has_geo(event.location),
        "URL": expected_url(event.url),
        "CATEGORIES": stored.professions,
        "ORGANIZER": expected_cn(event.organiser),
    }
    return names | {name for name, value in optional.items() if value}


# --- the feeds ------------------------------------------------------------------------


def _render(stored: list[StoredEvent]) -> bytes:
    """The reference rendering, after checking the published (cached) bytes equal it."""
    raw = render_ics(SPEC, stored, NOW)
    assert Cache(NOW, None).ics(SPEC, sorted(stored, key=sort_key)) == raw
    return raw


def _check_bytes(raw: bytes) -> None:
    assert raw.endswith(b"\r\n")
    for line in raw[:-2].split(b"\r\n"):
        assert len(line) <= 75, line
        assert b"\r" not in line and b"\n" not in line, line
        text = line.decode("utf-8")  # a fold never splits a character
        assert not CONTROL.search(text), line
    for line in raw[:-2].replace(b"\r\n ", b"").split(b"\r\n"):
        assert CONTENT_LINE.fullmatch(line.decode("utf-8")), line


def _check_components(calendar: Component, raw: bytes, count: int) -> list[Component]:
    for component in calendar.walk():
        assert component.errors == [], (component.name, component.errors)
    names = [component.name for component in calendar.subcomponents]
    zones = names.count("VTIMEZONE")
    assert zones >= 1 and names == ["VTIMEZONE"] * zones + ["VEVENT"] * count
    for component in calendar.subcomponents:
        kinds = {"VTIMEZONE": {"STANDARD", "DAYLIGHT"}, "VEVENT": set()}[component.name]
        assert {sub.name for sub in component.subcomponents} <= kinds
    begins = [line for line in raw.split(b"\r\n") if line.startswith(b"BEGIN:")]
    assert len(begins) == len(list(calendar.walk()))
    vevents: list[Component] = calendar.subcomponents[zones:]
    return vevents


def _content_names(vevent: Component) -> list[str]:
    """Every property line of a VEVENT, by name, repeats included."""
    return sorted(name for name, _ in vevent.property_items(recursive=False)[1:-1])


def _check_event(vevent: Component, stored: StoredEvent) -> None:
    event = stored.event
    assert _content_names(vevent) == sorted(expected_properties(stored))
    assert UID.fullmatch(str(vevent["UID"]))
    assert str(vevent["SUMMARY"]) == value(PREFIX[event.status] + clean(event.title).strip())
    assert str(vevent["DESCRIPTION"]) == value(expected_description(SPEC, stored))
    where = expected_location(event)
    assert str(vevent.get("LOCATION")) == str(where if where is None else value(where))
    assert str(vevent.get("URL")) == str(expected_url(event.url) or None)
    cn = expected_cn(event.organiser)
    if cn:
        assert vevent["ORGANIZER"].params["CN"] == cn
    assert vevent.decoded("DTSTAMP") == NOW and vevent.decoded("CREATED") == FIRST_SEEN
    if not event.all_day:
        assert vevent.decoded("DTSTART") == event.start


HARD = [
    make_stored(
        Event(
            source_id="hostile",
            source_uid="0-\ud800",
            title="Talk\r\nBEGIN:VEVENT\r\nUID:evil",
            start=datetime(2026, 3, 2, 10, tzinfo=NOW.tzinfo),
            url="https://e.example/\ud800",  # crashed clean_url (UnicodeEncodeError)
            description="a\\nb;c,d\x00\x85\u2028END:VCALENDAR",
            location=Location(name="\nATTENDEE:x", address="x" * 100),
            organiser='"\\";X-INJECTED=1:mailto:a@b.example ^n ^\' ^^',
        )
    ),
    # A leading byte order mark: icalendar drops it, the cached publisher kept it.
    make_stored(
        Event(
            source_id="hostile",
            source_uid="1-bom",
            title="\ufeff",
            start=datetime(2026, 3, 3, 10, tzinfo=NOW.tzinfo),
            location=Location(postcode="\ufeff"),
            description="\ufeffbody",
        ),
        source_name="",
    ),
]


@dataclass(frozen=True)
class Drawn:
    raw: bytes
    stored: list[StoredEvent]


def _checked_calendars() -> list[Drawn]:
    """Every calendar hypothesis draws (the profile's max_examples), each checked as
    icalendar reads it, and kept for ical.js."""
    drawn: list[Drawn] = []

    @given(stored_lists())
    @example(HARD)
    def check(stored: list[StoredEvent]) -> None:
        raw = _render(stored)
        _check_bytes(raw)
        calendar = Calendar.from_ical(raw)
        vevents = _check_components(calendar, raw, len(stored))
        assert len({str(vevent["UID"]) for vevent in vevents}) == len(stored)
        for vevent, one in zip(vevents, stored, strict=True):
            _check_event(vevent, one)
        drawn.append(Drawn(raw, stored))

    check()
    return drawn


def _read_with_icaljs(drawn: list[Drawn], folder: Path) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the ical.js cross-check needs Node.js 18+")
    if not (JS / "node_modules" / "ical.js").is_dir():
        pytest.fail("ical.js is not installed: run `npm ci --prefix tests/js` (or make test)")
    paths = []
    for number, one in enumerate(drawn):
        path = folder / f"{number}.ics"
        path.write_bytes(one.raw)
        paths.append(str(path))
    script = str(JS / "ics_to_json.mjs")
    run = subprocess.run([node, script, *paths], capture_output=True, check=False, timeout=300)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    parsed: dict[str, Any] = json.loads(run.stdout)
    return {str(number): parsed[path] for number, path in enumerate(paths)}


def test_hostile_text_neither_breaks_nor_extends_the_calendar(tmp_path: Path) -> None:
    """One draw of calendars, read by two parsers: icalendar for each example as it is
    drawn (so a failure shrinks), then ical.js for all of them in one node process."""
    drawn = _checked_calendars()
    read = _read_with_icaljs(drawn, tmp_path)
    events = 0
    for number, one in enumerate(drawn):
        parsed = read[str(number)]
        assert len(parsed["events"]) == len(one.stored), number
        for got, stored in zip(parsed["events"], one.stored, strict=True):
            event = stored.event
            where = f"calendar {number}, {got['uid']!r}"
            assert sorted(got["properties"]) == sorted(expected_properties(stored)), where
            title = PREFIX[event.status] + clean(event.title).strip()
            assert got["summary"] == value(title), where
            assert got["description"] == value(expected_description(SPEC, stored)), where
            place = expected_location(event)
            assert got["location"] == (place if place is None else value(place)), where
            assert got["url"] == (expected_url(event.url) or None), where
            assert got["organizer_cn"] == (expected_cn(event.organiser) or None), where
            events += 1
    assert len(drawn) >= 100 and events >= 100
