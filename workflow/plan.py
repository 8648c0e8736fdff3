"""What can be done next, from when, by when, and what still stands in the way.

Nothing here is a second copy of a rule. Candidates are the steps the machine allows from the
current state whose prerequisites are recorded; their earliest date and deadline are the windows the
kinds of the step's rules impose (workflow.rules.kinds: the same rules the audit checks, asked for
their dates); "blocked_by" is what the gate would say if the step were recorded on its earliest
possible day (the step's own content unknown).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from checklists.loader import Catalogue
from workflow.audit import evaluate, make_context
from workflow.dates import WorkingCalendar
from workflow.dossier import Dossier, StepEntry
from workflow.engine import open_cycles, pending_reviews
from workflow.machine import derive_state, procedure_machine
from workflow.rules.kinds import StepDates, step_window
from workflow.view import DossierView

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


def step_dates(rs, view, occ, ctx, earliest: dt.date) -> StepDates:
    """Earliest day and deadline that the step's own rules under `rs` imply, each rule's kind asked for
    the window it imposes (workflow.rules.kinds; none reaches back before its rule set took force)."""
    return step_window(rs.rules_by_step.get(occ.step, ()), rs, occ, view, ctx, earliest)


def earliest_after_prerequisites(prerequisites, floor: dt.date, as_of: dt.date, carries_reviews: bool) -> dt.date:
    """Not before any prerequisite's date, nor before it was signed off (一步一审): an unreviewed
    prerequisite cannot be signed off before today."""
    earliest = floor
    for _, prior in prerequisites:
        earliest = max(earliest, prior.entry.date)
        if prior.entry.reviewed_on is not None:
            earliest = max(earliest, prior.entry.reviewed_on)
        elif carries_reviews and not prior.entry.reviewed_by:
            earliest = max(earliest, as_of)
    return earliest


def plan_dossier(dossier: Dossier, as_of: dt.date, catalogue: Catalogue | None = None,
                 calendar: WorkingCalendar | None = None) -> DossierPlan:
    base_ctx = make_context(dossier, as_of, catalogue, calendar)
    machine = procedure_machine(base_ctx.structure.id)
    rs_steps = machine.rule_set
    view = DossierView(dossier, rs_steps)
    state = derive_state(dossier, view)
    plan = DossierPlan(id=dossier.id, state=state)
    cycles = open_cycles(view)
    existing = None
    for step in rs_steps.steps_in_order:
        if not machine.allowed(state, step.id):
            continue
        limit = cycles if step.probation_cycle else 1
        if len(view.by_step.get(step.id, ())) >= limit:
            continue
        index = len(dossier.steps)
        probe = dossier.model_copy(update={"steps": [*dossier.steps, StepEntry(step=step.id, date=as_of)]})
        probe_view = DossierView(probe, rs_steps)
        occ = probe_view.occurrences[index]
        prerequisites = probe_view.prerequisites(occ)
        if any(prior is None for _, prior in prerequisites):
            continue
        earliest = earliest_after_prerequisites(prerequisites, dossier.person.birth_date, as_of,
                                                 dossier.carries_reviews)
        ctx = make_context(probe, as_of, catalogue, calendar)
        rs = ctx.ruleset_at(occ) if step.id in rs_steps.procedure_order.steps else \
            ctx.ruleset_for(max(earliest, as_of))
        earliest, deadline, deadline_code, provisional = step_dates(rs, probe_view, occ, ctx, earliest)
        on = max(earliest, as_of)
        probe = dossier.model_copy(update={"steps": [*dossier.steps, StepEntry(step=step.id, date=on)]})
        ctx = make_context(probe, as_of, catalogue, calendar)
        ctx.hypothetical = index
        probe_view, findings = evaluate(probe, ctx)
        blocking = {f.code for f in findings if f.index == index and f.severity == "violation"}
        provisional |= any(f.provisional for f in findings if f.index == index)
        blocking.update(f.code for f in pending_reviews(ctx, probe_view, probe_view.occurrences[index]))
        if step.blocked_while:
            if existing is None:
                existing = evaluate(dossier, base_ctx)[1]
            blocking.update(f.code for f in existing if f.code in step.blocked_while)
        plan.next.append(NextStep(step=step.id, name=step.name, earliest=earliest, deadline=deadline,
                                  blocked_by=sorted(blocking), provisional=provisional,
                                  deadline_code=deadline_code))
        if deadline is not None and deadline < as_of:
            plan.overdue.append({"step": step.id, "deadline": deadline.isoformat(), "code": deadline_code})
    return plan


def plan_document(plans: list[DossierPlan], as_of: dt.date, dossiers: list[Dossier | None] | None = None,
                  catalogue: Catalogue | None = None, calendar: WorkingCalendar | None = None) -> dict:
    """The `plan/1` document. Given the dossiers (in the plans' order), an entry whose person has an
    expected leaving date also gets `leaving`: the earliest admission and conversion forecast from
    today's state and the flags CANNOT_ADMIT_BEFORE_LEAVING / RUSHED_ADMISSION
    (workflow.cultivation.forecast.leaving_entry). An entry without one is unchanged (the key is absent);
    a None in place of a dossier skips its entry (a caller streaming many files keeps only those it needs)."""
    entries = [p.to_dict() for p in plans]
    if dossiers is not None:
        from workflow.cultivation.forecast import leaving_entry  # the forecast drives the plan: imported late

        for entry, dossier in zip(entries, dossiers):
            leaving = None if dossier is None else leaving_entry(dossier, as_of, catalogue, calendar)
            if leaving is not None:
                entry["leaving"] = leaving
    return {"format": "plan/1", "as_of": as_of.isoformat(), "dossiers": entries}
