"""The audit the plain way, for tests that compare the fast audit with it: every rule through its kind."""
from __future__ import annotations

from workflow.findings import Finding
from workflow.rules.kinds import KINDS


def every_rule(view, ctx) -> list[Finding]:
    """Every dossier rule of the catalogue, then every rule of each record's judging rule set (`occ.rs`,
    set beforehand), each through its kind's check, nothing skipped; sorted as the audit sorts."""
    out: list[Finding] = []
    dossier_rules: dict[str, str] = {}
    for rs in ctx.catalogue.ordered():
        for rule in rs.rules_by_step.get(None, ()):
            dossier_rules.setdefault(rule.code, rule.kind)
    for code, kind in dossier_rules.items():
        KINDS[kind].check(code, view, ctx, out)
    for occ in view.occurrences:
        for rule in occ.rs.rules_by_step.get(occ.step, ()):
            KINDS[rule.kind].check(rule, occ, view, ctx, out)
    out.sort(key=Finding.sort_key)
    return out
