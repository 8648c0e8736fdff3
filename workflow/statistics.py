"""Counts for the annual returns (党内统计年报): people by state, sex, ethnicity, education, age band and
organisation, as they stood on a chosen day.

"As they stood" means the dossier cut at that day: steps, case events and the rest dated later are
left out before the state is derived, so a report for 31 December can be run in March. Ages are
whole years reached by that day, counted with `add_months` like every other date.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from workflow.dates import add_months
from workflow.dossier import Dossier
from workflow.machine import derive_state
from workflow.pipeline import state_names

DIMENSIONS = {"state": "发展阶段", "gender": "性别", "ethnicity": "民族", "education": "学历", "age_band": "年龄段",
              "organisation": "所在党组织"}
AGE_BANDS = ((0, 17, "18岁以下"), (18, 25, "25岁及以下"), (26, 30, "26至30岁"), (31, 35, "31至35岁"),
             (36, 40, "36至40岁"), (41, 45, "41至45岁"), (46, 50, "46至50岁"), (51, 55, "51至55岁"),
             (56, 60, "56至60岁"), (61, 200, "61岁及以上"))
UNKNOWN = "未填写"


def age_on(birth: dt.date, day: dt.date) -> int:
    years = day.year - birth.year
    while years > 0 and add_months(birth, 12 * years) > day:
        years -= 1
    return max(years, 0)


def age_band(birth: dt.date, day: dt.date) -> str:
    age = age_on(birth, day)
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def as_of(dossier: Dossier, day: dt.date) -> Dossier | None:
    """The dossier as it stood on `day`, or None if the person had not applied by then."""
    steps = [s for s in dossier.steps if s.date <= day]
    if not steps:
        return None
    events = [e for e in dossier.case_events if e.date <= day]
    return dossier.model_copy(update={"steps": steps, "case_events": events})


@dataclass
class Statistics:
    """`tables[dimension][value][state]` counts people; `totals[dimension][value]` sums a row."""

    day: dt.date
    people: int = 0
    states: list[str] = field(default_factory=list)
    tables: dict[str, dict[str, Counter]] = field(default_factory=dict)

    def total(self, dimension: str, value: str) -> int:
        return sum(self.tables[dimension][value].values())

    def to_dict(self) -> dict:
        return {"day": self.day.isoformat(), "people": self.people, "states": self.states,
                "tables": {dim: {value: dict(row) for value, row in rows.items()}
                           for dim, rows in self.tables.items()}}


def _value(dossier: Dossier, dimension: str, state: str, day: dt.date) -> str:
    person = dossier.person
    if dimension == "state":
        return state_names().get(state, state)
    if dimension == "age_band":
        return age_band(person.birth_date, day)
    return getattr(person, "gender" if dimension == "gender" else dimension) or UNKNOWN


def annual_statistics(dossiers: list[Dossier], day: dt.date) -> Statistics:
    """Each dimension is a table of its values (rows) by state (columns), rows sorted by count."""
    names = state_names()
    stats = Statistics(day=day, states=list(names.values()))
    tables: dict[str, dict[str, Counter]] = {dim: {} for dim in DIMENSIONS}
    for dossier in dossiers:
        cut = as_of(dossier, day)
        if cut is None:
            continue
        stats.people += 1
        state_id = derive_state(cut)
        state = names.get(state_id, state_id)
        for dimension in DIMENSIONS:
            value = _value(cut, dimension, state_id, day)
            tables[dimension].setdefault(value, Counter())[state] += 1
    order = {label: i for i, (_, _, label) in enumerate(AGE_BANDS)}
    for dimension, rows in tables.items():
        if dimension == "age_band":
            keys = sorted(rows, key=order.get)
        elif dimension == "state":
            keys = [n for n in names.values() if n in rows]
        else:
            keys = sorted(rows, key=lambda v: (-sum(rows[v].values()), v))
        stats.tables[dimension] = {k: rows[k] for k in keys}
    stats.states = [n for n in names.values() if any(n in row for rows in tables.values() for row in rows.values())]
    return stats
