"""Building findings from a rule and what an evaluator found."""
from __future__ import annotations

import datetime as dt

from checklists.model import Rule, RuleSet
from workflow.findings import Finding, fill
from workflow.rules.templates import PREPARED as _prepared, message_template
from workflow.view import Occurrence

_DATE = dt.date
_ISO: dict[dt.date, str] = {}
"""Each date already written as ISO text: `date.isoformat` formats through sprintf, and a finding
writes two or three dates (the audit of many dossiers, the same few thousand days)."""


def iso(day: dt.date) -> str:
    """`day.isoformat()`, remembered (the memory is bounded: emptied when full)."""
    found = _ISO.get(day)
    if found is None:
        if len(_ISO) >= 65536:
            _ISO.clear()
        found = _ISO[day] = day.isoformat()
    return found


def text(value) -> str:
    if value is None:
        return "未记录"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_heads: dict[tuple, tuple] = {}


def _head(rule: Rule, rs: RuleSet, step_id: str | None) -> tuple:
    """What every finding of `rule` under `rs` at `step_id` shares, read once from the checklist
    objects (each of their attributes is a pydantic lookup): the step's name and order, the message
    template with the rule's figures in, and the finding's fixed fields."""
    step_def = rs.step_by_id.get(step_id) if step_id else None
    if step_def is None:
        step_name, order = "", 99
    else:
        step_name, order = step_def.name, step_def.order
    found = _prepared.get(id(rule))
    template = found[1] if found is not None and found[0] is rule else message_template(rule)
    if len(_heads) >= 4096:
        _heads.clear()
    head = _heads[(id(rule), id(rs), step_id)] = (rule, rs, step_name, order, template, rule.code, rule.severity,
                                                  rs.id, rule.article, rule.overlay)
    return head


def finding(rule: Rule, rs: RuleSet, occ: Occurrence | None, fields: dict, *, severity: str | None = None,
            provisional: bool = False, step: str | None = None, subject: str | None = None) -> Finding:
    """One finding of `rule` under `rs`. Written for the audit of many faulty dossiers: what the
    rule, rule set and step fix is read once (`_head`), the message's fields are gathered into a plain
    mapping (a missing one is rare: then `fill` shows it as written), dates (most fields) written
    without a call, and the record built positionally (Finding's order)."""
    step_id = step or (occ.step if occ else None)
    head = _heads.get((id(rule), id(rs), step_id))
    if head is None or head[0] is not rule or head[1] is not rs:
        head = _head(rule, rs, step_id)
    _, _, step_name, order, template, code, rule_severity, rs_id, article, overlay = head
    values = {"step_name": step_name, "step": step_id or ""}
    if occ is not None:
        day = occ.entry.date
        values["date"] = _ISO.get(day) or iso(day)  # the remembered text asked inline: hot
        index = occ.index
    else:
        index = None
    for key, value in fields.items():
        kind = type(value)
        values[key] = value if kind is str else (_ISO.get(value) or iso(value)) if kind is _DATE else text(value)
    try:
        message = template.format_map(values)
    except KeyError:  # a field the template names and nobody gave: shown as written (findings.fill)
        message = fill(template, values)
    return Finding(code, severity or rule_severity, step_id, rs_id, article, message,
                   provisional, overlay, index, order, subject)


def is_hypothetical(ctx, occ: Occurrence) -> bool:
    """The plan asks "what would block this step?" without the step's own content being known.

    Evaluators write it inline as `ctx.hypothetical == occ.index` (None never equals an index): it is
    asked for every step of every dossier, where a call costs more than the comparison."""
    return ctx.hypothetical == occ.index
