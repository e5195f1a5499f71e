"""Text fields of one iCalendar occurrence: status, people, place and attendance.

Everything here reads what the component says and never guesses beyond it: a venue
is whatever LOCATION names once meeting links and "online" wording are set aside.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from icalendar import Component
from icalendar.prop import vCalAddress, vCategory, vGeo

from scrapers.model import Attendance, Location, Status
from scrapers.places import find_postcode

_STATUS: dict[str, Status] = {"CANCELLED": "cancelled", "TENTATIVE": "tentative"}

_URL = re.compile(r"https?://\S+", re.I)
_WEB_URL = re.compile(r"^https?://\S+$", re.I)
_ONLINE = re.compile(
    r"https?://|\b(?:zoom|teams|meet\.google|google meet|whereby|webex|online|virtual"
    r"|webinar|livestream|hybrid)\b",
    re.I,
)
_HYBRID = re.compile(r"\bhybrid\b", re.I)
# Words that describe how to join rather than where to go: what is left once these
# are gone is a venue ("The Guildhall and online" keeps "guildhall").
_NOT_A_VENUE = frozenset({
    "online", "virtual", "zoom", "teams", "microsoft", "ms", "google", "meet", "meeting",
    "whereby", "webex", "webinar", "livestream", "live", "stream", "streamed", "hybrid",
    "remote", "via", "and", "or", "on", "in", "at", "the", "an", "event", "only", "call",
    "link", "links", "join", "details", "sent", "to", "be", "will", "provided", "after",
    "booking", "registration", "register", "see", "description", "tbc", "tba", "tbd",
    "confirmed", "announced", "us", "you",
})  # fmt: skip
# Outlook and Google put the meeting link in properties of their own.
_MEETING_PROPERTIES = (
    "CONFERENCE",
    "X-GOOGLE-CONFERENCE",
    "X-MICROSOFT-SKYPETEAMSMEETINGURL",
    "X-MICROSOFT-ONLINEMEETINGCONFLINK",
)
_TAG = re.compile(r"<[a-zA-Z/][^>]*>")
_BREAK = re.compile(r"<(?:br|/p|/div|/li|/h[1-6])\b[^>]*>", re.I)
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Details:
    """Everything about an event but its dates."""

    title: str
    url: str | None
    description: str | None
    location: Location | None
    attendance: Attendance
    status: Status
    organiser: str | None
    categories: tuple[str, ...]


def details(component: Component) -> Details:
    venue = location(component)
    return Details(
        title=" ".join((text(component, "SUMMARY") or "").split()),
        url=web_url(component),
        description=description(component),
        location=venue,
        attendance=attendance(component, venue),
        status=status(component),
        organiser=organiser(component),
        categories=categories(component),
    )


def first(value: Any) -> Any:
    """Properties that may repeat come back as a list; most fields want the first."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def text(component: Component, name: str) -> str | None:
    value = first(component.get(name))
    cleaned = str(value).strip() if value is not None else ""
    return cleaned or None


def web_url(component: Component) -> str | None:
    url = text(component, "URL")
    # Only web links: feeds get rendered into pages, and "javascript:" has no place there.
    return url if url and _WEB_URL.match(url) else None


def status(component: Component) -> Status:
    return _STATUS.get((text(component, "STATUS") or "").upper(), "scheduled")


def description(component: Component) -> str | None:
    raw = text(component, "DESCRIPTION")
    if raw is None or not _TAG.search(raw):
        return raw
    # Some publishers put HTML in DESCRIPTION; the model wants plain text.
    flat = _TAG.sub("", _BREAK.sub("\n", raw))
    return _BLANK_LINES.sub("\n\n", html.unescape(flat)).strip() or None


def organiser(component: Component) -> str | None:
    value = first(component.get("ORGANIZER"))
    if value is None:
        return None
    params = value.params if isinstance(value, vCalAddress) else {}
    name = str(params.get("CN", "")).strip().strip('"')
    if name:
        return name
    address = re.sub(r"^mailto:", "", str(value).strip(), flags=re.I)
    return address or None


def categories(component: Component) -> tuple[str, ...]:
    value = component.get("CATEGORIES")
    found: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        names = item.cats if isinstance(item, vCategory) else str(item or "").split(",")
        found.extend(str(name).strip() for name in names)
    return tuple(dict.fromkeys(name for name in found if name))


def geo(component: Component) -> tuple[float, float] | None:
    value = first(component.get("GEO"))
    if not isinstance(value, vGeo):
        return None
    lat, lon = float(value.latitude), float(value.longitude)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat, lon) == (0.0, 0.0):
        return None
    return lat, lon


def is_venue(place: str) -> bool:
    if find_postcode(place):
        return True
    words = re.findall(r"[a-z0-9]+", _URL.sub(" ", place).lower())
    return any(word not in _NOT_A_VENUE and len(word) > 1 for word in words)


def location(component: Component) -> Location | None:
    place = text(component, "LOCATION")
    point = geo(component)
    if place is not None and not is_venue(place):
        place = None
    if place is None and point is None:
        return None
    return Location(
        name=place,
        postcode=find_postcode(place) if place else None,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
    )


def attendance(component: Component, venue: Location | None) -> Attendance:
    place = text(component, "LOCATION") or ""
    online = bool(_ONLINE.search(place)) or any(
        text(component, name) for name in _MEETING_PROPERTIES
    )
    if _HYBRID.search(place) or (venue is not None and online):
        return "mixed"
    if online:
        return "online"
    return "in-person" if venue is not None else "unknown"
