"""The file behind the steps: required materials, signatures, and one-step-one-review."""
from __future__ import annotations

from collections import Counter
from operator import attrgetter
from sys import intern

from workflow.rules.base import finding
from workflow.rules.dossier_screen import may_find
from workflow.rules.structure import layout
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
        found = _required[id(rs)] = (rs, {step: frozenset(intern(m.id) for m in materials)
                                          for step, materials in required.items()},
                                     {step: tuple((intern(m.id), m.name) for m in materials)
                                      for step, materials in required.items()})
    return found


def _required_named(rs) -> dict[str, tuple[tuple[str, str], ...]]:
    """(id, name) of the materials each step requires under `rs`, in the data's order, read once."""
    return _required_of(rs)[2]


def _required_ids(rs) -> dict[str, frozenset[str]]:
    """The ids of the materials each step requires under `rs`, read once per rule set."""
    return _required_of(rs)[1]


def _may_miss_material(seen, view):
    """False when no list of materials is given, or when one rule set judges every step and the list
    leaves no required material short (then this is the answer of `materials` itself, kept for the
    last few lists of ids: `_Rows.reported`); records judged one by one: True ("maybe"). When one rule
    set judges every step and something is short, the answer is (rows, positions reported), which
    the screen hands to `materials` (`may_find(..., hands=True)`): the ids are not listed twice."""
    listed = view.dossier.materials
    if listed is None:
        return False
    rs = view.judged_by
    if rs is None:
        return True
    rows = _rows_of(rs, view)
    positions = rows.reported([material.id for material in listed])
    return (rows, positions) if positions else False


class _Rows:
    """The materials the records of one layout require under one rule set, as the findings would list
    them: (record, material id, name, cycle) for each record in order, each of its step's materials in
    the data's order. A row is reported when the list holds no more copies of its material than the
    record's probation cycle (the first cycle: none). The answers for the last few lists of material
    ids are kept (dossiers recording the same steps mostly list the same materials): comparing two
    lists of ids costs less than hashing one."""

    __slots__ = ("rows", "required", "repeated", "recent")

    def __init__(self, rs, occurrences, repeated: bool):
        named = _required_named(rs)
        self.rows = tuple((occ.index, material, name, occ.cycle)
                          for occ in occurrences for material, name in named.get(occ.step, ()))
        self.required = frozenset(material for _, material, _, _ in self.rows)
        self.repeated = repeated
        self.recent: tuple[tuple[list[str], tuple[int, ...]], ...] = ()

    def reported(self, ids: list[str]) -> tuple[int, ...]:
        """The positions in `rows` of the rows reported for a list of materials with these `ids`
        (a list made for this call: it is kept, never changed)."""
        for known, found in self.recent:
            if known == ids:
                return found
        found = self._short(ids)
        self.recent = ((ids, found),) + self.recent[:_RECENT - 1]  # one assignment: threads may share it
        return found

    def _short(self, ids: list[str]) -> tuple[int, ...]:
        if not self.repeated:  # every record in the first cycle: is the material listed at all?
            missing = self.required.difference(ids)
            return tuple(p for p, row in enumerate(self.rows) if row[1] in missing) if missing else ()
        counts = Counter(ids)  # a step of a later probation cycle needs its own copy: count them
        return tuple(p for p, (_, material, _, cycle) in enumerate(self.rows) if counts.get(material, 0) <= cycle)


_RECENT = 8


def _rows_of(rs, view) -> _Rows:
    """The `_Rows` of `view`'s records under `rs`, kept with their layout (`structure.layout`: per
    recorded step ids and, when a step repeats, each record's cycle), per rule set."""
    kept = layout(view).kept
    found = kept.get(id(rs))
    if found is None or found[0] is not rs:
        found = kept[id(rs)] = (rs, _Rows(rs, view.occurrences, view.repeated))
    return found[1]


def _judged_materials(code, rs, view, ctx, listed, out, found) -> None:
    """`materials` when one rule set judges every record: the rows `_Rows.reported` gives, or
    (rows, positions) as the screen's `_may_miss_material` found them for this view."""
    if type(found) is tuple:
        rows, positions = found
    else:
        rows = _rows_of(rs, view)
        positions = rows.reported([material.id for material in listed])
    rule = rs.rule_by_code.get(code) if positions else None
    if rule is None:
        return
    table, occurrences, hypothetical = rows.rows, view.occurrences, ctx.hypothetical
    for p in positions:
        at, material, name, _ = table[p]
        if at != hypothetical:
            out.append(finding(rule, rs, occurrences[at], {"material_name": name, "material": material},
                               subject=material))


@may_find(_may_miss_material, hands=True)
def materials(code, view, ctx, out, found=None) -> None:
    """`found`: what `_may_miss_material` answered for this view, when the screen hands it on."""
    listed = view.dossier.materials
    if listed is None:
        return
    rs = view.judged_by
    if rs is not None:
        _judged_materials(code, rs, view, ctx, listed, out, found)
        return
    if view.repeated:  # a step of a later probation cycle needs its own copy: count them
        counts = Counter(map(_ID, listed))
        have = counts.keys()
    else:  # one cycle: is every required id listed?
        counts = None
        have = {material.id for material in listed}
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


@may_find(lambda seen, view: seen.unsigned, seen_only=True)
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


@may_find(lambda seen, view: seen.unreviewed, seen_only=True)
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


@may_find(lambda seen, view: seen.self_reviewed, seen_only=True)
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


@may_find(lambda seen, view: seen.on_paper, seen_only=True)
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


@may_find(lambda seen, view: seen.corrected, seen_only=True)
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
