"""Which feeds exist and which events each one carries.

Every feed the publisher writes is described by a FeedSpec. The feed families
(regions, professions) are registered once, in FAMILIES below; adding a family
means adding one entry there, and the renderers and the writer follow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from scrapers.vocab import PROFESSIONS, REGIONS
from warehouse.records import StoredEvent

FeedKind = Literal["all", "region", "profession"]


@dataclass(frozen=True)
class FeedSpec:
    slug: str  # file stem: "all", "region-london", "profession-data"
    title: str  # "Convene: London events"
    description: str
    kind: FeedKind
    key: str | None  # region or profession slug; None for "all"

    def selects(self, stored: StoredEvent) -> bool:
        return selects(self, stored)


def region_tags(stored: StoredEvent) -> tuple[str, ...]:
    """The regions whose feeds carry this event.

    THE place for the region inclusion rule. Today an event appears in a region
    feed only when that region is among its own regions; whether "uk-wide" and
    "online" events should also appear in every region feed is decided in a
    later issue, and belongs here (and in explain() below) when it is.
    """
    return stored.regions


def profession_tags(stored: StoredEvent) -> tuple[str, ...]:
    return stored.professions


@dataclass(frozen=True)
class Family:
    """One kind of per-key feed: its vocabulary and how to read an event's keys."""

    kind: FeedKind
    vocab: dict[str, str]  # slug -> official name, in publishing order
    tags: Callable[[StoredEvent], tuple[str, ...]]
    noun: str  # as used in "In this feed because: region London"


# Registration: the one place that lists which families of feeds exist.
FAMILIES: tuple[Family, ...] = (
    Family("region", REGIONS, region_tags, "region"),
    Family("profession", PROFESSIONS, profession_tags, "profession"),
)


def _family(kind: FeedKind) -> Family:
    for family in FAMILIES:
        if family.kind == kind:
            return family
    raise KeyError(kind)


def all_spec() -> FeedSpec:
    return FeedSpec(
        slug="all",
        title="Convene: all events",
        description="Every event Convene lists for people who change public services in the UK.",
        kind="all",
        key=None,
    )


def keyed_spec(kind: FeedKind, key: str) -> FeedSpec:
    """The spec for one region or profession feed; KeyError for unknown keys."""
    name = _family(kind).vocab[key]
    if kind == "region":
        description = f"Events for people who change public services, in {name}."
    else:
        description = f"Events for people who change public services, for the {name} profession."
    return FeedSpec(
        slug=f"{kind}-{key}",
        title=f"Convene: {name} events",
        description=description,
        kind=kind,
        key=key,
    )


def spec_for_slug(slug: str) -> FeedSpec | None:
    """Recover a spec from a file stem written by an earlier run, if still known."""
    if slug == "all":
        return all_spec()
    for family in FAMILIES:
        prefix = f"{family.kind}-"
        if slug.startswith(prefix) and slug[len(prefix) :] in family.vocab:
            return keyed_spec(family.kind, slug[len(prefix) :])
    return None


def selects(spec: FeedSpec, stored: StoredEvent) -> bool:
    """True when the event belongs in the feed."""
    if spec.kind == "all":
        return True
    return spec.key in _family(spec.kind).tags(stored)


def explain(spec: FeedSpec, stored: StoredEvent) -> str:
    """Why the event is in the feed, for the "In this feed because" line."""
    if spec.kind == "all" or spec.key is None:
        return "all events"
    family = _family(spec.kind)
    named = f"{family.noun} {family.vocab[spec.key]}"
    reason = next(
        (lb.reason for lb in stored.labels if lb.kind == spec.kind and lb.value == spec.key), None
    )
    return f"{named} ({reason})" if reason else named


def feed_specs(events: Sequence[StoredEvent]) -> list[FeedSpec]:
    """The "all" feed, then one per region and per profession with events, in vocab order."""
    specs = [all_spec()]
    for family in FAMILIES:
        used = {tag for stored in events for tag in family.tags(stored)}
        specs.extend(keyed_spec(family.kind, key) for key in family.vocab if key in used)
    return specs
