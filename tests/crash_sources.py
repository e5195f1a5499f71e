"""Calendars for the crash trials (tests/test_crash_trials.py): a few iCal sources that
change every round, so that each refresh stores changes and rewrites feeds.

Each round changes one source, in turn: a few of its EVENTS events are retitled or moved
and it lists one more extra session. Each source also lists a copy of each of the next
source's first COPIES events (the same meeting listed twice: clusters of two), so a round
changes two documents. Nothing is ever dropped, so the events published after a round do
not depend on how many refreshes saw it (a drop waits for a second fetch).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.synth import VENUES, Venue

SOURCES = 6
EVENTS = 24
COPIES = 4
TOPICS = ("Service design", "Open data", "User research", "Content design", "Digital inclusion",
          "Agile delivery", "Accessibility", "Data science", "Policy design")  # fmt: skip
FORMATS = ("meetup", "workshop", "show and tell", "clinic", "forum", "roundtable", "webinar")


def _anchor() -> date:
    return datetime.now(UTC).date() + timedelta(days=3)


ANCHOR = _anchor()


def version(source: int, round_: int) -> int:
    """How many of rounds 1..round_ changed `source` (round k changes (k - 1) % SOURCES)."""
    return max(0, (round_ - 1 - source) // SOURCES + 1)


def _event(source: int, n: int, changes: int) -> list[str]:
    """One VEVENT of source `source`: its n-th own event after `changes` changes."""
    venue: Venue = VENUES[(source * 7 + n) % len(VENUES)]
    title = f"{TOPICS[(source + n) % len(TOPICS)]} {FORMATS[n % len(FORMATS)]} {source}-{n}"
    start = datetime.combine(ANCHOR + timedelta(days=n * 3 + source), datetime.min.time(), UTC)
    start += timedelta(hours=9 + (n % 8))
    if (n + changes) % 5 == 0:
        title += f" (version {changes})"
    if (n + changes) % 7 == 0:
        start += timedelta(minutes=30 * (changes % 3))
    return _vevent(f"crash-{source}-{n}@convene.test", title, start, venue, f"{source}-{n}")


def _vevent(uid: str, title: str, start: datetime, venue: Venue, slug: str) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"SUMMARY:{title}",
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
        f"DTEND:{start + timedelta(hours=2):%Y%m%dT%H%M%SZ}",
        f"LOCATION:{venue.name}\\, {venue.street}\\, {venue.town} {venue.postcode}",
        f"DESCRIPTION:{title}: talks and time to meet people changing public services.",
        f"URL:https://events.convene.test/{slug}",
        "END:VEVENT",
    ]


def calendar(source: int, round_: int) -> bytes:
    """The whole calendar of `source` in round `round_`."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//Convene crash trials//{source}//EN"]
    changes = version(source, round_)
    for n in range(EVENTS):
        lines += _event(source, n, changes)
    following = (source + 1) % SOURCES
    for n in range(COPIES):
        copy = _event(following, n, version(following, round_))
        copy[1] = f"UID:copy-{source}-of-{following}-{n}@convene.test"
        copy[-2] = f"URL:https://copies.convene.test/{source}/{following}-{n}"
        lines += copy
    for extra in range(1, changes + 1):
        start = datetime.combine(ANCHOR + timedelta(days=extra), datetime.min.time(), UTC)
        lines += _vevent(
            f"extra-{source}-{extra}@convene.test",
            f"Extra session {extra} of community {source}",
            start + timedelta(hours=12 + source % 4),
            VENUES[(source + extra) % len(VENUES)],
            f"extra-{source}-{extra}",
        )
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def write_round(folder: Path, round_: int) -> None:
    for source in range(SOURCES):
        (folder / f"calendar-{source}.ics").write_bytes(calendar(source, round_))


def sources_file(folder: Path, base_url: str, extra: str = "") -> Path:
    """The sources file: every calendar, served by the local server at `base_url`, and
    the `extra` sources (TOML)."""
    tables = [
        f'[[source]]\nid = "crash-{s}"\nname = "Crash trial calendar {s}"\n'
        f'organiser = "Community {s}"\nurl = "{base_url}/calendar-{s}.ics"\nkind = "ical"\n'
        f'regions = ["uk-wide"]\nprofessions = ["digital"]\nlocal = true\n'
        for s in range(SOURCES)
    ]
    settings = "[settings]\nper_host_concurrency = 16\nhost_delay_seconds = 0\n\n"
    path = folder / "sources.toml"
    path.write_text(settings + "\n".join([*tables, extra]), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Place:
    """A database, its render cache, analysts' copy and lock beside it, and its feeds."""

    folder: Path

    @property
    def db(self) -> Path:
        return self.folder / "convene.duckdb"

    @property
    def public(self) -> Path:
        return self.folder / "public"

    def args(self, sources: Path, *more: str) -> list[str]:
        """`convene refresh` of this place, with no overrides file."""
        return ["refresh", "--sources", str(sources), "--db", str(self.db),
                "--public", str(self.public), "--overrides", str(self.folder / "none.toml"),
                *more]  # fmt: skip

    def copy(self, to: Path) -> Place:
        shutil.copytree(self.folder, to)
        return Place(to)
