"""Use cases on one dossier, in memory: record a step, review it, correct it, end or move the case.

The gate of a step is the audit itself: recording is allowed when auditing the dossier with the
step added raises no violation at that step (and, for live dossiers, every prerequisite has been
reviewed: 一步一审). Warnings pass only with a recorded reason. The storage layer calls these and
persists what they return; nothing here touches a database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pydantic import ValidationError
from transitions import MachineError

from checklists.loader import Catalogue, default_catalogue
from workflow.audit import evaluate, make_context
from workflow.dates import WorkingCalendar
from workflow.dossier import (
    CaseEvent,
    Dossier,
    StepEntry,
    validate_json_model,
    validation_problems,
)
from workflow.errors import InputError, ReasonRequired, StepRefused
from workflow.findings import Finding
from workflow.machine import StateHolder, derive_state, machine_for, procedure_machine
from workflow.procedure import procedure_rule_set
from workflow.rules.base import finding
from workflow.view import AuditContext, DossierView, Occurrence


@dataclass
class RecordOutcome:
    dossier: Dossier
    state: str
    warnings: list[Finding] = field(default_factory=list)


def _validated(model, data, what: str):
    try:
        return validate_json_model(model, data)
    except ValidationError as exc:
        problems = validation_problems(exc)
        first = problems[0]
        raise InputError(first["reason"], code=first["code"], file=what, path=first["path"],
                         field=first.get("field"), details=problems) from None


def _checked_at(ctx: AuditContext, item: Finding) -> str:
    rs = ctx.ruleset_for(ctx.as_of)
    rule = rs.rule_by_code.get(item.code)
    return rule.checked_at if rule is not None else "record"


def pending_reviews(ctx: AuditContext, view: DossierView, occ: Occurrence) -> list[Finding]:
    """Prerequisites that nobody has signed off yet: the next step cannot start before that."""
    if not view.dossier.carries_reviews:
        return []
    out = []
    for _, prior in view.prerequisites(occ):
        if prior is not None and not prior.entry.reviewed_by:
            rs = ctx.ruleset_for(prior.entry.date)
            rule = rs.rule_by_code.get("REVIEW_MISSING")
            if rule is not None:
                out.append(finding(rule, rs, prior, {}))
    return out


def open_cycles(view: DossierView) -> int:
    """How many probation cycles are open: one, plus one per extension approved at s24."""
    approvals = view.by_step.get(view.base.probation.approved_by, [])
    return 1 + sum(1 for a in approvals if view.conversion_outcome(a.cycle) == "extend")


class _Gate:
    """The machine's condition for a step event: evaluates once, remembers why it said no."""

    def __init__(self, dossier: Dossier, new_dossier: Dossier, index: int, ctx: AuditContext):
        self.dossier, self.new_dossier, self.index, self.ctx = dossier, new_dossier, index, ctx
        self.result: bool | None = None
        self.violations: list[Finding] = []
        self.warnings: list[Finding] = []
        self.view, self.findings = evaluate(new_dossier, ctx)

    def __call__(self) -> bool:
        if self.result is None:
            at_step = [f for f in self.findings if f.index == self.index and _checked_at(self.ctx, f) == "record"]
            self.violations = [f for f in at_step if f.severity == "violation"]
            self.warnings = [f for f in at_step if f.severity == "warning"]
            occ = self.view.occurrences[self.index]
            self.violations += pending_reviews(self.ctx, self.view, occ)
            blocked_while = set(self.view.base.step_by_id[occ.step].blocked_while)
            if blocked_while:
                self.violations += [f for f in self.findings if f.code in blocked_while and f.index != self.index]
            self.result = not self.violations
        return self.result


def _refuse(message: str, code: str, findings: list[Finding]) -> StepRefused:
    return StepRefused(message, code=code, details=[f.to_dict() for f in findings])


def _gate_and_fire(dossier: Dossier, new_dossier: Dossier, index: int, as_of: dt.date, reason: str | None,
                   catalogue: Catalogue | None, calendar: WorkingCalendar | None,
                   fire_from: str | None) -> RecordOutcome:
    ctx = make_context(new_dossier, as_of, catalogue, calendar)
    machine = procedure_machine(ctx.structure.id)
    gate = _Gate(dossier, new_dossier, index, ctx)
    occ = gate.view.occurrences[index]
    step_name = machine.rule_set.step_by_id[occ.step].name
    if fire_from is not None:
        holder = StateHolder(fire_from)
        try:
            passed = machine.fire(holder, occ.step, view=gate.view, occurrence=occ, gate=gate)
        except MachineError:
            raise StepRefused(f"当前状态为“{machine.names[fire_from]}”，不能记录“{step_name}”",
                              code="STEP_NOT_AVAILABLE") from None
    else:
        passed = gate()
    if not passed:
        raise _refuse(f"不能记录“{step_name}”：" + "；".join(f.message for f in gate.violations),
                      "STEP_REFUSED", gate.violations)
    if gate.warnings and not (reason and reason.strip()):
        raise ReasonRequired(f"记录“{step_name}”需要说明理由：" + "；".join(f.message for f in gate.warnings),
                             details=[f.to_dict() for f in gate.warnings])
    result = new_dossier
    if gate.warnings:
        steps = list(new_dossier.steps)
        steps[index] = steps[index].model_copy(update={"warning_reason": reason.strip()})
        result = new_dossier.model_copy(update={"steps": steps})
    return RecordOutcome(dossier=result, state=derive_state(result, DossierView(result, machine.rule_set)),
                         warnings=gate.warnings)


def record_step(dossier: Dossier, entry: StepEntry | dict, as_of: dt.date, *, reason: str | None = None,
                catalogue: Catalogue | None = None, calendar: WorkingCalendar | None = None) -> RecordOutcome:
    """Adds one step to the dossier if the machine allows it from the current state and the gate passes."""
    entry = _validated(StepEntry, entry, "step")
    if entry.step not in procedure_machine().rule_set.step_by_id:
        raise InputError(f"未知的步骤“{entry.step}”", code="STEP_UNKNOWN", path="$.step", field="step")
    new_dossier = dossier.model_copy(update={"steps": [*dossier.steps, entry]})
    # the order of steps the dossier will follow with this step recorded (2026.05 moves s08 before s07)
    machine = procedure_machine(procedure_rule_set(new_dossier, catalogue or default_catalogue(), as_of).id)
    view = DossierView(dossier, machine.rule_set)
    already = len(view.by_step.get(entry.step, []))
    step = machine.rule_set.step_by_id[entry.step]
    limit = open_cycles(view) if step.probation_cycle else 1
    if already >= limit:
        raise StepRefused(f"“{step.name}”已经记录过；如需修改请更正原记录", code="STEP_ALREADY_RECORDED")
    return _gate_and_fire(dossier, new_dossier, len(dossier.steps), as_of, reason, catalogue, calendar,
                          fire_from=derive_state(dossier, view))


def correct_step(dossier: Dossier, index: int, new_entry: StepEntry | dict, as_of: dt.date, *,
                 reason: str, warning_reason: str | None = None, catalogue: Catalogue | None = None,
                 calendar: WorkingCalendar | None = None) -> RecordOutcome:
    """Replaces step `index` by a corrected record (the store keeps the old one in its history).

    The corrected step is gated like a new one and must be reviewed again.
    """
    if not reason or not reason.strip():
        raise InputError("更正记录必须说明理由", code="REASON_REQUIRED", field="reason")
    if not 0 <= index < len(dossier.steps):
        raise InputError(f"没有第 {index} 条步骤记录", code="STEP_UNKNOWN", field="index")
    entry = _validated(StepEntry, new_entry, "step")
    if entry.step != dossier.steps[index].step:
        raise InputError("更正不能改变步骤类型", code="VALUE_INVALID", path="$.step", field="step")
    entry = entry.model_copy(update={"reviewed_by": None, "reviewed_on": None})
    steps = list(dossier.steps)
    steps[index] = entry
    new_dossier = dossier.model_copy(update={"steps": steps})
    return _gate_and_fire(dossier, new_dossier, index, as_of, warning_reason, catalogue, calendar, fire_from=None)


def review_step(dossier: Dossier, index: int, reviewer: str, on: dt.date, *,
                catalogue: Catalogue | None = None, calendar: WorkingCalendar | None = None) -> Dossier:
    """Signs off step `index` (一步一审): not by its recorder, not twice, not with materials missing."""
    if not 0 <= index < len(dossier.steps):
        raise InputError(f"没有第 {index} 条步骤记录", code="STEP_UNKNOWN", field="index")
    entry = dossier.steps[index]
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise InputError("审核人不能为空", code="FIELD_REQUIRED", field="reviewer")
    if entry.reviewed_by:
        raise StepRefused(f"该步骤已由 {entry.reviewed_by} 审核", code="ALREADY_REVIEWED")
    if on < entry.date:
        raise InputError(f"审核日期 {on} 早于步骤日期 {entry.date}", code="DATE_INVALID", field="reviewed_on")
    reviewed = entry.model_copy(update={"reviewed_by": reviewer, "reviewed_on": on})
    steps = list(dossier.steps)
    steps[index] = reviewed
    new_dossier = dossier.model_copy(update={"steps": steps})
    ctx = make_context(new_dossier, on, catalogue, calendar)
    _, findings = evaluate(new_dossier, ctx)
    blocking = [f for f in findings if f.index == index and f.severity == "violation"
                and (f.code == "SELF_REVIEW" or _checked_at(ctx, f) == "review")]
    if blocking:
        code = "SELF_REVIEW" if any(f.code == "SELF_REVIEW" for f in blocking) else "REVIEW_REFUSED"
        raise _refuse("不能审核通过：" + "；".join(f.message for f in blocking), code, blocking)
    return new_dossier


def apply_case_event(dossier: Dossier, event: CaseEvent | dict) -> Dossier:
    """Withdrawal, a decision not to admit, transfer out or in: allowed only from the states the data names."""
    event = _validated(CaseEvent, event, "event")
    machine = machine_for(dossier, event.date)
    state = derive_state(dossier)
    resume = derive_state(dossier.model_copy(update={"case_events": [
        e for e in dossier.case_events if e.kind not in ("transfer_out", "transfer_in")]}))
    holder = StateHolder(state)
    try:
        moved = machine.fire(holder, event.kind, resume=resume)
    except MachineError:
        moved = False
    if not moved:
        name = next((e.name for e in machine.rule_set.case_events if e.id == event.kind), event.kind)
        raise StepRefused(f"当前状态为“{machine.names[state]}”，不能办理“{name}”", code="EVENT_NOT_ALLOWED")
    return dossier.model_copy(update={"case_events": [*dossier.case_events, event]})
