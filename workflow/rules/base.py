"""Building findings from a rule and what an evaluator found."""
from __future__ import annotations

import datetime as dt

from checklists.model import Rule, RuleSet
from workflow.findings import Finding, fill
from workflow.view import Occurrence


def text(value) -> str:
    if value is None:
        return "未记录"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def finding(rule: Rule, rs: RuleSet, occ: Occurrence | None, fields: dict, *, severity: str | None = None,
            provisional: bool = False, step: str | None = None, subject: str | None = None) -> Finding:
    step_id = step or (occ.step if occ else None)
    step_def = rs.step_by_id.get(step_id) if step_id else None
    values = {"step_name": step_def.name if step_def else "", "step": step_id or ""}
    if occ is not None:
        values["date"] = occ.entry.date.isoformat()
    values.update({k: text(v) for k, v in fields.items()})
    return Finding(code=rule.code, severity=severity or rule.severity, step=step_id, rule_set=rs.id,
                   article=rule.article, message=fill(rule.message, values), provisional=provisional,
                   overlay=rule.overlay, index=occ.index if occ else None,
                   step_number=step_def.order if step_def else 99, subject=subject)


def is_hypothetical(ctx, occ: Occurrence) -> bool:
    """The plan asks "what would block this step?" without the step's own content being known."""
    return ctx.hypothetical is not None and ctx.hypothetical == occ.index
