"""Series that began long before the window, moved up to it before they are expanded.

dateutil walks a rule occurrence by occurrence from its DTSTART, and keeps what it made
(recurring_ical_events asks for its cache): an hourly event since 1970 costs half a
million occurrences before the first one in the window, one every second since then
billions. A rule whose periods all last the same (SECONDLY to WEEKLY) and that does not
count its occurrences (no COUNT) gives the same dates from any start a whole number of
periods later, so its DTSTART is moved to just before the window. A rule that would
still make more than WALK_LIMIT dates before the window (COUNT, MONTHLY and YEARLY rules
cannot be moved; a daily rule with a date every second is 86,400 a day) is not expanded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from icalendar import Component
from icalendar.prop import vDDDTypes, vRecur

from scrapers.ical_checks import rules
from scrapers.ical_fields import first
from scrapers.ical_times import as_instant, moment
from scrapers.model import ParseContext

# About a tenth of a second of dateutil's walking (half a second at 100,000). No rule a
# person attends comes near: a weekly event since 1970 is 3,000 dates, and rules that
# can be moved up to the window (an hourly one since 1970) are.
WALK_LIMIT = 20_000
# A shorter walk is left alone: moving saves little, and most series are never copied.
MOVE_AFTER = 1_000
_DAYS = {"YEARLY": 366.0, "MONTHLY": 31.0, "WEEKLY": 7.0, "DAILY": 1.0, "HOURLY": 1 / 24}
_DAYS |= {"MINUTELY": 1 / 1440, "SECONDLY": 1 / 86400}
_SECONDS = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 604800}
_BY = ("BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND")
# BYDAY in a monthly or yearly rule means every such weekday of the month or year.
_WEEKS_IN = {"MONTHLY": 5, "YEARLY": 53}


def rebase(
    components: Sequence[Component], ctx: ParseContext
) -> tuple[list[Component], str | None]:
    """The series with its master moved up to the window where that saves a walk and
    keeps every date, or the reason it is not to be expanded."""
    found = list(components)
    master = next((c for c in found if "RECURRENCE-ID" not in c), None)
    start = moment(master, "DTSTART") if master is not None else None
    if master is None or start is None or _walk(master, start, ctx) <= MOVE_AFTER:
        return found, None
    step = _period(master, start)
    moved = _moved(master, start, step, ctx) if step is not None else master
    walk = _walk(moved, moment(moved, "DTSTART") or start, ctx)
    if walk > WALK_LIMIT:
        since = f"{as_instant(start):%Y-%m-%d}"
        why = f"would make about {walk:,} dates before reaching the window (it starts {since})"
        return found, f"its repeat rule {why}; not expanded"
    return [moved if c is master else c for c in found], None


def _period_days(rule: vRecur) -> float | None:
    """Days per occurrence, erring towards too few: the walk is never underestimated."""
    freq = str(first(rule.get("FREQ")) or "").upper()
    if freq not in _DAYS:
        return None
    days = _DAYS[freq] * _interval(rule)
    spread = _WEEKS_IN.get(freq, 1) if rule.get("BYDAY") else 1
    for key in _BY:
        spread *= max(len(rule.get(key) or ()), 1)
    return days / spread


def _interval(rule: vRecur) -> int:
    interval = first(rule.get("INTERVAL"))
    return interval if isinstance(interval, int) and interval > 0 else 1


def _walk(master: Component, start: date | datetime, ctx: ParseContext) -> int:
    """About how many occurrences dateutil makes between DTSTART and the window."""
    days = (ctx.window_start - as_instant(start)).total_seconds() / 86400
    if days <= 0:
        return 0
    total = 0.0
    for rule in rules(master):
        period = _period_days(rule)
        count = first(rule.get("COUNT"))
        made = days / period if period else 0.0
        total += min(made, count) if isinstance(count, int) else made
    return round(total)


def _period(master: Component, start: date | datetime) -> timedelta | None:
    """The shortest shift of DTSTART that leaves every rule's dates as they are, if any."""
    seconds = 1
    for rule in rules(master):
        freq = str(first(rule.get("FREQ")) or "").upper()
        if freq not in _SECONDS or rule.get("COUNT"):
            return None
        seconds = math.lcm(seconds, _SECONDS[freq] * _interval(rule))
    if not isinstance(start, datetime) and seconds % 86400:
        return None  # a sub-daily rule on a date: nothing to shift by
    return timedelta(seconds=seconds) if rules(master) else None


def _moved(
    master: Component, start: date | datetime, step: timedelta, ctx: ParseContext
) -> Component:
    """A copy of the master whole periods later, its own (possibly off-rule) start and its
    end both before the window, so every date it gives there is a real occurrence."""
    end = moment(master, "DTEND")
    length = as_instant(end) - as_instant(start) if end is not None else _duration(master)
    # The shift is in wall-clock time, which a change of UTC offset moves against the
    # instant (an hour for daylight saving, a whole day once in Samoa): a day's margin.
    target = ctx.window_start - max(length, timedelta()) - timedelta(days=1)
    periods = (target - as_instant(start)) // step
    if periods < 1:
        return master
    moved = master.copy()
    for name, value in (("DTSTART", start), ("DTEND", end)):
        if value is not None:
            # Wall-clock arithmetic, as dateutil's: 09:00 stays 09:00 across DST changes.
            moved[name] = vDDDTypes(value + step * periods)
    return moved


def _duration(master: Component) -> timedelta:
    value = master.get("DURATION")
    if isinstance(value, vDDDTypes) and isinstance(value.dt, timedelta):
        return value.dt
    return timedelta()
