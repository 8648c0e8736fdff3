"""The file behind the steps: required materials, signatures, and one-step-one-review."""
from __future__ import annotations

from collections import Counter
from operator import attrgetter

from workflow.rules.base import finding
from workflow.rules.dossier_screen import may_find
from workflow.rules.templates import phrase

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


def _required_of(rs) -> tuple:
    found = _required.get(id(rs))
    if found is None or found[0] is not rs:
        required = rs.required_materials_by_step
        found = _required[id(rs)] = (rs, {step: frozenset(m.id for m in materials) for step, materials in required.items()},
                                     {}, {step: tuple((m.id, m.name) for m in materials)
                                          for step, materials in required.items()})
    return found


def _required_named(rs) -> dict[str, tuple[tuple[str, str], ...]]:
    """(id, name) of the materials each step requires under `rs`, in the data's order, read once."""
    return _required_of(rs)[3]


def _required_ids(rs) -> dict[str, frozenset[str]]:
    """The ids of the materials each step requires under `rs`, read once per rule set."""
    return _required_of(rs)[1]


def _required_for(rs, steps: tuple[str, ...]) -> frozenset[str]:
    """The ids of the materials the recorded `steps` require under `rs`, kept per sequence of steps
    (dossiers share a few; the memory is bounded: emptied when full)."""
    _, by_step, known, _ = _required_of(rs)
    found = known.get(steps)
    if found is None:
        found = frozenset().union(*[by_step[step] for step in steps if step in by_step])
        if len(known) >= 4096:
            known.clear()
        known[steps] = found
    return found


def _may_miss_material(seen, view) -> bool:
    """False only when a list of materials is given, no step repeats, one rule set judges every step
    and the list holds every material the recorded steps require (the quick answer of `materials`)."""
    listed = view.dossier.materials
    if listed is None:
        return False
    rs = view.judged_by
    if rs is None or view.repeated:
        return True
    return not _required_for(rs, view.steps_key) <= {material.id for material in listed}


@may_find(_may_miss_material)
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
            if _required_for(rs, view.steps_key) <= have:
                return  # every material the recorded steps require is listed
            required = _required_ids(rs)
            for step, (occ,) in view.by_step.items():
                ids = required.get(step)
                if ids is None or ids <= have or ctx.hypothetical == occ.index:
                    continue
                rule = rs.rule_by_code.get(code)
                if rule is None:
                    return
                for material, name in _required_named(rs)[step]:
                    if material not in have:
                        out.append(finding(rule, rs, occ, {"material_name": name, "material": material},
                                           subject=material))
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
        for material, name in _required_named(rs)[occ.step]:
            if (material not in have) if cycle == 0 else counts.get(material, 0) <= cycle:
                out.append(finding(rule, rs, occ, {"material_name": name, "material": material},
                                   subject=material))


@may_find(lambda seen, view: seen.unsigned)
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


@may_find(lambda seen, view: seen.unreviewed)
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


@may_find(lambda seen, view: seen.self_reviewed)
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


@may_find(lambda seen, view: seen.on_paper)
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
        status = phrase(rule, "confirmed", confirmed_by=paper.confirmed_by, confirmed_on=paper.confirmed_on) \
            if paper.confirmed_by else phrase(rule, "pending")
        out.append(finding(rule, rs, occ, {"reviewer": paper.reviewed_by, "reviewed_on": paper.reviewed_on,
                                           "imported_by": paper.imported_by, "imported_on": paper.imported_on,
                                           "status": status}))


@may_find(lambda seen, view: seen.corrected)
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
