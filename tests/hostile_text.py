"""Hypothesis strategies for text a hostile or broken source can send, and events made
of it, shared by the writers' property tests (tests/test_properties_ics.py and _rss.py).

`clean` is the feeds' documented text rule, written here independently of
feeds.ical.clean_text (character classes from unicodedata, one pass) so that a property
compares the writers' output with what the rule says, not with the writer's own helper.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from feeds_factory import make_stored
from hypothesis import strategies as st

from scrapers.model import Event, Location, Status
from scrapers.vocab import PROFESSIONS
from warehouse.records import Label, StoredEvent

# Line breaks, every kind of control, the TEXT specials and fold-hostile characters.
PIECES = [
    "\r", "\n", "\r\n", "\n\r", "\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f",
    "\x7f", "\x80", "\x85", "\x9f", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff",
    "\ud800", "\udfff", "\udc80", "\t", ";", ",", "\\", ":", '"', "'", "^", "\\n", "\\N",
    "\\,", "\\;", " ", "  ", "\xa0", "\u3000", "=", "<", ">", "&", "&amp;", "]]>",
    "é", "ŵ", "公", "🎉", "👩🏽\u200d💻", "e\u0301", "\U0001fffe", "x" * 80, "ŵ" * 40, "🎉" * 20,
]  # fmt: skip
# Text that would become lines, properties or components of its own if written raw.
INJECTIONS = [
    "\r\nBEGIN:VEVENT\r\n",
    "\nATTENDEE:x",
    "END:VCALENDAR",
    "\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nEND:VEVENT\r\n",
    "\nBEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT5M\nEND:VALARM\n",
    "\r\n DESCRIPTION:folded",
    "\rRRULE:FREQ=DAILY",
    "\u2028X-EVIL:1",
    "\x85ATTACH:https://evil.example/",
    "\x0bCATEGORIES:x",
    '";X-INJECTED=1:mailto:a@b.example',
    "</title><item><title>extra</title></item>",
    "</description></item><item><title>x</title>",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<script>alert(1)</script><img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "<!-- comment -->",
    "<?xml version='1.0'?>",
    "&#0;&#x1;&#xD800;&#65535;",
]
CONTROLS = st.characters(max_codepoint=0xA0)  # every C0 and C1 control, and ASCII
# Lone surrogates too: JSON-LD and WordPress JSON can carry "\ud800" escapes.
ANY_CHAR = st.characters(codec=None, exclude_categories=())


@lru_cache  # a strategy built once is drawn from quickly; built per draw it is not
def hostile_text(max_parts: int = 10) -> st.SearchStrategy[str]:
    part = st.one_of(
        st.text(max_size=12),
        st.text(CONTROLS, max_size=8),
        st.text(ANY_CHAR, max_size=6),
        st.sampled_from(PIECES),
        st.sampled_from(INJECTIONS),
    )
    return st.lists(part, max_size=max_parts).map("".join)


@lru_cache
def maybe_text(max_parts: int = 10) -> st.SearchStrategy[str | None]:
    return st.none() | hostile_text(max_parts)


_BREAKS = "\r\x85\u2028\u2029"


def clean(text: str) -> str:
    """The feeds' text rule: CRLF, CR, NEL, LINE and PARAGRAPH SEPARATOR are line feeds;
    then every control character but TAB and LF (Unicode category Cc), lone surrogates
    (Cs) and the non-characters U+FFFE and U+FFFF are dropped."""
    out: list[str] = []
    previous = ""
    for char in text:
        if char == "\n" and previous == "\r":
            previous = char
            continue  # the CR of this CRLF already gave the line feed
        previous = char
        if char in _BREAKS:
            out.append("\n")
        elif char in "\t\n":
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cs") or char in "\ufffe\uffff":
            continue
        else:
            out.append(char)
    return "".join(out)


STATUSES: list[Status] = ["scheduled", "tentative", "cancelled", "postponed"]
PREFIX = {"scheduled": "", "tentative": "", "cancelled": "Cancelled: ", "postponed": "Postponed: "}
DAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

coordinates = st.none() | st.floats(allow_nan=True, allow_infinity=True) | st.floats(-90, 90)


@st.composite
def locations(draw: st.DrawFn) -> Location | None:
    if draw(st.booleans()):
        return None
    return Location(
        name=draw(maybe_text(6)),
        address=draw(maybe_text(6)),
        postcode=draw(maybe_text(2)),
        lat=draw(coordinates),
        lon=draw(coordinates),
    )


URLS = st.none() | hostile_text(4) | hostile_text(4).map("https://e.example/".__add__)
ZONES = st.sampled_from([None, "Europe/London", "Europe/Brussels", "Nowhere/X"])
ATTENDANCE = st.sampled_from(["in-person", "online", "mixed", "unknown"])


@st.composite
def events(draw: st.DrawFn, number: int = 0, described: bool = True) -> Event:
    """An event whose every text field is hostile (but the description when not
    `described`: for feeds that do not show it); the `number`th day from DAY, so a list
    of them keeps its order in every feed (they sort by start)."""
    all_day = draw(st.booleans())
    start = DAY + timedelta(days=number)
    if all_day:
        start = start.replace(hour=0)
    end = draw(st.sampled_from([None, start + timedelta(hours=2), start - timedelta(hours=1)]))
    return Event(
        source_id="hostile",
        source_uid=f"{number}-{draw(hostile_text(4))}",
        title=draw(hostile_text()),
        start=start,
        end=end,
        all_day=all_day,
        timezone=draw(ZONES),
        url=draw(URLS),
        description=draw(maybe_text(16)) if described else None,
        location=draw(locations()),
        attendance=draw(ATTENDANCE),
        status=draw(st.sampled_from(STATUSES)),
        organiser=draw(maybe_text(6)),
    )


def event_lists(most: int = 3, described: bool = True) -> st.SearchStrategy[list[Event]]:
    return st.integers(0, most).flatmap(
        lambda count: st.tuples(*(events(n, described) for n in range(count))).map(list)
    )


PROFESSION_SETS = st.lists(st.sampled_from(sorted(PROFESSIONS)), max_size=2, unique=True)
LISTINGS = st.lists(st.tuples(hostile_text(4), maybe_text(3)), max_size=2)


@st.composite
def stored_lists(draw: st.DrawFn, described: bool = True) -> list[StoredEvent]:
    """Up to three stored events of event_lists, each with a hostile source name,
    other listings and classifier reason (it ends DESCRIPTION), in start order."""
    return [
        make_stored(
            event,
            source_name=draw(hostile_text(4)),
            professions=tuple(draw(PROFESSION_SETS)),
            also_listed=tuple(draw(LISTINGS)),
            labels=(Label("region", "london", "place", draw(hostile_text(3))),),
            sequence=draw(st.integers(0, 5)),
        )
        for event in draw(event_lists(described=described))
    ]
