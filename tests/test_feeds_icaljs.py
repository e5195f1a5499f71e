"""Every published .ics read by two independent parsers: icalendar and ical.js.

ical.js is Mozilla's iCalendar parser (Thunderbird's). The realistic sample events and
a set of hard ones are published with feeds.write.publish; then every .ics file is
parsed by icalendar here and by ical.js in one node process (tests/js/ics_to_json.mjs),
and the two readings must agree field by field, with the same UTC instants, and agree
with what was published. ical.js resolves TZIDs from the file's own VTIMEZONEs, so this
also checks the VTIMEZONE definitions. Needs `npm ci --prefix tests/js` (make test).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from feeds_factory import NOW, make_event, make_stored, sample_events
from icalendar import Calendar, Component

from feeds.ical import clean_text, event_uid, profession_names
from feeds.ical_parts import clean_url
from feeds.specs import explain, spec_for_slug
from feeds.write import publish
from scrapers.model import Location
from warehouse.records import Label, StoredEvent

JS = Path(__file__).parent / "js"
SCRIPT = JS / "ics_to_json.mjs"

# Text that folds inside multi-byte characters: 2-byte Welsh letters, 3-byte Chinese,
# 4-byte emoji, combining marks and ZWJ sequences, at every offset against the fold.
WELSH = (
    "Cynhadledd flynyddol Gwasanaethau Cyhoeddus Digidol Cymru: gŵyl, sŵn a chân; "
    "ymchwil defnyddwyr, dylunio gwasanaethau, data a deallusrwydd artiffisial "
    "ar gyfer cyrff cyhoeddus — croeso i bawb, yn Gymraeg ac yn Saesneg. "
)
CHINESE = "公共服务数字化转型研讨会：数据、人工智能与伦理；欢迎所有公共部门工作人员参加。"  # noqa: RUF001
EMOJI = "👩🏽‍💻🏴󠁧󠁢󠁷󠁬󠁳󠁿🎉🙂 Cafe\u0301 n\u0303o Zoë A\u030a "
# Every TEXT special: comma, semicolon, backslash (also before n, N, comma) and newline.
PUNCT = "a, b; c \\ d \\n e \\N f \\, g\nh"


def _stored(uid: str, title: str, start: datetime, **kw: Any) -> StoredEvent:
    """A hard case: event fields in kw, StoredEvent fields under "stored"."""
    stored_kw = kw.pop("stored", {})
    event = make_event(source_id="hard", source_uid=uid, title=title, start=start, **kw)
    base: dict[str, Any] = {"source_name": "Hard cases", "regions": ("london",)}
    return make_stored(event, **(base | stored_kw))


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


HARD = [
    _stored(
        "emoji",
        EMOJI * 3,
        _utc(2026, 2, 5, 18),
        end=_utc(2026, 2, 5, 20),
        description=(EMOJI * 9).strip(),
        location=Location(name="Cafe\u0301 🎉", address="1 Stryd Fawr, Caerdydd CF10 1AA"),
        organiser="Zoë's 👩🏽‍💻 crew",
        stored={"regions": ("wales",)},
    ),
    *(
        _stored(
            f"welsh-{shift}",
            "x" * shift + WELSH,
            _utc(2026, 3, 2 + shift, 9, 30),
            end=_utc(2026, 3, 2 + shift, 17),
            description="y" * shift + WELSH * 4,
            location=Location(name="Canolfan Mileniwm Cymru", address="Bae Caerdydd, Caerdydd"),
            organiser="Llywodraeth Cymru — Gwasanaethau Digidol",
            stored={"regions": ("wales",), "professions": ("digital", "user-research")},
        )
        for shift in range(4)
    ),
    *(
        _stored(
            f"chinese-{shift}",
            "z" * shift + CHINESE * 2,
            _utc(2026, 4, 7 + shift, 8),
            end=_utc(2026, 4, 7 + shift, 10),
            timezone="Asia/Shanghai",
            description="w" * shift + CHINESE * 8,
            location=Location(name="上海国际会议中心", address="上海市浦东新区滨江大道2727号"),
            attendance="online",
            stored={"regions": ("online",), "professions": ("data", "ai")},
        )
        for shift in range(3)
    ),
    _stored(
        "punct, every; field \\ here",
        f"Title {PUNCT}",
        _utc(2026, 2, 12, 10),
        end=_utc(2026, 2, 12, 11),
        url="https://punct.example/e?a=1,2;b=3&c=%5C",
        description=f"Description {PUNCT}",
        location=Location(name=f"Name {PUNCT}", address=f"Address {PUNCT}", postcode="LS1 1AA"),
        organiser=f'Organiser {PUNCT} ^caret "quoted" colon: here',
        stored={
            "source_name": f"Source {PUNCT}",
            "also_listed": ((f"Copy {PUNCT}", "https://copy.example/a,b;c"), ("No link", None)),
            "professions": ("policy", "made-up, with; specials \\ here"),
            "labels": (Label("region", "london", "postcode", f"reason {PUNCT}"),),
        },
    ),
    _stored(  # all day, three days across the new year
        "new-year",
        "New year data festival",
        _utc(2026, 12, 30),
        end=_utc(2027, 1, 2),
        all_day=True,
        timezone=None,
        stored={"regions": ("uk-wide",), "professions": ("data",)},
    ),
    # The clocks go back at 01:00 UTC on 25 October 2026: 01:30 happens twice in London.
    _stored("fall-back-bst", "At 01:30 BST", _utc(2026, 10, 25, 0, 30), end=_utc(2026, 10, 25, 1)),
    _stored("fall-back-gmt", "At 01:30 GMT", _utc(2026, 10, 25, 1, 30), end=_utc(2026, 10, 25, 2)),
    _stored(  # US clocks go forward on 8 March 2026, two weeks before the UK's
        "new-york",
        "Civic tech meetup, New York",
        _utc(2026, 3, 7, 23),  # 18:00 EST
        end=_utc(2026, 3, 8, 15),  # 11:00 EDT
        timezone="America/New_York",
        attendance="online",
        stored={"regions": ("online",)},
    ),
    _stored(  # southern hemisphere: Sydney leaves summer time on 5 April 2026
        "sydney",
        "Digital government summit, Sydney",
        _utc(2026, 4, 4, 14, 30),  # 01:30 AEDT
        end=_utc(2026, 4, 4, 16, 30),  # 02:30 AEST
        timezone="Australia/Sydney",
        attendance="online",
        stored={"regions": ("online",)},
    ),
    _stored(
        "kathmandu",
        "Quarter-hour zone",
        _utc(2026, 6, 1, 4, 15),
        end=_utc(2026, 6, 1, 5),
        timezone="Asia/Kathmandu",
        attendance="online",
        stored={"regions": ("online",)},
    ),
    _stored(  # 19:00 on 31 December 2025 in Los Angeles: the year before any other event
        "los-angeles",
        "New year's eve webinar",
        _utc(2026, 1, 1, 3),
        end=_utc(2026, 1, 1, 4),
        timezone="America/Los_Angeles",
        attendance="online",
        stored={"regions": ("online",)},
    ),
    _stored("far-future", "A conference in 2031", _utc(2031, 7, 1, 8), end=_utc(2031, 7, 3, 16)),
    _stored("utc", "Published in UTC", _utc(2026, 5, 5, 12), timezone="UTC"),
    _stored(
        "cancelled",
        "Cancelled; with, specials",
        _utc(2026, 2, 20, 9),
        end=_utc(2026, 2, 20, 10),
        status="cancelled",
    ),
    _stored("postponed", "Postponed talk", _utc(2026, 2, 21, 9), status="postponed"),
    _stored("tentative", "Maybe talk", _utc(2026, 2, 22, 9), status="tentative"),
    _stored("no-end", "No end given", _utc(2026, 2, 23, 9), end=None),
    _stored("end-first", "End before start", _utc(2026, 2, 24, 9), end=_utc(2026, 2, 24, 8)),
    _stored(
        "greenwich",
        "On the meridian",
        _utc(2026, 2, 25, 9),
        location=Location(name="Royal Observatory", lat=51.4778, lon=0.00005),
    ),
    _stored(
        "controls",
        "Bell\x07 NUL\x00 DEL\x7f NEL\x85 LS\u2028 PS\u2029 lone\ud800 BOM\ufeff tab\tend",
        _utc(2026, 2, 26, 9),
        description="Carriage\rreturn, CRLF\r\nand form\x0cfeed",
    ),
    _stored(
        "messy-url",
        "A listing with a messy URL",
        _utc(2026, 2, 27, 9),
        url=" https://events.example/café/a b\n?q=ü ",
    ),
]


def all_events() -> list[StoredEvent]:
    return [*sample_events(), *HARD]


@dataclass(frozen=True)
class Published:
    files: list[Path]
    raw: dict[Path, bytes]
    python: dict[Path, Calendar]
    js: dict[Path, dict[str, Any]]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the ical.js cross-check needs Node.js 18+")
    if not (JS / "node_modules" / "ical.js").is_dir():
        pytest.fail("ical.js is not installed: run `npm ci --prefix tests/js` (or make test)")
    out = tmp_path_factory.mktemp("published")
    publish(all_events(), out, NOW)
    files = sorted(out.glob("*.ics"))
    run = subprocess.run(
        [node, str(SCRIPT), *map(str, files)], capture_output=True, check=False, timeout=120
    )
    assert run.returncode == 0, run.stderr.decode()
    parsed = json.loads(run.stdout)
    raw = {path: path.read_bytes() for path in files}
    return Published(
        files=files,
        raw=raw,
        python={path: Calendar.from_ical(raw[path]) for path in files},
        js={path: parsed[str(path)] for path in files},
    )


# --- icalendar's reading, in the shape ics_to_json.mjs prints ----------------------


def _instant(value: date | datetime) -> str:
    if not isinstance(value, datetime):
        return value.isoformat()
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(vevent: Component, name: str) -> dict[str, Any] | None:
    if name not in vevent:
        return None
    value = vevent.decoded(name)
    return {
        "value": _instant(value),
        "date": not isinstance(value, datetime),
        "tzid": vevent[name].params.get("TZID"),
    }


def _text(vevent: Component, name: str) -> str | None:
    return str(vevent[name]) if name in vevent else None


def _categories(vevent: Component) -> list[str]:
    props = vevent.get("CATEGORIES", [])
    props = props if isinstance(props, list) else [props]
    return [str(cat) for prop in props for cat in prop.cats]


def python_event(vevent: Component) -> dict[str, Any]:
    organizer = vevent.get("ORGANIZER")
    geo = vevent.get("GEO")
    return {
        "properties": sorted(vevent.keys()),
        "uid": _text(vevent, "UID"),
        "summary": _text(vevent, "SUMMARY"),
        "description": _text(vevent, "DESCRIPTION"),
        "location": _text(vevent, "LOCATION"),
        "url": _text(vevent, "URL"),
        "status": _text(vevent, "STATUS"),
        "transp": _text(vevent, "TRANSP"),
        "sequence": vevent.decoded("SEQUENCE") if "SEQUENCE" in vevent else None,
        "categories": _categories(vevent),
        "organizer": None if organizer is None else str(organizer),
        "organizer_cn": None if organizer is None else organizer.params.get("CN"),
        "geo": None if geo is None else [geo.latitude, geo.longitude],
        "dtstart": _time(vevent, "DTSTART"),
        "dtend": _time(vevent, "DTEND"),
        "created": _time(vevent, "CREATED"),
        "last_modified": _time(vevent, "LAST-MODIFIED"),
        "dtstamp": _time(vevent, "DTSTAMP"),
    }


def js_event(event: dict[str, Any]) -> dict[str, Any]:
    """ical.js's reading without what icalendar has no notion of (the zone it used)."""
    times = ("dtstart", "dtend", "created", "last_modified", "dtstamp")
    out = {k: v for k, v in event.items() if k not in times}
    out["properties"] = sorted(event["properties"])
    for key in times:
        out[key] = (
            None if event[key] is None else {k: v for k, v in event[key].items() if k != "zone"}
        )
    return out


# --- the cross-check ----------------------------------------------------------------


def test_every_feed_file_is_parsed_by_both(published: Published) -> None:
    names = {path.stem for path in published.files}
    assert {"all", "region-london", "region-wales", "region-online", "profession-policy"} <= names
    for path in published.files:
        assert published.js[path]["name"] == "vcalendar"
        python_uids = [str(ev["UID"]) for ev in published.python[path].walk("VEVENT")]
        assert [ev["uid"] for ev in published.js[path]["events"]] == python_uids, path.name
    everything = published.js[published.files[0].parent / "all.ics"]["events"]
    assert len(everything) == len(all_events())


def test_events_agree_field_by_field(published: Published) -> None:
    compared = 0
    for path in published.files:
        python = [python_event(ev) for ev in published.python[path].walk("VEVENT")]
        js = [js_event(ev) for ev in published.js[path]["events"]]
        assert len(python) == len(js)
        for ours, theirs in zip(python, js, strict=True):
            for field, value in ours.items():
                assert theirs[field] == value, f"{path.name} {ours['uid']} {field}"
            compared += 1
    assert compared > 100


def test_calendar_properties_agree(published: Published) -> None:
    for path in published.files:
        cal = published.python[path]
        props = published.js[path]["calendar"]
        assert sorted(props) == sorted(k for k in cal if not k.startswith("BEGIN"))
        for name, prop in props.items():
            if name == "REFRESH-INTERVAL":
                assert cal.decoded(name) == timedelta(hours=6)
                assert prop["values"] == ["PT6H"] and prop["type"] == "duration"
            else:
                assert prop["values"] == [str(cal[name])], f"{path.name} {name}"
        assert props["X-PUBLISHED-TTL"]["values"] == ["PT6H"]
        assert props["METHOD"]["values"] == ["PUBLISH"]
        spec = spec_for_slug(path.stem)
        assert spec is not None
        assert props["DESCRIPTION"]["values"] == [spec.description]
        # Neither parser unescapes these (ical.js and icalendar do not know them as TEXT),
        # so they are written with nothing to escape: a dash where a comma was.
        for name, text in (("NAME", spec.title), ("X-WR-CALNAME", spec.title)):
            assert props[name]["values"] == [text.replace(", ", " \u2013 ")], path.name
        caldesc = props["X-WR-CALDESC"]["values"][0]
        assert caldesc.replace(" \u2013 ", ", ") == spec.description


def test_every_tzid_resolves_to_the_files_own_vtimezone(published: Published) -> None:
    for path in published.files:
        parsed = published.js[path]
        assert "Europe/London" in parsed["timezones"]
        used = set()
        for event in parsed["events"]:
            for key in ("dtstart", "dtend"):
                time = event[key]
                if time is None or time["date"]:
                    continue
                if time["tzid"] is None:
                    assert time["zone"] == "UTC", f"{path.name} {event['uid']} floating"
                else:
                    assert time["zone"] == time["tzid"], f"{path.name} {event['uid']}"
                    used.add(time["tzid"])
        assert used <= set(parsed["timezones"])
        assert parsed["components"][: len(parsed["timezones"])] == ["VTIMEZONE"] * len(
            parsed["timezones"]
        )


def test_both_readings_are_what_was_published(published: Published) -> None:
    """Agreement is not enough: both parsers could be misled the same way."""
    events = {event_uid(s.event): s for s in all_events()}
    path = published.files[0].parent / "all.ics"
    for parsed in published.js[path]["events"]:
        stored = events[parsed["uid"]]
        event = stored.event
        if event.all_day:
            assert parsed["dtstart"]["value"] == event.start.date().isoformat()
            continue
        assert parsed["dtstart"]["value"] == _instant(event.start), parsed["uid"]
        if event.end is not None and event.end > event.start:
            assert parsed["dtend"]["value"] == _instant(event.end), parsed["uid"]
        else:
            assert parsed["dtend"] is None
        assert parsed["sequence"] == stored.sequence
        assert parsed["created"]["value"] == _instant(stored.first_seen)
        assert parsed["last_modified"]["value"] == _instant(stored.last_changed)
        assert parsed["dtstamp"]["value"] == _instant(NOW)


def _hard(published: Published, uid: str, feed: str = "all") -> dict[str, Any]:
    path = published.files[0].parent / f"{feed}.ics"
    wanted = event_uid(next(s for s in HARD if s.event.source_uid == uid).event)
    event: dict[str, Any] = next(e for e in published.js[path]["events"] if e["uid"] == wanted)
    return event


def test_special_characters_survive_in_every_text_field(published: Published) -> None:
    ev = _hard(published, "punct, every; field \\ here", "region-london")
    assert ev["summary"] == f"Title {PUNCT}"
    assert ev["description"].startswith(f"Description {PUNCT}\n\n")
    assert f"Listed by (every copy): Source {PUNCT} https://punct.example/" in ev["description"]
    assert f"\nCopy {PUNCT} https://copy.example/a,b;c\nNo link\n" in ev["description"]
    assert ev["description"].endswith(f"(reason {PUNCT})")
    assert ev["location"] == f"Name {PUNCT}, Address {PUNCT}, LS1 1AA"
    assert ev["categories"] == ["Policy", "made-up, with; specials \\ here"]
    assert ev["url"] == "https://punct.example/e?a=1,2;b=3&c=%5C"
    # A parameter value cannot hold a newline or a double quote: a space, a single quote.
    assert (
        ev["organizer_cn"] == "Organiser a, b; c / d /n e /N f /, g h ^caret 'quoted' colon: here"
    )


def test_multibyte_text_survives_folding(published: Published) -> None:
    emoji = _hard(published, "emoji")
    assert emoji["summary"] == (EMOJI * 3).strip()
    assert emoji["description"].startswith((EMOJI * 9).strip() + "\n\n")
    assert emoji["organizer_cn"] == "Zoë's 👩🏽‍💻 crew"
    for shift in range(4):
        welsh = _hard(published, f"welsh-{shift}")
        assert welsh["summary"] == ("x" * shift + WELSH).strip()
        assert welsh["description"].startswith(("y" * shift + WELSH * 4).strip())
    for shift in range(3):
        chinese = _hard(published, f"chinese-{shift}")
        assert chinese["summary"] == "z" * shift + CHINESE * 2
        assert chinese["location"] == "上海国际会议中心, 上海市浦东新区滨江大道2727号"


def test_control_characters_and_messy_urls(published: Published) -> None:
    controls = _hard(published, "controls")
    # Unicode's line breaks (NEL, LS, PS) are newlines; other controls are dropped.
    assert controls["summary"] == "Bell NUL DEL NEL\n LS\n PS\n lone BOM\ufeff tab\tend"
    assert controls["description"].startswith("Carriage\nreturn, CRLF\nand formfeed\n\n")
    assert _hard(published, "messy-url")["url"] == (
        "https://events.example/caf%C3%A9/a%20b?q=%C3%BC"
    )


def test_status_and_geo(published: Published) -> None:
    cancelled = _hard(published, "cancelled")
    assert (cancelled["status"], cancelled["summary"]) == (
        "CANCELLED",
        "Cancelled: Cancelled; with, specials",
    )
    assert _hard(published, "postponed")["status"] == "TENTATIVE"
    assert _hard(published, "postponed")["summary"] == "Postponed: Postponed talk"
    assert _hard(published, "tentative")["status"] == "TENTATIVE"
    assert _hard(published, "greenwich")["geo"] == [51.4778, 0.00005]


GEO_LINE = re.compile(rb"^GEO:[+-]?\d+(\.\d+)?;[+-]?\d+(\.\d+)?$")


def test_physical_lines_are_crlf_and_at_most_75_octets(published: Published) -> None:
    lines = 0
    for path, raw in published.raw.items():
        assert raw.endswith(b"\r\n"), path.name
        physical = raw[:-2].split(b"\r\n")
        for line in physical:
            assert len(line) <= 75, f"{path.name}: {line!r}"
            assert b"\r" not in line and b"\n" not in line, f"{path.name}: {line!r}"
            line.decode("utf-8")  # a fold never splits a character
            assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line), f"{path.name}: {line!r}"
        unfolded = raw.replace(b"\r\n ", b"").split(b"\r\n")
        for line in unfolded:
            if line.startswith(b"GEO:"):
                assert GEO_LINE.match(line), line  # RFC 5545 FLOAT: no exponents
        lines += len(physical)
    assert lines > 1000


REQUIRED = {
    "UID",
    "DTSTAMP",
    "CREATED",
    "LAST-MODIFIED",
    "SEQUENCE",
    "STATUS",
    "SUMMARY",
    "DTSTART",
    "DESCRIPTION",
    "TRANSP",
}


def test_every_event_says_where_it_is_listed_and_why_it_is_in_its_feed(
    published: Published,
) -> None:
    events = {event_uid(s.event): s for s in all_events()}
    for path in published.files:
        spec = spec_for_slug(path.stem)
        assert spec is not None
        for parsed in published.js[path]["events"]:
            stored = events[parsed["uid"]]
            assert set(parsed["properties"]) >= REQUIRED, f"{path.name} {parsed['uid']}"
            assert parsed["description"].endswith(
                f"\nIn this feed because: {clean_text(explain(spec, stored))}"
            )
            for name, url in ((stored.source_name, stored.event.url), *stored.also_listed):
                listed = clean_text(name).strip() + (f" {clean_url(url)}" if url else "")
                assert f"\n{listed}\n" in parsed["description"] or (
                    f": {listed}\n" in parsed["description"]
                ), f"{path.name} {parsed['uid']} {listed}"
            assert parsed["categories"] == profession_names(stored)
            if stored.event.url:
                assert parsed["url"] == clean_url(stored.event.url)
            if stored.event.status == "cancelled":
                assert parsed["status"] == "CANCELLED"
                assert parsed["summary"].startswith("Cancelled: ")
