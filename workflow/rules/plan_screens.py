"""What the compiled step plans (workflow.rules.compiled_plan) are written from: each step kind's
screen, a few lines of source that say when its evaluator could find something, and what those
lines call at run time (date memos, the assessment-window, report-gap and publicity questions).

A screen goes with the evaluator it mirrors (`SCREENS`, keyed by the kind's very `check`), and must
let through every call that could write a finding (tests/workflow/test_compiled_plan.py has a case
per kind in which its evaluator fires). `PlanWriter` holds one plan's lines and the objects they name: everything that is not a
position or a literal the writer quotes itself is bound by name, never written into the source.
"""
from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right

from workflow.dates import add_gap, adult_on, subtract_gap
from workflow.rules import content, gaps, people, periodic, publicity

_LIMIT = 65536
"""Entries of a date memo before it is emptied (a few thousand days recur in an audit)."""

_MEMOS: dict[tuple, DayMemo] = {}


class DayMemo(dict):
    """One pure date function of one figure, remembered per day: `memo[day]` is `compute(day,
    figure)`, found on a miss (`__missing__`) and kept in the dict (bounded: emptied when full). A
    plan reads it as one subscript, where `memo.get(day) or fill(day)` was a method call and a test."""

    __slots__ = ("compute", "figure")

    def __init__(self, compute, figure):
        super().__init__()
        self.compute, self.figure = compute, figure

    def __missing__(self, day):
        if len(self) >= _LIMIT:
            self.clear()
        answer = self[day] = self.compute(day, self.figure)
        return answer


def _memo(kind: str, figure, compute) -> DayMemo:
    """The memo of `compute(day, figure)` (one per kind and figure)."""
    key = (kind, figure)
    found = _MEMOS.get(key)
    if found is None:
        found = _MEMOS[key] = DayMemo(compute, figure)
    return found


def gap_end_in_force(day, figure):
    """`add_gap(day, gap)` when it falls on or after `start` (figure = (gap, start)), else `date.min`.
    For `max_gap`, a limit before the rule set took force then reads as passed by every day, so the
    screen lets the call through (binding_limit may find an earlier limit; under a pin it finds none);
    for `min_gap`, no day is before `date.min`: it says nothing of an earliest day before the rule set
    took force (no retroactive time limits)."""
    gap, start = figure
    end = add_gap(day, gap)
    return end if end >= start else dt.date.min


class AssessmentWindows:
    """Whether `periodic.assessments` finds a window without an assessment, without its sort: the
    window ends after each anchor are remembered, and each assessment falls in window
    bisect_left(ends, date); a window is empty when fewer windows are hit than end by the step."""

    def __init__(self, every, period):
        self.every, self.period, self.ends = every, period, {}
        self.counted = every.months > 0 or every.days > 0
        """Whether the windows move on (else the screen does not count them: the evaluator answers)."""

    def may_fire(self, anchor, until, assessments) -> bool:
        if not self.counted:
            return True
        ends = self.ends.get(anchor)
        if ends is None:
            ends = self._first_end(anchor)
        if until < ends[0]:
            return False  # no window ends by the step
        while ends[-1] <= until:
            ends.append(periodic.window_end(anchor, self.every, len(ends) + 1))
        windows = bisect_right(ends, until)
        if len(assessments) < windows:
            return True  # fewer assessments than windows: one window has none
        period = self.period
        if windows == 2:  # the usual case (two half-years before s07): both windows, written out
            middle, last = ends[0], ends[1]
            first = second = False
            for a in assessments:
                if a.period == period:
                    day = a.date
                    if anchor < day <= middle:
                        if second:
                            return False
                        first = True
                    elif middle < day <= last:
                        if first:
                            return False
                        second = True
            return True
        last, hit = ends[windows - 1], set()
        for a in assessments:
            if a.period == period and anchor < (day := a.date) <= last:
                hit.add(bisect_left(ends, day))
        return len(hit) < windows

    def _first_end(self, anchor) -> list:
        if len(self.ends) >= _LIMIT:
            self.ends.clear()
        ends = self.ends[anchor] = [periodic.window_end(anchor, self.every, 1)]
        return ends


class ReportGaps:
    """Whether `periodic.thought_reports` finds a stretch longer than `every`: the same walk from the
    anchor through the reports up to the step, stopping at the first stretch too long."""

    def __init__(self, every):
        self.memo = _memo("gap", every, add_gap)

    def may_fire(self, anchor, day, reports) -> bool:
        memo = self.memo
        if memo[anchor] >= day:
            return False  # the first report is due on or after the step: nothing is late
        previous = anchor
        for report in sorted(t.date for t in reports if anchor < t.date <= day):
            deadline = memo[previous]
            if deadline >= day:
                return False
            if report <= previous:
                continue
            if report > deadline:
                return True
            previous = report
        return memo[previous] < day


class Notices:
    """Whether `publicity.publicity` says anything: when a notice is missing, too short or not over
    by the step. A mobile person's places are left to the evaluator."""

    def __init__(self, params):
        self.kind, self.working_days, self.places = params.publicity, params.working_days, params.mobile_places

    def may_fire(self, dossier, day, calendar) -> bool:
        if self.places and dossier.person.mobile:
            return True
        kind, notice = self.kind, None
        for p in dossier.publicity:  # publicity.relevant_notice with no place: the latest (start, end)
            if p.kind == kind and p.start <= day and (notice is None or (p.start, p.end) > (notice.start, notice.end)):
                notice = p
        return notice is None or day <= notice.end or \
            calendar.count_working_days(notice.start, notice.end)[0] < self.working_days


class PlanWriter:
    """The source of one plan: its lines, the objects it names, the locals already loaded."""

    def __init__(self, rs, steps: tuple[str, ...], repeated: bool):
        self.rs, self.steps, self.repeated = rs, steps, repeated
        self.lines: list[str] = []
        self.ns: dict[str, object] = {}
        self._names: dict[int, str] = {}
        self.loaded: set[str] = set()
        self._anchors: dict[tuple, str] = {}
        self.start = gaps.in_force_from(rs)

    def const(self, value, stem: str) -> str:
        """A name in the plan's namespace for `value` (one name per object)."""
        name = self._names.get(id(value))
        if name is None or self.ns.get(name) is not value:
            name = self._names[id(value)] = f"{stem}{len(self.ns)}"
            self.ns[name] = value
        return name

    def load(self, local: str, expression: str) -> str:
        """`local = expression` once, at the top level of the function, before its first use."""
        if local not in self.loaded:
            self.loaded.add(local)
            self.lines.append(f"{local} = {expression}")
        return local

    def entry(self, at: int) -> str:
        """The record at `at`, in a local (read once per plan run)."""
        return self.load(f"e{at}", f"E[{at}]")

    def date(self, at: int) -> str:
        return self.load(f"d{at}", f"{self.entry(at)}.date")

    def is_date(self, expression: str) -> bool:
        """Whether `expression` is a record's date local (`date`): a date, never None."""
        return expression.startswith("d") and expression[1:].isdigit() and expression in self.loaded

    def dossier(self) -> str:
        return self.load("D", "view.dossier")

    def position(self, step: str) -> int | None:
        """Where the first record of `step` is, or None when it is not recorded."""
        return self.steps.index(step) if step in self.steps else None

    def moves(self, at: int, name: str | None = None) -> bool:
        """Whether what the record at `at` reads of step `name` (or of its own cycle) is found only at
        run time: when a step repeats and the record's step or `name` is recorded more than once.

        A step recorded once has cycle 0 (the view numbers the cycles of a repeated step only), and for
        cycle 0 `view.anchor`, `view.in_cycle` and `view.probation_end` all answer with the one record of
        a step recorded once (first, last and the cycle's are the same record): where it is in the
        sequence, known when the plan is written, as when no step repeats."""
        if not self.repeated:
            return False
        steps = self.steps
        if steps.count(steps[at]) != 1:
            return True
        return name is not None and name != "probation_end" and steps.count(name) > 1

    def anchor(self, name: str, at: int) -> str | None:
        """An expression for `view.anchor(name, occ)` of the record at `at`; None when it is surely None."""
        if self.moves(at, name):  # asked once per plan run and kept in a local: the view's answer is fixed
            local = self._anchors.setdefault((name, at), f"x{len(self._anchors)}")
            return self.load(local, f"view.anchor({name!r}, view.occurrences[{at}])")
        if name == "probation_end":
            return self.load("pe", "view.probation_end(0)")
        found = self.position(name)
        return None if found is None else self.date(found)

    def memo(self, kind: str, figure, compute, day: str) -> str:
        """`compute(day, figure)` read from its memo (`DayMemo`)."""
        return f"{self.const(_memo(kind, figure, compute), 'G')}[{day}]"

    def field(self, at: int, name: str) -> str:
        """`getattr(entry, name, None)` as the evaluators ask it of a field a rule names."""
        return f"getattr({self.entry(at)}, {name!r}, None)"


# Each screen: (writer, rule, position) -> (lines with `{call}` where the evaluator is called, note).
# No lines: the evaluator cannot write a finding for this record. None: always called.


def _min_age(w, rule, at):
    birth = w.load("birth", f"{w.dossier()}.person.birth_date")
    earliest = w.memo("age", rule.params.months, adult_on, birth)
    return [f"if {w.date(at)} < {earliest}:", "    {call}"], "the step before the age is reached"


def _gap_anchor(w, rule, at) -> tuple[str, list[str], list[str]] | None:
    """`gaps._anchor`: (expression, conditions before, conditions after) of the anchor a gap counts
    from, or None when it is surely absent. The conditions before make the expression a date (a
    local that may be None); those after (the step not before its anchor) are left to the end, where
    they are rarely reached: the limit's test almost always decides first."""
    name = rule.params.from_
    anchor = w.anchor(name, at)
    if anchor is None:
        return None
    may_be_none = name == "probation_end" or w.moves(at, name)
    after = [] if name == "probation_end" else [f"{w.date(at)} >= {anchor}"]
    return anchor, [f"{anchor} is not None"] if may_be_none else [], after


def _max_gap(w, rule, at):
    found = _gap_anchor(w, rule, at)
    if found is None:
        return [], "its anchor is not recorded"
    anchor, before, after = found
    limit = w.memo("gap in force", (rule.params.within, w.start), gap_end_in_force, anchor)
    conditions = before + [f"{w.date(at)} > {limit}"] + after
    return [f"if {' and '.join(conditions)}:", "    {call}"], \
        "after the limit, or a limit before the rule set took force (binding_limit may find an earlier one)"


def _min_gap(w, rule, at):
    found = _gap_anchor(w, rule, at)
    if found is None:
        return [], "its anchor is not recorded"
    anchor, before, after = found
    to = rule.params.to
    if to:
        w.lines.append(f"m = {w.field(at, to)}")
        measured, before = "m", ["m is not None"] + before
    else:
        measured = w.date(at)
    earliest = w.memo("gap in force", (rule.params.at_least, w.start), gap_end_in_force, anchor)
    conditions = before + [f"{measured} < {earliest}"] + after
    return [f"if {' and '.join(conditions)}:", "    {call}"], "measured before the earliest day, in force"


def _assessments(w, rule, at):
    params = rule.params
    anchor = w.anchor(params.from_, at)
    if anchor is None:
        return [], "its anchor is not recorded"
    windows = AssessmentWindows(params.every, params.period)
    if not windows.counted:
        return None  # the windows do not move on: the evaluator answers
    screen = w.const(windows.may_fire, "ASSESS")
    conditions = [] if w.is_date(anchor) else [f"{anchor} is not None"]
    if params.to:
        w.lines.append(f"u = {w.field(at, params.to)}")
        until, conditions = "u", conditions + ["u is not None"]
    else:
        until = w.date(at)
    conditions += [f"{until} >= {anchor}", f"{screen}({anchor}, {until}, {w.dossier()}.assessments)"]
    return [f"if {' and '.join(conditions)}:", "    {call}"], "a window ending by the step without an assessment"


def _reports(w, rule, at):
    anchor = w.anchor(rule.params.from_, at)
    if anchor is None:
        return [], "its anchor is not recorded"
    screen = w.const(ReportGaps(rule.params.every).may_fire, "REPORTS")
    day = w.date(at)
    conditions = [] if w.is_date(anchor) else [f"{anchor} is not None"]
    conditions += [f"{day} >= {anchor}", f"{screen}({anchor}, {day}, {w.dossier()}.thought_reports)"]
    return [f"if {' and '.join(conditions)}:", "    {call}"], \
        "a stretch without a thought report longer than the rule's"


def _before_leaving(w, rule, at):
    leave = w.load("leave", f"{w.dossier()}.person.expected_leave_date")
    day = w.date(at)
    return [f"if {leave} is not None and {day} <= {leave} and "
            f"{w.memo('before', rule.params.within, subtract_gap, leave)} <= {day}:",
            "    {call}"], "within the stretch before the expected leaving date"


def _nomination(w, rule, at):
    accepted = w.const(frozenset(rule.params.accepted), "ACCEPTED")
    return [f"if {accepted}.isdisjoint({w.entry(at)}.nomination or ()):", "    {call}"], "no accepted nomination"


def _people(w, rule, at):
    params = rule.params
    status = w.const(params.status, "STATUS")
    bad = f"p.status != {status}"
    if params.forbidden_discipline:
        bad += f" or (p.discipline and p.discipline in {w.const(params.forbidden_discipline, 'FORBIDDEN')})"
    w.lines.append(f"L = {w.entry(at)}.people or []")
    return [f"if not {params.min!r} <= len(L) <= {params.max!r}:",
            "    {call}",
            "else:",
            "    for p in L:",
            f"        if {bad}:",
            "            {call}",
            "            break"], "a count out of range, a status or a discipline the rule refuses"


def _discipline_period(w, rule, at):
    kinds = w.const(rule.params.disciplines, "DISCIPLINES")
    day = w.date(at)
    return [f"for p in {w.entry(at)}.people or ():",
            f"    if p.discipline in {kinds} and p.discipline_until is not None and p.discipline_until >= {day}:",
            "        {call}",
            "        break"], "a person still under a discipline of the rule's kinds"


def _source(w, rule, at) -> str | None:
    """The expression of the record `content._source` reads, or None when it is surely absent."""
    name = rule.params.source
    if w.moves(at, name):
        w.lines.append(f"s = view.in_cycle({name!r}, view.occurrences[{at}].cycle)")
        return "s"
    found = w.position(name)
    return None if found is None else w.entry(found)


def _required_value(w, rule, at):
    source = _source(w, rule, at)
    if source is None:
        return None  # absent: whether this rule reports it is the base's to say (content._source)
    value = w.const(rule.params.value, "VALUE")
    moves = w.moves(at, rule.params.source)
    entry = f"{source}.entry" if moves else source
    test = f"{entry}.date <= {w.date(at)} and getattr({entry}, {rule.params.field!r}, None) != {value}"
    return [f"if {'s is None or (' + test + ')' if moves else test}:", "    {call}"], \
        "the source's value is not the one required"


def _training(w, rule, at):
    source = _source(w, rule, at)
    if source is None:
        return None
    params = rule.params
    moves = w.moves(at, params.source)
    entry = f"{source}.entry" if moves else source
    test = (f"{entry}.date <= {w.date(at)} and not (({entry}.days or 0) >= {params.min_days!r} or "
            f"({entry}.hours or 0) >= {params.min_hours!r})")
    return [f"if {'s is None or (' + test + ')' if moves else test}:", "    {call}"], "too few days and hours"


def _required_step(w, rule, at):
    source = _source(w, rule, at)
    if source is None:
        return None
    if not w.moves(at, rule.params.source):
        return [], "its source is recorded"
    return ["if s is None:", "    {call}"], "its source is not recorded in this cycle"


def _required_fields(w, rule, at):
    names = rule.params.fields.get(w.steps[at], ())
    if not names:
        return [], "no field required of this step"
    missing = " or ".join(f"{w.field(at, name)} is None" for name in names)
    return [f"if {missing}:", "    {call}"], "a required field not recorded"


def _quorum(w, rule, at):  # `not votes.has_quorum`, written out (QUORUM): no property call
    return [f"if (v := {w.entry(at)}.votes) is not None and {QUORUM.format(v='v')} <= v.expected:", "    {call}"], \
        "no quorum"


def _vote(w, rule, at):  # `not votes.carried`, written out (CARRIED): no property calls
    e = w.entry(at)
    return [f"if (v := {e}.votes) is not None and {CARRIED.format(v='v')} <= v.expected and "
            f"{e}.outcome != 'rejected':", "    {call}"], "a vote not carried"


QUORUM = "2 * {v}.present"
"""`Votes.has_quorum` is `QUORUM > votes.expected` (both kinds of records: workflow.dossier and
workflow.dossier_facts; tests/workflow/test_plan_speed_screens.py holds them to it)."""
CARRIED = "2 * ({v}.yes + {v}.written_yes)"
"""`Votes.carried` is `CARRIED > votes.expected` (`yes_total` is yes + written_yes)."""


def _extension(w, rule, at):
    params = rule.params  # earlier extensions of the step are of earlier cycles: at most the record's cycle
    low, high = w.const(params.min_months, "MIN"), w.const(params.max_months, "MAX")
    e = w.entry(at)
    return [f"if {e}.outcome == 'extend' and ((m := {e}.extend_months) is None or not {low} <= m <= {high}"
            f" or view.occurrences[{at}].cycle >= {w.const(params.max_times, 'TIMES')}):", "    {call}"], \
        "an extension without months, of months out of range, or beyond the times allowed"


def _party_standing(w, rule, at):
    expected = f"view.probation_end(view.occurrences[{at}].cycle)" if w.moves(at) else w.load("pe", "view.probation_end(0)")
    return [f"if (r := {w.entry(at)}.party_standing_from) is not None and (x := {expected}) is not None and r != x:",
            "    {call}"], "a recorded party standing other than the probation's end"


def _approver(w, rule, at):
    allowed = w.const(rule.params.allowed, "ALLOWED")
    return [f"if (b := {w.field(at, rule.params.field)}) is not None and b.type not in {allowed}:",
            "    {call}"], "an approving body of a type the rule does not allow"


def _publicity(w, rule, at):
    screen = w.const(Notices(rule.params).may_fire, "NOTICES")
    return [f"if {screen}({w.dossier()}, {w.date(at)}, ctx.calendar):", "    {call}"], \
        "a notice missing, too short or not over"


SCREENS = {
    gaps.min_age: _min_age, gaps.max_gap: _max_gap, gaps.min_gap: _min_gap, gaps.before_leaving: _before_leaving,
    periodic.assessments: _assessments, periodic.thought_reports: _reports,
    people.nomination: _nomination, people.people: _people, people.discipline_period: _discipline_period,
    content.required_value: _required_value, content.training: _training, content.required_step: _required_step,
    content.required_fields: _required_fields, content.quorum: _quorum, content.vote: _vote,
    content.extension: _extension, content.party_standing: _party_standing, content.approver: _approver,
    publicity.publicity: _publicity,
}
"""Each evaluator (the kind's very `check`) with the screen written for it: a screen goes with the
function it mirrors, never with a name another function could take."""
