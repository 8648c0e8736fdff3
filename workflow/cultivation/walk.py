"""The forecast's walk to admission and conversion, without re-planning and re-auditing the whole
dossier at every step.

`forecast._Simulation` drives the engine itself: at each step it plans the dossier (`plan_dossier`
audits a probe of every candidate step) and records the chosen step through `record_step` (which
audits the whole dossier again). For one activist that is some twenty plans and twenty audits of a
growing dossier, forty to sixty times the cost of the plan it is part of (bench/plan_leaving.py).
This walk takes the same steps on the same assumptions, in the same order, but keeps the dossier as
a light ledger and asks, at each step, only what concerns that step, of the very functions the
engine asks: the plan's `earliest_after_prerequisites` and the rule kinds' windows (`workflow.rules.
kinds.step_window`, as the plan's `step_dates` asks them) for the earliest day, the audit's own step
evaluators (`workflow.rules.STEP_EVALUATORS`) for the gate, the machine's own
transition table for the state. The ledger answers the questions those functions put to a
`DossierView`. Nothing here is a second copy of a rule or of a figure. The plan's answer for a step
is kept until something it reads changes (see `_next`).

One assumption is made differently, without changing any answer: a thought report still due is made
on the day it falls due, where the simulation makes one every day after the previous (see
`_due_records`).

The ledger does not model everything a dossier can hold. Where it would have to guess it says so
(`Unsupported`) and the caller drives the engine instead: a dossier with case events, a repeated
step (an extended probation), a missing prerequisite, states that differ between the orders of
steps, a rule kind the walk does not know, assumed content that would itself raise a finding, or a
step held back by findings elsewhere (`blocked_while`). tests/workflow/test_forecast_walk.py runs
both on generated dossiers and compares every result.
"""
from __future__ import annotations

import datetime as dt

from checklists.loader import Catalogue, default_catalogue
from checklists.model import RuleSet
from workflow.audit import make_context
from workflow.dates import WorkingCalendar, add_months
from workflow.dossier import Dossier, StepEntry, validate_json_model
from workflow.findings import Finding
from workflow.machine import derive_state, procedure_machine
from workflow.plan import earliest_after_prerequisites
from workflow.procedure import procedure_rule_set
from workflow.rules import DOSSIER_EVALUATORS, STEP_EVALUATORS
from workflow.rules.kinds import KINDS, step_window
from workflow.rules.publicity import notices_for, places_required
from workflow.view import DossierView, Occurrence

ASSUMED = "（预测）"
ASSUMED_REVIEWER = "（预测审核）"


def _goal_state() -> str:
    """The end state the procedure aims at (正式党员): the one its archiving step is taken in, as the
    machine reads it from the data (`archives`, `in_state`); the same under every national rule set."""
    goals = set()
    for rs in default_catalogue().ordered():
        archive = procedure_machine(rs.id).archive_step
        if archive is None or archive.in_state is None:
            raise RuntimeError(f"rule set {rs.id} marks no archiving step taken in an end state")
        goals.add(archive.in_state)
    if len(goals) != 1:
        raise RuntimeError(f"the rule sets archive from different states: {sorted(goals)}")
    return goals.pop()


FULL_MEMBER = _goal_state()
"""The end state a forecast walks to (正式党员)."""
ENDED = frozenset(end for rs in default_catalogue().ordered() for end in procedure_machine(rs.id).ends) - {FULL_MEMBER}
"""The other end states (not admitted, withdrawn, cancelled, transferred out): a case that reaches one stops."""
MAX_STEPS = 80
_TEMPLATE_DAY = dt.date(2000, 1, 1)
_ONE_DAY = dt.timedelta(days=1)

OWN_CONTENT_KINDS = frozenset({"nomination", "people", "discipline_period", "required_fields", "quorum", "vote",
                               "approver", "extension", "party_standing"})
"""Step kinds that judge only what the step itself records: the walk records what would pass them
(`assumed_content`) and checks once per rule set and step that it does."""
QUIET_DOSSIER_KINDS = frozenset({"date_order", "future_date", "step_missing", "materials", "signatures", "review",
                                 "self_review", "paper_review", "archive_correction"})
"""Dossier kinds that never find fault with a step the walk adds: it is dated on or after its
prerequisites and on the day of the question, recorded by one name and reviewed by another, and the
walk's dossier lists no materials (so none can be missing or unsigned)."""


class Unsupported(Exception):
    """The walk cannot answer this dossier without guessing: drive the engine instead."""


def assumed_content(rs: RuleSet, step: str, day: dt.date, reviews: bool) -> dict:
    """What a branch would record at `step` on `day` if everything passes, read from the rules that
    judge it (a nomination, the people, the fields a later rule reads, the training's minimum, a
    carried vote, an authorised approving body, the resolution that converts)."""
    out: dict = {}
    for rule in rs.rules:
        p, kind = rule.params, rule.kind
        if kind == "nomination" and p.step == step:
            out["nomination"] = [p.accepted[0]]
        elif kind == "people" and p.step == step:
            out["people"] = [{"name": f"{ASSUMED}{p.role}{i + 1}", "status": p.status} for i in range(p.min)]
        elif kind == "required_value" and p.source == step:
            out[p.field] = p.value
        elif kind == "training" and p.source == step:
            out.update(days=p.min_days, hours=p.min_hours)
        elif kind in ("quorum", "vote") and step in p.steps:
            out["votes"] = {"expected": 1, "present": 1, "yes": 1}
        elif kind == "approver" and step in p.steps:
            out[p.field] = {"name": ASSUMED, "type": p.allowed[0]}
        elif kind == "required_fields":
            for name in p.fields.get(step, ()):
                if name == "committee_meeting_on":
                    out[name] = day.isoformat()
                elif name == "serial":
                    out[name] = ASSUMED
    for outcome in rs.outcomes:
        source, _, name = outcome.field.partition(".")
        if outcome.dest == FULL_MEMBER and source == step and name:
            out[name] = outcome.value
    if reviews:
        out.update(recorded_by=ASSUMED, reviewed_by=ASSUMED_REVIEWER, reviewed_on=day.isoformat())
    return out


def notice_start(calendar: WorkingCalendar, cursor: dt.date, day: dt.date, working_days: int) -> tuple[dt.date, bool]:
    """When to post a notice so that the step can still be taken on `day`: the latest working day (not
    before the last step taken, `cursor`) whose notice ends before `day`; if there is no room, the first
    working day from `day` on (the step then waits for the notice). With whether a day it looked at
    lies in a year the calendar does not know (provisional)."""
    provisional = False
    start = day - dt.timedelta(days=1)
    while start >= cursor:
        answer = calendar.is_workday(start)
        provisional |= answer.provisional
        if answer.workday:
            end, unknown = calendar.publicity_last_day(start, working_days)
            provisional |= unknown
            if end < day:
                return start, provisional
        start -= dt.timedelta(days=1)
    start = max(day, cursor)
    while True:
        answer = calendar.is_workday(start)
        provisional |= answer.provisional
        if answer.workday:
            return start, provisional
        start += dt.timedelta(days=1)


class _Assumed:
    """A step the walk takes: its day, and otherwise what `assumed_content` records (`template`, a
    validated StepEntry shared by every walk under the same rule set). A probe has no template."""

    __slots__ = ("step", "date", "committee_meeting_on", "reviewed_on", "template")

    def __init__(self, step: str, day: dt.date, template: StepEntry | None = None):
        self.step, self.date, self.template = step, day, template
        on_day = template is not None
        self.committee_meeting_on = day if on_day and template.committee_meeting_on is not None else None
        self.reviewed_on = day if on_day and template.reviewed_on is not None else None

    def __getattr__(self, name: str):
        template = self.template
        return None if template is None else getattr(template, name, None)


class _Steps:
    """The ledger's steps as derive_state reads a dossier."""

    __slots__ = ("steps", "rule_set", "case_events")

    def __init__(self, steps: list, rule_set: str | None):
        self.steps, self.rule_set, self.case_events = steps, rule_set, ()


class _Record:
    """An assessment, thought report or notice the walk assumes (what the evaluators read of one)."""

    __slots__ = ("date", "period", "kind", "start", "end", "place", "result")

    def __init__(self, date=None, period=None, kind=None, start=None, end=None, place=None, result=None):
        self.date, self.period, self.kind, self.start, self.end, self.place, self.result = \
            date, period, kind, start, end, place, result


_DUE_KINDS = ("periodic_assessment", "thought_reports")
_GAP_KINDS = ("min_gap", "max_gap")


class _Table:
    """What the walk asks of one rule set's rules at each step, sorted out once per rule set: the
    gate's evaluators (all but the own-content kinds, in the audit's order), the notices and the
    records due, and the anchors the plan's dates read."""

    def __init__(self, rs: RuleSet):
        self.rs = rs
        steps = {step: rules for step, rules in rs.rules_by_step.items() if step is not None}
        self.gate = {step: tuple((STEP_EVALUATORS[r.kind], r) for r in rules if r.kind not in OWN_CONTENT_KINDS)
                     for step, rules in steps.items()}
        self.publicity = {step: tuple(r for r in rules if r.kind == "publicity") for step, rules in steps.items()}
        self.due = {step: tuple(r for r in rules if r.kind in _DUE_KINDS) for step, rules in steps.items()}
        self.anchors = {step: frozenset(r.params.from_ for r in rules if r.kind in _GAP_KINDS)
                        for step, rules in steps.items()}
        # the rules whose kind may move a step's earliest day (the deadlines are no concern of the walk)
        self.dates = {step: found for step, rules in steps.items()
                      if (found := tuple(r for r in rules if KINDS[r.kind].moves_earliest))}


_tables: dict[int, _Table] = {}


def _table(rs: RuleSet) -> _Table:
    table = _tables.get(id(rs))
    if table is None or table.rs is not rs:
        table = _tables[id(rs)] = _Table(rs)
    return table


class _Profile:
    """What the rule sets one dossier can meet (its pin or every national set, its overlay) hold:
    whether every kind is one the walk knows, and at which steps notices or records fall due."""

    def __init__(self, catalogue: Catalogue, pin: str | None, overlay_key: str | None):
        sets = [catalogue.get(rs_id, overlay_key) for rs_id in ([pin] if pin else catalogue.national)]
        by_step = [(step, rule) for rs in sets for step, rules in rs.rules_by_step.items() for rule in rules]
        self.known = all(rule.kind in STEP_EVALUATORS if step is not None else rule.kind in QUIET_DOSSIER_KINDS
                         for step, rule in by_step)
        self.publicity_steps = frozenset(step for step, rule in by_step if rule.kind == "publicity")
        self.due_steps = frozenset(step for step, rule in by_step if rule.kind in _DUE_KINDS)


_profiles: dict[tuple, tuple] = {}
_contents: dict[tuple, tuple] = {}
_gates: dict[tuple, tuple] = {}
_allowed: dict[tuple, tuple] = {}


_differing: dict[tuple, tuple] = {}
_MACHINE_FIELDS = ("requires", "enters_state", "in_state", "also_in_states", "stage", "order", "probation_cycle")


def _differing_steps(a: RuleSet, b: RuleSet) -> frozenset[str]:
    """The steps the two orders of steps define differently for the machine (2026.05 moves s07, s08):
    a dossier that records none of them is in the same state under both."""
    key = (id(a), id(b))
    found = _differing.get(key)
    if found is None or found[0] is not a or found[1] is not b:
        steps = {step.id for step in a.steps} ^ {step.id for step in b.steps}
        steps |= {step.id for step in a.steps if step.id in b.step_by_id and any(
            getattr(step, name) != getattr(b.step_by_id[step.id], name) for name in _MACHINE_FIELDS)}
        found = _differing[key] = (a, b, frozenset(steps))
    return found[2]


def _profile(catalogue: Catalogue, pin: str | None, overlay_key: str | None) -> _Profile:
    key = (id(catalogue), pin, overlay_key)
    found = _profiles.get(key)
    if found is None or found[0] is not catalogue:
        assert QUIET_DOSSIER_KINDS <= set(DOSSIER_EVALUATORS) and OWN_CONTENT_KINDS <= set(STEP_EVALUATORS)
        found = _profiles[key] = (catalogue, _Profile(catalogue, pin, overlay_key))
    return found[1]


class Walk:
    """One hypothetical dossier moved forward step by step, as `forecast._Simulation` moves it.

    Also the view the evaluators and the plan's date functions read: DossierView's questions
    (`dossier`, `base`, `by_step`, `anchor`, `in_cycle`, ...) for a dossier in which no step repeats."""

    repeated = False  # DossierView's shortcut flag: a walked dossier never repeats a step (else Unsupported)

    def __init__(self, dossier: Dossier, today: dt.date, catalogue: Catalogue, calendar: WorkingCalendar,
                 state: str | None = None):
        self.today, self.catalogue, self.calendar = today, catalogue, calendar
        if dossier.case_events:
            raise Unsupported("case events")
        self.ctx = ctx = make_context(dossier, today, catalogue, calendar)
        self.pin, self.overlay_key = dossier.rule_set, ctx.overlay_key
        self.profile = _profile(catalogue, self.pin, self.overlay_key)
        if not self.profile.known:
            raise Unsupported("a rule kind the walk does not know")
        self.reviews = dossier.carries_reviews
        steps = dossier.steps
        if self.reviews:
            steps = [s if s.reviewed_by else s.model_copy(update={"reviewed_by": ASSUMED_REVIEWER,
                                                                   "reviewed_on": max(today, s.date)})
                     for s in steps]
        ids = {entry.step for entry in steps}
        requires = ctx.structure.step_by_id
        if len(ids) < len(steps) or any(s.outcome == "extend" for s in steps) \
                or not ids.issuperset(set().union(*(requires[step_id].requires for step_id in ids))):
            raise Unsupported("a repeated or missing step")
        # the state as the simulation's stop test sees it (derive_state: today's order of steps) and
        # as the plan does (the order on the day of the question): they must agree
        self.state = derive_state(dossier) if state is None else state
        today_order = procedure_rule_set(dossier, default_catalogue(), dt.date.today())
        if today_order.id != ctx.structure.id and not ids.isdisjoint(
                _differing_steps(today_order, ctx.structure)):
            rs_steps = procedure_machine(ctx.structure.id).rule_set
            if derive_state(dossier, DossierView(dossier, rs_steps)) != self.state:
                raise Unsupported("the state differs between the orders of steps")
        # what the evaluators read of the dossier
        self.dossier = self
        self.person = dossier.person
        self.case_events = ()
        self.materials = None
        self.assessments = list(dossier.assessments)
        self.thought_reports = list(dossier.thought_reports)
        self.publicity = list(dossier.publicity)
        self.entries = list(steps)
        self.by_step = {entry.step: [Occurrence(i, entry, entry.step)] for i, entry in enumerate(steps)}
        self.base: RuleSet = ctx.structure
        self._refs = [ref.partition(".")[::2] for ref in catalogue.ordered()[-1].procedure_order.decided_by]
        self._ref_steps = frozenset(step_id for step_id, _ in self._refs)
        self._ref_days: list[dt.date | None] = []
        self._read_refs()
        self._cands: dict[str, tuple] = {}
        self._waiting: dict[str, list] = {}
        self._unlocked: list = []
        self._moving: set[str] = set()
        self._cands_key: tuple | None = None
        self.cursor = today
        self._set_era()
        self.provisional = False
        self.warnings: dict[str, list[str]] = {}
        self.path: list[tuple[str, dt.date]] = []

    def _set_era(self) -> None:
        """The national rule set in force at the cursor (Catalogue.in_force: the first one before any
        took force), and the day the next one takes force."""
        cursor = self.cursor
        self._era = self.catalogue.in_force(cursor)
        self._era_end = min((rs.in_force_from for rs in self.catalogue.ordered()[1:] if rs.in_force_from > cursor),
                            default=dt.date.max)

    # ------------------------------------------------------------ what DossierView answers
    def first(self, step_id: str) -> Occurrence | None:
        occs = self.by_step.get(step_id)
        return occs[0] if occs else None

    last = first

    def in_cycle(self, step_id: str, cycle: int) -> Occurrence | None:
        return self.first(step_id)  # no step repeats: every cycle is the first

    def probation_end(self, cycle: int = 0) -> dt.date | None:
        probation = self.base.probation
        start = self.first(probation.starts_with)
        return add_months(start.entry.date, probation.months) if start is not None else None

    def anchor(self, name: str, occ) -> dt.date | None:
        if name == "probation_end":
            return self.probation_end(occ.cycle)
        occs = self.by_step.get(name)
        return occs[0].entry.date if occs else None

    def conversion_outcome(self, cycle: int) -> str | None:
        meeting = self.first(self.base.probation.decided_by)
        return None if meeting is None else (meeting.entry.outcome or "convert")

    def continued_after(self, occ) -> bool:
        return any(step_id in self.by_step for step_id in self.base.descendants.get(occ.step, frozenset()))

    def treated_as_passed(self, occ) -> bool:
        return occ.entry.outcome == "passed" or self.continued_after(occ)

    # ------------------------------------------------------------ which rules, which order
    def _read_refs(self) -> None:
        """The recorded dates that decide the order of steps (workflow.procedure), read once per step
        recorded; and the order itself once no step still to come can change it."""
        days, fixed = [], None
        if self.pin is not None:
            fixed = self.catalogue.national[self.pin]
        for step_id, field in self._refs:
            occs = self.by_step.get(step_id)
            day = None
            if occs:
                entry = occs[0].entry
                day = getattr(entry, field, None) if field else entry.date
            days.append(day if isinstance(day, dt.date) else None)
        recorded = [day for day in days if day is not None]
        if fixed is None and recorded:  # the earliest decides; a step still to come is dated later
            fixed = self.catalogue.in_force(min(recorded))
        self._ref_days, self._fixed = days, fixed

    def _structure(self, as_of: dt.date, step: str | None = None, day: dt.date | None = None,
                   entry: _Assumed | None = None) -> RuleSet:
        """workflow.procedure.procedure_rule_set of the ledger with `step` appended on `day` (as
        `entry`, or with nothing recorded but its date, as the plan's probes are)."""
        if self._fixed is not None:
            return self._fixed
        catalogue = self.catalogue
        for (step_id, field), recorded in zip(self._refs, self._ref_days):
            if recorded is not None:
                return catalogue.in_force(recorded)
            if step == step_id:
                found = (getattr(entry, field, None) if entry is not None else None) if field else day
                if isinstance(found, dt.date):
                    return catalogue.in_force(found)
        return catalogue.in_force(as_of)

    def _judged_by(self, step: str, day: dt.date, structure: RuleSet) -> RuleSet:
        """AuditContext.ruleset_at: the order's rule set for the steps whose meaning the order decides."""
        if step in structure.procedure_order.steps:
            return self.catalogue.get(structure.id, self.overlay_key)
        return self.ctx.ruleset_for(day)

    def _allowed_steps(self, structure: RuleSet) -> tuple:
        key = (structure.id, self.state)
        found = _allowed.get(key)
        if found is None or found[0] is not structure:
            machine = procedure_machine(structure.id)
            found = _allowed[key] = (structure, tuple(step for step in structure.steps_in_order
                                                      if machine.allowed(self.state, step.id)))
        return found[1]

    def _probe(self, step: str, day: dt.date, structure: RuleSet, rs: RuleSet) -> Occurrence:
        """The step added to the ledger on `day` with nothing recorded (the plan's probe); the caller
        takes it out again."""
        occ = Occurrence(len(self.entries), _Assumed(step, day), step, 0, rs)
        self.by_step[step] = [occ]
        self.base = structure
        return occ

    # ------------------------------------------------------------ the plan (workflow.plan.plan_dossier)
    def _earliest(self, step, structure: RuleSet) -> tuple[dt.date, bool, bool] | str:
        """The plan's earliest day for `step`, whether it is provisional, and whether every anchor of
        the step's rules is recorded (else the day may move as steps are added); or the id of a
        missing prerequisite (the plan does not offer the step)."""
        step_id, by_step, cursor = step.id, self.by_step, self.cursor
        prerequisites = []
        for req in step.requires:
            occs = by_step.get(req)
            if not occs:
                return req
            prerequisites.append((req, occs[0]))
        after = earliest_after_prerequisites(prerequisites, self.person.birth_date, cursor, self.reviews)
        if step_id in structure.procedure_order.steps:
            rs = self.catalogue.get(structure.id, self.overlay_key)
        else:
            rs = self.ctx.ruleset_for(after if after > cursor else cursor)
        table = _table(rs)
        starts = structure.probation.starts_with
        complete = all((starts if name == "probation_end" else name) in by_step
                       for name in table.anchors.get(step_id, ()))
        rules = table.dates.get(step_id)
        if rules is None:
            return after, False, complete
        occ = self._probe(step_id, cursor, structure, rs)
        try:
            found = step_window(rules, rs, occ, self, self.ctx, after)
        finally:
            del by_step[step_id]
        return found[0], found[3], complete

    def _next(self):
        """The candidate the plan would offer that can be done soonest: (step, earliest, provisional).

        The plan is asked again only about what may have changed: all of it when the order of steps,
        the state, the rule set in force at the cursor or the notices change; otherwise the steps
        whose missing prerequisite has just been recorded, and those with an anchor still missing.
        A candidate's day reads nothing else (its prerequisites stay as they were recorded)."""
        cursor = self.cursor
        structure = self._fixed or self._structure(cursor)
        known = self._cands_key
        cands = self._cands
        if known is None or structure is not known[0] or self.state != known[1] or self._era is not known[2] \
                or len(self.publicity) != known[3]:
            self._cands_key = (structure, self.state, self._era, len(self.publicity))
            cands.clear()
            self._waiting.clear()
            self._unlocked.clear()
            by_step = self.by_step
            for pos, step in enumerate(self._allowed_steps(structure)):
                if step.id not in by_step:
                    self._consider(pos, step, structure)
        else:
            unlocked = self._unlocked
            if unlocked:
                self._unlocked = []
                for pos, step in unlocked:
                    self._consider(pos, step, structure)
            if self._moving:
                for step_id in [s for s in self._moving if s in cands]:
                    pos, step = cands[step_id][:2]
                    self._consider(pos, step, structure)
        best = best_key = None
        for step_id, (pos, _, earliest, provisional) in cands.items():
            key = (earliest if earliest > cursor else cursor, pos)
            if best is None or key < best_key:
                best, best_key = (step_id, earliest, provisional), key
        return best

    def _consider(self, pos: int, step, structure: RuleSet) -> None:
        """Asks the plan about `step`: a candidate with its day, or waiting for a prerequisite."""
        self.base = structure
        found = self._earliest(step, structure)
        step_id = step.id
        if isinstance(found, str):
            self._cands.pop(step_id, None)
            self._waiting.setdefault(found, []).append((pos, step))
            return
        earliest, provisional, complete = found
        self._cands[step_id] = (pos, step, earliest, provisional)
        if complete:
            self._moving.discard(step_id)
        else:
            self._moving.add(step_id)

    def _recorded(self, step: str) -> None:
        """A step is recorded: it is no longer a candidate, and the steps that waited for it are asked
        about again."""
        self._cands.pop(step, None)
        self._moving.discard(step)
        waiting = self._waiting.pop(step, None)
        if waiting:
            self._unlocked.extend(waiting)

    def _probe_provisional(self, step: str, day: dt.date) -> bool:
        """What the plan's audit of its probe on `day` marks provisional at the step (a notice counted
        in working days of a year the calendar does not know)."""
        structure = self._structure(self.cursor, step, day)
        rs = self._judged_by(step, day, structure)
        rules = _table(rs).publicity.get(step, ())
        if not rules:
            return False
        occ = self._probe(step, day, structure, rs)
        out: list[Finding] = []
        self.ctx.hypothetical = occ.index
        try:
            for rule in rules:
                STEP_EVALUATORS[rule.kind](rule, occ, self, self.ctx, out)
        finally:
            self.ctx.hypothetical = None
            del self.by_step[step]
        return any(f.provisional for f in out)

    # ------------------------------------------------------------ what must exist before a step
    def _probe_at(self, step: str, day: dt.date) -> Occurrence:
        structure = self._structure(day, step, day)
        return self._probe(step, day, structure, self._judged_by(step, day, structure))

    def _due_records(self, step: str, day: dt.date) -> None:
        """forecast._Simulation._due_records, on the ledger, with one difference: a thought report still
        due is made on the day it falls due, where the simulation makes one on the day after the
        previous (its literal "first day the rule allows": a report a day, hundreds in a year). Both
        leave no stretch longer than the rule's `every` from the first report not in the past, so
        every gate says the same (the walk is tested against the simulation on that too)."""
        occ = self._probe_at(step, day)
        try:
            assessments, reports = self.assessments, self.thought_reports
            for rule in _table(occ.rs).due.get(step, ()):
                p = rule.params
                anchor = self.anchor(p.from_, occ)
                if anchor is None:
                    continue
                kind = KINDS[rule.kind]
                if rule.kind == "periodic_assessment":
                    for start, end in kind.windows(rule, anchor):
                        if end > day:
                            break
                        held = any(start < a.date <= end for a in assessments if a.period == p.period)
                        if not held and end >= self.today:
                            when = max(start + _ONE_DAY, self.today)
                            assessments.append(_Record(date=when, period=p.period))
                else:
                    previous = max([anchor, *(r.date for r in reports if anchor < r.date <= day)])
                    while (due := kind.due_after(rule, previous)) < day:
                        if due < self.today:
                            break
                        later = [r.date for r in reports if previous < r.date <= due]
                        if not later:
                            reports.append(_Record(date=due))
                            later = [due]
                        previous = max(later)
        finally:
            del self.by_step[step]

    def _notice_start(self, day: dt.date, working_days: int) -> dt.date:
        start, provisional = notice_start(self.calendar, self.cursor, day, working_days)
        self.provisional |= provisional
        return start

    def _publicity(self, step: str, day: dt.date) -> bool:
        """forecast._Simulation._publicity, on the ledger."""
        occ = self._probe_at(step, day)
        added = []
        try:
            for rule in _table(occ.rs).publicity.get(step, ()):
                p = rule.params
                for place, notice in zip(places_required(self, p), notices_for(self, p, day)):
                    if notice is not None:
                        continue
                    start = self._notice_start(day, p.working_days)
                    end, provisional = KINDS[rule.kind].last_day(rule, self.calendar, start)
                    self.provisional |= provisional
                    added.append(_Record(kind=p.publicity, start=start, end=end, place=place, result=ASSUMED))
        finally:
            del self.by_step[step]
        self.publicity.extend(added)
        return bool(added)

    # ------------------------------------------------------------ the gate (workflow.engine.record_step)
    def _content(self, content_rs: RuleSet, step: str) -> StepEntry:
        """The content of `step` validated as record_step validates it (`assumed_content` on a fixed
        day: the walk's entry carries its own day), once per rule set and step."""
        key = (id(content_rs), step, self.reviews)
        found = _contents.get(key)
        if found is None or found[0] is not content_rs:
            data = {"step": step, "date": _TEMPLATE_DAY.isoformat(),
                    **assumed_content(content_rs, step, _TEMPLATE_DAY, self.reviews)}
            found = _contents[key] = (content_rs, validate_json_model(StepEntry, data))
        return found[1]

    def _gate(self, content_rs: RuleSet, judge: RuleSet, structure: RuleSet, step: str, content: StepEntry,
              state: str):
        """What recording `step` from `state` asks beyond its own day, once per rule sets, step and
        state: the machine, whether it takes the step from that state, the gate's evaluators, and the
        transition when it needs no condition. Refuses (Unsupported) a step held back by findings
        elsewhere (`blocked_while`) and content that the rules judging only the step's own record would
        find fault with (checked with the audit's own evaluators)."""
        key = (id(content_rs), id(judge), id(structure), step, state, self.reviews)
        found = _gates.get(key)
        if found is None or found[0] is not content_rs or found[1] is not judge or found[2] is not structure:
            machine = procedure_machine(structure.id)
            occ = Occurrence(0, content, step, 0, judge)
            out: list[Finding] = []
            for rule in judge.rules_by_step.get(step, ()):
                if rule.kind in OWN_CONTENT_KINDS:
                    STEP_EVALUATORS[rule.kind](rule, occ, self, self.ctx, out)
            known = machine.plain().get((state, step))
            takes = not out and not structure.step_by_id[step].blocked_while
            found = _gates[key] = (content_rs, judge, structure, takes, machine, machine.allowed(state, step),
                                   _table(judge).gate.get(step, ()), known[0] if known is not None else None)
        if not found[3]:
            raise Unsupported("a step or content the walk does not take")
        return found[4:]

    def _state_under(self, structure: RuleSet, today_order: bool = False) -> str:
        """derive_state of the ledger under `structure` (or, with `today_order`, under the order of
        today, as the simulation's stop test reads it): asked only where the order of steps changes."""
        steps = _Steps(self.entries, self.pin)
        if today_order:
            return derive_state(steps)
        return derive_state(steps, DossierView(steps, procedure_machine(structure.id).rule_set))

    def _record(self, step: str, day: dt.date):
        """Records `step` on `day` if the gate lets it; else (step, codes, reason) as the refusal says."""
        ctx = self.ctx
        content_rs = ctx.ruleset_for(day)
        content = self._content(content_rs, step)
        entry = _Assumed(step, day, content)
        before = self._fixed or self._structure(self.cursor)
        structure = self._fixed or self._structure(day, step, day, entry)  # its own meeting may decide the order
        moved = structure is not before
        fire_from = self._state_under(structure) if moved else self.state
        judge = self._judged_by(step, day, structure)
        machine, allowed, evaluators, after = self._gate(content_rs, judge, structure, step, content, fire_from)
        if not allowed:  # the machine refuses before the gate is asked (workflow.engine._gate_and_fire)
            return step, ["STEP_NOT_AVAILABLE"], \
                f"当前状态为“{machine.names[fire_from]}”，不能记录“{machine.rule_set.step_by_id[step].name}”"
        occ = Occurrence(len(self.entries), entry, step, 0, judge)
        self.by_step[step] = [occ]
        if evaluators:
            self.base = structure
            out: list[Finding] = []
            for evaluator, rule in evaluators:
                evaluator(rule, occ, self, ctx, out)
            if out:
                on_day = content_rs.rule_by_code  # _checked_at: the rule set in force on the day recorded
                out = sorted((f for f in out if getattr(on_day.get(f.code), "checked_at", "record") == "record"),
                             key=Finding.sort_key)
                violations = [f for f in out if f.severity == "violation"]
                if violations:
                    del self.by_step[step]
                    step_name = machine.rule_set.step_by_id[step].name
                    return step, sorted({f.code for f in violations}), \
                        f"不能记录“{step_name}”：" + "；".join(f.message for f in violations)
                self.warnings.setdefault(step, []).extend(f.code for f in out if f.severity == "warning")
        if after is None or moved:
            self.base = structure
            after = machine.replay_event(fire_from, step, view=self, occurrence=occ) or fire_from
        self.state = after
        self.entries.append(entry)
        self.path.append((step, day))
        self._recorded(step)
        self.cursor = day
        if day >= self._era_end:
            self._set_era()
        if step in self._ref_steps:
            self._read_refs()
        if moved:  # the order of steps changed under the walk: the state as both the stop test and the plan read it
            self.state = self._state_under(structure, today_order=True)
            if self._state_under(self._fixed or self._structure(self.cursor)) != self.state:
                raise Unsupported("the state differs between the orders of steps")
        return None

    # ------------------------------------------------------------ the walk
    def run(self, stop_state: str) -> tuple[str | None, list[str], str | None]:
        """Moves on until the state is `stop_state`; returns (blocked step, codes, reason) or Nones."""
        catalogue, profile = self.catalogue, self.profile
        for _ in range(MAX_STEPS):
            if self.state == stop_state or self.state in ENDED:
                return None, [], None
            candidate = self._next()
            if candidate is None:
                return None, [], None
            step, earliest, provisional = candidate
            day = max(earliest, self.cursor)
            if day >= self._era_end:  # a new rule set takes force first: plan again under it (its order may differ)
                self.cursor = catalogue.in_force(day).in_force_from
                self._set_era()
                continue
            if step in profile.publicity_steps:
                if self._publicity(step, day):
                    continue
                provisional = provisional or self._probe_provisional(step, day)
            self.provisional |= provisional
            if step in profile.due_steps:
                self._due_records(step, day)
            refused = self._record(step, day)
            if refused is not None:
                return refused
        return None, ["FORECAST_TOO_LONG"], "预测步骤过多，未能得出结果"

    @property
    def notices(self) -> list[tuple[str, dt.date, dt.date]]:
        return [(p.kind, p.start, p.end) for p in self.publicity if p.result == ASSUMED]
