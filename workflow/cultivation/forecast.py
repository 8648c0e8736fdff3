"""When can this person be admitted (s15) and converted (s24) at the earliest, and will that be
before he or she leaves?

A three-year programme's student leaves before the procedure can run its course (seed 002: 从递交
入党申请书到成为预备党员至少要一年半); 细则 2014 第十九条 / 2026 第十八条 say an admission within three
months before leaving is generally not done (RUSHED_ADMISSION). The forecast answers from today's
state by driving the engine itself, as the sample builder does: each remaining step is planned
(`workflow.plan`), put on its earliest day, and recorded through the engine's gate with what a
branch would record if everything passes. Every figure (one year of cultivation, the half-yearly
assessments, the publicity's working days, twelve months of probation, the leaving window) comes
from the rule set in force on that day, overlays included; nothing here knows a number of months.

What the forecast assumes, and nothing more: everything that has no time limit happens on the day
it first may (a meeting is held, a review signed off, the training finished on that day); the votes
pass; an assessment or thought report still due is made on the first day the rule allows and not
before today; a notice (公示) is posted to end the day before the step, when the steps already taken
leave room for it, else on the first working day it can start; the assumed notices are listed. A
gap that already lies in the past cannot be filled, so the case is then reported blocked, with the
engine's codes. Steps it assumes are hypothetical and are never stored.

Two walks give the same answer. `_Simulation` drives the engine itself (a plan and a recorded step
through the gate, the whole dossier audited each time); `workflow.cultivation.walk.Walk` takes the
same steps on a light ledger, asking the same plan functions and step evaluators only about the step
at hand, ten to fifteen times cheaper (bench/plan_leaving.py). `forecast` uses the walk wherever it can
answer without guessing and the engine otherwise; `forecast(..., engine=True)` always drives the
engine (the reference the walk is tested against).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from checklists.loader import Catalogue, default_catalogue
from checklists.model import RuleSet
from workflow.audit import make_context
from workflow.cultivation.walk import (
    ASSUMED,
    ASSUMED_REVIEWER,
    ENDED as _ENDED,
    FULL_MEMBER,
    MAX_STEPS as _MAX_STEPS,
    Unsupported,
    Walk,
    assumed_content,
    notice_start,
)
from workflow.dates import WorkingCalendar, default_calendar
from workflow.dossier import Assessment, Dossier, Publicity, StepEntry, ThoughtReport
from workflow.engine import record_step
from workflow.errors import FazhanError, StepRefused
from workflow.machine import derive_state
from workflow.plan import plan_dossier
from workflow.rules import STEP_EVALUATORS
from workflow.rules.kinds import KINDS
from workflow.rules.publicity import notices_for, places_required
from workflow.view import DossierView

__all__ = ["ASSUMED", "ASSUMED_REVIEWER", "FULL_MEMBER", "Forecast", "forecast", "forecast_by_walk", "cohort_view",
           "leaving_entry"]


@dataclass
class Forecast:
    id: str
    name: str
    state: str
    today: dt.date
    leave_date: dt.date | None
    cohort: str | None = None
    admission: dt.date | None = None
    admission_recorded: bool = False
    conversion: dt.date | None = None
    conversion_recorded: bool = False
    admit_by: dt.date | None = None
    rushed_admission_risk: bool = False
    cannot_admit_before_leaving: bool = False
    converts_after_leaving: bool = False
    blocked_step: str | None = None
    blocked_by: list[str] = field(default_factory=list)
    blocked_reason: str | None = None
    provisional: bool = False
    path: list[tuple[str, dt.date]] = field(default_factory=list)
    notices: list[tuple[str, dt.date, dt.date]] = field(default_factory=list)

    def to_dict(self) -> dict:
        def iso(day):
            return day.isoformat() if day else None
        return {"id": self.id, "name": self.name, "state": self.state, "cohort": self.cohort,
                "today": iso(self.today), "leave_date": iso(self.leave_date),
                "admission": iso(self.admission), "admission_recorded": self.admission_recorded,
                "conversion": iso(self.conversion), "conversion_recorded": self.conversion_recorded,
                "admit_by": iso(self.admit_by), "rushed_admission_risk": self.rushed_admission_risk,
                "cannot_admit_before_leaving": self.cannot_admit_before_leaving,
                "converts_after_leaving": self.converts_after_leaving,
                "blocked": {"step": self.blocked_step, "codes": self.blocked_by, "reason": self.blocked_reason}
                if self.blocked_step else None,
                "provisional": self.provisional,
                "path": [{"step": step, "date": iso(day)} for step, day in self.path],
                "notices": [{"kind": kind, "start": iso(start), "end": iso(end)} for kind, start, end in self.notices]}


class _Simulation:
    """One hypothetical dossier moved forward step by step through the engine's plan and gate."""

    def __init__(self, dossier: Dossier, today: dt.date, catalogue: Catalogue, calendar: WorkingCalendar):
        self.today, self.catalogue, self.calendar = today, catalogue, calendar
        self.reviews = dossier.carries_reviews
        steps = dossier.steps
        if self.reviews:
            steps = [s if s.reviewed_by else s.model_copy(update={"reviewed_by": ASSUMED_REVIEWER,
                                                                   "reviewed_on": max(today, s.date)})
                     for s in steps]
        self.dossier = dossier.model_copy(update={"steps": steps, "materials": None})
        self.cursor = today
        self.provisional = False
        self.warnings: dict[str, list[str]] = {}
        self.path: list[tuple[str, dt.date]] = []

    # ------------------------------------------------------------ what a branch would record
    def _rule_set(self, day: dt.date) -> RuleSet:
        return make_context(self.dossier, day, self.catalogue, self.calendar).ruleset_for(day)

    def _content(self, rs: RuleSet, step: str, day: dt.date) -> dict:
        """The content of `step` on the assumption that it passes, read from the rules that judge it."""
        return assumed_content(rs, step, day, self.reviews)

    # ------------------------------------------------------------ what must exist before a step
    def _probe(self, step: str, day: dt.date):
        probe = self.dossier.model_copy(update={"steps": [*self.dossier.steps, StepEntry(step=step, date=day)]})
        ctx = make_context(probe, day, self.catalogue, self.calendar)
        view = DossierView(probe, ctx.structure)
        occ = view.occurrences[-1]
        return ctx.ruleset_at(occ), view, occ

    def _due_records(self, step: str, day: dt.date) -> None:
        """Half-yearly assessments and thought reports the rules at `step` ask for by `day`, made on the
        first allowed day that is not in the past (a window already past stays empty: a real gap)."""
        rs, view, occ = self._probe(step, day)
        assessments, reports = list(self.dossier.assessments), list(self.dossier.thought_reports)
        for rule in rs.rules_by_step.get(step, ()):
            p = rule.params
            anchor = view.anchor(p.from_, occ) if rule.kind in ("periodic_assessment", "thought_reports") else None
            if anchor is None:
                continue
            kind = KINDS[rule.kind]
            if rule.kind == "periodic_assessment":
                for start, end in kind.windows(rule, anchor):
                    if end > day:
                        break
                    held = any(start < a.date <= end for a in assessments if a.period == p.period)
                    if not held and end >= self.today:
                        when = max(start + dt.timedelta(days=1), self.today)
                        assessments.append(Assessment(date=when, period=p.period, by=ASSUMED, result="合格"))
            else:
                previous = max([anchor, *(r.date for r in reports if anchor < r.date <= day)])
                while (due := kind.due_after(rule, previous)) < day:
                    if due < self.today:
                        break
                    later = [r.date for r in reports if previous < r.date <= due]
                    if not later:
                        reports.append(ThoughtReport(date=max(self.today, previous + dt.timedelta(days=1))))
                        later = [reports[-1].date]
                    previous = max(later)
        self.dossier = self.dossier.model_copy(update={"assessments": assessments, "thought_reports": reports})

    def _notice_start(self, day: dt.date, working_days: int) -> dt.date:
        """walk.notice_start from the last step taken."""
        start, provisional = notice_start(self.calendar, self.cursor, day, working_days)
        self.provisional |= provisional
        return start

    def _publicity(self, step: str, day: dt.date) -> bool:
        """Posts the notices the step's publicity rule asks for, for the rule's working days, timed to end
        just before `day` where the steps already taken leave room; True when one was added."""
        rs, view, occ = self._probe(step, day)
        added = []
        for rule in rs.rules_by_step.get(step, ()):
            if rule.kind != "publicity":
                continue
            p = rule.params
            for place, notice in zip(places_required(view, p), notices_for(view, p, day)):
                if notice is not None:
                    continue
                start = self._notice_start(day, p.working_days)
                end, provisional = KINDS[rule.kind].last_day(rule, self.calendar, start)
                self.provisional |= provisional
                added.append(Publicity(kind=p.publicity, start=start, end=end, place=place, result=ASSUMED))
        if added:
            self.dossier = self.dossier.model_copy(update={"publicity": [*self.dossier.publicity, *added]})
        return bool(added)

    # ------------------------------------------------------------ the walk
    def _next(self):
        """The next step the plan allows that can be done soonest (the procedure's order breaks ties)."""
        steps = plan_dossier(self.dossier, self.cursor, self.catalogue, self.calendar).next
        if not steps:
            return None
        return min(enumerate(steps), key=lambda pair: (max(pair[1].earliest, self.cursor), pair[0]))[1]

    def run(self, stop_state: str) -> tuple[str | None, list[str], str | None]:
        """Moves on until the state is `stop_state`; returns (blocked step, codes, reason) or Nones."""
        for _ in range(_MAX_STEPS):
            state = derive_state(self.dossier)
            if state == stop_state or state in _ENDED:
                return None, [], None
            candidate = self._next()
            if candidate is None:
                return None, [], None
            day = max(candidate.earliest, self.cursor)
            if self.catalogue.in_force(day) is not self.catalogue.in_force(self.cursor):
                self.cursor = self.catalogue.in_force(day).in_force_from
                continue  # a new rule set takes force first: plan again under it (its order may differ)
            if self._publicity(candidate.step, day):
                continue
            self._due_records(candidate.step, day)
            self.provisional |= candidate.provisional
            rs = self._rule_set(day)
            entry = {"step": candidate.step, "date": day.isoformat(), **self._content(rs, candidate.step, day)}
            try:
                outcome = record_step(self.dossier, entry, day, reason=f"{ASSUMED}假定说明了理由",
                                      catalogue=self.catalogue, calendar=self.calendar)
            except StepRefused as exc:
                codes = sorted({d["code"] for d in exc.details}) or [exc.code]
                return candidate.step, codes, exc.message
            except FazhanError as exc:
                return candidate.step, [exc.code], exc.message
            self.dossier = outcome.dossier
            self.warnings.setdefault(candidate.step, []).extend(w.code for w in outcome.warnings)
            self.path.append((candidate.step, day))
            self.cursor = day
        return None, ["FORECAST_TOO_LONG"], "预测步骤过多，未能得出结果"

    @property
    def notices(self) -> list[tuple[str, dt.date, dt.date]]:
        return [(p.kind, p.start, p.end) for p in self.dossier.publicity if p.result == ASSUMED]


def _recorded(dossier: Dossier, step: str) -> dt.date | None:
    dates = [s.date for s in dossier.steps if s.step == step]
    return max(dates) if dates else None


def _cohort(dossier: Dossier) -> str | None:
    extra = getattr(dossier.person, "cohort", None)
    if extra:
        return str(extra)
    leave = dossier.person.expected_leave_date
    return f"{leave.year}届" if leave else None


def _admit_by(dossier: Dossier, leave: dt.date, admission_step: str, catalogue: Catalogue,
              calendar: WorkingCalendar) -> dt.date | None:
    """The last day an admission meeting raises no leaving-date warning: the day before the window of
    the rule in force when the window opens (with the dossier's overlay)."""
    ctx = make_context(dossier, leave, catalogue, calendar)
    for rule in ctx.ruleset_for(leave).rules_by_step.get(admission_step, ()):
        if rule.kind == "before_leaving":
            kind = KINDS[rule.kind]
            opens = kind.opens(rule, leave)
            for earlier in ctx.ruleset_for(opens).rules_by_step.get(admission_step, ()):
                if earlier.kind == "before_leaving":
                    return kind.opens(earlier, leave) - dt.timedelta(days=1)
            return opens - dt.timedelta(days=1)
    return None


def forecast(dossier: Dossier, today: dt.date, catalogue: Catalogue | None = None,
             calendar: WorkingCalendar | None = None, *, engine: bool = False) -> Forecast:
    """The earliest admission and conversion from today's state, and the leaving-date flags.

    The walk (`workflow.cultivation.walk`) answers wherever it can; otherwise, or with `engine=True`,
    the engine itself is driven (`_Simulation`). Both give the same Forecast."""
    if not engine:
        walked = forecast_by_walk(dossier, today, catalogue, calendar)
        if walked is not None:
            return walked
    return _forecast(dossier, today, catalogue or default_catalogue(), calendar or default_calendar(),
                     lambda dossier, today, catalogue, calendar, _state: _Simulation(dossier, today, catalogue,
                                                                                     calendar))


def forecast_by_walk(dossier: Dossier, today: dt.date, catalogue: Catalogue | None = None,
                     calendar: WorkingCalendar | None = None) -> Forecast | None:
    """The forecast by the walk alone; None where the walk cannot answer without guessing."""
    try:
        return _forecast(dossier, today, catalogue or default_catalogue(), calendar or default_calendar(), Walk)
    except Unsupported:
        return None


def _forecast(dossier: Dossier, today: dt.date, catalogue: Catalogue, calendar: WorkingCalendar,
              walker) -> Forecast:
    """The forecast with `walker(dossier, today, catalogue, calendar, state)` taking the steps."""
    rs = catalogue.in_force(today)
    admission_step, conversion_step = rs.probation.starts_with, rs.probation.approved_by
    state = derive_state(dossier)
    leave = dossier.person.expected_leave_date
    out = Forecast(id=dossier.id, name=dossier.person.name, state=state, today=today, leave_date=leave,
                   cohort=_cohort(dossier))
    out.admission = _recorded(dossier, admission_step)
    out.admission_recorded = out.admission is not None
    if state == FULL_MEMBER:
        out.conversion, out.conversion_recorded = _recorded(dossier, conversion_step), True
    if out.admission_recorded:
        out.rushed_admission_risk = _rushed_when_recorded(dossier, today, admission_step, catalogue, calendar)
    if state in _ENDED:
        return out
    sim = walker(dossier, today, catalogue, calendar, state)
    if not out.admission_recorded:
        blocked = sim.run(stop_state="probationary")
        admitted = [day for step, day in sim.path if step == admission_step]
        out.admission = admitted[0] if admitted else None
        leaving = _leaving_codes(catalogue)
        out.rushed_admission_risk = any(code in leaving for code in sim.warnings.get(admission_step, ()))
        if out.admission is None:
            out.blocked_step, out.blocked_by, out.blocked_reason = blocked
    if out.admission is not None and not out.conversion_recorded:
        blocked = sim.run(stop_state=FULL_MEMBER)
        converted = [day for step, day in sim.path if step == conversion_step]
        out.conversion = converted[-1] if converted else None
        if out.conversion is None and out.blocked_step is None:
            out.blocked_step, out.blocked_by, out.blocked_reason = blocked
    out.path, out.provisional = sim.path, sim.provisional
    out.notices = sim.notices
    if leave is not None:
        if not out.admission_recorded:
            out.admit_by = _admit_by(dossier, leave, admission_step, catalogue, calendar)
            out.cannot_admit_before_leaving = out.admission is None or out.admission > leave
        out.converts_after_leaving = out.conversion is not None and out.conversion > leave
    return out


@lru_cache(maxsize=8)
def _leaving_codes(catalogue: Catalogue) -> frozenset[str]:
    """The codes of the rules that warn of an admission shortly before leaving (RUSHED_ADMISSION)."""
    return frozenset(rule.code for rs in catalogue.ordered() for rule in rs.rules if rule.kind == "before_leaving")


def _rushed_when_recorded(dossier: Dossier, today: dt.date, admission_step: str, catalogue: Catalogue,
                          calendar: WorkingCalendar) -> bool:
    """Whether the audit warns of a recorded admission meeting shortly before leaving: the audit's own
    evaluators for the leaving rules at that step, under the rule set that judges it (what auditing
    the whole dossier would say of it, without auditing the rest)."""
    codes = _leaving_codes(catalogue)
    ctx = make_context(dossier, today, catalogue, calendar)
    view = DossierView(dossier, ctx.structure)
    ctx.judge(view)
    out: list = []
    for occ in view.by_step.get(admission_step, ()):
        for rule in occ.rs.rules_by_step.get(admission_step, ()):
            if rule.code in codes:
                STEP_EVALUATORS[rule.kind](rule, occ, view, ctx, out)
    return bool(out)


NO_COHORT = "未填预计离校日期"


@dataclass
class CohortGroup:
    """A year group (届 by expected leaving year, or the person's own `cohort` field) and its forecasts,
    those who cannot be admitted before leaving first, then those at risk, then by earliest admission."""

    label: str
    rows: list[Forecast]

    @property
    def summary(self) -> dict:
        return {"people": len(self.rows),
                "admitted": sum(1 for f in self.rows if f.admission_recorded),
                "cannot_admit_before_leaving": sum(1 for f in self.rows if f.cannot_admit_before_leaving),
                "rushed_admission_risk": sum(1 for f in self.rows if f.rushed_admission_risk),
                "blocked": sum(1 for f in self.rows if f.blocked_step)}

    def to_dict(self) -> dict:
        return {"cohort": self.label, "summary": self.summary, "people": [f.to_dict() for f in self.rows]}


def _urgency(f: Forecast) -> tuple:
    return (not f.cannot_admit_before_leaving, not f.rushed_admission_risk, f.admission_recorded,
            f.admission or dt.date.max, f.id)


def cohort_view(dossiers: list[Dossier], today: dt.date, catalogue: Catalogue | None = None,
                calendar: WorkingCalendar | None = None) -> list[CohortGroup]:
    """Every dossier's forecast, grouped by year group (earliest leaving first, the unknown last)."""
    groups: dict[str, list[Forecast]] = {}
    leaving: dict[str, dt.date] = {}
    for dossier in dossiers:
        f = forecast(dossier, today, catalogue, calendar)
        label = f.cohort or NO_COHORT
        groups.setdefault(label, []).append(f)
        if f.leave_date is not None:
            leaving[label] = min(leaving.get(label, dt.date.max), f.leave_date)
    order = sorted(groups, key=lambda label: (label == NO_COHORT, leaving.get(label, dt.date.max), label))
    return [CohortGroup(label, sorted(groups[label], key=_urgency)) for label in order]


CANNOT_ADMIT = "CANNOT_ADMIT_BEFORE_LEAVING"


def leaving_entry(dossier: Dossier, today: dt.date, catalogue: Catalogue | None = None,
                  calendar: WorkingCalendar | None = None, *, engine: bool = False) -> dict | None:
    """The leaving-date part of a dossier's `plan/1` entry (`leaving`), or None when the person has no
    expected leaving date, is already a full member, or the case has ended.

    `flags` carries stable codes: CANNOT_ADMIT_BEFORE_LEAVING when the earliest admission falls after
    the leaving day (or none can be forecast), and the code of the rule in force that warns of an
    admission shortly before leaving (RUSHED_ADMISSION) when the earliest admission falls inside its
    window; `admit_by` is the last day an admission raises no such warning."""
    if dossier.person.expected_leave_date is None:
        return None
    f = forecast(dossier, today, catalogue, calendar, engine=engine)
    if f.state == FULL_MEMBER or f.state in _ENDED:
        return None
    catalogue = catalogue or default_catalogue()
    flags = []
    if f.cannot_admit_before_leaving:
        flags.append(CANNOT_ADMIT)
    if f.rushed_admission_risk:
        flags += sorted(_leaving_codes(catalogue))

    def iso(day):
        return day.isoformat() if day else None
    return {"leave_date": iso(f.leave_date), "earliest_admission": iso(f.admission),
            "admission_recorded": f.admission_recorded, "earliest_conversion": iso(f.conversion),
            "conversion_after_leaving": f.converts_after_leaving, "admit_by": iso(f.admit_by), "flags": flags,
            "blocked": {"step": f.blocked_step, "codes": f.blocked_by} if f.blocked_step else None,
            "provisional": f.provisional}
