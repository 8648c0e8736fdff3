"""Each rule kind as one object that answers for itself.

The checklist data names a kind and gives its parameters (checklists/kinds.py declares them); the
kind object says what follows from a rule of that kind:
  - `check(...)`: the evaluator the audit and the transition gate run (the very function, bound once:
    the audit compiles `(kind.check, rule)` pairs per rule set, so checking costs what it always did);
  - `window(rule, rs, occ, view, ctx)`: the earliest day and the deadline the rule imposes on its step
    given the dossier so far (the plan, the forecast walk and the samples ask this, never a gap);
  - `message_params(rule)`: the rule's own figures as its message templates print them ("一个月",
    "半年", "十八周岁"), filled into every finding's message (workflow.rules.templates);
and, for the kinds whose rules fall due again and again, the windows or due days themselves
(`PeriodicAssessment.windows`, `ThoughtReports.due_after`, `BeforeLeaving.opens`), which the forms,
the forecast and the samples read instead of counting months of their own.

`KINDS` maps a kind's name to its object; `step_window` combines the windows of a step's rules as
the plan shows them.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Iterator, NamedTuple

from checklists.gaps import Gap
from checklists.kinds import KIND_PARAMS
from workflow.dates import add_gap, adult_on, subtract_gap
from workflow.rules import content, gaps, people, periodic, publicity, records, structure
from workflow.rules.words import age_words, gap_words

_FAR_FUTURE = dt.date(9999, 12, 31)
_ONE_DAY = dt.timedelta(days=1)


class Window(NamedTuple):
    """What one rule imposes on its step: not before `earliest`, not after `deadline` (None: no
    bound); `provisional` when a day it counted lies in a year the working calendar does not know."""

    earliest: dt.date | None = None
    deadline: dt.date | None = None
    provisional: bool = False


class StepDates(NamedTuple):
    """A step's dates as the plan shows them: all its rules' windows combined."""

    earliest: dt.date
    deadline: dt.date | None
    deadline_code: str | None
    provisional: bool


class RuleKind:
    """A kind whose rules check something and impose no dates. `scope` says how `check` is called:
    "step" — check(rule, occ, view, ctx, out) for each recorded occurrence of the rule's step;
    "dossier" — check(code, view, ctx, out) once per dossier."""

    scope = "step"
    moves_earliest = False  # window() may give an earliest day (the forecast walk asks only these)
    sets_deadline = False   # window() may give a deadline

    def __init__(self, name: str, check: Callable):
        self.name = name
        self.check = check

    def window(self, rule, rs, occ, view, ctx) -> Window | None:
        return None

    def message_params(self, rule) -> dict[str, str]:
        """The rule's gaps as Chinese words, under the parameter's own name (`within` → "一个月";
        `every` → "半年"). Evaluators never pass these names as finding fields."""
        out = {}
        for name, value in rule.params:
            if isinstance(value, Gap):
                out[name] = gap_words(value, every=name == "every")
        return out

    def __repr__(self) -> str:
        return f"<rule kind {self.name}>"


class DossierKind(RuleKind):
    scope = "dossier"


class MinAge(RuleKind):
    """Not before the person reaches the age (`months`)."""

    moves_earliest = True

    def window(self, rule, rs, occ, view, ctx) -> Window:
        return Window(earliest=adult_on(view.dossier.person.birth_date, rule.params.months))

    def message_params(self, rule) -> dict[str, str]:
        return {"age": age_words(rule.params.months)}


class MinGap(RuleKind):
    """Not before the anchor plus `at_least`."""

    moves_earliest = True

    def window(self, rule, rs, occ, view, ctx) -> Window | None:
        anchor = view.anchor(rule.params.from_, occ)
        return None if anchor is None else Window(earliest=add_gap(anchor, rule.params.at_least))


class MaxGap(RuleKind):
    """Not after the anchor plus `within`, as it binds the step (no retroactive limits:
    gaps.binding_limit); a rule that only informs (severity info) or does not apply to the case sets
    no deadline."""

    sets_deadline = True

    def window(self, rule, rs, occ, view, ctx) -> Window | None:
        if rule.severity == "info" or not gaps.applies_to_case(rule, occ, view):
            return None
        anchor = view.anchor(rule.params.from_, occ)
        binding = gaps.binding_limit(rule, rs, anchor, occ, ctx) if anchor is not None else None
        return None if binding is None else Window(deadline=binding[2])


class Publicity(RuleKind):
    """Not before the day after each required notice has run its `working_days` (and ended)."""

    moves_earliest = True

    def window(self, rule, rs, occ, view, ctx) -> Window | None:
        params, earliest, provisional = rule.params, None, False
        for notice in publicity.notices_for(view, params, _FAR_FUTURE):
            if notice is not None:
                last, unknown = ctx.calendar.publicity_last_day(notice.start, params.working_days)
                provisional |= unknown
                after = max(last, notice.end) + _ONE_DAY
                earliest = after if earliest is None or after > earliest else earliest
        return None if earliest is None else Window(earliest=earliest, provisional=provisional)

    def last_day(self, rule, calendar, start: dt.date) -> tuple[dt.date, bool]:
        """The last day of a notice posted on `start` that runs the rule's working days (and whether
        the calendar had to guess)."""
        return calendar.publicity_last_day(start, rule.params.working_days)


class PeriodicAssessment(RuleKind):
    """One assessment in every window (anchor + (k-1)·every, anchor + k·every]."""

    def windows(self, rule, anchor: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
        """The windows after `anchor`, first to last, without end: the caller stops."""
        every, start, k = rule.params.every, anchor, 1
        while True:
            end = periodic.window_end(anchor, every, k)
            yield start, end
            start, k = end, k + 1


class ThoughtReports(RuleKind):
    """No stretch longer than `every` without a thought report."""

    def due_after(self, rule, previous: dt.date) -> dt.date:
        """The last day the next report is due after one made (or the anchor) on `previous`."""
        return add_gap(previous, rule.params.every)


class BeforeLeaving(RuleKind):
    """A step within `within` before the expected leaving date is flagged."""

    def opens(self, rule, leave: dt.date) -> dt.date:
        """The first day of the flagged stretch before `leave`."""
        return subtract_gap(leave, rule.params.within)


KINDS: dict[str, RuleKind] = {kind.name: kind for kind in (
    MinAge("min_age", gaps.min_age),
    MaxGap("max_gap", gaps.max_gap),
    MinGap("min_gap", gaps.min_gap),
    BeforeLeaving("before_leaving", gaps.before_leaving),
    RuleKind("nomination", people.nomination),
    RuleKind("people", people.people),
    PeriodicAssessment("periodic_assessment", periodic.assessments),
    ThoughtReports("thought_reports", periodic.thought_reports),
    Publicity("publicity", publicity.publicity),
    RuleKind("required_value", content.required_value),
    RuleKind("training", content.training),
    RuleKind("required_step", content.required_step),
    RuleKind("required_fields", content.required_fields),
    RuleKind("quorum", content.quorum),
    RuleKind("vote", content.vote),
    RuleKind("extension", content.extension),
    RuleKind("party_standing", content.party_standing),
    RuleKind("discipline_period", people.discipline_period),
    RuleKind("approver", content.approver),
    DossierKind("date_order", structure.date_order),
    DossierKind("future_date", structure.future_dates),
    DossierKind("step_missing", structure.step_missing),
    DossierKind("materials", records.materials),
    DossierKind("signatures", records.signatures),
    DossierKind("review", records.reviews),
    DossierKind("self_review", records.self_reviews),
    DossierKind("paper_review", records.paper_reviews),
    DossierKind("archive_correction", records.archive_corrections),
)}
assert set(KINDS) == set(KIND_PARAMS), "every kind the data may name has its object, and no other"


def kind_of(rule) -> RuleKind:
    return KINDS[rule.kind]


def rules_of_kind(rs, kind: str, step: str | None = None) -> list:
    """The rules of `kind` in `rs` (at `step`, when given), in the data's order."""
    rules = rs.rules if step is None else rs.rules_by_step.get(step, ())
    return [rule for rule in rules if rule.kind == kind]


def step_window(rules, rs, occ, view, ctx, earliest: dt.date) -> StepDates:
    """The step's earliest day (not before `earliest`, the prerequisites' floor) and tightest deadline
    under `rules` (of `rs`), each rule's kind asked for its window; the deadline's code is the first
    rule's that sets it."""
    deadline = deadline_code = None
    provisional = False
    for rule in rules:
        window = KINDS[rule.kind].window(rule, rs, occ, view, ctx)
        if window is None:
            continue
        if window.earliest is not None and window.earliest > earliest:
            earliest = window.earliest
        if window.deadline is not None and (deadline is None or window.deadline < deadline):
            deadline, deadline_code = window.deadline, rule.code
        provisional |= window.provisional
    return StepDates(earliest, deadline, deadline_code, provisional)


def rule_figure(rs, code: str, name: str) -> str | None:
    """The figure `name` of the first rule with `code` in `rs`, as its messages print it ("三个月"):
    for a sentence outside a finding (a listing's note) that speaks of the rule."""
    found = next((r for r in rs.rules if r.code == code), None)
    return None if found is None else KINDS[found.kind].message_params(found).get(name)
