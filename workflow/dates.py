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
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def add_gap(day: dt.date, gap: Gap) -> dt.date:
    return add_months(day, gap.months) + dt.timedelta(days=gap.days)


def subtract_gap(day: dt.date, gap: Gap) -> dt.date:
    return add_months(day, -gap.months) - dt.timedelta(days=gap.days)


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
        self.overrides = dict(overrides) if overrides is not None else load_overrides()
        self._package_years: dict[int, bool] = {}
        self.is_workday = lru_cache(maxsize=20000)(self._is_workday)

    def set_year(self, year_calendar: YearCalendar) -> None:
        """Enters an official calendar for a year; it takes precedence over the package."""
        self.overrides[year_calendar.year] = year_calendar
        self.is_workday.cache_clear()

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

    def publicity_last_day(self, start: dt.date, working_days: int) -> tuple[dt.date, bool]:
        """The last day of a publicity of `working_days` starting on `start` (counted if a working day)."""
        day, counted, provisional = start, 0, False
        while True:
            answer = self.is_workday(day)
            provisional |= answer.provisional
            if answer.workday:
                counted += 1
                if counted >= working_days:
                    return day, provisional
            day += dt.timedelta(days=1)

    def count_working_days(self, start: dt.date, end: dt.date) -> tuple[int, bool]:
        """Working days from `start` to `end`, both included."""
        count, provisional, day = 0, False, start
        while day <= end:
            answer = self.is_workday(day)
            provisional |= answer.provisional
            count += answer.workday
            day += dt.timedelta(days=1)
        return count, provisional

    def next_working_day_after(self, day: dt.date) -> tuple[dt.date, bool]:
        provisional = False
        while True:
            day += dt.timedelta(days=1)
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
