"""What can be done next, from when, by when, and what still stands in the way.

Nothing here is a second copy of a rule. Candidates are the steps the machine allows from the
current state whose prerequisites are recorded; their earliest date and deadline come from the
same gap and publicity rules the audit uses, read as dates; "blocked_by" is what the gate would
say if the step were recorded on its earliest possible day (the step's own content unknown).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from checklists.loader import Catalogue
from workflow.audit import evaluate, make_context
from workflow.dates import WorkingCalendar, add_gap, adult_on
from workflow.dossier import Dossier, StepEntry
from workflow.engine import _open_cycles, _pending_reviews
from workflow.machine import derive_state, procedure_machine
from workflow.rules.publicity import relevant_notice
from workflow.view import DossierView

_FAR_FUTURE = dt.date(9999, 12, 31)


@dataclass
class NextStep:
    step: str
    name: str
    earliest: dt.date
    deadline: dt.date | None
    blocked_by: list[str]
    provisional: bool = False
    deadline_code: str | None = None

    def to_dict(self) -> dict:
        return {"step": self.step, "earliest": self.earliest.isoformat(),
                "deadline": self.deadline.isoformat() if self.deadline else None,
                "blocked_by": self.blocked_by, "provisional": self.provisional}


@dataclass
class DossierPlan:
    id: str
    state: str
    next: list[NextStep] = field(default_factory=list)
    overdue: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"id": self.id, "state": self.state, "next": [n.to_dict() for n in self.next],
                "overdue": self.overdue}


def _dates_from_rules(rs, view, occ, ctx, earliest, person):
    """Earliest day and deadline that the step's own time rules imply."""
    deadline, deadline_code, provisional = None, None, False
    for rule in rs.rules_by_step.get(occ.step, ()):
        params = rule.params
        if rule.kind == "min_gap":
            anchor = view.anchor(params.from_, occ)
            if anchor is not None:
                earliest = max(earliest, add_gap(anchor, params.at_least))
        elif rule.kind == "max_gap" and rule.severity != "info":
            anchor = view.anchor(params.from_, occ)
            if anchor is not None:
                due = add_gap(anchor, params.within)
                if deadline is None or due < deadline:
                    deadline, deadline_code = due, rule.code
        elif rule.kind == "min_age":
            earliest = max(earliest, adult_on(person.birth_date, params.months))
        elif rule.kind == "publicity":
            notice = relevant_notice(view, params.publicity, _FAR_FUTURE)
            if notice is not None:
                last, provisional = ctx.calendar.publicity_last_day(notice.start, params.working_days)
                earliest = max(earliest, max(last, notice.end) + dt.timedelta(days=1))
    return earliest, deadline, deadline_code, provisional


def plan_dossier(dossier: Dossier, as_of: dt.date, catalogue: Catalogue | None = None,
                 calendar: WorkingCalendar | None = None) -> DossierPlan:
    machine = procedure_machine()
    rs_steps = machine.rule_set
    view = DossierView(dossier, rs_steps)
    state = derive_state(dossier, view)
    plan = DossierPlan(id=dossier.id, state=state)
    open_cycles = _open_cycles(view)
    existing = None
    for step in rs_steps.steps:
        if not machine.allowed(state, step.id):
            continue
        limit = open_cycles if step.probation_cycle else 1
        if len(view.by_step.get(step.id, ())) >= limit:
            continue
        index = len(dossier.steps)
        probe = dossier.model_copy(update={"steps": [*dossier.steps, StepEntry(step=step.id, date=as_of)]})
        probe_view = DossierView(probe, rs_steps)
        occ = probe_view.occurrences[index]
        prerequisites = probe_view.prerequisites(occ)
        if any(prior is None for _, prior in prerequisites):
            continue
        earliest = max((prior.entry.date for _, prior in prerequisites), default=dossier.person.birth_date)
        ctx = make_context(probe, as_of, catalogue, calendar)
        rs = ctx.ruleset_for(max(earliest, as_of))
        earliest, deadline, deadline_code, provisional = _dates_from_rules(rs, probe_view, occ, ctx, earliest,
                                                                            dossier.person)
        on = max(earliest, as_of)
        probe = dossier.model_copy(update={"steps": [*dossier.steps, StepEntry(step=step.id, date=on)]})
        ctx = make_context(probe, as_of, catalogue, calendar)
        ctx.hypothetical = index
        probe_view, findings = evaluate(probe, ctx)
        blocking = {f.code for f in findings if f.index == index and f.severity == "violation"}
        provisional |= any(f.provisional for f in findings if f.index == index)
        blocking.update(f.code for f in _pending_reviews(ctx, probe_view, probe_view.occurrences[index]))
        if step.blocked_while:
            if existing is None:
                existing = evaluate(dossier, make_context(dossier, as_of, catalogue, calendar))[1]
            blocking.update(f.code for f in existing if f.code in step.blocked_while)
        plan.next.append(NextStep(step=step.id, name=step.name, earliest=earliest, deadline=deadline,
                                  blocked_by=sorted(blocking), provisional=provisional,
                                  deadline_code=deadline_code))
        if deadline is not None and deadline < as_of:
            plan.overdue.append({"step": step.id, "deadline": deadline.isoformat(), "code": deadline_code})
    return plan


def plan_document(plans: list[DossierPlan], as_of: dt.date) -> dict:
    return {"format": "plan/1", "as_of": as_of.isoformat(), "dossiers": [p.to_dict() for p in plans]}
