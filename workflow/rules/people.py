"""Who: the nomination behind an activist, the contacts, the introducers."""
from __future__ import annotations

from workflow.rules.base import finding

_STATUS = {"full": "正式党员", "probationary": "预备党员"}


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
        wanted = f"{params.min}" if params.min == params.max else f"{params.min}至{params.max}"
        problems.append(f"{params.role}应为{wanted}名，实有{len(listed)}名")
    for person in listed:
        if person.status != params.status:
            problems.append(f"{params.role}{person.name}在{occ.entry.date}是{_STATUS.get(person.status, person.status)}，"
                            f"不是{_STATUS.get(params.status, params.status)}")
        if person.discipline and person.discipline in params.forbidden_discipline:
            problems.append(f"{params.role}{person.name}正受{person.discipline}处分，不能担任{params.role}")
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
