"""The parts of an iCalendar file that feeds.ical writes with more care than icalendar.

icalendar does nearly everything itself. These are the places where its output was
found to differ from what was published when read back by icalendar and by ical.js
(tests/test_feeds_icaljs.py), or where it is not strictly RFC 5545.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vCategory, vGeo, vText


def escape_text(text: str) -> str:
    """RFC 5545 3.3.11 TEXT escaping: backslash, semicolon, comma and newline.

    icalendar's own escaping first turns a literal backslash-N into a newline (it
    accepts "\\N" as a line break on input), so "C:\\New" would reach subscribers as
    "C:" and a new line. Here every backslash is just a backslash.
    """
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


class Text(vText):
    """A TEXT value that escapes exactly what RFC 5545 says, nothing more."""

    def to_ical(self) -> bytes:
        return escape_text(str(self)).encode("utf-8")


def categories(names: list[str]) -> vCategory:
    """CATEGORIES with each name escaped as TEXT (a comma inside a name stays in it)."""
    value = vCategory(names)
    value.cats = [Text(name) for name in names]
    return value


def _float(number: float) -> str:
    """RFC 5545 FLOAT: digits, optional sign and point, never an exponent ("5e-05")."""
    text = format(Decimal(repr(number)), "f")
    return text if "." in text else f"{text}.0"


class Geo(vGeo):
    """GEO whose numbers are RFC 5545 FLOATs however small they are."""

    def to_ical(self) -> str:
        return f"{_float(self.latitude)};{_float(self.longitude)}"


def geo(lat: float | None, lon: float | None) -> Geo | None:
    """A GEO value, or None when the position is missing or impossible."""
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Geo((lat, lon))


# WHATWG URL parsing drops tabs and newlines anywhere and trims C0 controls and spaces.
_URL_DROPPED = re.compile("[\t\n\r]")
_URL_TRIMMED = "".join(chr(c) for c in range(0x21))
# Everything RFC 3986 allows in a URI, and "%" so existing escapes are kept as they are.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_url(url: str) -> str:
    """A URI value: what a browser would make of the text, as ASCII.

    A URI cannot hold spaces, line breaks or non-ASCII characters (icalendar refuses
    a URL with a line break, which would fail the whole feed). They are removed or
    percent-encoded (UTF-8) the way a browser does it when the link is followed, a lone
    surrogate as U+FFFD.
    """
    text = _URL_DROPPED.sub("", url).strip(_URL_TRIMMED)
    # A lone surrogate has no UTF-8; a browser reads it as U+FFFD (WHATWG's USVString).
    return quote(_SURROGATE.sub("\ufffd", text), safe=_URL_SAFE)


_TEXT_SPECIALS = re.compile(r"\s*[,;]\s*")
_DASH = " \u2013 "  # an en dash: "Convene: Digital events \u2013 London"


def plain_text(text: str) -> str:
    """Text for NAME, X-WR-CALNAME and X-WR-CALDESC, which needs no escaping at all.

    RFC 7986 makes NAME a TEXT value, and RFC 5545 says the same of X- properties,
    but ical.js (Thunderbird's parser) and icalendar itself keep the value of a
    property they do not know as TEXT as written: "Digital events\\, London" would
    reach the calendar's title with its backslash. With no comma, semicolon,
    backslash or line break in the value, escaped and unescaped are the same and
    every reader agrees; commas and semicolons become dashes.
    """
    return " ".join(_TEXT_SPECIALS.sub(_DASH, text.replace("\\", "/")).split())


def param_text(text: str) -> str:
    """A parameter value (ORGANIZER's CN): one line, no double quotes.

    A line break can only be written in RFC 6868 form (^n), and a double quote as ^';
    many clients show those literally, so the break becomes a space and the double
    quote a single one. A backslash is not special in a parameter (RFC 5545 3.2), but
    ical.js unescapes parameters like TEXT ("\\n" becomes a line break), so it
    becomes a slash.
    """
    return " ".join(text.replace('"', "'").replace("\\", "/").split())


def writable_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """The instant in its zone, or in UTC when its wall time happens twice.

    When the clocks go back, 01:30 on that night happens twice in London. A
    DATE-TIME with a TZID names the first of the two (RFC 5545 3.3.5), so the second
    can only be written in UTC; the first is too, for clients that guess otherwise.
    """
    local = moment.astimezone(zone)
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        return moment.astimezone(UTC)
    return local


def vtimezone(tzid: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE with one STANDARD or DAYLIGHT per change of offset, and no RDATE.

    icalendar lists the later changes of an observance as RDATE values. ical.js (so
    Thunderbird) reads only the first value of an RDATE and, when there is one, never
    the observance's DTSTART (libical had the same bug): times after the first change
    were read an hour out. One observance per change, each only a DTSTART, is read
    the same way by every parser.
    """
    zone = Timezone.from_tzid(tzid, first_date=first, last_date=last)
    changes: list[tuple[datetime, TimezoneStandard | TimezoneDaylight]] = []
    for observance in zone.subcomponents:
        rdates = observance.get("RDATE", [])
        lists = rdates if isinstance(rdates, list) else [rdates]
        onsets = [observance.decoded("DTSTART"), *(d.dt for ds in lists for d in ds.dts)]
        for onset in onsets:
            change = type(observance)()
            change.add("dtstart", onset)
            for name in ("TZNAME", "TZOFFSETFROM", "TZOFFSETTO"):
                if name in observance:
                    change[name] = observance[name]
            changes.append((onset, change))
    zone.subcomponents = [change for _, change in sorted(changes, key=lambda c: c[0])]
    return zone
