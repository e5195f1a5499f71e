"""What is wrong with one VEVENT, and what of it can still be used.

An event whose start cannot be read is skipped. One whose end or repeat rule cannot
be read keeps what it has: its start (RFC 5545 counts DTSTART as the first
occurrence whatever the rule says), without an end or without the other dates.
"""

from __future__ import annotations

from datetime import date, datetime

from icalendar import Component
from icalendar.prop import vDDDTypes, vRecur

from scrapers.ical_fields import first
from scrapers.ical_impossible import impossible
from scrapers.ical_times import moment

RECURRENCE = ("RRULE", "RDATE", "EXDATE")
_FATAL = ("DTSTART", "RECURRENCE-ID")
_END = ("DTEND", "DURATION")
# Expanding these walks every minute since DTSTART; no real event repeats so.
_TOO_FREQUENT = {"SECONDLY": "second", "MINUTELY": "minute"}


def problem(component: Component) -> str | None:
    """Why the component cannot give any event, or None when it can."""
    errors = _errors(component)
    for name in _FATAL:
        if name in errors:
            return f"unreadable {name} ({errors[name]})"
    start = component.get("DTSTART")
    if start is None:
        return "no start date (DTSTART)"
    if isinstance(start, list):
        return "more than one DTSTART"
    if not isinstance(start, vDDDTypes) or not isinstance(start.dt, date):
        return "DTSTART is not a date or date-time"
    return None


def salvage(component: Component) -> list[str]:
    """Drop, in place, the parts that cannot be used; say what was dropped and why."""
    errors = _errors(component)
    notes = [f"ignored {_what(name)} ({errors[name]})" for name in _END if name in errors]
    for name in _END:
        if name in errors:
            del component[name]
    reason = _recurrence_problem(component, errors)
    if reason:
        strip_recurrence(component)
        notes.append(f"{reason}; kept only its first date")
    ignored = sorted(set(errors) - {*_FATAL, *_END, *RECURRENCE})
    notes += [f"ignored {_what(name)} ({errors[name]})" for name in ignored]
    return notes


def _what(name: str) -> str:
    # icalendar files lines it cannot split into name and value under None.
    return "an unreadable line" if name in ("NONE", "") else f"its unreadable {name}"


def strip_recurrence(component: Component) -> None:
    for name in RECURRENCE:
        component.pop(name, None)


def _errors(component: Component) -> dict[str, str]:
    return {
        str(name).upper(): " ".join(str(message).split())[:120]
        for name, message in component.errors
    }


def _recurrence_problem(component: Component, errors: dict[str, str]) -> str | None:
    for name in RECURRENCE:
        if name in errors:
            return f"could not read its {name} ({errors[name]})"
    start = moment(component, "DTSTART")
    for rule in rules(component):
        unit = _TOO_FREQUENT.get(str(first(rule.get("FREQ")) or "").upper())
        # With COUNT or UNTIL the walk is bounded by the occurrence cap like any other.
        if unit and not rule.get("COUNT") and not rule.get("UNTIL"):
            return f"it repeats every {unit} without end"
        until = first(rule.get("UNTIL"))
        if isinstance(until, date) and start is not None and _day(until) < _day(start):
            return "its repeat rule ends before it starts"
        never = impossible(rule, start) if start is not None else None
        if never:
            return never
    return None


def rules(component: Component) -> list[vRecur]:
    value = component.get("RRULE")
    return [
        rule for rule in (value if isinstance(value, list) else [value]) if isinstance(rule, vRecur)
    ]


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value
