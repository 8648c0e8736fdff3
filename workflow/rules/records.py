"""The file behind the steps: required materials, signatures, and one-step-one-review."""
from __future__ import annotations

from collections import Counter
from operator import attrgetter

from workflow.rules.base import finding

_ID = attrgetter("id")
# The quick answers below are plain loops: on CPython 3.11 they beat map() with attrgetter.


def _all_signed(materials) -> bool:
    for material in materials:
        if not material.signed_by:
            return False
    return True


def _no_paper_review(steps) -> bool:
    for entry in steps:
        if entry.paper_review is not None:
            return False
    return True


def _no_archive_correction(steps) -> bool:
    for entry in steps:
        if entry.archive_correction is not None:
            return False
    return True


def _all_reviewed(steps) -> bool:
    for entry in steps:
        if not entry.reviewed_by:
            return False
    return True


_required: dict[int, tuple] = {}


def _required_ids(rs) -> dict[str, frozenset[str]]:
    """The ids of the materials each step requires under `rs`, read once per rule set."""
    found = _required.get(id(rs))
    if found is None or found[0] is not rs:
        found = _required[id(rs)] = (rs, {step: frozenset(m.id for m in materials)
                                          for step, materials in rs.required_materials_by_step.items()})
    return found[1]


def materials(code, view, ctx, out) -> None:
    listed = view.dossier.materials
    if listed is None:
        return
    if view.repeated:  # a step of a later probation cycle needs its own copy: count them
        counts = Counter(map(_ID, listed))
        have = counts.keys()
    else:  # one cycle: is every required id listed?
        counts = None
        have = {material.id for material in listed}
        rs = view.judged_by
        if rs is not None:  # one rule set: one look per recorded step (by_step keeps the record order)
            required = _required_ids(rs)
            for step, (occ,) in view.by_step.items():
                ids = required.get(step)
                if ids is None or ids <= have or ctx.hypothetical == occ.index:
                    continue
                rule = rs.rule_by_code.get(code)
                if rule is None:
                    return
                for material in rs.required_materials_by_step[step]:
                    if material.id not in have:
                        out.append(finding(rule, rs, occ, {"material_name": material.name,
                                                           "material": material.id}, subject=material.id))
            return
    judged_by = required_ids = None
    for occ in view.occurrences:
        rs = occ.rs
        if rs is not judged_by:
            judged_by, required_ids = rs, _required_ids(rs)
        ids = required_ids.get(occ.step)
        if not ids:
            continue
        cycle = occ.cycle
        if (have >= ids if cycle == 0 else all(counts[i] > cycle for i in ids)) \
                or ctx.hypothetical == occ.index:
            continue
        rule = rs.rule_by_code.get(code)
        if rule is None:
            continue
        for material in rs.required_materials_by_step[occ.step]:
            if (material.id not in have) if cycle == 0 else counts.get(material.id, 0) <= cycle:
                out.append(finding(rule, rs, occ, {"material_name": material.name, "material": material.id},
                                   subject=material.id))


def signatures(code, view, ctx, out) -> None:
    listed = view.dossier.materials
    if not listed or _all_signed(listed):
        return
    for material in listed:
        if material.signed_by:
            continue
        first = view.first(material.step)
        day = material.date or (first.entry.date if first else ctx.as_of)
        rs = ctx.ruleset_for(day)
        rule = rs.rule_by_code.get(code)
        definition = rs.material_by_id.get(material.id)
        if rule is None or definition is None:
            continue
        out.append(finding(rule, rs, first, {"material_name": definition.name,
                                             "signers": "、".join(definition.signed_by)}, step=material.step,
                           subject=material.id))


def reviews(code, view, ctx, out) -> None:
    if _all_reviewed(view.dossier.steps) or not view.dossier.carries_reviews:
        return
    for occ in view.occurrences:
        if occ.entry.reviewed_by or ctx.hypothetical == occ.index:
            continue
        rs = occ.rs
        rule = rs.rule_by_code.get(code)
        if rule is not None:
            out.append(finding(rule, rs, occ, {}))


def _names(values: set) -> set[str]:
    return {value.strip() for value in values if value}


def self_reviews(code, view, ctx, out) -> None:
    steps = view.dossier.steps
    if not _names({s.reviewed_by for s in steps}) & _names({s.recorded_by for s in steps}):
        return  # nobody both recorded and reviewed anything
    for occ in view.occurrences:
        entry = occ.entry
        if entry.reviewed_by and entry.recorded_by and entry.reviewed_by.strip() == entry.recorded_by.strip():
            rs = ctx.ruleset_for(entry.date)
            rule = rs.rule_by_code.get(code)
            if rule is not None:
                out.append(finding(rule, rs, occ, {"reviewer": entry.reviewed_by}))


def paper_reviews(code, view, ctx, out) -> None:
    """A sign-off that came in a file, not through the review route: shown apart, confirmed or not."""
    if _no_paper_review(view.dossier.steps):
        return
    for occ in view.occurrences:
        paper = occ.entry.paper_review
        if paper is None:
            continue
        rs = occ.rs
        rule = rs.rule_by_code.get(code)
        if rule is None:
            continue
        status = (f"已由 {paper.confirmed_by} 于 {paper.confirmed_on} 在系统中确认" if paper.confirmed_by
                  else "尚待上级审核人在系统中确认，确认前不算审核通过")
        out.append(finding(rule, rs, occ, {"reviewer": paper.reviewed_by, "reviewed_on": paper.reviewed_on,
                                           "imported_by": paper.imported_by, "imported_on": paper.imported_on,
                                           "status": status}))


def archive_corrections(code, view, ctx, out) -> None:
    """A step corrected after the dossier was archived (by a reviewer above the branch)."""
    if _no_archive_correction(view.dossier.steps):
        return
    for occ in view.occurrences:
        fix = occ.entry.archive_correction
        if fix is None:
            continue
        rs = occ.rs
        rule = rs.rule_by_code.get(code)
        if rule is not None:
            out.append(finding(rule, rs, occ, {"by": fix.by, "organisation": fix.organisation or "上级党组织",
                                               "on": fix.on, "reason": fix.reason}))
