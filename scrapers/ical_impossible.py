"""Repeat rules whose date filters no date can ever pass.

dateutil checks UNTIL and COUNT only when a date matches, so a rule that never matches
(the 31st of February, the sixth Monday of a month) is walked period by period to the
year 9999: seconds of work for one event. Which days a rule's day filters let through
depends only on the shape of a year (leap or not, the weekday of 1 January), so the
filters are tried on one year of each of the 14 shapes. Rules that depend on more
(BYWEEKNO's week numbering, an INTERVAL that never lands on a matching period) are left
to the expansion budget (scrapers.ical_budget).
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from icalendar.prop import vRecur

from scrapers.ical_fields import first

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# One year of each shape: (leap, weekday of 1 January) has 14 values.
_YEARS = tuple(
    {(calendar.isleap(y), date(y, 1, 1).weekday()): y for y in range(2099, 2000, -1)}.values()
)
_PERIOD: dict[str, Callable[[date], object]] = {
    "YEARLY": lambda day: day.year,
    "MONTHLY": lambda day: (day.year, day.month),
}
_UNITS = {"YEARLY": "year", "MONTHLY": "month", "WEEKLY": "week", "DAILY": "day"}
_UNITS |= {"HOURLY": "hour", "MINUTELY": "minute", "SECONDLY": "second"}
# The times of day each date of a period stands for, by the frequency's own unit.
_TIME_PARTS = {
    "YEARLY": ("BYHOUR", "BYMINUTE", "BYSECOND"),
    "MONTHLY": ("BYHOUR", "BYMINUTE", "BYSECOND"),
    "WEEKLY": ("BYHOUR", "BYMINUTE", "BYSECOND"),
    "DAILY": ("BYHOUR", "BYMINUTE", "BYSECOND"),
    "HOURLY": ("BYMINUTE", "BYSECOND"),
    "MINUTELY": ("BYSECOND",),
    "SECONDLY": (),
}


@dataclass(frozen=True)
class _Filters:
    freq: str
    months: frozenset[int]
    monthdays: frozenset[int]
    yeardays: frozenset[int]
    weekdays: frozenset[int]
    ordinals: frozenset[tuple[int, int]]  # (weekday, n): the nth such day of the month or year
    in_month: bool  # whether ordinals count within the month (else within the year)


def impossible(rule: vRecur, start: date) -> str | None:
    """Why no date can ever match the rule, in plain words, or None."""
    freq = str(first(rule.get("FREQ")) or "").upper()
    # RFC 7529's other calendars have other months (an Ethiopic 13th): not judged here.
    scale = str(first(rule.get("RSCALE")) or "GREGORIAN").upper()
    if freq not in _TIME_PARTS or scale != "GREGORIAN":
        return None
    weeks = [n for n in _ints(rule, "BYWEEKNO") if not 1 <= abs(n) <= 53]
    if weeks:
        return f"its repeat rule asks for week {weeks[0]} of a year, which has 53 at most"
    filters = _filters(rule, freq, start)
    if not _narrows(filters) and not rule.get("BYSETPOS"):
        return None
    if next(_matching(filters), None) is None:
        return f"no date can match its repeat rule ({_shown(rule, filters, start)})"
    if not rule.get("BYSETPOS"):
        return None
    # BYSETPOS needs the most dates a period holds: every day of the 14 years is tried.
    days = Counter(_period(freq, day) for day in _matching(filters))
    most = (len(filters.weekdays) or 7) if freq == "WEEKLY" else max(days.values())
    return _beyond_period(rule, freq, most)


def _filters(rule: vRecur, freq: str, start: date) -> _Filters:
    months = set(_ints(rule, "BYMONTH"))
    monthdays = set(_ints(rule, "BYMONTHDAY"))
    days = [str(value).upper() for value in rule.get("BYDAY") or ()]
    # dateutil fills in what a bare monthly or yearly rule repeats from its DTSTART.
    bare = not (monthdays or days or rule.get("BYYEARDAY") or rule.get("BYWEEKNO"))
    if bare and freq in ("YEARLY", "MONTHLY"):
        monthdays = {start.day}
        if freq == "YEARLY" and not months:
            months = {start.month}
    weekdays, ordinals = set(), set()
    counted = freq in ("YEARLY", "MONTHLY")  # dateutil ignores n in nMO for finer rules
    for value in days:
        weekday = _WEEKDAYS.index(value[-2:]) if value[-2:] in _WEEKDAYS else None
        n = _int(value[:-2]) if value[:-2] else 0
        if weekday is None or n is None:
            continue
        if n and counted:
            ordinals.add((weekday, n))
        else:
            weekdays.add(weekday)
    return _Filters(
        freq=freq,
        months=frozenset(months or range(1, 13)),
        monthdays=frozenset(monthdays),
        yeardays=frozenset(_ints(rule, "BYYEARDAY")),
        weekdays=frozenset(weekdays),
        ordinals=frozenset(ordinals),
        in_month=freq == "MONTHLY" or bool(rule.get("BYMONTH")),
    )


def _narrows(filters: _Filters) -> bool:
    """Whether the filters can rule out every date; weekdays and months alone cannot."""
    return bool(filters.monthdays or filters.yeardays or filters.ordinals) or (
        filters.months != frozenset(range(1, 13)) and bool(filters.weekdays)
    )


def _matching(filters: _Filters) -> Iterator[date]:
    for year in _YEARS:
        length = 366 if calendar.isleap(year) else 365
        for offset in range(length):
            day = date(year, 1, 1) + timedelta(days=offset)
            if _passes(filters, day, offset, length):
                yield day


def _passes(filters: _Filters, day: date, offset: int, year_length: int) -> bool:
    if day.month not in filters.months:
        return False
    month_length = calendar.monthrange(day.year, day.month)[1]
    if filters.monthdays and not {day.day, day.day - month_length - 1} & filters.monthdays:
        return False
    if filters.yeardays and not {offset + 1, offset - year_length} & filters.yeardays:
        return False
    if filters.weekdays and day.weekday() not in filters.weekdays:
        return False
    # dateutil asks for both when BYDAY mixes the two (1MO,TU): no date is both.
    if filters.ordinals:
        index, length = (day.day - 1, month_length) if filters.in_month else (offset, year_length)
        counts = {index // 7 + 1, (index - length) // 7}  # e.g. 1MO and -1MO
        return any((day.weekday(), n) in filters.ordinals for n in counts)
    return True


def _period(freq: str, day: date) -> object:
    # Only months and years are counted: a week straddles years, a day holds one date.
    key = _PERIOD.get(freq)
    return key(day) if key is not None else None


def _beyond_period(rule: vRecur, freq: str, days: int) -> str | None:
    """BYSETPOS picks the nth date of each period: past what a period holds, none."""
    positions = _ints(rule, "BYSETPOS")
    if not positions:
        return None
    per_day = 1
    for part in _TIME_PARTS[freq]:
        per_day *= max(len(rule.get(part) or ()), 1)
    most = (days if freq in _PERIOD or freq == "WEEKLY" else 1) * per_day
    if all(abs(n) > most for n in positions):
        unit = _UNITS[freq]
        return (
            f"its repeat rule asks for date {positions[0]} of each {unit} "
            f"(BYSETPOS), which holds {most} at most"
        )
    return None


def _ints(rule: vRecur, key: str) -> list[int]:
    return [n for n in (_int(value) for value in rule.get(key) or ()) if n is not None]


def _int(value: object) -> int | None:
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


def _shown(rule: vRecur, filters: _Filters, start: date) -> str:
    parts = ("BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYSETPOS")
    shown = [f"{key}={','.join(map(str, rule[key]))}" for key in parts if rule.get(key)]
    if filters.monthdays and not rule.get("BYMONTHDAY"):
        shown.append(f"day {start.day} of the month, from its DTSTART")
    return "; ".join(shown)
