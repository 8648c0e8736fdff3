"""Who: the nomination behind an activist, the contacts, the introducers."""
from __future__ import annotations

from checklists.step_fields import step_schema
from workflow.rules.base import finding
from workflow.rules.templates import phrase

_STATUS = step_schema().words("member_status")  # checklists/data/step_fields.toml


def nomination(rule, occ, view, ctx, out) -> None:
    if ctx.hypothetical == occ.index:
        return
    given = set(occ.entry.nomination or ())
    if not given & set(rule.params.accepted):
        out.append(finding(rule, occ.rs, occ, {}))


def people(rule, occ, view, ctx, out) -> None:
    if ctx.hypothetical == occ.index:
        return
    params = rule.params
    listed = occ.entry.people or []
    rs = occ.rs
    problems = []
    if not params.min <= len(listed) <= params.max:
        problems.append(phrase(rule, "count_exact" if params.min == params.max else "count_range",
                               role=params.role, min=params.min, max=params.max, actual=len(listed)))
    for person in listed:
        if person.status != params.status:
            problems.append(phrase(rule, "status", role=params.role, name=person.name, date=occ.entry.date,
                                   status=_STATUS.get(person.status, person.status),
                                   wanted_status=_STATUS.get(params.status, params.status)))
        if person.discipline and person.discipline in params.forbidden_discipline:
            problems.append(phrase(rule, "discipline", role=params.role, name=person.name,
                                   discipline=person.discipline))
    for problem in problems:
        out.append(finding(rule, rs, occ, {"problem": problem}))


def discipline_period(rule, occ, view, ctx, out) -> None:
    """A person whose discipline of one of the rule's kinds is still in its influence period on the
    step's date (2026 第十四条: 不宜作入党介绍人). Without a recorded `discipline_until` the period is
    unknown and nothing is said (an auditor sees the discipline in the record)."""
    if ctx.hypothetical == occ.index:
        return
    rs = occ.rs
    for person in occ.entry.people or []:
        until = person.discipline_until
        if person.discipline in rule.params.disciplines and until is not None and until >= occ.entry.date:
            out.append(finding(rule, rs, occ, {"name": person.name, "discipline": person.discipline,
                                               "until": until}, subject=person.name))
