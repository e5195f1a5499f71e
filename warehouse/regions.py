"""Where an event is: its ITL1 region(s), online, or UK-wide, each with its reason.

Evidence is taken in a fixed order and the first that answers wins:
1. the postcode field, then a postcode in the venue name or address;
2. the coordinates (nearest town or city in the gazetteer);
3. a place named in the venue name or address (the gazetteer);
4. words saying the event is held across the UK, or places in three or more regions
   named in the text of an event with no venue ("uk-wide");
5. a postcode, then a place, in the title or description;
6. the source's default regions.
An online event is "online" only, wherever its organiser is; a hybrid event is its
venue's region and "online". The organiser's name is never location evidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scrapers.places import find_postcode
from scrapers.vocab import REGIONS
from warehouse import cues, gazetteer, nearest
from warehouse.phrases import joined
from warehouse.postcodes import region_for_postcode
from warehouse.records import Subject

TOUR_REGIONS = 3


@dataclass(frozen=True)
class Placed:
    slug: str
    method: str  # postcode | coordinates | place | online | uk-wide | source-default
    reason: str


def regions_for(subject: Subject) -> list[Placed]:
    """The event's regions, venue first, with reasons."""
    location = joined([subject.location_name, subject.address])
    mode = _mode(subject, location)
    if mode is not None and mode.value == "online":
        return [Placed("online", "online", f"online: {mode.reason}")]
    placed = _venue(subject, location) or _defaults(subject)
    if mode is not None:
        placed.append(Placed("online", "online", f"hybrid: {mode.reason}"))
    return placed


def _mode(subject: Subject, location: str) -> cues.Cue | None:
    if subject.online is True:
        return cues.Cue("online", "the listing says it is online")
    if subject.online == "hybrid":
        return cues.Cue("hybrid", "the listing says it is hybrid")
    if subject.online is False:
        return None
    return cues.mode(location, subject.title, subject.description)


def _venue(subject: Subject, location: str) -> list[Placed]:
    text = [("text", subject.title), ("text", subject.description)]
    # The title and description may settle a venue's shared name ("Newport" and, in the
    # description, "the Isle of Wight"), but never name the venue themselves at step 3.
    context = [("context", subject.title), ("context", subject.description)]
    venue = [("location", subject.location_name), ("location", subject.address), *context]
    steps: Sequence[Callable[[], Placed | None]] = (
        lambda: _postcode(subject.postcode, "the postcode field"),
        lambda: _postcode(find_postcode(location), "the address"),
        lambda: _coordinates(subject.lat, subject.lon),
        lambda: _place(venue, subject),
        lambda: _uk_wide(joined([location, subject.title, subject.description])),
        lambda: _tour(joined([subject.title, subject.description])),
        lambda: _postcode(find_postcode(joined([subject.title, subject.description])), "the text"),
        lambda: _place(text, subject),
    )
    for step in steps:
        found = step()
        if found is not None:
            return [found]
    return []


def _postcode(postcode: str | None, where: str) -> Placed | None:
    if not postcode:
        return None
    found = region_for_postcode(postcode)
    if found is None:
        return None
    slug, why = found
    return Placed(slug, "postcode", f"{postcode.upper()} in {where}: {why}")


def _coordinates(lat: float | None, lon: float | None) -> Placed | None:
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    found = nearest.region_from_coordinates(lat, lon)
    return Placed(found[0], "coordinates", found[1]) if found else None


def _place(fields: list[tuple[str, str]], subject: Subject) -> Placed | None:
    hints = [r for r in subject.default_regions if r not in ("online", "uk-wide")]
    found = gazetteer.region_from_text([(k, t) for k, t in fields if t], hints)
    return Placed(found[0], "place", found[1]) if found else None


def _uk_wide(text: str) -> Placed | None:
    phrase = cues.uk_wide(text)
    return Placed("uk-wide", "uk-wide", f'"{phrase}": held across the UK') if phrase else None


def _tour(text: str) -> Placed | None:
    """Uk-wide when the text (with no venue) names places in three or more regions."""
    named = gazetteer.regions_named(text)
    regions = list(dict.fromkeys(region for region, _ in named))
    if len(regions) < TOUR_REGIONS:
        return None
    places = ", ".join(dict.fromkeys(name for _, name in named))
    return Placed("uk-wide", "uk-wide", f"names places in {len(regions)} regions ({places})")


def _defaults(subject: Subject) -> list[Placed]:
    where = f"source {subject.source}" if subject.source else "the source"
    return [
        Placed(slug, "source-default", f"no place found in the event; default region of {where}")
        for slug in subject.default_regions
        if slug in REGIONS
    ]
