"""Stored events for the feeds tests: small, fixed, and shaped like real listings.

Imported by tests/test_feeds_*.py; no conftest, so nothing leaks into other tests.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from scrapers.model import Event, Location
from warehouse.records import StoredEvent

# The clock for every render: fixed so output can be compared byte for byte.
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
FIRST_SEEN = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)


def make_event(**overrides: Any) -> Event:
    base = Event(
        source_id="gds-meetups",
        source_uid="evt-1",
        title="Show and tell",
        start=datetime(2026, 2, 3, 18, 30, tzinfo=UTC),
        end=datetime(2026, 2, 3, 20, 0, tzinfo=UTC),
        timezone="Europe/London",
    )
    return replace(base, **overrides)


def make_stored(event: Event | None = None, **overrides: Any) -> StoredEvent:
    base = StoredEvent(
        event=event or make_event(),
        source_name="GDS meetups",
        regions=("london",),
        professions=("digital",),
        first_seen=FIRST_SEEN,
        last_changed=FIRST_SEEN,
        sequence=0,
    )
    return replace(base, **overrides)


# The clocks go forward at 01:00 UTC on Sunday 29 March 2026. This hack day starts
# on GMT and ends on BST.
ACROSS_BST = make_stored(
    make_event(
        source_uid="hack-day-2026@meetup.example",
        title="Public services hack day",
        start=datetime(2026, 3, 28, 18, 30, tzinfo=UTC),  # 18:30 GMT
        end=datetime(2026, 3, 29, 15, 0, tzinfo=UTC),  # 16:00 BST
        url="https://meetup.example/hack-day",
        location=Location(
            name="Newspeak House",
            address="133-135 Bethnal Green Road, London E2 7DG",
            postcode="E2 7DG",
            lat=51.5246,
            lon=-0.0714,
        ),
        attendance="in-person",
        organiser="One Team Gov",
    ),
    source_name="One Team Gov",
    regions=("london",),
    professions=("digital", "service-design"),
    last_changed=datetime(2026, 1, 12, 10, 0, tzinfo=UTC),
    sequence=2,
)

# After the change: 17:30 UTC is 18:30 in London.
AFTER_BST = make_stored(
    make_event(
        source_uid="https://events.example/show-and-tell-31-march",
        title="Show and tell: data in delivery",
        start=datetime(2026, 3, 31, 17, 30, tzinfo=UTC),
        end=datetime(2026, 3, 31, 19, 0, tzinfo=UTC),
        url="https://events.example/show-and-tell-31-march",
        location=Location(name="The White Chapel Building", postcode="E1 8QS"),
        attendance="in-person",
    ),
    regions=("london",),
    professions=("data", "product-and-delivery"),
)

# All-day, three days (3, 4 and 5 February): stored as midnight UTC, end exclusive.
# The text is deliberately awkward: commas, semicolons, newlines, emoji, accents,
# double quotes in the organiser, and a description long enough to fold.
CONFERENCE = make_stored(
    make_event(
        source_id="northern-digital",
        source_uid="conf 2026; day=1,2,3",
        title="Data, AI & Ethics; the North's conference 🎉 — Café Ünïcode",
        start=datetime(2026, 2, 3, tzinfo=UTC),
        end=datetime(2026, 2, 6, tzinfo=UTC),
        all_day=True,
        timezone=None,
        url="https://northern.example/conf?year=2026&lang=en",
        description=(
            "Three days of talks, workshops and a hack day.\r\n"
            "Bring: laptop, charger; curiosity.\n\n"
            "Tickets are free for public-sector staff — ask your line manager 🙂. "
            "Step-free access, hearing loop and quiet room available throughout."
        ),
        location=Location(name="Manchester Central", address="Windmill St, Manchester M2 3GX"),
        attendance="in-person",
        organiser='Office for "Data" Ethics, North',
    ),
    source_name="Northern Digital",
    regions=("north-west", "london"),
    professions=("data", "ai", "policy"),
    sequence=1,
)

CANCELLED = make_stored(
    make_event(
        source_uid="evt-cancelled",
        title="Policy lab open afternoon",
        start=datetime(2026, 2, 10, 14, 0, tzinfo=UTC),
        end=datetime(2026, 2, 10, 16, 30, tzinfo=UTC),
        status="cancelled",
        url="https://events.example/policy-lab",
    ),
    source_name="Policy Lab",
    regions=("london",),
    professions=("policy",),
    sequence=3,
)

# Online, published by an organiser in Brussels: a second VTIMEZONE.
ONLINE = make_stored(
    make_event(
        source_id="open-gov",
        source_uid="webinar-42",
        title="Open contracting webinar",
        start=datetime(2026, 2, 18, 11, 0, tzinfo=UTC),
        end=datetime(2026, 2, 18, 12, 0, tzinfo=UTC),
        timezone="Europe/Brussels",
        attendance="online",
        description="Join online.",
    ),
    source_name="Open Government Network",
    regions=("online",),
    professions=("commercial", "open-government-and-civic-tech"),
)

# A zone name no one knows: rendered in Europe/London instead.
BAD_ZONE = make_stored(
    make_event(
        source_uid="evt-bad-zone",
        title="Service design drop-in",
        start=datetime(2026, 2, 24, 12, 0, tzinfo=UTC),
        end=None,
        timezone="Mars/Olympus_Mons",
    ),
    source_name="Scottish Digital",
    regions=("scotland",),
    professions=("service-design",),
)


def sample_events() -> list[StoredEvent]:
    # Not in start order on purpose: renderers must sort.
    return [ONLINE, CANCELLED, ACROSS_BST, CONFERENCE, BAD_ZONE, AFTER_BST]
