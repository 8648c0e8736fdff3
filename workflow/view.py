"""An indexed, read-only view of one dossier: occurrences, probation cycles, prerequisites, anchors.

Built once per audit so that every evaluator asks the same questions the same cheap way, and so
the cycle rule ("after an extension the next s21–s24 follow the previous s24") lives in one place.
"""
from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter, le, lt
from typing import TYPE_CHECKING

import msgspec

from checklists.loader import Catalogue
from checklists.model import RuleSet
from workflow.dates import WorkingCalendar, add_months, select_rule_set

if TYPE_CHECKING:  # for annotations only: a file audit does not build the validating models
    from workflow.dossier import Dossier


class Occurrence(msgspec.Struct, gc=False):
    """One recorded step: its place in the dossier, its record, its step id, its probation cycle, and
    (set by the audit, once per dossier) `rs`, the rule set that judges it. A msgspec record: a view
    makes one per step of every dossier audited, and these are made without a Python call each."""

    index: int
    entry: object
    step: str
    cycle: int = 0
    rs: object = None

    @property
    def date(self) -> dt.date:
        return self.entry.date


@dataclass
class AuditContext:
    """What an evaluation needs besides the dossier: the day, the rule sets, the calendar."""

    as_of: dt.date
    catalogue: Catalogue
    calendar: WorkingCalendar
    pin: str | None = None
    overlay_key: str | None = None
    hypothetical: int | None = None
    structure: RuleSet | None = None
    dossier_plan: tuple | None = None
    """The catalogue's dossier evaluators as workflow.audit resolves them, kept here by the audit."""
    _by_date: dict = field(default=None)
    _order_rs: RuleSet | None = field(default=None)
    _order_steps: frozenset = field(default=frozenset())
    _monotone: bool = field(default=False)
    _pinned: RuleSet | None = field(default=None)
    _first_rs: RuleSet | None = field(default=None)

    def __post_init__(self) -> None:
        self._by_date = self.catalogue.choices(self.pin, self.overlay_key)
        if self.structure is None:
            self.structure = self.catalogue.in_force(self.as_of) if self.pin is None else \
                self.catalogue.national[self.pin]
        self._order_rs = select_rule_set(self.catalogue, self.as_of, self.structure.id, self.overlay_key)
        self._order_steps = frozenset(self.structure.procedure_order.steps)
        froms = [rs.in_force_from for rs in self.catalogue.ordered()]
        self._monotone = froms == sorted(froms)
        """Whether the rule set of a date can only change at the days rule sets come into force, in
        the order of `ordered()` (what `Catalogue.in_force` gives): `judge`'s shortcut relies on it."""
        self._pinned = self.ruleset_for(self.as_of) if self.pin is not None else None
        self._first_rs = select_rule_set(self.catalogue, dt.date.min, self.pin, self.overlay_key)

    def ruleset_for(self, day: dt.date) -> RuleSet:
        rs = self._by_date.get(day)
        if rs is None:
            rs = self._by_date[day] = select_rule_set(self.catalogue, day, self.pin, self.overlay_key)
        return rs

    def ruleset_at(self, occ: Occurrence) -> RuleSet:
        """The rule set that judges a recorded step: the one in force on its date, except the steps
        whose meaning depends on the order of the procedure, judged under the order the dossier follows."""
        if occ.step in self.structure.procedure_order.steps:
            return self._order_rs
        return self.ruleset_for(occ.entry.date)

    def judge(self, view: DossierView, latest: dt.date | None = None) -> None:
        """Sets `rs` on every occurrence of `view` (when one rule set judges all and the occurrences
        are not made yet, they are made with it when first asked for) and `view.judged_by`: the rule
        sets are looked up once per dossier in the usual case, however many rules then ask which one
        judges a step.

        The rule set of a date is a step function of the date (the catalogue's rule sets sorted by
        the day they come into force; a pin makes it constant), so when the earliest and the latest
        dates of the dossier have the same one, every date between has it too. Then each record not
        an order step is judged by it, and the order steps too when none is recorded or the order's
        rule set is that one. Anything else (dates on both sides of a change, order steps judged by
        another rule set) takes the step-by-step loop. `latest`: the latest date of a record, when the
        caller has it (the audit's walk, workflow.rules.dossier_screen.survey)."""
        key = view.steps_key
        if key and self._monotone:
            if self.pin is not None:  # a pinned dossier: one rule set whatever the dates
                rs = self._pinned
            else:
                memo = self._by_date
                if latest is None:
                    latest = max(view.dates)
                rs = memo.get(latest)
                if rs is None:
                    rs = self.ruleset_for(latest)
                if rs is not self._first_rs:  # else every earlier date has the first rule set too
                    earliest = min(view.dates)
                    first = memo.get(earliest)
                    if first is None:
                        first = self.ruleset_for(earliest)
                    if first is not rs:
                        rs = None
            if rs is not None and (rs is self._order_rs or self._order_steps.isdisjoint(key)):
                view.judged_by = rs
                built = view.__dict__.get("occurrences")
                if built is None:  # the occurrences are made with it when first asked for (in C)
                    view._rs = rs
                else:
                    for occ in built:
                        occ.rs = rs
                return
        self.judge_each(view)

    def judge_each(self, view: DossierView) -> None:
        """`judge` step by step: each record's rule set looked up by its date (or the order's)."""
        memo, order_steps, order_rs = self._by_date, self._order_steps, self._order_rs
        single, mixed = None, False
        for occ in view.occurrences:
            if occ.step in order_steps:
                rs = order_rs
            else:
                rs = memo.get(occ.entry.date)
                if rs is None:
                    rs = self.ruleset_for(occ.entry.date)
            occ.rs = rs
            if rs is not single:
                mixed, single = single is not None, rs
        view.judged_by = None if mixed else single


_EMPTY = frozenset()
_ZEROS = repeat(0)
"""The cycle of every occurrence of a dossier in which no step repeats (an endless iterator, shared)."""

class StepsKey(tuple):
    """A sequence of recorded step ids (a tuple, equal to and hashed as the plain one), one object per
    sequence (`steps_key_of`), carrying in `kept` what is remembered about that sequence, per owner
    object: the StepSequence of each rule set's shape (here), the places of the records that decide a
    dossier's order of steps (workflow.procedure). Each is then one attribute read and one lookup by
    an object's identity, not a hash of the whole tuple per memory per dossier; the memories live as
    long as the key (bounded with `steps_key_of`'s)."""

    def __new__(cls, ids):
        key = super().__new__(cls, ids)
        key.kept = {}
        return key

    def keep(self, owner, value):
        """Keeps `value` for `owner` on this key and gives it back. At most 8 owners are kept: when a
        ninth comes, the earlier ones are dropped, so owners of earlier catalogues (reloaded) are not
        kept alive by the key (the current ones are simply found again on first use)."""
        kept = self.kept
        if len(kept) >= 8:
            kept.clear()
        kept[owner] = value
        return value


_keys: dict[tuple, StepsKey] = {}


def steps_key_of(entries) -> StepsKey:
    """The step ids of `entries` (a dossier's records) as a StepsKey, one object per sequence of ids:
    the first dossier with the sequence gives it, the next ones get that same object, with what was
    kept for it. Bounded: emptied when full (a later dossier then gives a new object, equal to the
    old one, that remembers nothing yet)."""
    key = tuple([entry.step for entry in entries])
    found = _keys.get(key)
    if found is None:
        found = steps_key(key)
    return found


def steps_key(ids: tuple[str, ...]) -> StepsKey:
    """The StepsKey of a tuple of step ids (a caller holding plain ids)."""
    found = _keys.get(ids)
    if found is None:
        if len(_keys) >= 8192:
            _keys.clear()
        found = _keys[ids] = StepsKey(ids)
    return found


class StepSequence:
    """What a view asks that depends only on its sequence of recorded step ids under its rule set,
    kept per (rule set, sequence) so that a dossier recording a sequence seen before reads it (one
    lookup per dossier, not one per question). `replay`, `plans` and `layout` are kept for
    workflow.machine (the machine and its answers for these steps), workflow.audit (the step plans
    of these steps, per rule set) and workflow.rules.structure (where each record's prerequisites
    are), which fill them on first use."""

    __slots__ = ("key", "repeated", "positions", "in_order", "missing", "replay", "plans", "layout")

    def __init__(self, key: tuple[str, ...]):
        self.key = key
        self.repeated = len(set(key)) < len(key)
        """Whether a step is recorded more than once (an extended probation)."""
        self.positions = None if self.repeated else {step_id: at for at, step_id in enumerate(key)}
        """When no step repeats: each recorded step's place among the records (its one occurrence)."""
        self.in_order: bool | None = None
        self.missing: bool | None = None
        self.replay = None
        self.plans: dict[int, tuple] = {}
        self.layout = None
        """workflow.rules.structure's Layout of these records when no step repeats (it fills it)."""


class _Shape:
    """What a view asks of its rule set's steps, read once per rule set rather than once per dossier."""

    def __init__(self, base: RuleSet):
        self.base = base
        self.cyclic = frozenset(step.id for step in base.steps if step.probation_cycle)
        self.descendants = base.descendants
        probation = base.probation
        self.decided_by = probation.decided_by
        self.first_cycle_step = probation.first_cycle_step
        self.approved_by = probation.approved_by
        self.requires = {step.id: tuple(step.requires) for step in base.steps}
        self.required_sets = {step.id: frozenset(step.requires) for step in base.steps}
        edges = [(step.id, req) for step in base.steps for req in step.requires]
        self.edge_steps = tuple(step for step, _ in edges)
        self.edge_requires = tuple(req for _, req in edges)
        self.order = {step.id: step.order for step in base.steps}
        self.prerequisites_precede = all(self.order[req] < self.order[step] for step, req in edges)
        """Whether every prerequisite comes before its step in the procedure's order: then a dossier
        recorded in that order with dates that never go back has no step before its prerequisite."""

    def sequence(self, key: tuple[str, ...]) -> StepSequence:
        """The StepSequence of `key` under this shape's rule set, kept on the key (a StepsKey) the
        first time it is asked for."""
        if type(key) is not StepsKey:
            key = steps_key(key)
        found = key.kept.get(self)
        if found is None:
            found = key.keep(self, StepSequence(key))
        return found


_shapes: dict[int, _Shape] = {}
_date_of_occurrence = attrgetter("entry.date")


def _shape(base: RuleSet) -> _Shape:
    shape = _shapes.get(id(base))
    if shape is None or shape.base is not base:
        shape = _shapes[id(base)] = _Shape(base)
    return shape


class _FoundOnce:
    """An attribute computed on first reading and then kept on the instance: a non-data descriptor,
    so every later reading is a plain attribute reading (no call), and assigning it is allowed.
    `functools.cached_property` does the same but, on Python 3.11, takes a lock at every first reading."""

    def __init__(self, compute):
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, view, owner=None):
        if view is None:
            return self
        value = view.__dict__[self.name] = self.compute(view)
        return value


class DossierView:
    """The records of one dossier indexed for the rules. What only some dossiers ask (the occurrences
    themselves, each step's records when no step repeats, prerequisites, probation ends, the dates)
    is found on first asking: a clean dossier's audit may never ask. These attributes start as the
    class's (None, or computed once by `_FoundOnce`) and are set on the view when found. The view
    reads the dossier's records as they are when it is made (the list object it had then)."""

    _ends: list[dt.date] | None = None
    _prerequisites: dict[int, list] | None = None
    _all_prerequisites: list[list] | None = None
    _rs: RuleSet | None = None
    """The rule set `AuditContext.judge` found for every record before the occurrences were made:
    they are made with it."""
    judged_by: RuleSet | None = None
    """The one rule set that judges every step, once the audit has judged them (AuditContext.judge)."""

    def __init__(self, dossier: Dossier, base: RuleSet, steps_key: tuple[str, ...] | None = None):
        """`steps_key`: `steps_key_of(dossier.steps)` when the caller has it already (the audit)."""
        self.dossier = dossier
        self.base = base
        self.entries = entries = dossier.steps
        """The dossier's records (the list object it had when the view was made), in their order."""
        shape = _shapes.get(id(base))
        if shape is None or shape.base is not base:
            shape = _shape(base)
        self._shape = shape
        if steps_key is None:
            steps_key = steps_key_of(entries)
        try:
            sequence = steps_key.kept[shape]
        except (AttributeError, KeyError):  # a plain tuple, or a sequence new to this shape
            sequence = shape.sequence(steps_key)
        self.sequence = sequence
        self.steps_key = sequence.key
        """The recorded step ids as a tuple (`steps_key_of`): what the answers that depend only on
        them are kept by."""
        self.repeated = repeated = sequence.repeated
        """Whether any step is recorded more than once (an extended probation): else first, last and
        the step of any cycle are the one occurrence, and prerequisites are one lookup each."""
        if repeated:  # each step's records in a list, in the order of the records, filled in C
            step_ids = sequence.key
            occurrences = self.occurrences = list(map(Occurrence, range(len(entries)), entries, step_ids))
            by_step = {step_id: [] for step_id in step_ids}
            deque(map(list.append, map(by_step.__getitem__, step_ids), occurrences), 0)
            cyclic = shape.cyclic
            for step_id, occs in by_step.items():
                if len(occs) > 1 and step_id in cyclic:
                    occs.sort(key=_date_of_occurrence)  # stable: the same date keeps the order of the records
                    for cycle, occ in enumerate(occs):
                        occ.cycle = cycle
            self.by_step = by_step

    @_FoundOnce
    def occurrences(self) -> list[Occurrence]:
        """One Occurrence per record, in the order of the records: made on first asking when no step
        repeats (with the view when one does: it numbers the cycles), in C, each with the rule set
        that judges it when `AuditContext.judge` found one for all (else None until it is judged)."""
        entries = self.entries
        if self._rs is None:
            return list(map(Occurrence, range(len(entries)), entries, self.steps_key))
        return list(map(Occurrence, range(len(entries)), entries, self.steps_key, _ZEROS, repeat(self._rs)))

    @_FoundOnce
    def by_step(self) -> dict[str, list[Occurrence] | tuple[Occurrence]]:
        """Each recorded step's occurrences: a list (a probation cycle's steps sorted by cycle) when a
        step repeats (built with the view: it numbers the cycles), else a one-element tuple per step,
        built in one call when first asked (an audit of a clean dossier may not ask)."""
        return dict(zip(self.steps_key, zip(self.occurrences)))

    @_FoundOnce
    def step_ids(self) -> list[str]:
        """The step id of each record, in the dossier's order (that of `occurrences`)."""
        return list(self.steps_key)

    @_FoundOnce
    def dates(self) -> list[dt.date]:
        """The date of each record, in the order of `occurrences` (read once per view)."""
        return [entry.date for entry in self.entries]

    def occurrence(self, at: int) -> Occurrence:
        """`occurrences[at]`; when they are not made yet (then no step repeats), an equal Occurrence
        made alone, for a reader that only reads it (the replay's deciding conditions): a clean
        dossier's audit may then never make them all."""
        made = self.__dict__.get("occurrences")
        if made is not None:
            return made[at]
        return Occurrence(at, self.entries[at], self.steps_key[at], 0, self._rs)

    def only(self, step_id: str):
        """When no step repeats: the record (entry) of `step_id`, or None when it is not recorded
        (without making the occurrences)."""
        at = self.sequence.positions.get(step_id)
        return None if at is None else self.entries[at]

    def recorded_in_order(self) -> bool:
        """Whether the steps are recorded in the procedure's order, each step once (the usual case)."""
        sequence = self.sequence
        found = sequence.in_order
        if found is None:
            ranks = list(map(self._shape.order.__getitem__, sequence.key))
            found = sequence.in_order = all(map(lt, ranks, ranks[1:]))
        return found

    def dated_in_order(self) -> bool:
        """Whether the steps are recorded in the procedure's order with dates that never go back: then
        no step is dated before a prerequisite (when, as in the data, prerequisites come earlier)."""
        if not self.recorded_in_order():
            return False
        dates = self.dates
        return all(map(le, dates, dates[1:]))

    def first(self, step_id: str) -> Occurrence | None:
        if not self.repeated:  # the one record's occurrence, without `by_step`
            at = self.sequence.positions.get(step_id)
            return None if at is None else self.occurrences[at]
        occs = self.by_step.get(step_id)
        return occs[0] if occs else None

    def last(self, step_id: str) -> Occurrence | None:
        if not self.repeated:
            at = self.sequence.positions.get(step_id)
            return None if at is None else self.occurrences[at]
        occs = self.by_step.get(step_id)
        return occs[-1] if occs else None

    def in_cycle(self, step_id: str, cycle: int) -> Occurrence | None:
        if not self.repeated:  # the one record, as the list of one below would answer, without `by_step`
            at = self.sequence.positions.get(step_id)
            if at is None:
                return None
            if cycle == 0 or step_id not in self._shape.cyclic:
                return self.occurrences[at]
            return (self.occurrences[at],)[cycle] if cycle < 1 else None
        occs = self.by_step.get(step_id)
        if not occs:
            return None
        if cycle == 0:  # the first cycle: the first occurrence, whether the step repeats per cycle or not
            return occs[0]
        if step_id not in self._shape.cyclic:  # a step recorded once whatever the cycle
            return occs[0]
        return occs[cycle] if cycle < len(occs) else None

    def all_prerequisites(self) -> list[list[tuple[str, Occurrence | None]]]:
        """`prerequisites` of every occurrence, in the order of `occurrences` (one pass when no step repeats)."""
        found = self._all_prerequisites
        if found is None:
            if self.repeated:
                found = [self.prerequisites(occ) for occ in self.occurrences]
            else:  # each prerequisite's one record, found by its place
                positions, requires, occurrences = self.sequence.positions, self._shape.requires, self.occurrences
                found = [[(req, occurrences[positions[req]] if req in positions else None)
                          for req in requires[step_id]] for step_id in self.steps_key]
            self._all_prerequisites = found
        return found

    def some_step_before_its_prerequisite(self) -> bool:
        """Whether a recorded step is dated before a recorded prerequisite. When no step repeats this is
        one pass in C over the rule set's (step, prerequisite) pairs: an absent step counts as the latest
        day, an absent prerequisite as the earliest, so only pairs with both recorded can compare true."""
        if self.repeated:
            return any(prior is not None and occ.entry.date < prior.entry.date
                       for occ, found in zip(self.occurrences, self.all_prerequisites()) for _, prior in found)
        if self._shape.prerequisites_precede and self.dated_in_order():
            return False
        day_of = {entry.step: entry.date for entry in self.entries}
        shape = self._shape
        return any(map(lt, map(day_of.get, shape.edge_steps, repeat(dt.date.max)),
                       map(day_of.get, shape.edge_requires, repeat(dt.date.min))))

    def steps_before_prerequisites(self) -> list[tuple[Occurrence, str, Occurrence]]:
        """(step, prerequisite id, prerequisite) for each recorded step dated before a recorded
        prerequisite, in the order of `occurrences` then of the step's prerequisites. When no step
        repeats the prerequisite is the step's one record, looked up without building the lists."""
        if self.repeated:
            return [(occ, req, prior) for occ, found in zip(self.occurrences, self.all_prerequisites())
                    for req, prior in found if prior is not None and occ.entry.date < prior.entry.date]
        positions, requires, entries, out = self.sequence.positions, self._shape.requires, self.entries, []
        for at, step_id in enumerate(self.steps_key):  # the occurrences are made only for what is found
            day = entries[at].date
            for req in requires[step_id]:
                prior = positions.get(req)
                if prior is not None and day < entries[prior].date:
                    occurrences = self.occurrences
                    out.append((occurrences[at], req, occurrences[prior]))
        return out

    def some_prerequisite_missing(self) -> bool:
        """Whether any recorded step lacks a prerequisite (without building the lists when no step repeats)."""
        if self.repeated:
            return any(prior is None for found in self.all_prerequisites() for _, prior in found)
        sequence = self.sequence
        found = sequence.missing
        if found is None:  # every prerequisite of a recorded step, at once: is one not recorded?
            needed = _EMPTY.union(*map(self._shape.required_sets.__getitem__, sequence.key))
            found = sequence.missing = not needed <= sequence.positions.keys()
        return found

    def prerequisites(self, occ: Occurrence) -> list[tuple[str, Occurrence | None]]:
        if self._all_prerequisites is not None and occ.index < len(self._all_prerequisites) \
                and self.occurrences[occ.index] is occ:
            return self._all_prerequisites[occ.index]
        known = self._prerequisites
        if known is None:
            known = self._prerequisites = {}
        found = known.get(occ.index)
        if found is None:
            found = known[occ.index] = self._find_prerequisites(occ)
        return found

    def _find_prerequisites(self, occ: Occurrence) -> list[tuple[str, Occurrence | None]]:
        if not self.repeated:
            positions, occurrences = self.sequence.positions, self.occurrences
            return [(req, occurrences[positions[req]] if req in positions else None)
                    for req in self._shape.requires[occ.step]]
        shape = self._shape  # the rule set's cyclic steps, prerequisites and probation, read once per rule set
        cyclic = shape.cyclic
        step_cyclic = occ.step in cyclic
        if step_cyclic and occ.cycle > 0 and occ.step == shape.first_cycle_step:
            return [(shape.approved_by, self.in_cycle(shape.approved_by, occ.cycle - 1))]
        out = []
        for req in shape.requires[occ.step]:
            if req in cyclic:
                found = self.in_cycle(req, occ.cycle) if step_cyclic else self.last(req)
            else:
                found = self.first(req)
            out.append((req, found))
        return out

    def anchor(self, name: str, occ: Occurrence) -> dt.date | None:
        """The date a gap is measured from: a step (same probation cycle) or `probation_end`."""
        if name == "probation_end":
            return self.probation_end(occ.cycle)
        if not self.repeated:
            at = self.sequence.positions.get(name)
            return None if at is None else self.entries[at].date
        cyclic = self._shape.cyclic
        if name in cyclic and occ.step in cyclic:
            found = self.in_cycle(name, occ.cycle)
        elif name in cyclic:
            found = self.last(name)  # after an extension, limits that follow s24 count from the final one
        else:
            found = self.first(name)
        return found.entry.date if found else None

    def treated_as_passed(self, occ: Occurrence) -> bool:
        """A decision the record itself calls passed, or one the case went on from (2026: a failed vote
        with nothing after it that treats it as passed ends the case; otherwise it is VOTE_NOT_PASSED)."""
        return occ.entry.outcome == "passed" or self.continued_after(occ)

    def continued_after(self, occ: Occurrence) -> bool:
        """Whether a step that (transitively) follows this one is recorded: the case went on from it."""
        shape = self._shape  # the rule set's descendants and cyclic steps, read once per rule set
        later = shape.descendants.get(occ.step, _EMPTY)
        if not self.repeated:  # every record is of the first cycle: is any later step recorded?
            return not later.isdisjoint(self.sequence.positions)
        cyclic = occ.step in shape.cyclic
        for step_id in later:
            for other in self.by_step.get(step_id, ()):
                if cyclic and step_id in shape.cyclic and other.cycle != occ.cycle:
                    continue
                return True
        return False

    def conversion_outcome(self, cycle: int) -> str | None:
        """The decision of the conversion meeting of `cycle` (its outcome, "convert" when it records
        none), or None when that meeting is not recorded."""
        if not self.repeated and cycle >= 0:  # `in_cycle` of the one record, without the occurrences
            decided_by = self._shape.decided_by
            meeting = None if cycle and decided_by in self._shape.cyclic else self.only(decided_by)
            return None if meeting is None else meeting.outcome or "convert"
        meeting = self.in_cycle(self._shape.decided_by, cycle)
        if meeting is None:
            return None
        return meeting.entry.outcome or "convert"

    def probation_ends(self) -> list[dt.date]:
        """The probation end date in force for each cycle: its start plus the checklist's months, moved by
        each extension."""
        if self._ends is None:
            probation = self.base.probation
            if self.repeated:
                start = self.first(probation.starts_with)
                start = None if start is None else start.entry
                meetings = [occ.entry for occ in self.by_step.get(probation.decided_by, [])]
            else:  # each the one record of its step, read without the occurrences
                start, meeting = self.only(probation.starts_with), self.only(probation.decided_by)
                meetings = () if meeting is None else (meeting,)
            ends: list[dt.date] = []
            if start is not None:
                end = add_months(start.date, probation.months)
                ends.append(end)
                for meeting in meetings:
                    if meeting.outcome == "extend" and meeting.extend_months:
                        end = add_months(end, meeting.extend_months)
                        ends.append(end)
                    else:
                        break
            self._ends = ends
        return self._ends

    def probation_end(self, cycle: int = 0) -> dt.date | None:
        ends = self.probation_ends()
        if not ends:
            return None
        return ends[min(cycle, len(ends) - 1)]
