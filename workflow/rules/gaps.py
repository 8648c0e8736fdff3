"""Time rules: age on application, maximum and minimum gaps between events, leaving dates."""
from __future__ import annotations

from workflow.dates import add_gap, adult_on, subtract_gap
from workflow.rules.base import finding


def min_age(rule, occ, view, ctx, out) -> None:
    birth = view.dossier.person.birth_date
    earliest = adult_on(birth, rule.params.months)
    if occ.entry.date < earliest:
        rs = ctx.ruleset_for(occ.entry.date)
        out.append(finding(rule, rs, occ, {"birth_date": birth, "earliest": earliest}))


def _anchor(rule, occ, view):
    """The anchor date, or None when it is missing or (for a step) dated after this one."""
    name = rule.params.from_
    day = view.anchor(name, occ)
    if day is None or (name != "probation_end" and occ.entry.date < day):
        return None
    return day


def max_gap(rule, occ, view, ctx, out) -> None:
    anchor = _anchor(rule, occ, view)
    if anchor is None:
        return
    params = rule.params
    deadline = add_gap(anchor, params.within)
    if occ.entry.date <= deadline:
        return
    severity = None
    if params.excused_by and getattr(occ.entry, params.excused_by, None) and params.excused_within:
        if occ.entry.date <= add_gap(anchor, params.excused_within):
            severity = params.excused_severity
    rs = ctx.ruleset_for(occ.entry.date)
    out.append(finding(rule, rs, occ, {"deadline": deadline, "from_date": anchor,
                                       "excused_deadline": add_gap(anchor, params.excused_within)
                                       if params.excused_within else None}, severity=severity))


def min_gap(rule, occ, view, ctx, out) -> None:
    anchor = _anchor(rule, occ, view)
    if anchor is None:
        return
    earliest = add_gap(anchor, rule.params.at_least)
    if occ.entry.date < earliest:
        rs = ctx.ruleset_for(occ.entry.date)
        out.append(finding(rule, rs, occ, {"earliest": earliest, "from_date": anchor}))


def before_leaving(rule, occ, view, ctx, out) -> None:
    leave = view.dossier.person.expected_leave_date
    if leave is None:
        return
    if subtract_gap(leave, rule.params.within) <= occ.entry.date <= leave:
        rs = ctx.ruleset_for(occ.entry.date)
        out.append(finding(rule, rs, occ, {"leave_date": leave}))
