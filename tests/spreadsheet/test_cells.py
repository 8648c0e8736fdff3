"""Dates and counts as people type them; anything else is refused with a reason."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.spreadsheet.cells import CellProblem, parse_date, parse_int

FULL_WIDTH = str.maketrans("0123456789/-", "０１２３４５６７８９／－")


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_accepted_style_reads_the_same_day(day):
    styles = [day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日",
              f"{day.year}.{day.month}.{day.day}", day.strftime("%Y%m%d"),
              f"{day.year}年{day.month}月{day.day}日".translate(FULL_WIDTH), dt.datetime.combine(day, dt.time()),
              day]
    assert {parse_date(s) for s in styles} == {day}


@pytest.mark.parametrize("text", ["10/9/2024", "2024年9月", "24-9-10", "九月十日", "2024-02-30", "", True])
def test_other_writings_are_refused(text):
    with pytest.raises(CellProblem) as info:
        parse_date(text)
    assert info.value.code == "DATE_INVALID"


@pytest.mark.parametrize(("raw", "value"), [(8, 8), (8.0, 8), ("８", 8), ("8人", 8), ("8票", 8)])
def test_counts(raw, value):
    assert parse_int(raw) == value


@pytest.mark.parametrize("raw", ["八", 8.5, "-1", -1, "8.5"])
def test_bad_counts(raw):
    with pytest.raises(CellProblem):
        parse_int(raw)
