"""Occurrences of one series over the parse window, in bounded work.

recurring_ical_events asks dateutil for every date between DTSTART and the end of the
span it is given, so a daily event over a wide window would cost tens of thousands
of occurrences. The window is walked in steps that each hold a fraction of
MAX_OCCURRENCES occurrences of the series' densest rule, and the walk stops once that
many are found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import recurring_ical_events
from icalendar import Calendar, Component
from icalendar.prop import vDDDTypes, vRecur

from scrapers.ical_checks import rules
from scrapers.ical_fields import first
from scrapers.ical_series import Series, label
from scrapers.ical_times import as_instant, instant_key, moment
from scrapers.model import ParseContext

# Also a production guard: a daily event left running for years is fine, but nothing
# a person attends happens more than a thousand times in one window.
MAX_OCCURRENCES = 1000
_DAYS = {"YEARLY": 366.0, "MONTHLY": 31.0, "WEEKLY": 7.0, "DAILY": 1.0, "HOURLY": 1 / 24}
_DAYS |= {"MINUTELY": 1 / 1440, "SECONDLY": 1 / 86400}
_BY = ("BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYHOUR", "BYMINUTE")
# BYDAY in a monthly or yearly rule means every such weekday of the month or year.
_WEEKS_IN = {"MONTHLY": 5, "YEARLY": 53}


@dataclass(frozen=True)
class Occurrence:
    component: Component  # where the fields other than the dates come from
    start: date | datetime
    end: date | datetime | None
    slot: date | datetime  # RECURRENCE-ID: the start it was planned for


class _Adapter(recurring_ical_events.EventAdapter):  # type: ignore[misc]
    """Hands back an occurrence's dates and its source component rather than a copy.

    Copying the component for every occurrence was most of the cost of expanding, and
    everything but the dates is the same for all occurrences made from one component.
    """

    def __init__(self, component: Component) -> None:
        super().__init__(component)
        self.source = component

    def as_component(
        self,
        start: date | datetime | None = None,
        stop: date | datetime | None = None,
        keep_recurrence_attributes: bool = True,
    ) -> Occurrence:
        first_date: date | datetime = self.start if start is None else start
        own_slot = moment(self.source, "RECURRENCE-ID")
        # A THISANDFUTURE modification also stands in for the occurrences after it,
        # which keep their own start as their slot.
        slot = own_slot if own_slot is not None and first_date == self.start else first_date
        return Occurrence(self.source, first_date, self.end if stop is None else stop, slot)


class _Found(recurring_ical_events.Occurrence):  # type: ignore[misc]
    """Asks the adapter for the dates only, skipping the base class's SEQUENCE copy."""

    def __init__(self, adapter: _Adapter, start: object = None, end: object = None) -> None:
        super().__init__(adapter, start, end)
        self.adapter = adapter

    def as_component(self, keep_recurrence_attributes: bool) -> Occurrence:
        occurrence: Occurrence = self.adapter.as_component(self.start, self.end)
        return occurrence


_SELECT = recurring_ical_events.ComponentsWithName("VEVENT", adapter=_Adapter, occurrence=_Found)


def expand(series: Series, ctx: ParseContext) -> tuple[list[Occurrence], list[str]]:
    """Occurrences overlapping the window in start order, and what went wrong on the way."""
    if not series.recurring:
        return _single(series.components[0], ctx), []
    try:
        return _recurring(series.components, ctx)
    except Exception as exc:  # recurring_ical_events raises many kinds on odd rules
        master = next((c for c in series.components if "RECURRENCE-ID" not in c), None)
        if master is None:
            raise
        why = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
        note = f"{label(master)}: could not expand its dates ({why}); kept its first date"
        return _single(master, ctx), [note]


def _single(component: Component, ctx: ParseContext) -> list[Occurrence]:
    # Most events do not repeat; reading them directly skips a component copy each.
    start = moment(component, "DTSTART")
    if start is None:
        return []
    end = _end(component, start)
    first_instant = as_instant(start)
    last_instant = as_instant(end) if end is not None else first_instant
    if not isinstance(start, datetime) and last_instant <= first_instant:
        last_instant = first_instant + timedelta(days=1)
    if first_instant > ctx.window_end or (
        last_instant <= ctx.window_start and first_instant < ctx.window_start
    ):
        return []
    return [Occurrence(component, start, end, start)]


def _end(component: Component, start: date | datetime) -> date | datetime | None:
    end = moment(component, "DTEND")
    duration = component.get("DURATION")
    if end is None and isinstance(duration, vDDDTypes) and isinstance(duration.dt, timedelta):
        end = start + duration.dt
    return end


def _recurring(
    components: Sequence[Component], ctx: ParseContext
) -> tuple[list[Occurrence], list[str]]:
    calendar = Calendar()
    for component in components:
        calendar.add_component(component)
    query = recurring_ical_events.CalendarQuery(calendar, components=[_SELECT])
    base = step = _step(components)
    found: dict[str, Occurrence] = {}
    start = _walk_from(components, ctx)
    while start < ctx.window_end and len(found) <= MAX_OCCURRENCES:
        stop = ctx.window_end if ctx.window_end - start <= step else start + step
        before = len(found)
        for occurrence in query.between(start, stop):
            # Occurrences spanning two steps come back twice; their slot tells them apart.
            found.setdefault(instant_key(occurrence.slot), occurrence)
        # Past the last occurrence (COUNT, UNTIL) or in a gap, stride out; where
        # occurrences are, keep the step that holds a bounded number of them.
        step = base if len(found) > before else min(step, timedelta.max / 4) * 2
        start = stop
    ordered = sorted(found.values(), key=lambda occurrence: as_instant(occurrence.start))
    if len(ordered) <= MAX_OCCURRENCES:
        return ordered, []
    note = f"{label(components[0])}: more than {MAX_OCCURRENCES} occurrences; kept the first"
    return ordered[:MAX_OCCURRENCES], [note]


def _walk_from(components: Sequence[Component], ctx: ParseContext) -> datetime:
    """Nothing repeats before its DTSTART, so the walk can begin there (RDATEs aside)."""
    starts = [moment(component, "DTSTART") for component in components]
    if any("RDATE" in component for component in components) or None in starts:
        return ctx.window_start
    earliest = min(as_instant(start) for start in starts if start is not None)
    return max(ctx.window_start, earliest - timedelta(days=1))


def _step(components: Sequence[Component]) -> timedelta:
    """A span holding a quarter of MAX_OCCURRENCES occurrences of the densest rule.

    Every step costs dateutil a walk from DTSTART, so steps are not made tiny; a
    quarter keeps the occurrences made past the cap to about a quarter of it.
    """
    found = [_period_days(rule) for component in components for rule in rules(component)]
    periods = [period for period in found if period is not None]
    if not periods:
        return timedelta.max
    return max(timedelta(days=min(periods) * MAX_OCCURRENCES / 4), timedelta(hours=1))


def _period_days(rule: vRecur) -> float | None:
    """Days per occurrence, erring towards too few so a step never holds far too many."""
    freq = str(first(rule.get("FREQ")) or "").upper()
    interval = first(rule.get("INTERVAL"))
    if freq not in _DAYS:
        return None
    days = _DAYS[freq] * (interval if isinstance(interval, int) and interval > 0 else 1)
    spread = _WEEKS_IN.get(freq, 1) if rule.get("BYDAY") else 1
    for key in _BY:
        spread *= max(len(rule.get(key) or ()), 1)
    return days / spread
