"""Builds realistic dossiers by driving the engine itself through the procedure.

Each step is recorded on the earliest day the plan allows (plus a few days), with the content a
branch would record, its materials, and a review by a second person. Used by the demo, the tests
and the benchmarks, so that sample data can never drift from the rules: if the engine refused its
own plan, building a sample would fail.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from checklists.loader import default_catalogue
from workflow.dates import add_months, default_calendar
from workflow.dossier import Assessment, Dossier, MaterialEntry, Person, Publicity
from workflow.engine import record_step, review_step
from workflow.plan import plan_dossier

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["小明", "静", "伟", "芳", "娜", "敏", "磊", "洋", "艳", "杰", "喆", "堃", "珺", "玥", "镕", "赟", "垚", "祎"]
RECORDER, REVIEWER = "李书记", "王组织员"
MEMBERS = [{"name": "赵六", "status": "full", "discipline": None},
           {"name": "钱七", "status": "full", "discipline": None}]


@dataclass
class CaseSpec:
    id: str
    applied: dt.date
    until: str | None = None
    name: str | None = None
    organisation: str = "信息学院学生第二党支部"
    with_materials: bool = True
    with_reviews: bool = True
    seed: int = 0


def _content(step: str, dossier: Dossier, day: dt.date) -> dict:
    if step == "s08_candidate_filed" and not any(s.step == "s07_candidate_determined" for s in dossier.steps):
        # 2026.05 order (第十三条): 上级党委同意 comes first, with the branch committee meeting's date
        return {"committee_meeting_on": (day - dt.timedelta(days=2)).isoformat()}
    return {
        "s02_applicant_talk": {"by": RECORDER},
        "s03_activist_determined": {"nomination": ["party_members", "league"]},
        "s05_contacts_assigned": {"people": MEMBERS},
        "s09_introducers_assigned": {"people": MEMBERS},
        "s10_political_review": {"conclusion": "qualified"},
        "s11_training": {"days": 3, "hours": 24},
        "s13_pre_review": {"result": "passed"},
        "s14_application_form": {"serial": "0012345"},
        "s15_admission_meeting": {"votes": {"expected": 9, "present": 8, "yes": 8, "no": 0, "abstain": 0,
                                            "written_yes": 0, "written_no": 0}},
        "s23_conversion_meeting": {"votes": {"expected": 9, "present": 9, "yes": 9}, "outcome": "convert"},
    }.get(step, {})


def _prepare(dossier: Dossier, step: str, day: dt.date, rng: random.Random) -> tuple[Dossier, dt.date]:
    """Adds what must exist before a step: half-year assessments before s07, publicity before s07."""
    update = {}
    if step in ("s06_activist_cultivation", "s07_candidate_determined", "s08_candidate_filed"):
        s03 = next(s for s in dossier.steps if s.step == "s03_activist_determined").date
        have = {a.date for a in dossier.assessments}
        assessments = list(dossier.assessments)
        k = 1
        while add_months(s03, 6 * k) <= day:
            when = add_months(s03, 6 * k) - dt.timedelta(days=rng.randint(2, 9))
            if when not in have:
                assessments.append(Assessment(date=when, period="activist", by="赵六", result="合格"))
            k += 1
        update["assessments"] = assessments
    if step == "s07_candidate_determined" and not any(p.kind == "candidate" for p in dossier.publicity):
        calendar = default_calendar()
        start = day
        while not calendar.is_workday(start).workday:
            start += dt.timedelta(days=1)
        end, _ = calendar.publicity_last_day(start, 7)
        update["publicity"] = [*dossier.publicity, Publicity(kind="candidate", start=start, end=end)]
        day = calendar.next_working_day_after(end)[0]
    if update:
        dossier = dossier.model_copy(update=update)
    return dossier, day


def _kept_up(dossier: Dossier, as_of: dt.date, rng: random.Random) -> Dossier:
    """A case still in cultivation on `as_of` has the half-year assessments a well-run branch has
    made by then (otherwise every sample activist would show an assessment gap)."""
    recorded = {s.step for s in dossier.steps}
    if "s03_activist_determined" in recorded and not recorded & {"s07_candidate_determined", "s08_candidate_filed"}:
        dossier, _ = _prepare(dossier, "s06_activist_cultivation", as_of, rng)
    return dossier


def build_case(spec: CaseSpec, as_of: dt.date) -> Dossier:
    """Runs one case from application to `spec.until` (or as far as `as_of` allows)."""
    rng = random.Random(spec.seed)
    name = spec.name or rng.choice(SURNAMES) + rng.choice(GIVEN)
    person = Person(name=name, gender=rng.choice("男女"), birth_date=add_months(spec.applied, -12 * rng.randint(19, 23)),
                    ethnicity="汉族", education="本科在读", organisation=spec.organisation, league_member=True)
    dossier = Dossier(id=spec.id, person=person, materials=[] if spec.with_materials else None)
    catalogue = default_catalogue()
    day = spec.applied
    while True:
        # each step is planned and recorded on its own day, as a branch would, so that the order of
        # steps in force on that day (2014 or 2026.05) is the one the case follows
        plan = plan_dossier(dossier, day)
        if not plan.next:
            return dossier
        candidate = min(enumerate(plan.next), key=lambda pair: (pair[1].earliest, pair[0]))[1]
        step = candidate.step
        planned_on = day
        day = max(candidate.earliest, day) + dt.timedelta(days=rng.randint(0, 3))
        if catalogue.in_force(day) is not catalogue.in_force(planned_on):
            continue  # a new rule set took force meanwhile: plan again under it (its order may differ)
        if step == "s08_candidate_filed" and not any(s.step == "s07_candidate_determined" for s in dossier.steps):
            day += dt.timedelta(days=2)  # the committee meeting two days before the consent
        if step == "s02_applicant_talk":
            day = min(day, candidate.deadline or day)
        if day > as_of:
            return _kept_up(dossier, as_of, rng)
        prepared, day = _prepare(dossier, step, day, rng)
        if day > as_of:
            return _kept_up(dossier, as_of, rng)
        dossier = prepared
        entry = {"step": step, "date": day.isoformat(), **_content(step, dossier, day)}
        if spec.with_reviews:
            entry["recorded_by"] = RECORDER
        dossier = record_step(dossier, entry, day).dossier
        index = len(dossier.steps) - 1
        if spec.with_materials:
            rs = catalogue.in_force(day)
            materials = [MaterialEntry(id=m.id, step=step, date=day, signed_by=[RECORDER])
                         for m in rs.required_materials_by_step.get(step, ())]
            dossier = dossier.model_copy(update={"materials": [*dossier.materials, *materials]})
        if spec.with_reviews:
            dossier = review_step(dossier, index, REVIEWER, day)
        if spec.until and step == spec.until:
            return dossier
