"""The flowchart itself: order of dates, dates in the future, missing prerequisite steps.

A prerequisite whose step data names an `absent_code` is not reported here: the rule with that
code reports its absence, at the dependent step, under its own article (one fact, one finding).
"""
from __future__ import annotations

from itertools import compress
from operator import attrgetter, itemgetter, lt

from workflow.rules.base import finding
from workflow.rules.dossier_screen import may_find

_precede: dict[int, tuple] = {}
_CYCLE = attrgetter("cycle")


def _picker(indices: tuple[int, ...]):
    """A function giving the items of a list at `indices` as a tuple, in one C call when it can."""
    if len(indices) >= 2:
        return itemgetter(*indices)
    return lambda items: tuple(items[i] for i in indices)


class Layout:
    """Where each recorded step's prerequisites are among the records, as record indices: what
    `DossierView.all_prerequisites` answers, which depends only on the structure's rule set, the
    recorded step ids and the probation cycle of each record (`layout`). Read once from the first
    view with that layout; a dossier then asks only its dates."""

    __slots__ = ("edges", "steps_at", "priors_at", "missing", "in_order", "kept")

    def __init__(self, view):
        occurrences = view.occurrences
        pairs = [(occ.index, req, prior) for occ, found in zip(occurrences, view.all_prerequisites())
                 for req, prior in found]
        self.edges = tuple((at, req, prior.index) for at, req, prior in pairs if prior is not None)
        """(record, prerequisite id, the prerequisite's record) for each recorded prerequisite, in the
        order of the records then of the step's prerequisites."""
        self.steps_at = _picker(tuple(at for at, _, _ in self.edges))
        self.priors_at = _picker(tuple(prior for _, _, prior in self.edges))
        self.missing = tuple((at, req) for at, req, prior in pairs if prior is None)
        """(record, prerequisite id) for each prerequisite not recorded, in the same order."""
        self.in_order = not view.repeated and view.recorded_in_order() and _prerequisites_precede(view.base)
        """No step repeats, the steps are recorded in the procedure's order and every prerequisite
        comes earlier in that order: with dates that never go back, no step is dated before one."""
        self.kept: dict = {}
        """What other dossier kinds keep per layout (workflow.rules.records: the materials' rows)."""

    def dated_before(self, dates: list) -> list[tuple[int, str, int]]:
        """The `edges` whose step is dated before its prerequisite (`dates`: each record's date)."""
        if not self.edges:
            return []
        return list(compress(self.edges, map(lt, self.steps_at(dates), self.priors_at(dates))))


_layouts: dict[int, tuple] = {}
_last: list[tuple] = [(None, None)]
"""(the last view asked about, its layout), replaced as one tuple (threads may audit at once): the
dossier kinds ask one view's layout several times in a row (the view is held here, so no other
object can take its identity while it is)."""


def layout(view) -> Layout:
    """The `Layout` of `view`'s records, kept per structure rule set and per recorded step ids: on the
    view's StepSequence when no step repeats, else here per (step ids, each record's cycle); the
    memory is bounded: emptied when full."""
    last = _last[0]
    if last[0] is view:
        return last[1]
    if not view.repeated:  # kept on the view's StepSequence: that of its structure and recorded steps
        sequence = view.sequence
        shape = sequence.layout
        if shape is None:
            shape = sequence.layout = Layout(view)
        _last[0] = (view, shape)
        return shape
    base = view.base
    found = _layouts.get(id(base))
    if found is None or found[0] is not base:
        found = _layouts[id(base)] = (base, {})
    known = found[1]
    key = (view.steps_key, tuple(map(_CYCLE, view.occurrences)))
    shape = known.get(key)
    if shape is None:
        if len(known) >= 4096:
            known.clear()
        shape = known[key] = Layout(view)
    _last[0] = (view, shape)
    return shape


def _prerequisites_precede(base) -> bool:
    """Whether every prerequisite comes before its step in `base`'s procedure order, read once per rule set."""
    found = _precede.get(id(base))
    if found is None or found[0] is not base:
        order = {step.id: step.order for step in base.steps}
        found = _precede[id(base)] = (base, all(order[req] < order[step.id] for step in base.steps
                                                for req in step.requires))
    return found[1]


def _may_be_out_of_order(seen, view) -> bool:
    """False only when DossierView.some_step_before_its_prerequisite answers False by its shortcut:
    the dates never go back and the layout is in order (`Layout.in_order`)."""
    return seen.dates_back or not layout(view).in_order


@may_find(_may_be_out_of_order)
def date_order(code, view, ctx, out) -> None:
    rs = view.judged_by
    if rs is not None:  # one rule set judges every record: the layout's pairs, compared by date
        before = layout(view).dated_before(view.dates)
        rule = rs.rule_by_code.get(code) if before else None
        if rule is not None:
            occurrences = view.occurrences
            for at, req, prior in before:
                out.append(finding(rule, rs, occurrences[at], {"other_name": rs.step_by_id[req].name,
                                                               "other_date": occurrences[prior].entry.date}))
        return
    if not view.some_step_before_its_prerequisite():
        return
    for occ, req, prior in view.steps_before_prerequisites():
        rs = occ.rs
        rule = rs.rule_by_code.get(code)
        if rule is not None:
            out.append(finding(rule, rs, occ, {"other_name": rs.step_by_id[req].name,
                                               "other_date": prior.entry.date}))


def _anything_after(dossier, as_of) -> bool:
    """Whether the dossier records any date after the check day. Usually not, and then there is
    nothing to look at one by one (plain loops: cheaper here than map and attrgetter)."""
    for entry in dossier.steps:
        if entry.date > as_of or (entry.reviewed_on is not None and entry.reviewed_on > as_of):
            return True
    for records in (dossier.assessments, dossier.thought_reports, dossier.case_events, dossier.materials or ()):
        for record in records:
            if record.date is not None and record.date > as_of:
                return True
    for notice in dossier.publicity:
        if notice.end > as_of:
            return True
    return False


@may_find(lambda seen, view: seen.late, seen_only=True)
def future_dates(code, view, ctx, out) -> None:
    as_of = ctx.as_of
    if not _anything_after(view.dossier, as_of):
        return
    for occ in view.occurrences:
        entry = occ.entry
        if entry.date <= as_of and (entry.reviewed_on is None or entry.reviewed_on <= as_of):
            continue
        if ctx.hypothetical == occ.index:
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
    rs = view.judged_by
    if rs is not None:  # one rule set judges every record: the layout's missing prerequisites
        missing = layout(view).missing
        rule = rs.rule_by_code.get(code) if missing else None
        if rule is not None:
            occurrences, steps = view.occurrences, rs.step_by_id
            for at, req in missing:
                if not steps[req].absent_code:
                    out.append(finding(rule, rs, occurrences[at], {"other_name": steps[req].name}))
        return
    if not view.some_prerequisite_missing():
        return
    for occ, prerequisites in zip(view.occurrences, view.all_prerequisites()):
        rs = occ.rs
        rule = rs.rule_by_code.get(code)
        if rule is None:
            continue
        for req, prior in prerequisites:
            if prior is None and not rs.step_by_id[req].absent_code:
                out.append(finding(rule, rs, occ, {"other_name": rs.step_by_id[req].name}))
