"""Time rules: age on application, maximum and minimum gaps between events, leaving dates."""
from __future__ import annotations

import datetime as dt

from workflow.dates import add_gap, adult_on, subtract_gap
from workflow.rules.base import finding


def min_age(rule, occ, view, ctx, out) -> None:
    birth = view.dossier.person.birth_date
    earliest = adult_on(birth, rule.params.months)
    if occ.entry.date < earliest:
        rs = occ.rs
        out.append(finding(rule, rs, occ, {"birth_date": birth, "earliest": earliest}))


_starts: dict[int, tuple] = {}


def in_force_from(rs) -> dt.date:
    """`rs.in_force_from`, kept per rule-set object."""
    known = _starts.get(id(rs))
    if known is None or known[0] is not rs:
        known = _starts[id(rs)] = (rs, rs.in_force_from)
    return known[1]


def _anchor(rule, occ, view):
    """The anchor date, or None when it is missing or (for a step) dated after this one."""
    name = rule.params.from_
    if not view.repeated and name != "probation_end":  # one cycle: the step's one record (view.anchor)
        found = view.by_step.get(name)
        if found is None:
            return None
        day = found[0].entry.date
        return None if occ.entry.date < day else day
    day = view.anchor(name, occ)
    if day is None or (name != "probation_end" and occ.entry.date < day):
        return None
    return day


def applies_to_case(rule, occ, view) -> bool:
    """Whether a gap rule that depends on a case event (a probationary member transferred in) applies:
    the event must fall after `event_after` (when recorded) and on or before the step."""
    params = rule.params
    wanted = getattr(params, "only_after_events", None) or ()
    unwanted = getattr(params, "unless_after_events", None) or ()
    if not wanted and not unwanted:
        return True
    after = view.anchor(params.event_after, occ) if params.event_after else None

    def happened(kinds) -> bool:
        return any(e.kind in kinds and (after is None or e.date >= after) and e.date <= occ.entry.date
                   for e in view.dossier.case_events)

    return happened(wanted) if wanted else not happened(unwanted)


def _variant(rule) -> tuple:
    params = rule.params
    return (rule.code, rule.kind, tuple(getattr(params, "only_after_events", ()) or ()))


def binding_limit(rule, rs, anchor, occ, ctx):
    """(rule, rule set, deadline) of the time limit that binds a step, or None.

    No retroactive time limits: a deadline that falls before the judging rule set took force binds
    only under the rule set in force on that deadline, if that one has the same rule (TALK_LATE
    stays a 2014 finding; a 2026.05 OATH_LATE never reaches back). A pinned dossier is judged under
    its pin throughout."""
    deadline = add_gap(anchor, rule.params.within)
    if deadline >= rs.in_force_from or ctx.pin is not None:
        return rule, rs, deadline
    earlier = ctx.ruleset_for(deadline)
    if earlier.id == rs.id:
        return None
    for other in earlier.rules_by_step.get(occ.step, ()):
        if _variant(other) == _variant(rule):
            return binding_limit(other, earlier, anchor, occ, ctx)
    return None


def max_gap(rule, occ, view, ctx, out) -> None:
    params = rule.params
    name = params.from_
    if not view.repeated and name != "probation_end":  # _anchor's one-cycle answer, asked inline (hot)
        found = view.by_step.get(name)
        if found is None:
            return
        anchor = found[0].entry.date
        if occ.entry.date < anchor:
            return
    else:
        anchor = _anchor(rule, occ, view)
        if anchor is None:
            return
    if params.waived_by and getattr(occ.entry, params.waived_by, None):
        return
    if (params.only_after_events or params.unless_after_events) and not applies_to_case(rule, occ, view):
        return
    rs = occ.rs
    deadline = add_gap(anchor, params.within)
    if occ.entry.date <= deadline:
        known = _starts.get(id(rs))  # rs.in_force_from, remembered per rule set (a pydantic read): hot
        start = known[1] if known is not None and known[0] is rs else in_force_from(rs)
        if deadline >= start or ctx.pin is not None:
            return  # in time under the judging rule set's own limit (binding_limit's first answer)
    binding = binding_limit(rule, rs, anchor, occ, ctx)
    if binding is None:
        return
    rule, rs, deadline = binding
    params = rule.params
    if occ.entry.date <= deadline:
        return
    severity = None
    if params.excused_by and getattr(occ.entry, params.excused_by, None) and params.excused_within:
        if occ.entry.date <= add_gap(anchor, params.excused_within):
            severity = params.excused_severity
    out.append(finding(rule, rs, occ, {"deadline": deadline, "from_date": anchor,
                                       "excused_deadline": add_gap(anchor, params.excused_within)
                                       if params.excused_within else None}, severity=severity))


def measured_date(rule, occ):
    """The date a limit is measured to: the step's own, or the field the rule names (2026: the branch
    committee meeting recorded on 上级党委同意); None when that field is not recorded."""
    to = getattr(rule.params, "to", None)
    return getattr(occ.entry, to, None) if to else occ.entry.date


def min_gap(rule, occ, view, ctx, out) -> None:
    params = rule.params
    measured = measured_date(rule, occ)
    if measured is None:
        return
    anchor = _anchor(rule, occ, view)
    if anchor is None:
        return
    earliest = add_gap(anchor, params.at_least)
    if measured < earliest:
        rs = occ.rs
        if earliest < rs.in_force_from:
            return  # no retroactive time limits
        out.append(finding(rule, rs, occ, {"earliest": earliest, "from_date": anchor, "measured_date": measured}))


def before_leaving(rule, occ, view, ctx, out) -> None:
    leave = view.dossier.person.expected_leave_date
    if leave is None:
        return
    if subtract_gap(leave, rule.params.within) <= occ.entry.date <= leave:
        rs = occ.rs
        out.append(finding(rule, rs, occ, {"leave_date": leave}))
