"""Where an event happens: schema.org location, Place, PostalAddress and VirtualLocation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapers.feed_text import attendance as text_attendance
from scrapers.jsonld_nodes import types
from scrapers.jsonld_values import Node, as_list, clean, enum_name, first, literal
from scrapers.model import Attendance, Location
from scrapers.places import find_postcode

_UK_NAMES = frozenset({
    "gb", "gbr", "uk", "united kingdom", "great britain", "england", "scotland", "wales",
    "northern ireland",
})  # fmt: skip
_MODES: dict[str, Attendance] = {
    "onlineeventattendancemode": "online",
    "offlineeventattendancemode": "in-person",
    "mixedeventattendancemode": "mixed",
    "online": "online",
    "offline": "in-person",
    "mixed": "mixed",
}


@dataclass(frozen=True)
class Venue:
    location: Location | None
    attendance: Attendance
    in_uk: bool  # a UK postcode or country: the event's times should be London's


def venue(event: Node) -> Venue:
    physical: list[Node | str] = []
    online = False
    for place in as_list(event.get("location")):
        kind = _kind(place)
        online = online or kind in ("online", "mixed")
        if kind in ("in-person", "mixed") and isinstance(place, dict | str):
            physical.append(place)
    location = _location(physical[0]) if physical else None
    return Venue(location, _attendance(event, bool(physical), online), _in_uk(physical, location))


def _kind(place: Any) -> Attendance:
    if isinstance(place, dict):
        if "VirtualLocation" in types(place):
            return "online"
        return "in-person" if _location(place) else "unknown"
    text = clean(place)
    if not text:
        return "unknown"
    if text.lower().startswith(("http://", "https://")):
        return "online"
    # A short place text: "Online", "Zoom", "Leeds and online" mean what they say.
    guess = text_attendance(text, "")
    return "in-person" if guess == "unknown" else guess


def _attendance(event: Node, physical: bool, online: bool) -> Attendance:
    if enum_name(event.get("eventStatus")) == "eventmovedonline":
        return "online"
    declared = _MODES.get(enum_name(event.get("eventAttendanceMode")))
    if declared:
        return declared
    if physical and online:
        return "mixed"
    return "online" if online else "in-person" if physical else "unknown"


def _location(place: Node | str) -> Location | None:
    if isinstance(place, str):
        name = clean(place)
        return Location(name=name, postcode=find_postcode(name)) if name else None
    is_address = "PostalAddress" in types(place)
    address = address_text(place if is_address else place.get("address"))
    name = clean(place.get("name"))
    lat, lon = _geo(place)
    if not (name or address or lat is not None):
        return None
    postcode = _postcode(place if is_address else first(place.get("address")), address, name)
    return Location(name=name, address=address, postcode=postcode, lat=lat, lon=lon)


def address_text(value: Any) -> str | None:
    """Street, locality and postcode, comma-joined, skipping parts already written."""
    value = first(value)
    if not isinstance(value, dict):
        return clean(value)
    parts: list[str] = []
    for key in ("streetAddress", "addressLocality", "postalCode"):
        part = clean(value.get(key))
        if part and key == "postalCode":
            part = find_postcode(part.upper()) or part  # "sw1a2aa" reads "SW1A 2AA"
        if part and part.lower() not in ", ".join(parts).lower():
            parts.append(part)
    return ", ".join(parts) or clean(value.get("addressRegion")) or clean(value.get("name"))


def _postcode(address: Any, text: str | None, name: str | None) -> str | None:
    postal = clean(address.get("postalCode")) if isinstance(address, dict) else None
    for candidate in (postal.upper() if postal else None, text, name):
        found = find_postcode(candidate) if candidate else None
        if found:
            return found
    return None


def _geo(place: Node) -> tuple[float | None, float | None]:
    geo = first(place.get("geo"))
    holder = geo if isinstance(geo, dict) else place
    lat, lon = _number(holder.get("latitude")), _number(holder.get("longitude"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _number(value: Any) -> float | None:
    try:
        return float(literal(value) or "")
    except ValueError:
        return None


def _in_uk(physical: list[Node | str], location: Location | None) -> bool:
    if location and location.postcode:
        return True
    for place in physical:
        address = first(place.get("address")) if isinstance(place, dict) else None
        holders = [place, address] if isinstance(address, dict) else [place]
        for holder in holders:
            if isinstance(holder, dict) and _country(holder.get("addressCountry")) in _UK_NAMES:
                return True
    return False


def _country(value: Any) -> str:
    value = first(value)
    name = clean(value.get("name")) if isinstance(value, dict) else clean(value)
    return (name or "").lower()
