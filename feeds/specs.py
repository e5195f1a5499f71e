"""Which feeds exist and which events each one carries.

Every feed the publisher writes is described by a FeedSpec: everything; each region;
each region without its online and UK-wide events ("-in-person"); each profession; and
each region and profession combination that has events. The region rule is in one place,
`in_region` below, and `explain` gives the one line that says why an event is in a feed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal

from scrapers.model import Event
from scrapers.vocab import PROFESSIONS, REGIONS
from warehouse.records import StoredEvent

FeedKind = Literal["all", "region", "profession", "combination"]
# Regions that are not places: region feeds carry their events too, unless in person.
NOT_PLACES = ("online", "uk-wide")
PLACES = tuple(slug for slug in REGIONS if slug not in NOT_PLACES)


@dataclass(frozen=True)
class FeedSpec:
    slug: str  # file stem: "all", "region-london", "region-london-in-person", ...
    title: str  # "Convene: London events"
    description: str
    region: str | None = None
    profession: str | None = None
    in_person: bool = False  # a region feed without online and UK-wide events

    @property
    def kind(self) -> FeedKind:
        if self.region and self.profession:
            return "combination"
        if self.region:
            return "region"
        return "profession" if self.profession else "all"

    @property
    def key(self) -> str | None:
        """The region or profession slug of a single-family feed."""
        return self.region or self.profession

    def selects(self, stored: StoredEvent) -> bool:
        return selects(self, stored)


def is_online_only(stored: StoredEvent) -> bool:
    return "online" in stored.regions and not set(stored.regions) & set(PLACES)


def in_region(region: str, stored: StoredEvent, in_person: bool = False) -> str | None:
    """Why the event belongs in a region's feed, or None. THE region inclusion rule:
    an event is in its own regions' feeds; an online-only or UK-wide event is also in
    every place's feed (people ask for this), unless the feed is in person only."""
    if region in stored.regions:
        return f"region {REGIONS[region]}"
    if in_person or region in NOT_PLACES:
        return None
    if is_online_only(stored):
        return "online event (region feeds include online events)"
    if "uk-wide" in stored.regions:
        return "UK-wide event (region feeds include UK-wide events)"
    return None


def all_spec() -> FeedSpec:
    return FeedSpec(
        "all",
        "Convene: all events",
        "Every event Convene lists for people who change public services in the UK.",
    )


def region_spec(region: str, in_person: bool = False) -> FeedSpec:
    """KeyError for an unknown region; ValueError for an in-person feed of a non-place."""
    name = REGIONS[region]
    if in_person and region in NOT_PLACES:
        raise ValueError(f"{region} has no in-person feed")
    if region == "online":
        text = "Events for people who change public services that you can join online."
    elif region == "uk-wide":
        text = "Events for people who change public services across the UK, with no one place."
    elif in_person:
        text = f"In-person events for people who change public services, in {name}."
    else:
        text = (
            f"Events for people who change public services, in {name}, "
            "with online and UK-wide events."
        )
    suffix = "-in-person" if in_person else ""
    title = f"Convene: {name} events" + (" (in person)" if in_person else "")
    return FeedSpec(f"region-{region}{suffix}", title, text, region=region, in_person=in_person)


def profession_spec(profession: str) -> FeedSpec:
    name = PROFESSIONS[profession]
    return FeedSpec(
        f"profession-{profession}",
        f"Convene: {name} events",
        f"Events for people who change public services, for the {name} profession.",
        profession=profession,
    )


def combination_spec(region: str, profession: str) -> FeedSpec:
    where, what = REGIONS[region], PROFESSIONS[profession]
    return FeedSpec(
        f"region-{region}-profession-{profession}",
        f"Convene: {what} events, {where}",
        f"Events for the {what} profession, in {where} (with online and UK-wide events).",
        region=region,
        profession=profession,
    )


def keyed_spec(kind: FeedKind, key: str) -> FeedSpec:
    """The spec of one region or profession feed; KeyError for unknown keys."""
    return region_spec(key) if kind == "region" else profession_spec(key)


def spec_for_slug(slug: str) -> FeedSpec | None:
    """Recover a spec from a file stem written by an earlier run, if still known."""
    return _SLUGS.get(slug)


def selects(spec: FeedSpec, stored: StoredEvent) -> bool:
    """True when the event belongs in the feed."""
    if spec.profession is not None and spec.profession not in stored.professions:
        return False
    return spec.region is None or in_region(spec.region, stored, spec.in_person) is not None


def explain(spec: FeedSpec, stored: StoredEvent) -> str:
    """Why the event is in the feed, for the "In this feed because" line."""
    parts = []
    if spec.region is not None:
        why = in_region(spec.region, stored, spec.in_person) or "not in this region"
        parts.append(_because(why, spec.region, stored))
    if spec.profession is not None:
        named = f"profession {PROFESSIONS[spec.profession]}"
        parts.append(_because(named, spec.profession, stored))
    return "; ".join(parts) or "all events"


def _because(named: str, slug: str, stored: StoredEvent) -> str:
    """The classifier's reason for the label, when the event has that label."""
    reason = next((lb.reason for lb in stored.labels if lb.value == slug), None)
    return f"{named} ({reason})" if reason else named


def every_spec() -> list[FeedSpec]:
    """Every feed there can be, in publishing order."""
    specs = [all_spec()]
    for region in REGIONS:
        specs.append(region_spec(region))
        if region not in NOT_PLACES:
            specs.append(region_spec(region, in_person=True))
    specs += [profession_spec(p) for p in PROFESSIONS]
    specs += [combination_spec(r, p) for r in PLACES for p in PROFESSIONS]
    return specs


_SLUGS = {spec.slug: spec for spec in every_spec()}


def feeds_of(stored: StoredEvent) -> list[FeedSpec]:
    """Every feed that carries the event, found without testing all of them."""
    return list(_feeds_for(tuple(stored.regions), tuple(stored.professions)))


@lru_cache(maxsize=8192)
def _feeds_for(regions: tuple[str, ...], professions: tuple[str, ...]) -> tuple[FeedSpec, ...]:
    # The feeds depend only on the regions and professions, and a few hundred of their
    # combinations cover every event: publishing asks for each event's feeds twice.
    probe = StoredEvent(_PROBE, "", regions, professions, _EPOCH, _EPOCH, 0)
    in_regions = [r for r in REGIONS if in_region(r, probe) is not None]
    in_person = [r for r in PLACES if in_region(r, probe, in_person=True) is not None]
    chosen = [p for p in PROFESSIONS if p in professions]
    return (
        all_spec(),
        *(_SLUGS[f"region-{r}"] for r in in_regions),
        *(_SLUGS[f"region-{r}-in-person"] for r in in_person),
        *(_SLUGS[f"profession-{p}"] for p in chosen),
        *(_SLUGS[f"region-{r}-profession-{p}"] for r in in_regions if r in PLACES for p in chosen),
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PROBE = Event("", "", "", _EPOCH)


def feed_specs(events: Sequence[StoredEvent]) -> list[FeedSpec]:
    """The feeds to publish: "all", then every other feed that has events, in the order of
    every_spec()."""
    return specs_among({spec.slug for stored in events for spec in feeds_of(stored)})


def specs_among(used: Collection[str]) -> list[FeedSpec]:
    """feed_specs for the events whose feeds have the slugs `used`."""
    return [spec for spec in every_spec() if spec.kind == "all" or spec.slug in used]
