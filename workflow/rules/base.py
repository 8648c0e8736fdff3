"""Building findings from a rule and what an evaluator found."""
from __future__ import annotations

import datetime as dt

from checklists.model import Rule, RuleSet
from workflow.findings import Finding, fill
from workflow.view import Occurrence

_DATE = dt.date


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
    """One finding of `rule` under `rs`. Written for the audit of many faulty dossiers: the message's
    fields are gathered into a plain mapping (a missing one is rare: then `fill` shows it as written),
    dates (most fields) written without a call, and the record built positionally (Finding's order)."""
    step_id = step or (occ.step if occ else None)
    step_def = rs.step_by_id.get(step_id) if step_id else None
    if step_def is None:
        values = {"step_name": "", "step": step_id or ""}
        order = 99
    else:
        values = {"step_name": step_def.name, "step": step_id}
        order = step_def.order
    if occ is not None:
        values["date"] = occ.entry.date.isoformat()
        index = occ.index
    else:
        index = None
    for key, value in fields.items():
        kind = type(value)
        values[key] = value if kind is str else value.isoformat() if kind is _DATE else text(value)
    try:
        message = rule.message.format_map(values)
    except KeyError:  # a field the template names and nobody gave: shown as written (findings.fill)
        message = fill(rule.message, values)
    return Finding(rule.code, severity or rule.severity, step_id, rs.id, rule.article, message,
                   provisional, rule.overlay, index, order, subject)


def is_hypothetical(ctx, occ: Occurrence) -> bool:
    """The plan asks "what would block this step?" without the step's own content being known.

    Evaluators write it inline as `ctx.hypothetical == occ.index` (None never equals an index): it is
    asked for every step of every dossier, where a call costs more than the comparison."""
    return ctx.hypothetical == occ.index
