"""The cached publisher (feeds.cached, feeds.ical_text, feeds.rss_text) writes the same
bytes as the reference renderers (feeds.ical built with icalendar, feeds.rss and
feeds.changes_feed built with ElementTree), feed by feed: on the feeds tests' fixtures,
the hard cases read by ical.js, and a few hundred generated events with awkward text."""

from __future__ import annotations

import functools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feeds_factory import NOW, make_event, make_stored, sample_events
from test_feeds_icaljs import HARD

import feeds.ical
from feeds.cached import Cache
from feeds.changes_feed import changes_slug, render_changes
from feeds.ical import render_ics, sort_key
from feeds.ical_parts import vtimezone
from feeds.ical_text import chunks
from feeds.rss import render_rss
from feeds.specs import FeedSpec, all_spec, feed_specs, feeds_of, keyed_spec
from feeds.write import publish
from scrapers.model import Location, Status
from scrapers.vocab import PROFESSIONS, REGIONS
from warehouse.news_types import Change, ChangeKind
from warehouse.records import Label, StoredEvent

BASE = "https://feeds.example/convene/"
PIECES = [
    "Café Ünïcode",
    "gŵyl a chân",
    "公共服务数字化",
    "🎉👩🏽‍💻",
    "e\u0301",
    "a, b",
    "c; d",
    "back\\slash",
    "\\n not a newline",
    "line\nbreak",
    "crlf\r\nhere",
    "caret ^ here",
    'quote "this"',
    "colon: here",
    "<b>&amp; tags</b>",
    "tab\there",
    "x" * 80,
    "ŵ" * 40,
    " ",
]
ZONES = [None, "Europe/London", "Europe/Brussels", "America/New_York", "UTC", "Asia/Kathmandu"]
STATUSES: list[Status] = ["scheduled", "tentative", "cancelled", "postponed"]
KINDS: list[ChangeKind] = ["new", "rescheduled", "venue", "cancelled"]


def _text(rng: random.Random, most: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, most)))


def _maybe(rng: random.Random, most: int) -> str | None:
    return _text(rng, most) if rng.random() < 0.7 else None


def _place(rng: random.Random) -> Location | None:
    if rng.random() < 0.3:
        return None
    lat, lon = (rng.uniform(49, 59), rng.uniform(-8, 2)) if rng.random() < 0.5 else (None, None)
    if rng.random() < 0.1:
        lat, lon = 0.00001, -0.00005  # FLOATs that repr() writes with an exponent
    return Location(_maybe(rng, 3), _maybe(rng, 4), _maybe(rng, 1), lat, lon)


def _labels(
    rng: random.Random, regions: tuple[str, ...], professions: tuple[str, ...]
) -> tuple[Label, ...]:
    found = [Label("region", r, "place", _text(rng, 2)) for r in regions if rng.random() < 0.6]
    found += [Label("profession", p, "keyword", _text(rng, 2)) for p in professions]
    return tuple(found)


def generated(count: int, seed: int = 9) -> list[StoredEvent]:
    """Events with awkward text in every field, every status, several zones, all-day and
    multi-day events, no ends, ends before starts, and clock changes."""
    rng = random.Random(seed)
    events = []
    for n in range(count):
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=30 * rng.randrange(30000))
        all_day = rng.random() < 0.15
        if all_day:
            start = start.replace(hour=0, minute=0)
        end = (
            None if rng.random() < 0.2 else start + timedelta(hours=rng.choice([-1, 1, 2, 26, 72]))
        )
        regions = tuple(rng.sample(sorted(REGIONS), rng.randint(1, 3)))
        professions = tuple(rng.sample(sorted(PROFESSIONS), rng.randint(0, 3)))
        event = make_event(
            source_id=rng.choice(["src-a", "src b", "sr/c"]),
            source_uid=f"{n}-{_text(rng, 1)}",
            title=_text(rng, 6),
            start=start,
            end=end,
            all_day=all_day,
            timezone=rng.choice(ZONES),
            url=rng.choice(
                [None, "https://e.example/a?b=1,2;c", " https://x.example/é f ", "mailto:a@b"]
            ),
            description=_maybe(rng, 20),
            location=_place(rng),
            attendance=rng.choice(["in-person", "online", "mixed", "unknown"]),
            status=rng.choice(STATUSES),
            organiser=_maybe(rng, 3),
        )
        events.append(
            make_stored(
                event,
                source_name=_text(rng, 2),
                regions=regions,
                professions=professions,
                first_seen=start - timedelta(days=rng.randint(1, 90), seconds=rng.randint(0, 999)),
                last_changed=start - timedelta(days=1),
                sequence=rng.randint(0, 5),
                also_listed=tuple(
                    (_text(rng, 1), rng.choice([None, "https://c.example/1"]))
                    for _ in range(rng.randint(0, 2))
                ),
                labels=_labels(rng, regions, professions),
            )
        )
    return events


def _changes(events: list[StoredEvent], seed: int = 3) -> list[Change]:
    rng = random.Random(seed)
    return [
        Change(
            rng.choice(KINDS),
            f"cluster-{n}",
            NOW - timedelta(hours=rng.randint(0, 200)),
            stored,
            old_start=stored.event.start - timedelta(days=1),
            old_end=None,
            new_start=stored.event.start,
            new_end=stored.event.end,
            old_place=rng.choice([None, "", _text(rng, 2)]),
            new_place=rng.choice([None, _text(rng, 2)]),
        )
        for n, stored in enumerate(events)
    ]


def _feeds(events: list[StoredEvent]) -> list[tuple[FeedSpec, list[StoredEvent]]]:
    specs = [*feed_specs(events), keyed_spec("region", "wales")]
    slugs = [{spec.slug for spec in feeds_of(s)} for s in events]
    return [
        (spec, [s for s, in_ in zip(events, slugs, strict=True) if spec.slug in in_])
        for spec in specs
    ]


@pytest.fixture(autouse=True)
def _zones_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference makes every feed's VTIMEZONEs afresh, most of its time here; a
    VTIMEZONE depends only on its arguments, so the same one serves every feed."""
    monkeypatch.setattr(feeds.ical, "vtimezone", functools.lru_cache(vtimezone))


@pytest.mark.parametrize(
    "events",
    [sample_events(), HARD, generated(150)],
    ids=["fixtures", "hard", "generated"],
)
def test_every_feed_is_byte_identical_to_the_reference(events: list[StoredEvent]) -> None:
    now = NOW + timedelta(microseconds=123_456)
    cache = Cache(now, BASE)
    for spec, chosen in _feeds(events):
        ordered = sorted(chosen, key=sort_key)
        assert cache.ics(spec, ordered) == render_ics(spec, chosen, now), spec.slug
        assert cache.rss(spec, ordered) == render_rss(spec, chosen, now, BASE), spec.slug
    # Without a base URL only the channel's links change.
    ordered = sorted(events, key=sort_key)
    assert Cache(now, None).rss(all_spec(), ordered) == render_rss(all_spec(), events, now, None)


def test_changes_feeds_are_byte_identical_to_the_reference() -> None:
    changes = _changes([*sample_events(), *generated(80)])
    newest = sorted(changes, key=lambda c: (c.at, c.guid), reverse=True)
    cache = Cache(NOW, BASE)
    for spec in [all_spec(), *feed_specs([c.entry for c in changes])]:
        mine = [c for c in newest if spec in feeds_of(c.entry)]
        expected = render_changes(spec, [c for c in changes if c in mine], NOW, BASE)
        assert cache.changes(spec, mine) == expected, changes_slug(spec)


def test_publish_writes_the_reference_bytes(tmp_path: Path) -> None:
    events = [*sample_events(), *generated(15, seed=4)]
    changes = _changes(events[:40])
    report = publish(events, tmp_path, NOW, BASE, changes=changes)
    for spec, count in report.counts:
        chosen = [s for s in events if spec in feeds_of(s)]
        assert count == len(chosen)
        assert (tmp_path / f"{spec.slug}.ics").read_bytes() == render_ics(spec, chosen, NOW)
        assert (tmp_path / f"{spec.slug}.xml").read_bytes() == render_rss(spec, chosen, NOW, BASE)
        mine = [c for c in changes if spec in feeds_of(c.entry)]
        changed = (tmp_path / f"{changes_slug(spec)}.xml").read_bytes()
        assert changed == render_changes(spec, mine, NOW, BASE)


def test_folding_matches_icalendar_at_every_offset() -> None:
    from icalendar.parser.string import _foldline

    for text in ["a" * 200, "\\" * 200, "^a" * 100, "ŵ\\" * 80, "🎉x\\" * 60, "x" * 73 + "\\n" * 5]:
        for shift in range(6):
            line = "DESCRIPTION:" + "y" * shift + text
            assert "\r\n ".join(chunks(line)) == _foldline(line)


HEADER_TEXTS = [
    "Convene: digital, data; and design events",
    "Trailing comma, ; and semicolon;  spaces\\ and \\n a backslash",
    "Gŵyl: 公共服务数字化 \u2013 Café Ünïcode 🎉👩🏽‍💻 e\u0301 " * 3,
    "Line\nbreak\r\nand <tags> & \"quotes\" 'single' ^caret",
    "x" * 74 + "ŵ" + "y" * 150,
    "",
]


def _header_specs() -> list[FeedSpec]:
    """A spec of every kind with each awkward title and description: only the header
    (calendar lines, RSS channel) reads them."""
    region, profession = sorted(REGIONS)[0], sorted(PROFESSIONS)[0]
    kinds = [
        {},
        {"region": region},
        {"region": region, "in_person": True},
        {"profession": profession},
        {"region": region, "profession": profession},
    ]
    return [
        FeedSpec(f"head-{n}-{m}", title, HEADER_TEXTS[-1 - m], **kind)  # type: ignore[arg-type]
        for n, kind in enumerate(kinds)
        for m, title in enumerate(HEADER_TEXTS)
    ]


@pytest.mark.parametrize("base", [BASE, None, 'https://h.example/a&b="c"<d>/'])
def test_every_kind_of_header_is_byte_identical_to_the_reference(base: str | None) -> None:
    events = sorted(generated(3, seed=5), key=sort_key)
    changes = sorted(_changes(events), key=lambda c: (c.at, c.guid), reverse=True)
    cache = Cache(NOW, base)
    for spec in [*_header_specs(), *(s for s, _ in _feeds(events))]:
        for chosen in ([], events[:1]):
            assert cache.ics(spec, chosen) == render_ics(spec, chosen, NOW), spec.slug
            assert cache.rss(spec, chosen) == render_rss(spec, chosen, NOW, base), spec.slug
        for shown in ([], changes[:1]):
            expected = render_changes(spec, shown, NOW, base)
            assert cache.changes(spec, shown) == expected, spec.slug
