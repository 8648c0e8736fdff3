"""Development counts for the annual return and the annual plan, counted as 党内统计 counts them.

A person is 发展 (developed) in the year his or her admission is approved by the committee (s17),
and 转正 (converted) in the year the conversion is approved (s24, with the resolution `convert`):
the approval date decides, not the branch meeting's. The same counts measure progress against the
annual plan (第三条/第三十八条: 年度计划, 结构: 女性, 35 岁及以下, 生产工作一线, 学历).

The structure of a person: `gender` 女; age at the approval date 35 or under; `front_line` true (an
extra field of the person in `dossier/1`); `education` naming a college degree or study towards one
(大专, 本科, 研究生, 硕士, 博士).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from checklists.loader import default_catalogue
from checklists.returns import UNKNOWN, load_returns
from workflow.dossier import Dossier
from workflow.statistics import age_on

YOUNG_AGE = load_returns().young_age
HIGHER_EDUCATION = tuple(load_returns().higher_education)
STRUCTURE = {"women": "女性", "young": f"{YOUNG_AGE}岁及以下", "front_line": "生产工作一线", "higher_education": "大专及以上学历"}


def structure_of(dossier: Dossier, on: dt.date) -> set[str]:
    person = dossier.person
    out = set()
    if person.gender == "女":
        out.add("women")
    if age_on(person.birth_date, on) <= YOUNG_AGE:
        out.add("young")
    if getattr(person, "front_line", None) is True:
        out.add("front_line")
    if load_returns().higher(person.education):
        out.add("higher_education")
    return out


@dataclass
class Counts:
    year: int
    developed: int = 0
    converted: int = 0
    structure: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STRUCTURE, 0))
    developed_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"year": self.year, "developed": self.developed, "converted": self.converted,
                "structure": dict(self.structure), "developed_ids": list(self.developed_ids)}


def development_counts(dossiers: list[Dossier], year: int) -> Counts:
    """Developed (admission approved in `year`) with their structure, and converted in `year`."""
    rs = default_catalogue().ordered()[-1]
    probation = rs.probation
    admitted_by = next(step.id for step in rs.steps if step.enters_state == "probationary")
    converted_by = probation.approved_by
    out = Counts(year=year)
    for dossier in dossiers:
        approvals = [s.date for s in dossier.steps if s.step == admitted_by and s.date.year == year]
        if approvals:
            out.developed += 1
            out.developed_ids.append(dossier.id)
            for key in structure_of(dossier, approvals[0]):
                out.structure[key] += 1
        meetings = [s for s in dossier.steps if s.step == probation.decided_by]
        for k, approval in enumerate(s for s in dossier.steps if s.step == converted_by):
            outcome = (meetings[k].outcome if k < len(meetings) else None) or "convert"
            if approval.date.year == year and outcome == "convert":
                out.converted += 1
    return out


def counts_until(dossiers: list[Dossier], day: dt.date) -> Counts:
    """The counts of `day`'s year as the dossiers stood on `day`: an approval dated later in that year
    is not yet counted, as the other annual-return tables count people as they stood that day."""
    return development_counts([d.model_copy(update={"steps": [s for s in d.steps if s.date <= day]})
                               for d in dossiers], day.year)


# ---------------------------------------------------------------- the annual return's table

MEASURES = {"applicants": "申请入党", "activists": "确定入党积极分子", "candidates": "确定发展对象",
            "developed": "发展党员（预备党员）", "converted": "预备党员转正", "extended": "延长预备期"}
"""What the return counts, in its order. The first three by the date of the step that enters the state
(applicant, activist, candidate: read from the rule set, never a step id here), the others by the
approval date (s17; s24 with the branch meeting's outcome convert or extend), as 党内统计 counts."""
_ENTERS = {"applicants": "applicant", "activists": "activist", "candidates": "candidate"}


def dimension_columns() -> dict[str, str]:
    """The table's columns: the total, the bulletin's structure, and each occupation category."""
    data = load_returns()
    return {"total": "合计", "women": "女性", "minority": "少数民族", "young": f"{data.young_age}岁及以下",
            "higher_education": "大专及以上学历", "front_line": "生产工作一线",
            **{f"occupation:{o.id}": o.name for o in data.occupations}, "occupation:": f"职业{UNKNOWN}"}


def _columns_of(dossier: Dossier, on: dt.date) -> list[str]:
    data = load_returns()
    out = ["total", *sorted(structure_of(dossier, on))]
    if data.minority(dossier.person.ethnicity):
        out.append("minority")
    out.append(f"occupation:{data.occupation_of(getattr(dossier.person, 'occupation', None)) or ''}")
    return out


@dataclass
class AnnualReturn:
    """`rows[measure][column]` people counted in `year` (as the dossiers stood on `day` when cut)."""

    year: int
    rows: dict[str, dict[str, int]]
    ids: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"year": self.year, "measures": MEASURES, "columns": dimension_columns(), "rows": self.rows}

    def table(self) -> list[list]:
        """Header, then one row per measure: its label and each column's count."""
        columns = dimension_columns()
        return [["项目", *columns.values()],
                *([MEASURES[m], *(self.rows[m][c] for c in columns)] for m in MEASURES)]


def annual_return(dossiers: list[Dossier], year: int) -> AnnualReturn:
    """Every measure of the year in every dimension; a person's age and structure on the counting date."""
    rs = default_catalogue().ordered()[-1]
    probation = rs.probation
    enters = {state: [s.id for s in rs.steps if s.enters_state == state] for state in _ENTERS.values()}
    admitted_by = [s.id for s in rs.steps if s.enters_state == "probationary"]
    columns = dimension_columns()
    rows = {m: dict.fromkeys(columns, 0) for m in MEASURES}
    ids: dict[str, list[str]] = {m: [] for m in MEASURES}

    def count(measure: str, dossier: Dossier, on: dt.date) -> None:
        ids[measure].append(dossier.id)
        for column in _columns_of(dossier, on):
            rows[measure][column] += 1

    for dossier in dossiers:
        for measure, state in _ENTERS.items():
            days = sorted(s.date for s in dossier.steps if s.step in enters[state])
            if days and days[0].year == year:
                count(measure, dossier, days[0])
        days = sorted(s.date for s in dossier.steps if s.step in admitted_by)
        if days and days[0].year == year:
            count("developed", dossier, days[0])
        meetings = [s for s in dossier.steps if s.step == probation.decided_by]
        for k, approval in enumerate(s for s in dossier.steps if s.step == probation.approved_by):
            outcome = (meetings[k].outcome if k < len(meetings) else None) or "convert"
            if approval.date.year == year and outcome in ("convert", "extend"):
                count("converted" if outcome == "convert" else "extended", dossier, approval.date)
    return AnnualReturn(year=year, rows=rows, ids=ids)


def return_until(dossiers: list[Dossier], day: dt.date) -> AnnualReturn:
    """The return of `day`'s year as the dossiers stood on `day` (later steps not yet counted)."""
    return annual_return([d.model_copy(update={"steps": [s for s in d.steps if s.date <= day]}) for d in dossiers],
                         day.year)
