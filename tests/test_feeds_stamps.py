"""feeds.write.same_but_stamps, the quick test of "only the stamps changed", against its
definition (strip every stamp line with feeds.write._STAMPS, compare the rest): the same
verdict on every pair of real renders, and never "unchanged" where the definition says
"changed", whatever the bytes."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from feeds_factory import NOW
from test_feeds_fast import _changes, generated
from test_feeds_page import BASE, SITE, events

from feeds import publish
from feeds.cached import Cache
from feeds.site import write_site
from feeds.write import _STAMPS, same_but_stamps
from warehouse.records import StoredEvent


def defined(current: bytes, data: bytes) -> bool:
    return _STAMPS.sub(b"", current) == _STAMPS.sub(b"", data)


def render(out: Path, listed: list[StoredEvent], hours: float) -> dict[str, bytes]:
    now = NOW + timedelta(hours=hours, seconds=17)
    cache = Cache(now, BASE)
    report = publish(listed, out, now, BASE, changes=_changes(listed), cache=cache)
    write_site(report, now, BASE, listed, SITE, cache)
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def listed() -> list[StoredEvent]:
    return [*events(), *generated(30, seed=5)]


def test_renders_at_two_clocks_differ_in_stamps_alone(tmp_path: Path) -> None:
    first, later = render(tmp_path / "a", listed(), 0), render(tmp_path / "b", listed(), 30)
    assert first.keys() == later.keys()
    stamped = 0
    for name, data in later.items():
        stamped += first[name] != data
        assert same_but_stamps(first[name], data), name
        assert defined(first[name], data), name
    assert stamped > 20  # the clock really is in most files


def test_a_real_change_is_a_change_in_both(tmp_path: Path) -> None:
    edited = [
        replace(s, event=replace(s.event, title=s.event.title + "!")) if n == 3 else s
        for n, s in enumerate(listed())
    ]
    first, later = render(tmp_path / "a", listed(), 0), render(tmp_path / "b", edited, 2)
    verdicts = {
        name: (same_but_stamps(first[name], d), defined(first[name], d))
        for name, d in later.items()
    }
    assert all(mine == reference for mine, reference in verdicts.values()), verdicts
    assert not verdicts["all.ics"][0] and not verdicts["all.xml"][0]


def test_never_unchanged_where_the_definition_says_changed(tmp_path: Path) -> None:
    first, later = render(tmp_path / "a", listed(), 0), render(tmp_path / "b", listed(), 5)
    rng = random.Random(7)
    names = sorted(later)
    for _ in range(400):
        name = rng.choice(names)
        data = bytearray(later[name])
        for _ in range(rng.randint(1, 3)):  # bytes flipped anywhere, stamps included
            data[rng.randrange(len(data))] = rng.choice(b"0123456789:\n<> aZ")
        mine, reference = (
            same_but_stamps(first[name], bytes(data)),
            defined(first[name], bytes(data)),
        )
        assert reference or not mine, name
