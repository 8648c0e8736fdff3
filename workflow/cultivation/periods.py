"""Assessment periods of a scheme: the semester or school year a day falls in, with a stable label.

A scheme names the first day (MM-DD) of each period in a school year (`["09-01", "03-01"]`: the
autumn and the spring semester). The school year is named by the calendar year it starts in:
2025-09-01 … 2026-02-28 is "2025-2026-1", 2026-03-01 … 2026-08-31 is "2025-2026-2"; a scheme scored
by year has labels like "2025-2026". 一学期一评、一学年一公开: a semester's scores are published with
its school year's.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from checklists.schemes import Scheme
from workflow.errors import InputError

_LABEL = re.compile(r"^(\d{4})-(\d{4})(?:-(\d+))?$")


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _starts_of_year(scheme: Scheme, first_year: int) -> list[dt.date]:
    """The first day of each period of the school year that starts in `first_year`, and of the next."""
    month_days = scheme.period.month_days
    out, year, previous = [], first_year, None
    for month, day in [*month_days, month_days[0]]:
        candidate = dt.date(year, month, day)
        if previous is not None and candidate <= previous:
            year += 1
            candidate = dt.date(year, month, day)
        out.append(candidate)
        previous = candidate
    return out


def period_of(scheme: Scheme, day: dt.date) -> Period:
    """The scheme's period (semester or year) that `day` falls in."""
    for first_year in (day.year, day.year - 1):
        starts = _starts_of_year(scheme, first_year)
        for k in range(len(starts) - 1):
            if starts[k] <= day < starts[k + 1]:
                return _period(scheme, first_year, k, starts)
    raise AssertionError(f"no period holds {day}")  # every day is in one of the two school years tried


def _period(scheme: Scheme, first_year: int, k: int, starts: list[dt.date]) -> Period:
    label = f"{first_year}-{first_year + 1}"
    if scheme.period.unit == "semester":
        label += f"-{k + 1}"
    return Period(label=label, start=starts[k], end=starts[k + 1] - dt.timedelta(days=1))


def period_named(scheme: Scheme, label: str) -> Period:
    """The period with this label ("2025-2026-1" by semester, "2025-2026" by year), or InputError."""
    match = _LABEL.match(label.strip())
    count = len(scheme.period.starts)
    wanted = "“2025-2026-1”" if scheme.period.unit == "semester" else "“2025-2026”"
    if not match or int(match.group(2)) != int(match.group(1)) + 1 \
            or (match.group(3) is None) != (scheme.period.unit == "year") \
            or (match.group(3) is not None and not 1 <= int(match.group(3)) <= count):
        raise InputError(f"考核期“{label}”不符合方案 {scheme.id} 的写法，应如 {wanted}", code="PERIOD_INVALID",
                         field="period")
    first_year = int(match.group(1))
    k = int(match.group(3)) - 1 if match.group(3) else 0
    return _period(scheme, first_year, k, _starts_of_year(scheme, first_year))


def publication_period(scheme: Scheme, period: Period) -> Period:
    """The period whose ranking publishes this one's scores (一学年一公开: the school year)."""
    if scheme.period.publish == scheme.period.unit:
        return period
    label = period.label.rsplit("-", 1)[0]
    first_year = int(label.split("-")[0])
    starts = _starts_of_year(scheme, first_year)
    return Period(label=label, start=starts[0], end=starts[-1] - dt.timedelta(days=1))
