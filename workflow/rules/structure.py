"""The flowchart itself: order of dates, dates in the future, missing prerequisite steps.

A prerequisite whose step data names an `absent_code` is not reported here: the rule with that
code reports its absence, at the dependent step, under its own article (one fact, one finding).
"""
from __future__ import annotations

from workflow.rules.base import finding
from workflow.rules.dossier_screen import may_find

_precede: dict[int, tuple] = {}


def _prerequisites_precede(base) -> bool:
    """Whether every prerequisite comes before its step in `base`'s procedure order, read once per rule set."""
    found = _precede.get(id(base))
    if found is None or found[0] is not base:
        order = {step.id: step.order for step in base.steps}
        found = _precede[id(base)] = (base, all(order[req] < order[step.id] for step in base.steps
                                                for req in step.requires))
    return found[1]


def _may_be_out_of_order(seen, view) -> bool:
    """False only when DossierView.some_step_before_its_prerequisite answers False by its shortcut: no
    step repeats, the steps are recorded in the procedure's order with dates that never go back, and
    every prerequisite comes earlier in that order."""
    return seen.dates_back or view.repeated or not view.recorded_in_order() \
        or not _prerequisites_precede(view.base)


@may_find(_may_be_out_of_order)
def date_order(code, view, ctx, out) -> None:
    if not view.some_step_before_its_prerequisite():
        return
    for occ, req, prior in view.steps_before_prerequisites():
        rs = occ.rs
        rule = rs.rule_by_code.get(code)
        if rule is not None:
            out.append(finding(rule, rs, occ, {"other_name": rs.step_by_id[req].name,
                                               "other_date": prior.entry.date}))


def _anything_after(dossier, as_of) -> bool:
    """Whether the dossier records any date after the check day. Usually not, and then there is
    nothing to look at one by one (plain loops: cheaper here than map and attrgetter)."""
    for entry in dossier.steps:
        if entry.date > as_of or (entry.reviewed_on is not None and entry.reviewed_on > as_of):
            return True
    for records in (dossier.assessments, dossier.thought_reports, dossier.case_events, dossier.materials or ()):
        for record in records:
            if record.date is not None and record.date > as_of:
                return True
    for notice in dossier.publicity:
        if notice.end > as_of:
            return True
    return False


@may_find(lambda seen, view: seen.late)
def future_dates(code, view, ctx, out) -> None:
    as_of = ctx.as_of
    if not _anything_after(view.dossier, as_of):
        return
    for occ in view.occurrences:
        entry = occ.entry
        if entry.date <= as_of and (entry.reviewed_on is None or entry.reviewed_on <= as_of):
            continue
        if ctx.hypothetical == occ.index:
            continue
        for suffix, day in (("", entry.date), ("审核", entry.reviewed_on)):
            if day is not None and day > as_of:
                rs = ctx.ruleset_for(day)
                rule = rs.rule_by_code.get(code)
                if rule is not None:
                    label = rs.step_by_id[occ.step].name + suffix
                    out.append(finding(rule, rs, occ, {"what": label, "date": day, "as_of": as_of}))
    dossier = view.dossier
    for label, records, attribute in (("考察记录", dossier.assessments, "date"),
                                      ("思想汇报", dossier.thought_reports, "date"),
                                      ("公示", dossier.publicity, "end"),
                                      ("材料", dossier.materials or (), "date"),
                                      ("案件事项", dossier.case_events, "date")):
        for record in records:
            day = getattr(record, attribute)
            if day is not None and day > as_of:
                rs = ctx.ruleset_for(day)
                rule = rs.rule_by_code.get(code)
                if rule is not None:
                    out.append(finding(rule, rs, None, {"what": label, "date": day, "as_of": as_of},
                                       step=getattr(record, "step", None)))


def step_missing(code, view, ctx, out) -> None:
    if not view.some_prerequisite_missing():
        return
    for occ, prerequisites in zip(view.occurrences, view.all_prerequisites()):
        rs = occ.rs
        rule = rs.rule_by_code.get(code)
        if rule is None:
            continue
        for req, prior in prerequisites:
            if prior is None and not rs.step_by_id[req].absent_code:
                out.append(finding(rule, rs, occ, {"other_name": rs.step_by_id[req].name}))
