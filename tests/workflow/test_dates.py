"""Calendar arithmetic: months with clamping, age, working days, provisional years, rule-set choice."""
from __future__ import annotations

import calendar
import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checklists.calendar import YearCalendar, parse_overrides
from checklists.errors import ChecklistError
from checklists.loader import default_catalogue
from workflow.dates import WorkingCalendar, add_months, adult_on, select_rule_set

days = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31))
known_days = st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2026, 10, 31))


@pytest.mark.parametrize("start, months, expected", [
    ("2025-01-31", 1, "2025-02-28"),
    ("2024-01-31", 1, "2024-02-29"),
    ("2024-02-29", 12, "2025-02-28"),
    ("2024-03-31", -1, "2024-02-29"),
    ("2025-12-15", 1, "2026-01-15"),
    ("2025-05-31", 6, "2025-11-30"),
    ("2021-02-08", 12, "2022-02-08"),
])
def test_add_months_keeps_day_and_clamps(start, months, expected):
    assert add_months(dt.date.fromisoformat(start), months) == dt.date.fromisoformat(expected)


@given(days, st.integers(min_value=-600, max_value=600))
def test_add_months_lands_in_the_right_month_with_the_clamped_day(day, months):
    result = add_months(day, months)
    assert result.year * 12 + result.month == day.year * 12 + day.month + months
    assert result.day == min(day.day, calendar.monthrange(result.year, result.month)[1])


@given(days, days, st.integers(min_value=0, max_value=240))
def test_add_months_is_monotonic(a, b, months):
    lo, hi = sorted((a, b))
    assert add_months(lo, months) <= add_months(hi, months)


@given(days, st.integers(min_value=0, max_value=240))
def test_adding_then_removing_months_never_overshoots(day, months):
    assert add_months(add_months(day, months), -months) <= day


def test_born_on_29_february_turns_18_on_28_february():
    assert adult_on(dt.date(2004, 2, 29)) == dt.date(2022, 2, 28)
    assert adult_on(dt.date(2008, 2, 29)) == dt.date(2026, 2, 28)


def test_spring_festival_2026_make_up_saturday_counts_and_holidays_do_not():
    cal = WorkingCalendar(overrides={})
    # 02-12 Thu, 02-13 Fri, 02-14 Sat (调休上班), 02-15..02-23 off, 02-24 Tue, 02-25 Wed
    assert cal.publicity_last_day(dt.date(2026, 2, 12), 5) == (dt.date(2026, 2, 25), False)
    assert cal.count_working_days(dt.date(2026, 2, 12), dt.date(2026, 2, 24)) == (4, False)


def test_national_day_2026_make_up_sunday_and_saturday():
    cal = WorkingCalendar(overrides={})
    # 09-19 Sat off, 09-20 Sun is a make-up working day
    assert cal.publicity_last_day(dt.date(2026, 9, 19), 5) == (dt.date(2026, 9, 24), False)
    # 09-28..09-30 worked, 10-01..10-07 off, 10-08, 10-09 worked, 10-10 Sat make-up
    assert cal.publicity_last_day(dt.date(2026, 9, 28), 5) == (dt.date(2026, 10, 9), False)
    assert cal.publicity_last_day(dt.date(2026, 9, 28), 6) == (dt.date(2026, 10, 10), False)


def test_a_year_without_data_is_weekdays_and_provisional():
    cal = WorkingCalendar(overrides={})
    last, provisional = cal.publicity_last_day(dt.date(2027, 1, 4), 5)
    assert (last, provisional) == (dt.date(2027, 1, 8), True)
    assert cal.publicity_last_day(dt.date(2026, 12, 28), 5) == (dt.date(2027, 1, 1), True)


def test_an_entered_official_calendar_replaces_the_guess():
    cal = WorkingCalendar(overrides={})
    cal.set_year(YearCalendar(2027, "国办发明电〔2026〕测试号", holidays=frozenset({dt.date(2027, 1, 1)}),
                              workdays=frozenset({dt.date(2027, 1, 2)})))
    assert cal.publicity_last_day(dt.date(2026, 12, 28), 5) == (dt.date(2027, 1, 2), False)
    assert cal.is_workday(dt.date(2027, 1, 3)).provisional is False


def test_override_table_errors_name_the_entry():
    with pytest.raises(ChecklistError) as caught:
        parse_overrides({"years": [{"year": 2027, "notice": "x", "holidays": ["2028-01-01"]}]}, "o.toml")
    assert caught.value.path == "years[0]" and "2027" in caught.value.message
    with pytest.raises(ChecklistError):
        parse_overrides({"years": [{"year": 2027, "holidays": []}]}, "o.toml")


@settings(max_examples=200, deadline=None)
@given(known_days, st.integers(min_value=1, max_value=15))
def test_publicity_last_day_counts_exactly_n_working_days(start, n):
    cal = WorkingCalendar(overrides={})
    last, provisional = cal.publicity_last_day(start, n)
    assert not provisional
    assert chinese_calendar.is_workday(last)
    assert cal.count_working_days(start, last) == (n, False)
    assert cal.count_working_days(start, last - dt.timedelta(days=1))[0] == n - 1


@settings(max_examples=200, deadline=None)
@given(known_days, st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_working_day_counts_add_up_and_match_the_package(start, a, b):
    cal = WorkingCalendar(overrides={})
    middle, end = start + dt.timedelta(days=a), start + dt.timedelta(days=a + b)
    whole = cal.count_working_days(start, end)[0]
    assert whole == cal.count_working_days(start, middle)[0] + cal.count_working_days(
        middle + dt.timedelta(days=1), end)[0]
    if end.year <= 2026:
        assert whole == len(chinese_calendar.get_workdays(start, end))


def test_rule_set_switches_on_11_may_2026_unless_pinned():
    catalogue = default_catalogue()
    assert select_rule_set(catalogue, dt.date(2026, 5, 10)).id == "2014"
    assert select_rule_set(catalogue, dt.date(2026, 5, 11)).id == "2026.05"
    assert select_rule_set(catalogue, dt.date(2026, 6, 1), pin="2014").id == "2014"
    assert select_rule_set(catalogue, dt.date(2020, 6, 1), pin="2026.05").id == "2026.05"
