"""What a step records: conclusions, results, training, required fields, meetings, extensions."""
from __future__ import annotations

from checklists.step_fields import step_schema
from workflow.rules.base import finding
from workflow.rules.templates import phrase


_ABSENT = object()


def _source(rule, occ, view):
    """The step whose content this rule reads; _ABSENT when this rule is the one that reports its
    absence (the step data names it as `absent_code`); None when there is nothing to judge here
    (absent and reported as STEP_MISSING, or dated after the step: DATE_ORDER)."""
    source = view.in_cycle(rule.params.source, occ.cycle)
    if source is None:
        return _ABSENT if view.base.step_by_id[rule.params.source].absent_code == rule.code else None
    if source.entry.date > occ.entry.date:
        return None
    return source


def required_step(rule, occ, view, ctx, out) -> None:
    if _source(rule, occ, view) is _ABSENT:
        out.append(finding(rule, occ.rs, occ, {}))


def required_value(rule, occ, view, ctx, out) -> None:
    source = _source(rule, occ, view)
    if source is None:
        return
    actual = None if source is _ABSENT else getattr(source.entry, rule.params.field, None)
    if actual != rule.params.value:
        out.append(finding(rule, occ.rs, occ, {"actual": actual}))


def training(rule, occ, view, ctx, out) -> None:
    source = _source(rule, occ, view)
    if source is None:
        return
    params = rule.params
    days = hours = 0
    exception = None
    if source is not _ABSENT:
        days, hours, exception = source.entry.days or 0, source.entry.hours or 0, source.entry.exception
    if days >= params.min_days or hours >= params.min_hours:
        return
    severity = params.exception_severity if exception else None
    out.append(finding(rule, occ.rs, occ,
                       {"days": days, "hours": hours, "min_days": params.min_days, "min_hours": params.min_hours},
                       severity=severity))


def required_fields(rule, occ, view, ctx, out) -> None:
    if ctx.hypothetical == occ.index:
        return
    for name in rule.params.fields.get(occ.step, ()):
        if getattr(occ.entry, name, None) is None:
            out.append(finding(rule, occ.rs, occ,
                               {"field": name, "field_label": _field_label(occ.step, name)}))


def _field_label(step_id: str, name: str) -> str:
    """The field's label at its step, as the form and the spreadsheet print it (step_fields.toml)."""
    schema = step_schema()
    return schema.label(step_id, name) if name in schema.fields else name


def quorum(rule, occ, view, ctx, out) -> None:
    votes = occ.entry.votes
    if votes is None or ctx.hypothetical == occ.index:
        return
    if not votes.has_quorum:
        out.append(finding(rule, occ.rs, occ,
                           {"expected": votes.expected, "present": votes.present}))


def vote(rule, occ, view, ctx, out) -> None:
    votes = occ.entry.votes
    if votes is None or ctx.hypothetical == occ.index or occ.entry.outcome == "rejected":
        return
    if not votes.carried and view.treated_as_passed(occ):  # a failed vote with nothing after it ends the case
        out.append(finding(rule, occ.rs, occ,
                           {"expected": votes.expected, "yes_total": votes.yes_total, "written_yes": votes.written_yes}))


def extension(rule, occ, view, ctx, out) -> None:
    if ctx.hypothetical == occ.index or occ.entry.outcome != "extend":
        return
    params, months = rule.params, occ.entry.extend_months
    rs = occ.rs
    earlier = sum(1 for other in view.by_step.get(occ.step, ())
                  if other.cycle < occ.cycle and other.entry.outcome == "extend")
    if months is None:
        out.append(finding(rule, rs, occ, {"problem": phrase(rule, "no_months")}))
    elif not params.min_months <= months <= params.max_months:
        out.append(finding(rule, rs, occ, {"problem": phrase(
            rule, "months", months=months, min_months=params.min_months, max_months=params.max_months)}))
    if earlier >= params.max_times:
        out.append(finding(rule, rs, occ, {"problem": phrase(rule, "times", earlier=earlier,
                                                             max_times=params.max_times)}))


def party_standing(rule, occ, view, ctx, out) -> None:
    recorded = occ.entry.party_standing_from
    if recorded is None or ctx.hypothetical == occ.index or view.conversion_outcome(occ.cycle) != "convert":
        return
    expected = view.probation_end(occ.cycle)
    if expected is not None and recorded != expected:
        out.append(finding(rule, occ.rs, occ, {"recorded": recorded, "expected": expected}))


def approver(rule, occ, view, ctx, out) -> None:
    """Only a 党委 approves (2026 第二十二条; 2014 第二十三条); the body's type is recorded on the step."""
    body = getattr(occ.entry, rule.params.field, None)
    if body is None or ctx.hypothetical == occ.index or body.type in rule.params.allowed:
        return
    rs = occ.rs
    out.append(finding(rule, rs, occ, {"body_name": body.name or "审批组织",
                                       "body_type": rs.approving_bodies.get(body.type, body.type)}))
