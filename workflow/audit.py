"""Auditing a dossier: every rule of the rule set in force at each step's date, one finding per fault.

The same `evaluate` serves the transition gate (workflow.engine) and the plan (workflow.plan):
there is no second copy of any rule.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from checklists.loader import Catalogue, default_catalogue
from checklists.model import RuleSet
from workflow.dates import WorkingCalendar, default_calendar
from workflow.findings import Finding
from workflow.machine import derive_state
from workflow.procedure import procedure_rule_set
from workflow.rules import DOSSIER_EVALUATORS, STEP_EVALUATORS, dossier_screen
from workflow.rules.compiled_plan import CompiledPlans
from workflow.rules.plain import plain_rule
from workflow.view import AuditContext, DossierView, steps_key_of

if TYPE_CHECKING:  # for annotations only: a file audit does not build the validating models
    from workflow.dossier import Dossier


@lru_cache(maxsize=8)
def _dossier_rules(catalogue: Catalogue) -> tuple[tuple[str, str], ...]:
    seen: dict[str, str] = {}
    for rs in catalogue.ordered():
        for rule in rs.rules_by_step.get(None, ()):
            seen.setdefault(rule.code, rule.kind)
    return tuple(seen.items())


@lru_cache(maxsize=8)
def _dossier_plan(catalogue: Catalogue) -> tuple[tuple, ...]:
    """The dossier evaluators, each with its code and its `may_find` declaration, resolved once per
    catalogue (workflow.rules.dossier_screen runs only those that may find anything); an audit's
    context keeps its catalogue's (`_dossier_plan_of`)."""
    return dossier_screen.plan((DOSSIER_EVALUATORS[kind], code) for code, kind in _dossier_rules(catalogue))


def _dossier_plan_of(ctx: AuditContext) -> tuple[tuple, ...]:
    """`_dossier_plan` of the context's catalogue, kept on the context (contexts are shared by the
    dossiers of a day, pin, overlay and order: one attribute read per dossier, not a cache's hash)."""
    found = ctx.dossier_plan
    if found is None:
        found = ctx.dossier_plan = _dossier_plan(ctx.catalogue)
    return found


class _StepPlans:
    """Each step's rules of one rule set (overlay applied) with their evaluators, compiled once; the
    rules as plain copies (workflow.rules.plain), which the evaluators read several times cheaper."""

    def __init__(self, rs: RuleSet):
        self.rs = rs
        self.by_step = {step: tuple((STEP_EVALUATORS[rule.kind], plain_rule(rule)) for rule in rules)
                        for step, rules in rs.rules_by_step.items() if step is not None}
        self.runs: dict[tuple, tuple] = {}
        self.screened = CompiledPlans(rs, self.run_of)
        """The same runs written as one function each, every rule's call behind a screen of what it
        could find (workflow.rules.compiled_plan): for a plain audit."""

    def run_of(self, steps: tuple[str, ...]) -> tuple:
        """(evaluator, rule, position) for every rule of every recorded step, in the order of the
        records then of the step's rules: the plan of a dossier judged wholly by this rule set, kept
        per sequence of step ids (dossiers share a few; the memory is bounded: emptied when full)."""
        found = self.runs.get(steps)
        if found is None:
            by_step = self.by_step
            found = tuple((evaluator, rule, at) for at, step in enumerate(steps)
                          for evaluator, rule in by_step.get(step, ()))
            if len(self.runs) >= 4096:
                self.runs.clear()
            self.runs[steps] = found
        return found


_step_plans: dict[int, _StepPlans] = {}


def _compiled(rs: RuleSet) -> _StepPlans:
    plans = _step_plans.get(id(rs))
    if plans is None or plans.rs is not rs:
        plans = _step_plans[id(rs)] = _StepPlans(rs)
    return plans


def _plans(rs: RuleSet) -> dict[str, tuple]:
    return _compiled(rs).by_step


def make_context(dossier: Dossier, as_of: dt.date, catalogue: Catalogue | None = None,
                 calendar: WorkingCalendar | None = None) -> AuditContext:
    catalogue = catalogue or default_catalogue()
    overlay_key = catalogue.register_overlay(dossier.overlay) if dossier.overlay is not None else None
    return AuditContext(as_of=as_of, catalogue=catalogue, calendar=calendar or default_calendar(),
                        pin=dossier.rule_set, overlay_key=overlay_key,
                        structure=procedure_rule_set(dossier, catalogue, as_of))


_shared_contexts: dict[tuple, AuditContext] = {}


def _shared_context(dossier, as_of: dt.date, catalogue: Catalogue | None,
                    calendar: WorkingCalendar | None, steps_key: tuple[str, ...] | None = None) -> AuditContext:
    """The context of an audit, shared by every dossier audited with the same day, pin, overlay and
    order of steps: a plain audit (nothing hypothetical) keeps nothing of a dossier in it.
    `steps_key`: `steps_key_of(dossier.steps)`, when the caller has it."""
    catalogue = catalogue or default_catalogue()
    calendar = calendar or default_calendar()
    overlay = dossier.overlay
    if overlay is None:
        overlay_key = None
    elif isinstance(overlay, str):
        overlay_key = catalogue.register_overlay(overlay)
    else:
        return make_context(dossier, as_of, catalogue, calendar)
    structure = procedure_rule_set(dossier, catalogue, as_of, steps_key)
    key = (id(catalogue), id(calendar), as_of, dossier.rule_set, overlay_key, id(structure))
    ctx = _shared_contexts.get(key)  # by the objects' identities, checked below (`structure.id` is a pydantic read)
    if ctx is None or ctx.catalogue is not catalogue or ctx.calendar is not calendar or ctx.structure is not structure:
        if len(_shared_contexts) > 64:
            _shared_contexts.clear()
        ctx = _shared_contexts[key] = AuditContext(as_of=as_of, catalogue=catalogue, calendar=calendar,
                                                   pin=dossier.rule_set, overlay_key=overlay_key,
                                                   structure=structure)
    return ctx


def _screened_plan(view: DossierView, rs: RuleSet):
    """The compiled step plan of `view`'s steps under `rs` (`CompiledPlans.plan`), kept on the view's
    StepSequence per rule set once `CompiledPlans` gives the same plan twice running (its first
    answer for a sequence is a plain loop, made anew each time; a compiled plan is one object)."""
    plans = view.sequence.plans
    found = plans.get(id(rs))
    if found is not None and found[2] and found[0] is rs:
        return found[1]
    plan = _compiled(rs).screened.plan(view.steps_key, view.repeated)
    if len(plans) >= 16:
        plans.clear()
    plans[id(rs)] = (rs, plan, found is not None and found[0] is rs and found[1] is plan)
    return plan


def evaluate(dossier: Dossier, ctx: AuditContext,
             steps_key: tuple[str, ...] | None = None) -> tuple[DossierView, list[Finding]]:
    """(the view, the findings sorted) of `dossier` audited in `ctx`. `steps_key`:
    `steps_key_of(dossier.steps)`, when the caller has it."""
    view = DossierView(dossier, ctx.structure, steps_key)
    out: list[Finding] = []
    if ctx.hypothetical is None:  # the dossier screen's walk also finds the latest date, which judging needs
        seen, latest = dossier_screen.survey(dossier, ctx.as_of)
        ctx.judge(view, latest)
        dossier_screen.run(_dossier_plan_of(ctx), view, ctx, out, seen)
    else:
        ctx.judge(view)
        dossier_screen.run(_dossier_plan_of(ctx), view, ctx, out)
    if view.judged_by is not None:  # one rule set judges every step (the usual case): one flat plan
        if ctx.hypothetical is None:  # a plain audit: the run written as one screened function
            _screened_plan(view, view.judged_by)(view, ctx, out)
        else:
            occurrences = view.occurrences
            for evaluator, rule, at in _compiled(view.judged_by).run_of(view.steps_key):
                evaluator(rule, occurrences[at], view, ctx, out)
        if len(out) > 1:
            out.sort(key=Finding.sort_key)
        return view, out
    judged_by = plans = None
    for occ in view.occurrences:
        if occ.rs is not judged_by:
            judged_by = occ.rs
            plans = _plans(judged_by)
        for evaluator, rule in plans.get(occ.step, ()):
            evaluator(rule, occ, view, ctx, out)
    if len(out) > 1:
        out.sort(key=Finding.sort_key)
    return view, out


@dataclass
class DossierAudit:
    id: str
    state: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def has_violations(self) -> bool:
        return any(f.severity == "violation" for f in self.findings)

    def to_dict(self) -> dict:
        return {"id": self.id, "state": self.state, "findings": [f.to_dict() for f in self.findings]}


def audit_dossier(dossier: Dossier, as_of: dt.date, catalogue: Catalogue | None = None,
                  calendar: WorkingCalendar | None = None) -> DossierAudit:
    """Every finding and the state of one dossier: a `workflow.dossier.Dossier` or the same facts read
    by `workflow.dossier_facts` (the rules read the same fields of either)."""
    steps_key = steps_key_of(dossier.steps)  # read once: the context, the view and the memories use it
    ctx = _shared_context(dossier, as_of, catalogue, calendar, steps_key)
    view, findings = evaluate(dossier, ctx, steps_key)
    return DossierAudit(dossier.id, derive_state(dossier, view), findings)  # positional: (id, state, findings)


def summarise(audits) -> dict:
    by_code: Counter[str] = Counter()
    dossiers = with_violations = 0
    for audit in audits:
        dossiers += 1
        with_violations += audit.has_violations
        by_code.update(f.code for f in audit.findings)
    return {"dossiers": dossiers, "with_violations": with_violations, "by_code": dict(sorted(by_code.items()))}


def summarise_entries(entries: list[dict]) -> dict:
    """The `audit/1` summary of dossier entries already turned into JSON shape."""
    by_code: Counter[str] = Counter(f["code"] for e in entries for f in e["findings"])
    violating = sum(1 for e in entries if any(f["severity"] == "violation" for f in e["findings"]))
    return {"dossiers": len(entries), "with_violations": violating, "by_code": dict(sorted(by_code.items()))}


def audit_document(audits: list[DossierAudit], as_of: dt.date) -> dict:
    return {"format": "audit/1", "as_of": as_of.isoformat(), "dossiers": [a.to_dict() for a in audits],
            "summary": summarise(audits)}
