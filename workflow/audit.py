"""Auditing a dossier: every rule of the rule set in force at each step's date, one finding per fault.

The same `evaluate` serves the transition gate (workflow.engine) and the plan (workflow.plan):
there is no second copy of any rule.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from checklists.loader import Catalogue, default_catalogue
from workflow.dates import WorkingCalendar, default_calendar
from workflow.dossier import Dossier
from workflow.findings import Finding
from workflow.procedure import procedure_rule_set
from workflow.rules import DOSSIER_EVALUATORS, STEP_EVALUATORS
from workflow.view import AuditContext, DossierView


@lru_cache(maxsize=8)
def _dossier_rules(catalogue: Catalogue) -> tuple[tuple[str, str], ...]:
    seen: dict[str, str] = {}
    for rs in catalogue.ordered():
        for rule in rs.rules_by_step.get(None, ()):
            seen.setdefault(rule.code, rule.kind)
    return tuple(seen.items())


def make_context(dossier: Dossier, as_of: dt.date, catalogue: Catalogue | None = None,
                 calendar: WorkingCalendar | None = None) -> AuditContext:
    catalogue = catalogue or default_catalogue()
    overlay_key = catalogue.register_overlay(dossier.overlay) if dossier.overlay is not None else None
    return AuditContext(as_of=as_of, catalogue=catalogue, calendar=calendar or default_calendar(),
                        pin=dossier.rule_set, overlay_key=overlay_key,
                        structure=procedure_rule_set(dossier, catalogue, as_of))


def evaluate(dossier: Dossier, ctx: AuditContext) -> tuple[DossierView, list[Finding]]:
    view = DossierView(dossier, ctx.structure)
    out: list[Finding] = []
    for code, kind in _dossier_rules(ctx.catalogue):
        DOSSIER_EVALUATORS[kind](code, view, ctx, out)
    for occ in view.occurrences:
        rs = ctx.ruleset_at(occ)
        for rule in rs.rules_by_step.get(occ.entry.step, ()):
            STEP_EVALUATORS[rule.kind](rule, occ, view, ctx, out)
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
    from workflow.machine import derive_state

    ctx = make_context(dossier, as_of, catalogue, calendar)
    view, findings = evaluate(dossier, ctx)
    return DossierAudit(id=dossier.id, state=derive_state(dossier, view), findings=findings)


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
