"""The flowchart itself: order of dates, dates in the future, missing prerequisite steps.

A prerequisite whose step data names an `absent_code` is not reported here: the rule with that
code reports its absence, at the dependent step, under its own article (one fact, one finding).
"""
from __future__ import annotations

from workflow.rules.base import finding, is_hypothetical


def date_order(code, view, ctx, out) -> None:
    for occ in view.occurrences:
        rs = ctx.ruleset_for(occ.entry.date)
        rule = rs.rule_by_code.get(code)
        if rule is None:
            continue
        for req, prior in view.prerequisites(occ):
            if prior is not None and occ.entry.date < prior.entry.date:
                out.append(finding(rule, rs, occ, {"other_name": rs.step_by_id[req].name,
                                                   "other_date": prior.entry.date}))


def future_dates(code, view, ctx, out) -> None:
    as_of = ctx.as_of
    for occ in view.occurrences:
        if is_hypothetical(ctx, occ):
            continue
        entry = occ.entry
        for what, day in ((None, entry.date), ("审核", entry.reviewed_on)):
            if day is not None and day > as_of:
                rs = ctx.ruleset_for(day)
                rule = rs.rule_by_code.get(code)
                if rule is not None:
                    label = rs.step_by_id[occ.step].name + (what or "")
                    out.append(finding(rule, rs, occ, {"what": label, "date": day, "as_of": as_of}))
    dossier = view.dossier
    records = [("考察记录", a.date, None) for a in dossier.assessments]
    records += [("思想汇报", t.date, None) for t in dossier.thought_reports]
    records += [("公示", p.end, None) for p in dossier.publicity]
    records += [("材料", m.date, m.step) for m in dossier.materials or [] if m.date is not None]
    records += [("案件事项", e.date, None) for e in dossier.case_events]
    for what, day, step in records:
        if day > as_of:
            rs = ctx.ruleset_for(day)
            rule = rs.rule_by_code.get(code)
            if rule is not None:
                out.append(finding(rule, rs, None, {"what": what, "date": day, "as_of": as_of}, step=step))


def step_missing(code, view, ctx, out) -> None:
    for occ in view.occurrences:
        rs = ctx.ruleset_for(occ.entry.date)
        rule = rs.rule_by_code.get(code)
        if rule is None:
            continue
        for req, prior in view.prerequisites(occ):
            if prior is None and not rs.step_by_id[req].absent_code:
                out.append(finding(rule, rs, occ, {"other_name": rs.step_by_id[req].name}))
