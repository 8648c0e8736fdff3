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
from workflow.dossier import Dossier
from workflow.statistics import age_on

YOUNG_AGE = 35
HIGHER_EDUCATION = ("大专", "专科", "本科", "研究生", "硕士", "博士")
STRUCTURE = {"women": "女性", "young": "35岁及以下", "front_line": "生产工作一线", "higher_education": "大专及以上学历"}


def structure_of(dossier: Dossier, on: dt.date) -> set[str]:
    person = dossier.person
    out = set()
    if person.gender == "女":
        out.add("women")
    if age_on(person.birth_date, on) <= YOUNG_AGE:
        out.add("young")
    if getattr(person, "front_line", None) is True:
        out.add("front_line")
    if person.education and any(word in person.education for word in HIGHER_EDUCATION):
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
