"""Builds realistic dossiers by driving the engine itself through the procedure.

Each step is recorded on the earliest day the plan allows (plus a few days), with the content a
branch would record, its materials, and a review by a second person. Used by the demo, the tests
and the benchmarks, so that sample data can never drift from the rules: if the engine refused its
own plan, building a sample would fail. Every date and figure a rule decides (the age, the
half-year windows of the assessments, a notice's working days, the training's days and hours) is
asked of the rule's kind or read from its parameters (workflow.rules.kinds), never counted here.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from functools import lru_cache

from checklists.loader import Catalogue, default_catalogue, overlay_names
from workflow.dates import add_months, default_calendar
from workflow.dossier import Assessment, Dossier, MaterialEntry, Person, Publicity
from workflow.engine import record_step, review_step
from workflow.plan import plan_dossier
from workflow.rules.kinds import KINDS, rules_of_kind

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["小明", "静", "伟", "芳", "娜", "敏", "磊", "洋", "艳", "杰", "喆", "堃", "珺", "玥", "镕", "赟", "垚", "祎"]
RECORDER, REVIEWER = "李书记", "王组织员"
YEARS_PAST_MIN_AGE = (1, 5)       # applicants are one to five years older than the minimum age
ASSESSED_DAYS_BEFORE_END = (2, 9)  # an assessment is made a few days before its window ends
COMMITTEE_DAYS_BEFORE_CONSENT = 2  # 2026.05: the branch committee meets two days before the consent
MONTHS_A_YEAR = 12


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


def _rule(catalogue: Catalogue, day: dt.date, kind: str, **params):
    """The first rule of `kind` (with these parameter values) in the national rule set in force on `day`."""
    return next(r for r in rules_of_kind(catalogue.in_force(day), kind)
                if all(getattr(r.params, name) == value for name, value in params.items()))


@lru_cache(maxsize=8)
def _notice_days(catalogue: Catalogue, publicity: str) -> int:
    """The most working days any rule set of the data asks of a notice of this kind, local overlays
    included: a sample then passes the audit under any of them (the benchmarks audit samples under
    the example overlay too)."""
    keys = [None, *(catalogue.register_overlay(name) for name in overlay_names())]
    return max((r.params.working_days for rs in catalogue.ordered() for key in keys
                for r in rules_of_kind(catalogue.get(rs.id, key), "publicity") if r.params.publicity == publicity),
               default=0)


def _content(step: str, dossier: Dossier, day: dt.date) -> dict:
    from copy import deepcopy

    from checklists.step_fields import step_schema

    if step == "s08_candidate_filed" and not any(s.step == "s07_candidate_determined" for s in dossier.steps):
        # 2026.05 order (第十三条): 上级党委同意 comes first, with the branch committee meeting's date
        meeting = day - dt.timedelta(days=COMMITTEE_DAYS_BEFORE_CONSENT)
        return {"committee_meeting_on": meeting.isoformat()}
    # what a branch typically records at the step: its `sample` in checklists/data/step_fields.toml
    content = deepcopy(step_schema().for_step(step).sample)
    if step == "s11_training":  # the training's minimum days and hours in force
        training = _rule(default_catalogue(), day, "training", source=step).params
        content.update(days=training.min_days, hours=training.min_hours)
    return content


def _prepare(dossier: Dossier, step: str, day: dt.date, rng: random.Random) -> tuple[Dossier, dt.date]:
    """Adds what must exist before a step: an assessment in each window the activist assessment rule
    imposes (its kind says them) before s07, publicity before s07."""
    update = {}
    if step in ("s06_activist_cultivation", "s07_candidate_determined", "s08_candidate_filed"):
        rule = _rule(default_catalogue(), day, "periodic_assessment", period="activist")
        anchor = next(s for s in dossier.steps if s.step == rule.params.from_).date
        have = {a.date for a in dossier.assessments}
        assessments = list(dossier.assessments)
        for _, end in KINDS["periodic_assessment"].windows(rule, anchor):
            if end > day:
                break
            when = end - dt.timedelta(days=rng.randint(*ASSESSED_DAYS_BEFORE_END))
            if when not in have:
                assessments.append(Assessment(date=when, period=rule.params.period, by="赵六", result="合格"))
        update["assessments"] = assessments
    if step == "s07_candidate_determined" and not any(p.kind == "candidate" for p in dossier.publicity):
        calendar = default_calendar()
        start = day
        while not calendar.is_workday(start).workday:
            start += dt.timedelta(days=1)
        end, _ = calendar.publicity_last_day(start, _notice_days(default_catalogue(), "candidate"))
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
    catalogue = default_catalogue()
    min_age = _rule(catalogue, spec.applied, "min_age").params.months
    gender = rng.choice("男女")
    born = add_months(spec.applied, -(min_age + MONTHS_A_YEAR * rng.randint(*YEARS_PAST_MIN_AGE)))
    person = Person(name=name, gender=gender, birth_date=born,
                    ethnicity="汉族", education="本科在读", organisation=spec.organisation, league_member=True)
    dossier = Dossier(id=spec.id, person=person, materials=[] if spec.with_materials else None)
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
            day += dt.timedelta(days=COMMITTEE_DAYS_BEFORE_CONSENT)  # the committee meets before the consent
        if step == "s02_applicant_talk":
            day = min(day, candidate.deadline or day)
        if day > as_of:
            return _kept_up(dossier, as_of, rng)
        prepared, day = _prepare(dossier, step, day, rng)
        if day > as_of:
            return _kept_up(dossier, as_of, rng)
        if catalogue.in_force(day) is not catalogue.in_force(planned_on):
            continue  # the notice ran past the day a new rule set took force: plan again under it
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
