"""Occurrences of one series over the parse window, in bounded work.

recurring_ical_events asks dateutil for every date between DTSTART and the end of the
span it is given, so a daily event over a wide window would cost tens of thousands
of occurrences. The span asked for ends where the rules reach the cap
(ParseContext.max_occurrences), found with dateutil's lazy iteration. A series that
began long before the window is first moved up to it (scrapers.ical_rebase), so
dateutil never walks from 1970.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import takewhile

import recurring_ical_events
from icalendar import Calendar, Component
from icalendar.prop import vDDDTypes
from recurring_ical_events.util import convert_to_datetime

from scrapers.ical_budget import Budget, OverBudget
from scrapers.ical_rebase import rebase
from scrapers.ical_series import Series, label
from scrapers.ical_times import as_instant, instant_key, moment
from scrapers.model import ParseContext


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
    master = next((c for c in series.components if "RECURRENCE-ID" not in c), None)
    try:
        components, refused = rebase(series.components, ctx)
        if refused and master is not None:
            return _single(master, ctx), [f"{label(master)}: {refused}"]
        return _budgeted(components, master, ctx)
    except Exception as exc:  # recurring_ical_events raises many kinds on odd rules
        if master is None:
            raise
        why = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
        note = f"{label(master)}: could not expand its dates ({why}); kept its first date"
        return _single(master, ctx), [note]


def _budgeted(
    components: Sequence[Component], master: Component | None, ctx: ParseContext
) -> tuple[list[Occurrence], list[str]]:
    """The expansion, stopped where dateutil has done more work than any real rule needs
    (scrapers.ical_budget): the series keeps the dates found by then."""
    found: dict[str, Occurrence] = {}
    try:
        with Budget():
            return _recurring(components, ctx, found)
    except OverBudget:
        # Spans are made in order from the window's start: what was found is a prefix.
        kept = _ordered(found)[: ctx.max_occurrences]
        why = f"{label(components[0])}: its repeat rule takes too long to work out"
        if kept or master is None:
            return kept, [f"{why}; kept the {len(kept)} dates found first"]
        return _single(master, ctx), [f"{why}; kept only its first date"]


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
    components: Sequence[Component], ctx: ParseContext, found: dict[str, Occurrence]
) -> tuple[list[Occurrence], list[str]]:
    """Fills found (by slot) span by span, so a caller that stops it keeps the spans done."""
    calendar = Calendar()
    for component in components:
        calendar.add_component(component)
    query = recurring_ical_events.CalendarQuery(calendar, components=[_SELECT])
    cap = ctx.max_occurrences
    start = ctx.window_start
    while start < ctx.window_end and len(found) <= cap:
        # EXDATEs take dates away, so a span can hold fewer occurrences than rule dates;
        # a quarter of the cap at least keeps such spans few.
        stop = _stop(query, start, ctx.window_end, max(cap + 1 - len(found), cap // 4, 1))
        # between() makes the whole span before any is added: a stop inside it adds none.
        for occurrence in query.between(start, stop):
            # An occurrence running across two spans comes back twice: its slot tells.
            found.setdefault(instant_key(occurrence.slot), occurrence)
        start = stop
    ordered = _ordered(found)
    if len(ordered) <= cap:
        return ordered, []
    note = f"{label(components[0])}: more than {cap} occurrences; kept the first"
    return ordered[:cap], [note]


def _ordered(found: dict[str, Occurrence]) -> list[Occurrence]:
    return sorted(found.values(), key=lambda occurrence: as_instant(occurrence.start))


def _stop(
    query: recurring_ical_events.CalendarQuery, start: datetime, end: datetime, wanted: int
) -> datetime:
    """Just past the wanted-th date the rules give from start, or end if they give fewer.

    recurring_ical_events makes every occurrence in the span it is asked for, and a rule
    with an occurrence a second gives 31 million a year, so the span is cut where the
    cap is reached. dateutil's xafter is lazy: a gap in the rule (BYMONTH, say) costs it
    a step a day, not an occurrence a second. The rules are the library's own
    (series.recurrence.rrules: its set of RDATEs and DTSTART, then each RRULE), so they
    count what it will make; were those attributes renamed, every span would be the
    whole window again, which the timings in tests/test_bounds_ical.py would catch.
    """
    dates: list[datetime] = []
    for series in query.series:
        recurrence = series.recurrence
        zone = getattr(recurrence, "tzinfo", None)
        low, high = convert_to_datetime(start, zone), convert_to_datetime(end, zone)
        for rule in getattr(recurrence, "rrules", ()):
            dates += _until(rule.xafter(low, wanted, inc=True), high)
    # DTSTART is also an RDATE of recurring_ical_events' rule set: count each date once.
    ordered = sorted(set(dates))
    if len(ordered) < wanted:
        return end
    last = ordered[wanted - 1]
    # Floating and all-day series are walked in naive wall time, read as start's zone.
    last = last if last.tzinfo is not None else last.replace(tzinfo=start.tzinfo)
    return min(end, last + timedelta(seconds=1))


def _until(dates: Iterable[datetime], high: datetime) -> list[datetime]:
    return list(takewhile(lambda when: when <= high, dates))
