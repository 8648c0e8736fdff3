"""The file behind the steps: required materials, signatures, and one-step-one-review."""
from __future__ import annotations

from collections import Counter

from workflow.rules.base import finding, is_hypothetical


def materials(code, view, ctx, out) -> None:
    listed = view.dossier.materials
    if listed is None:
        return
    have = Counter(m.id for m in listed)
    for occ in view.occurrences:
        if is_hypothetical(ctx, occ):
            continue
        rs = ctx.ruleset_at(occ)
        required = rs.required_materials_by_step.get(occ.step)
        if not required:
            continue
        rule = rs.rule_by_code.get(code)
        if rule is None:
            continue
        for material in required:
            if have[material.id] < occ.cycle + 1:
                out.append(finding(rule, rs, occ, {"material_name": material.name, "material": material.id},
                                   subject=material.id))


def signatures(code, view, ctx, out) -> None:
    for material in view.dossier.materials or ():
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
    if not view.dossier.carries_reviews:
        return
    for occ in view.occurrences:
        if occ.entry.reviewed_by or is_hypothetical(ctx, occ):
            continue
        rs = ctx.ruleset_at(occ)
        rule = rs.rule_by_code.get(code)
        if rule is not None:
            out.append(finding(rule, rs, occ, {}))


def self_reviews(code, view, ctx, out) -> None:
    for occ in view.occurrences:
        entry = occ.entry
        if entry.reviewed_by and entry.recorded_by and entry.reviewed_by.strip() == entry.recorded_by.strip():
            rs = ctx.ruleset_for(entry.date)
            rule = rs.rule_by_code.get(code)
            if rule is not None:
                out.append(finding(rule, rs, occ, {"reviewer": entry.reviewed_by}))


def paper_reviews(code, view, ctx, out) -> None:
    """A sign-off that came in a file, not through the review route: shown apart, confirmed or not."""
    for occ in view.occurrences:
        paper = occ.entry.paper_review
        if paper is None:
            continue
        rs = ctx.ruleset_at(occ)
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
    for occ in view.occurrences:
        fix = occ.entry.archive_correction
        if fix is None:
            continue
        rs = ctx.ruleset_at(occ)
        rule = rs.rule_by_code.get(code)
        if rule is not None:
            out.append(finding(rule, rs, occ, {"by": fix.by, "organisation": fix.organisation or "上级党组织",
                                               "on": fix.on, "reason": fix.reason}))
