"""All calendar arithmetic of the procedure: months, age, working days, and rule-set selection.

Every other module asks here; nobody adds months or counts working days inline. Working days come
from the State Council calendar (the `chinesecalendar` package) plus the administrator's override
table for years the package does not know; an answer that needed a year known to neither is
computed with Monday-to-Friday and reported as provisional.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar

from checklists.calendar import YearCalendar, load_overrides
from checklists.gaps import Gap
from checklists.loader import Catalogue
from checklists.model import RuleSet

ADULT_MONTHS = 216


@lru_cache(maxsize=65536)
def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of month `months` later (or earlier), clamped to the month's last day.

    Cached: an audit asks the same few anchors over and over (s03 + 6k months, s15 + 12 months).
    A miss is cheap too (a birth date is asked once): a day up to the 28th exists in every month,
    so only later days ask the calendar for the month's length.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    if day.day <= 28:
        return dt.date(year, month0 + 1, day.day)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


_ONE_DAY = dt.timedelta(days=1)
_after_gap: dict[tuple, dt.date] = {}
_before_gap: dict[tuple, dt.date] = {}


def add_gap(day: dt.date, gap: Gap) -> dt.date:
    """`day` plus a written gap; remembered per (day, months, days), as the rules ask each limit of
    the same anchors again and again (the cache is bounded: emptied when full)."""
    key = (day, gap.months, gap.days)
    found = _after_gap.get(key)
    if found is None:
        if len(_after_gap) >= 65536:
            _after_gap.clear()
        found = _after_gap[key] = add_months(day, gap.months) + dt.timedelta(days=gap.days)
    return found


def subtract_gap(day: dt.date, gap: Gap) -> dt.date:
    key = (day, gap.months, gap.days)
    found = _before_gap.get(key)
    if found is None:
        if len(_before_gap) >= 65536:
            _before_gap.clear()
        found = _before_gap[key] = add_months(day, -gap.months) - dt.timedelta(days=gap.days)
    return found


def adult_on(birth: dt.date, months: int = ADULT_MONTHS) -> dt.date:
    """The day a person born on `birth` reaches the age; 29 February births turn on 28 February."""
    return add_months(birth, months)


@dataclass(frozen=True)
class DayAnswer:
    workday: bool
    provisional: bool


class WorkingCalendar:
    """Working days: overrides first, then the package's data, else Monday to Friday (provisional)."""

    def __init__(self, overrides: dict[int, YearCalendar] | None = None):
        self._spans: dict[tuple, tuple] = {}
        """Answers of the walks below per (question, start, end or count): an audit asks the same
        publicity periods again and again. Bounded (emptied when full) and emptied with the years."""
        self.overrides = dict(overrides) if overrides is not None else load_overrides()
        self._package_years: dict[int, bool] = {}
        self.is_workday = lru_cache(maxsize=20000)(self._is_workday)

    @property
    def overrides(self) -> dict[int, YearCalendar]:
        return self._overrides

    @overrides.setter
    def overrides(self, overrides: dict[int, YearCalendar]) -> None:
        """New years (the administrator's table reloaded) make every remembered walk stale."""
        self._overrides = overrides
        self._spans.clear()

    def set_year(self, year_calendar: YearCalendar) -> None:
        """Enters an official calendar for a year; it takes precedence over the package."""
        self.overrides[year_calendar.year] = year_calendar
        self.is_workday.cache_clear()
        self._spans.clear()

    def knows_year(self, year: int) -> bool:
        if year in self.overrides:
            return True
        if year not in self._package_years:
            try:
                chinese_calendar.is_workday(dt.date(year, 6, 1))
                self._package_years[year] = True
            except NotImplementedError:
                self._package_years[year] = False
        return self._package_years[year]

    def _is_workday(self, day: dt.date) -> DayAnswer:
        override = self.overrides.get(day.year)
        if override is not None:
            if day in override.workdays:
                return DayAnswer(True, False)
            if day in override.holidays:
                return DayAnswer(False, False)
            return DayAnswer(day.weekday() < 5, False)
        if self.knows_year(day.year):
            return DayAnswer(chinese_calendar.is_workday(day), False)
        return DayAnswer(day.weekday() < 5, True)

    def _remembered(self, key: tuple, walk) -> tuple:
        spans = self._spans
        found = spans.get(key)
        if found is None:
            if len(spans) >= 65536:
                spans.clear()
            found = spans[key] = walk()
        return found

    def publicity_last_day(self, start: dt.date, working_days: int) -> tuple[dt.date, bool]:
        """The last day of a publicity of `working_days` starting on `start` (counted if a working day)."""
        found = self._spans.get(("last", start, working_days))
        if found is not None:
            return found
        return self._remembered(("last", start, working_days), lambda: self._last_day(start, working_days))

    def _last_day(self, start: dt.date, working_days: int) -> tuple[dt.date, bool]:
        day, counted, provisional = start, 0, False
        while True:
            answer = self.is_workday(day)
            provisional |= answer.provisional
            if answer.workday:
                counted += 1
                if counted >= working_days:
                    return day, provisional
            day += _ONE_DAY

    def count_working_days(self, start: dt.date, end: dt.date) -> tuple[int, bool]:
        """Working days from `start` to `end`, both included."""
        found = self._spans.get(("count", start, end))
        if found is not None:
            return found
        return self._remembered(("count", start, end), lambda: self._count(start, end))

    def _count(self, start: dt.date, end: dt.date) -> tuple[int, bool]:
        count, provisional, day = 0, False, start
        while day <= end:
            answer = self.is_workday(day)
            provisional |= answer.provisional
            count += answer.workday
            day += _ONE_DAY
        return count, provisional

    def next_working_day_after(self, day: dt.date) -> tuple[dt.date, bool]:
        provisional = False
        while True:
            day += _ONE_DAY
            answer = self.is_workday(day)
            provisional |= answer.provisional
            if answer.workday:
                return day, provisional


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    return WorkingCalendar()


def select_rule_set(catalogue: Catalogue, day: dt.date, pin: str | None = None,
                    overlay_key: str | None = None) -> RuleSet:
    """The rule set that judges an event on `day`: the pinned one, else the one in force that day."""
    rule_set_id = pin or catalogue.in_force(day).id
    return catalogue.get(rule_set_id, overlay_key)
