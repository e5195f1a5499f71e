"""From bytes to icalendar components, tolerating what real feeds get wrong.

Files arrive as UTF-8 (with or without BOM), Windows-1252 or UTF-16, sometimes as
bare VEVENTs with no VCALENDAR around them, sometimes truncated or with stray lines
(PHP notices, unfolded description text). icalendar rejects a whole file over one bad
line, so a file it cannot read is repaired line by line and read again; if it still
cannot, its VTIMEZONEs go too (the TZIDs that name real zones still work without them).
"""

from __future__ import annotations

import re

from icalendar import Calendar, Component

_VCALENDAR = re.compile(r"^[ \t]*BEGIN:VCALENDAR\s*$", re.I | re.M)
_VEVENT = re.compile(r"^[ \t]*BEGIN:VEVENT\s*$", re.I | re.M)
_HTML = re.compile(r"<(?:!doctype html|html|head|body)\b", re.I)
_CONTENT_LINE = re.compile(r"^[A-Za-z0-9-]+(?:;[^\r\n]*)?:", re.S)
_BOUNDARY = re.compile(r"^(BEGIN|END):([A-Za-z0-9-]+)\s*$", re.I)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def decode(body: bytes) -> tuple[str, str | None]:
    """The text of the body and, if it was not UTF-8, a warning saying what it was read as."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16", errors="replace"), "read as UTF-16"
    try:
        return body.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    # Files that are "Latin-1" in practice are Windows-1252 (curly quotes, euro sign);
    # true Latin-1 is the last resort because it accepts any byte.
    try:
        return body.decode("cp1252"), "not UTF-8; read as Windows-1252"
    except UnicodeDecodeError:
        return body.decode("latin-1"), "not UTF-8; read as Latin-1"


def load(text: str) -> tuple[list[Component], list[str]] | str:
    """The top-level components and warnings, or a plain-words reason the text is unreadable."""
    warnings: list[str] = []
    if not _VCALENDAR.search(text):
        if not _VEVENT.search(text):
            return _not_ical(text)
        text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{text.strip()}\r\nEND:VCALENDAR\r\n"
        warnings.append("no VCALENDAR around the events; read the bare VEVENTs")
    calendars, problem = _read(text)
    # icalendar is strict about VTIMEZONEs; without them the TZIDs still name zones.
    for drop_timezones in (False, True):
        if calendars:
            break
        repaired, changes = repair(text, drop_timezones)
        calendars, _ = _read(repaired)
        if calendars:
            warnings.append(f"repaired a damaged file ({changes}); read what was left")
    if not calendars:
        return f"could not read the iCalendar data: {problem or 'no calendar in it'}"
    return calendars, warnings


def _not_ical(text: str) -> str:
    if not text.strip():
        return "not an iCalendar file: the body is empty"
    if _HTML.search(text[:2000]):
        return "not an iCalendar file: got an HTML page, no BEGIN:VCALENDAR found"
    return "not an iCalendar file: no BEGIN:VCALENDAR found"


def _read(text: str) -> tuple[list[Component], str | None]:
    try:
        return list(Calendar.from_ical(text, multiple=True)), None
    except Exception as exc:  # icalendar raises many kinds on bad input; all mean "unreadable"
        return [], _short(exc)


def _short(exc: Exception) -> str:
    message = " ".join(str(exc).split())
    return message[:200] or type(exc).__name__


def unfold(text: str) -> list[str]:
    lines: list[str] = []
    for line in _LINE_BREAK.split(text):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += line[1:]
        elif line.strip():
            lines.append(line)
    return lines


def repair(text: str, drop_timezones: bool = False) -> tuple[str, str]:
    """Keep the well-formed content lines inside VCALENDARs and close what was left open."""
    lines, zones = _without_timezones(unfold(text)) if drop_timezones else (unfold(text), 0)
    kept: list[str] = []
    stack: list[str] = []
    dropped = 0
    for line in lines:
        boundary = _BOUNDARY.match(line.strip())
        if boundary:
            kind, name = boundary.group(1).upper(), boundary.group(2).upper()
            dropped += not _boundary(kind, name, stack, kept)
        elif stack and _CONTENT_LINE.match(line):
            kept.append(line)
        else:
            dropped += 1
    done = [f"dropped {dropped} unreadable line{'s' * (dropped != 1)}"] if dropped else []
    if zones:
        done.append(f"dropped {zones} time zone definition{'s' * (zones != 1)}")
    if stack:
        done.append(f"closed {', '.join(reversed(stack))} left open at the end")
    kept.extend(f"END:{name}" for name in reversed(stack))
    return "\r\n".join(kept) + "\r\n", "; ".join(done) or "rewrote its lines"


def _without_timezones(lines: list[str]) -> tuple[list[str], int]:
    kept: list[str] = []
    inside = False
    count = 0
    for line in lines:
        boundary = _BOUNDARY.match(line.strip())
        name = boundary.group(2).upper() if boundary else ""
        if name == "VTIMEZONE" and boundary and boundary.group(1).upper() == "BEGIN":
            inside = True
            count += 1
        elif not inside:
            kept.append(line)
        elif name == "VTIMEZONE":
            inside = False
    return kept, count


def _boundary(kind: str, name: str, stack: list[str], kept: list[str]) -> bool:
    """Apply one BEGIN or END line; False when it has to be dropped."""
    if kind == "BEGIN":
        if not stack and name != "VCALENDAR":
            return False
        stack.append(name)
        kept.append(f"BEGIN:{name}")
        return True
    if name not in stack:
        return False
    while stack:
        open_name = stack.pop()
        kept.append(f"END:{open_name}")
        if open_name == name:
            break
    return True
