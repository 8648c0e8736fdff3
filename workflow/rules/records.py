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
        rs = ctx.ruleset_for(occ.entry.date)
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
        rs = ctx.ruleset_for(occ.entry.date)
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
