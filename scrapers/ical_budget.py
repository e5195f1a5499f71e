"""A limit on the work dateutil does for one series, counted rather than timed.

dateutil checks a rule's UNTIL and COUNT only when a date matches, so a rule that
matches no date, or one in centuries, is walked period by period to the year 9999
(seconds to minutes). scrapers.ical_impossible refuses the rules known never to match;
this catches the rest. A count, unlike a clock, stops a series at the same place on a
busy machine as on an idle one, so a series is never cut short by load and its later
dates never look removed.

dateutil's walk builds the set of days of every period it steps through, and rebuilds
its masks of the month or year when it enters a new one, through a private helper
class (rrule._iterinfo). That class is replaced by a subclass that counts those calls,
weighted by what each costs, against the budget of the current thread; with no budget
running it only passes them on. (sys.settrace counting every call was tried first: it
made the 2 MB calendar of tests/test_bounds_ical.py 60% slower. This adds about 0.35
microseconds to each counted call, of which that calendar makes 3,400 and issue42.ics
of the corpus 13,000: a few milliseconds.) Dates dateutil hands out again from its
cache, as its time zones read from a VTIMEZONE do for each conversion, cost nothing.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from dateutil import rrule

# Units of work one series may cost: 1.2 to 5 microseconds each, so at most about 0.3 s.
# Ten times the most any series of the corpus needs (5,760: issue42.ics and
# issue_156_RDATE_with_PERIOD_TZID_khal_2.ics); a daily rule with a COUNT started in
# 1975, about the longest walk scrapers.ical_rebase lets through, needs 23,153.
STEPS = 60_000
_NEW_YEAR = 35  # rebuilding a year's masks costs as much as 35 daily steps
_NEW_MONTH = 4


class OverBudget(BaseException):
    """Raised inside dateutil to stop its walk.

    A BaseException, so that no `except Exception` on the way (in dateutil or
    recurring_ical_events) swallows it and lets the walk go on.
    """


class _Left(threading.local):
    steps: int | None = None  # None: no budget running in this thread


_LEFT = _Left()


def _spend(steps: int) -> None:
    left = _LEFT.steps
    if left is not None:
        if left < steps:
            _LEFT.steps = 0
            raise OverBudget
        _LEFT.steps = left - steps


class Budget:
    """Within the block, dateutil's walking past `steps` units raises OverBudget."""

    def __init__(self, steps: int | None = None) -> None:
        self.steps = STEPS if steps is None else steps
        self._outer: int | None = None

    @property
    def used(self) -> int:
        return self.steps - (_LEFT.steps or 0)

    def __enter__(self) -> Budget:
        self._outer, _LEFT.steps = _LEFT.steps, self.steps
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        _LEFT.steps = self._outer


# A module reloaded (as in some test runners) replaces the counter rather than wrapping it.
_Original: Any = getattr(rrule._iterinfo, "counted_from", rrule._iterinfo)


class _CountedInfo(_Original):  # type: ignore[misc]
    # No __slots__ here: dateutil's __init__ sets each name in self.__slots__ to None,
    # which must stay its own list.
    counted_from = _Original

    def rebuild(self, year: int, month: int) -> None:
        _spend(_NEW_YEAR if year != self.lastyear else _NEW_MONTH)
        _Original.rebuild(self, year, month)

    def ydayset(self, year: int, month: int, day: int) -> Any:
        _spend(1)
        return _Original.ydayset(self, year, month, day)

    def mdayset(self, year: int, month: int, day: int) -> Any:
        _spend(1)
        return _Original.mdayset(self, year, month, day)

    def wdayset(self, year: int, month: int, day: int) -> Any:
        _spend(1)
        return _Original.wdayset(self, year, month, day)

    def ddayset(self, year: int, month: int, day: int) -> Any:
        _spend(1)
        return _Original.ddayset(self, year, month, day)


rrule._iterinfo = _CountedInfo

# Within one period, a SECONDLY or MINUTELY rule with BYSECOND or BYMINUTE seeks its next
# time with this method, up to 86,400 times a day (BYHOUR=9;BYMINUTE=0;BYSECOND=0 every
# second to a year ahead: 5.7 s), without a new period: each call costs about 10
# microseconds.
_seek: Any = getattr(rrule.rrule._rrule__mod_distance, "counted_from", None)
_seek = _seek or rrule.rrule._rrule__mod_distance
_SEEK = 3


def _counted_seek(self: Any, value: int, byxxx: Any, base: int) -> Any:
    _spend(_SEEK)
    return _seek(self, value, byxxx, base)


_counted_seek.counted_from = _seek  # type: ignore[attr-defined]
rrule.rrule._rrule__mod_distance = _counted_seek
