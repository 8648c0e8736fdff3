"""The flowchart itself: order of dates, dates in the future, missing prerequisite steps.

A prerequisite whose step data names an `absent_code` is not reported here: the rule with that
code reports its absence, at the dependent step, under its own article (one fact, one finding).
"""
from __future__ import annotations

from workflow.rules.base import finding, is_hypothetical


def date_order(code, view, ctx, out) -> None:
    for occ in view.occurrences:
        rs = ctx.ruleset_at(occ)
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
        entry = occ.entry
        if entry.date <= as_of and (entry.reviewed_on is None or entry.reviewed_on <= as_of):
            continue
        if is_hypothetical(ctx, occ):
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
    for occ in view.occurrences:
        rs = ctx.ruleset_at(occ)
        rule = rs.rule_by_code.get(code)
        if rule is None:
            continue
        for req, prior in view.prerequisites(occ):
            if prior is None and not rs.step_by_id[req].absent_code:
                out.append(finding(rule, rs, occ, {"other_name": rs.step_by_id[req].name}))
