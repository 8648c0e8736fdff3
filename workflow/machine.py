"""The one state machine of the procedure, built once from the checklist data.

States are the stages of a case (入党申请人 … 正式党员) and its endings; every step is an event.
A step that enters a state moves the case there; a step with a deciding field (a political review
that is not qualified, a rejected pre-review, an s23 resolution approved at s24) moves it per the
`[[outcomes]]` table; every other step is an internal transition. The gate condition on each step
event is supplied by the caller (workflow.engine), who runs the rule evaluators: the machine never
holds a rule of its own. Dossiers are never models of the machine: events are fired on a small
state holder, so there is one machine per process however many dossiers pass through it.

The machine is declared as `transitions` transition dicts and asked with the library's own queries
(`get_triggers`, `get_transitions`, `Event.trigger`, `Condition.check`); what a replay needs per
(state, step) is those answers, asked once per machine and kept, not a second table of its internals.
"""
from __future__ import annotations

import datetime as dt
from functools import cache
from operator import lt
from typing import TYPE_CHECKING, NamedTuple

from transitions import Machine
from transitions.core import Condition, Event, EventData, State

from checklists.loader import default_catalogue
from checklists.model import Outcome, RuleSet
from workflow.procedure import procedure_rule_set
from workflow.view import DossierView

if TYPE_CHECKING:  # for annotations only: a file audit does not build the validating models
    from workflow.dossier import Dossier


class StateHolder:
    """What the machine moves: just a state name (dossiers stay plain pydantic objects)."""

    __slots__ = ("state",)

    def __init__(self, state: str):
        self.state = state


def _gate(event: EventData) -> bool:
    """The caller's rule check (`gate=`), on every step; a replay of recorded history passes none."""
    gate = event.kwargs.get("gate")
    return True if gate is None else gate()


def _outcome_is(outcome: Outcome):
    """The condition of an `[[outcomes]]` row: the recorded value of its field is the row's value."""
    step_field = outcome.field
    head, _, rest = step_field.partition(".")
    parts = tuple(step_field.split("."))
    wanted, unless_continued = outcome.value, outcome.unless_continued

    seen = [(None, False)]  # (the last view's rule set, whether `head` is one of its steps): one tuple, swapped whole

    def holds(view: DossierView, occ) -> bool:
        """The condition on a (view, occurrence), all it reads: what a replay asks without an EventData."""
        if not rest:  # a field of the step's own record (most rows): one read
            value = getattr(occ.entry, step_field, None)
            if value is None or value != wanted:
                return False
            return not (unless_continued and view.treated_as_passed(occ))
        base, head_is_step = seen[0]
        if base is not view.base:
            head_is_step = head in view.base.step_by_id
            seen[0] = (view.base, head_is_step)
        if head_is_step:
            value = view.conversion_outcome(occ.cycle)
        else:
            value = occ.entry
            for part in parts:
                value = getattr(value, part, None)
                if value is None:
                    return False
        if value != wanted:
            return False
        return not (unless_continued and view.treated_as_passed(occ))

    def condition(event: EventData) -> bool:
        kwargs = event.kwargs
        return holds(kwargs["view"], kwargs["occurrence"])

    condition.__name__ = f"{outcome.step}_{outcome.value}"
    condition.outcome = outcome  # the diagram labels the transition with the outcome's name
    condition.holds = holds  # what derive_state's memory asks of each deciding step (ProcedureMachine._reads)
    holds.plain = (step_field, wanted) if not rest and not unless_continued else None
    """When the condition is "this field of the step's own record equals the value" and nothing more:
    (field, value), which derive_state reads off the record without an occurrence or a call."""
    return condition


def _resume_is(state: str):
    """A transfer back in resumes the state the case was in when it left (`resume=`)."""
    def condition(event: EventData) -> bool:
        return event.kwargs.get("resume") == state

    condition.__name__ = f"resume_{state}"
    return condition


def _transition_dicts(rs: RuleSet, live: list[str], source_of: dict[str, str]) -> list[dict]:
    """The procedure as `transitions` declares a machine: one dict per (trigger, sources, dest).

    Per step, the outcome rows come first (the library tries a trigger's transitions in order and
    takes the first whose conditions pass), then the step's own move (or internal transition)."""
    out: list[dict] = []
    for step in rs.steps:
        source = source_of[step.id]
        for outcome in (o for o in rs.outcomes if o.step == step.id):
            out.append({"trigger": step.id, "source": source, "dest": outcome.dest,
                        "conditions": [_outcome_is(outcome), _gate]})
        out.append({"trigger": step.id, "source": [source, *step.also_in_states], "dest": step.enters_state,
                    "conditions": [_gate]})
    for event in rs.case_events:
        if event.dest == "resume":
            for state in live:
                out.append({"trigger": event.id, "source": event.sources or ["transferred_out"], "dest": state,
                            "conditions": [_resume_is(state)]})
        else:
            out.append({"trigger": event.id, "source": event.sources or live, "dest": event.dest})
    return out


class _Answer(NamedTuple):
    """What the library answers for one (state, trigger), kept for replays: its state and event objects,
    and its transitions in the order it tries them, each as (dest, the conditions that decide there:
    all but the gate, which a replay of recorded history does not ask). Each condition is kept as
    what `Condition.check` would call and the answer it wants (`resolve_callable`'s callable and the
    condition's `target`), resolved once here rather than at every recorded step."""

    state: State
    event: Event
    transitions: tuple[tuple[str | None, tuple[tuple, ...]], ...]


def _resolved(machine: Machine, condition: Condition) -> tuple:
    """(predicate, target) of a condition: `Condition.check(event)` is `predicate(event) == target`
    on a machine that sends the event (ours: send_event=True)."""
    assert machine.send_event
    return machine.resolve_callable(condition.func, None), condition.target


def _all_hold(conditions: tuple) -> object:
    """One transition's several deciding conditions as one: whether each gives its target."""
    def holds(view: DossierView, occ) -> bool:
        for predicate, target in conditions:
            if predicate(view, occ) != target:
                return False
        return True

    return holds


class ProcedureMachine:
    """One rule set's procedure as a `transitions` Machine without models, and the questions asked of it.

    `fire` runs the library's event on a StateHolder (gate included); `allowed` is the library's
    `get_triggers`; `replay_event` and `plain` replay recorded history from the library's
    `get_transitions` answers, asked once per (state, trigger) when the machine is built."""

    def __init__(self, rs: RuleSet):
        self.rule_set = rs
        self.live = [s.id for s in rs.states if s.live]
        self.ends = [s.id for s in rs.states if not s.live]
        self.names = {s.id: s.name for s in rs.states}
        self.archive_step = next((step for step in rs.steps if step.archives), None)
        stage_state = {stage.number: stage.state for stage in rs.stages}
        self.source_of: dict[str, str] = {}
        for step in rs.steps:
            if step.enters_state:
                self.source_of[step.id] = self.live[self.live.index(step.enters_state) - 1]
            else:
                self.source_of[step.id] = step.in_state or stage_state[step.stage]
        self.machine = Machine(model=None, states=[s.id for s in rs.states], initial=self.live[0],
                               transitions=_transition_dicts(rs, self.live, self.source_of),
                               auto_transitions=False, send_event=True)
        cycle_orders = [step.order for step in rs.steps if step.probation_cycle]
        last_cycle_order = max(cycle_orders, default=float("inf"))
        self.after_cycles = {step.id for step in rs.steps if not step.probation_cycle and step.order > last_cycle_order}
        self.order_of = {step.id: step.order for step in rs.steps}
        self.cycle_keys = {step.id: (step.probation_cycle, step.id in self.after_cycles, step.order)
                           for step in rs.steps}
        """Per step: (whether it repeats per probation cycle, whether it comes after the cycles, its
        order), what the replay sorts the steps of an extended probation by."""
        self.live_rank = {state: rank for rank, state in enumerate(self.live)}
        self._triggers = {state: frozenset(self.machine.get_triggers(state)) for state in self.names}
        self._answers: dict[tuple[str, str], _Answer] = {
            (state, trigger): _Answer(self.machine.get_state(state), self.machine.events[trigger],
                                      tuple((t.dest, tuple(_resolved(self.machine, c) for c in t.conditions
                                                           if c.func is not _gate))
                                            for t in self.transitions_from(state, trigger)))
            for state, triggers in self._triggers.items() for trigger in triggers}
        self._plain = self._plain_table()
        self._runs: dict[tuple, tuple[str, int]] = {}
        self._reads: dict[str, list] = {}
        """Per step whose answer in some state decides by conditions: for each such answer, its transitions
        up to the first that decides nothing, as (place from 1, `holds`, target): what `replay_event`
        asks there, read on a (view, occurrence). The first that gives its target is the one taken; when none does, the
        step takes the answer's transition that decides nothing, or stays (as `replay_event` picks)."""
        unread = set()
        for (state, trigger), answer in self._answers.items():
            if not any(conditions for _, conditions in answer.transitions):
                continue
            if not all(hasattr(predicate, "holds") for _, conditions in answer.transitions
                       for predicate, _ in conditions):
                unread.add(trigger)
                continue
            singles = []
            for _, conditions in answer.transitions:
                if not conditions:
                    break
                holds, target = (conditions[0][0].holds, conditions[0][1]) if len(conditions) == 1 else \
                    (_all_hold(tuple((p.holds, t) for p, t in conditions)), True)
                singles.append((len(singles) + 1, holds, target))
            self._reads.setdefault(trigger, []).append(tuple(singles))
        self._radix = 1 + max((len(singles) for found in self._reads.values() for singles in found), default=0)
        """What `derive_state` counts each deciding step's answer in: 0 when none of its `singles` gives its
        target, else the place (from 1) of the first that does; one number per dossier, a digit per step."""
        self._unread = frozenset(unread)
        """Steps with a deciding condition that reads more than (view, occurrence): never remembered."""
        self.recorded: dict[tuple, tuple | None] = {}
        """`recorded_answers` per sequence of steps."""

    def plain_run(self, state: str, steps: tuple[str, ...], at: int) -> tuple[str, int]:
        """(the state after, the position of the first step that is not plain there) when replaying
        `steps[at:]` from `state` through the `plain` table: remembered per (state, steps, at), as
        dossiers share a few sequences of steps (the memory is bounded: emptied when full)."""
        key = (state, at, steps)
        found = self._runs.get(key)
        if found is None:
            plain, count = self._plain, len(steps)
            while at < count:
                known = plain.get((state, steps[at]))
                if known is None:
                    break
                state, at = known[0], at + 1
            if len(self._runs) >= 8192:
                self._runs.clear()
            found = self._runs[key] = (state, at)
        return found

    def recorded_answers(self, steps: tuple[str, ...]) -> tuple | None:
        """For a sequence of recorded steps (`DossierView.steps_key`): ((place, an answer's deciding
        transitions as `_reads` keeps them) for each step that decides by conditions, the states
        `derive_state` remembers per which of those transitions each takes), or None when a step's
        conditions cannot be read on a (view, occurrence). The memories are bounded: emptied when full."""
        found = self.recorded.get(steps, False)
        if found is False:
            reads, unread = self._reads, self._unread
            if unread and not unread.isdisjoint(steps):
                found = None
            else:
                found = (tuple((at, singles, _plain_reads(singles)) for at, step in enumerate(steps)
                               for singles in reads.get(step, ())), {})
            if len(self.recorded) >= 4096:
                self.recorded.clear()
            self.recorded[steps] = found
        return found

    def transitions_from(self, state: str, trigger: str) -> list:
        """The library's transitions of `trigger` from `state`, in the order it tries them."""
        return self.machine.get_transitions(trigger=trigger, source=state)

    def _plain_table(self) -> dict[tuple[str, str], tuple[str, bool]]:
        plain: dict[tuple[str, str], tuple[str, bool]] = {}
        for state in self.names:
            for step, source in self.source_of.items():
                at = source if self.behind(state, source) else state
                answer = self._answers.get((at, step))
                if answer is None:
                    plain[(state, step)] = (at, False)
                elif len(answer.transitions) == 1 and not answer.transitions[0][1]:
                    plain[(state, step)] = (answer.transitions[0][0] or at, True)
        return plain

    def plain(self) -> dict[tuple[str, str], tuple[str, bool]]:
        """(state, step) -> (the state after replaying the step there, whether it moved), for the steps
        whose one transition there decides nothing (only the gate, which a replay does not ask); the
        rest go through `replay_event`. `replay`'s jump over a gap of an imported record is folded in,
        so that most steps of a replay are one lookup."""
        return self._plain

    def behind(self, state: str, source: str) -> bool:
        """Whether a live `state` comes before `source`, the state a step is taken from: an imported
        record with a gap (STEP_MISSING reports it) moves on to it. A source that is not a live state
        (s25 is taken from full_member) comes after every live one."""
        rank = self.live_rank
        return state in rank and rank[state] < rank.get(source, len(rank))

    def replay_event(self, state: str, trigger: str, **kwargs) -> str | None:
        """The state after `trigger` in `state` for a recorded event, or None when not allowed there:
        the first of the library's transitions whose deciding conditions pass (`Condition.check`, as
        `_resolved` keeps it),
        without the gate, callbacks or a holder; the state unchanged when none passes."""
        answer = self._answers.get((state, trigger))
        if answer is None:
            return None
        event_data = None
        for dest, conditions in answer.transitions:
            if conditions:
                if event_data is None:
                    event_data = EventData(answer.state, answer.event, self.machine, None, (), kwargs)
                for predicate, target in conditions:  # Condition.check, resolved once (_resolved)
                    if predicate(event_data) != target:
                        break
                else:
                    return dest or state
                continue
            return dest or state
        return state

    def fire(self, holder: StateHolder, trigger: str, **kwargs) -> bool:
        """Fires `trigger`; False when a condition (the gate) refuses; MachineError when not allowed here."""
        return self.machine.events[trigger].trigger(holder, **kwargs)

    def allowed(self, state: str, trigger: str) -> bool:
        """Whether the machine has a transition of `trigger` from `state` (its gate aside)."""
        triggers = self._triggers.get(state)
        return triggers is not None and trigger in triggers

    def mermaid(self) -> str:
        """The procedure as a Mermaid state diagram: the machine's transitions that move, then each end
        state closing (the archive step's end after that step)."""
        rs = self.rule_set
        lines = ["stateDiagram-v2", f"    [*] --> {self.live[0]}"]
        seen = set()
        event_names = {e.id: e.name for e in rs.case_events}
        for name in self.machine.get_triggers(*self.names):
            step_label = rs.step_by_id[name].name if name in rs.step_by_id else event_names.get(name, name)
            for transition in self.machine.get_transitions(trigger=name):
                source, dest = transition.source, transition.dest
                if dest is None or (source, dest, name) in seen:
                    continue
                seen.add((source, dest, name))
                outcome = next((c.func.outcome.name for c in transition.conditions
                                if hasattr(c.func, "outcome")), None)
                label = f"{step_label}（{outcome}）" if outcome else step_label
                lines.append(f"    {source} --> {dest} : {_short(name)} {label}")
        for state in rs.states:
            lines.append(f"    {state.id} : {state.id} {state.name}")
        archive = self.archive_step
        closed_by_archive = self.source_of[archive.id] if archive is not None else None
        lines += [f"    {state} --> [*]" for state in self.ends if state != closed_by_archive]
        if archive is not None:
            lines.append(f"    {closed_by_archive} --> [*] : {_short(archive.id)} {archive.name}")
        return "\n".join(lines) + "\n"


def _short(trigger: str) -> str:
    """s25_archived -> s25 (a case event keeps its whole id)."""
    return trigger.split("_")[0] if trigger.startswith("s") and trigger[1:3].isdigit() else trigger


def procedure_machine(rule_set_id: str | None = None) -> ProcedureMachine:
    """The machine of one national rule set's procedure (one per rule set per process, never per
    dossier); the newest rule set's when none is named (the same machine as when it is named)."""
    return _machine_of(rule_set_id or default_catalogue().ordered()[-1].id)


@cache
def _machine_of(rule_set_id: str) -> ProcedureMachine:
    return ProcedureMachine(default_catalogue().national[rule_set_id])


def machine_for(dossier: Dossier, as_of: dt.date | None = None) -> ProcedureMachine:
    """The machine of the order of steps `dossier` follows (see workflow.procedure)."""
    rs = procedure_rule_set(dossier, default_catalogue(), as_of or dt.date.today())
    return procedure_machine(rs.id)


def _logical_order(view: DossierView, machine: ProcedureMachine) -> list:
    if not view.repeated:  # one probation cycle: the procedure's order, then the order of recording
        occurrences = view.occurrences
        if view.base is machine.rule_set and view.recorded_in_order():  # asked once per dossier
            return occurrences
        ranks = list(map(machine.order_of.__getitem__, view.steps_key))
        if all(map(lt, ranks, ranks[1:])):  # recorded in the procedure's order already (the usual case)
            return occurrences
        return [occ for _, _, occ in sorted(zip(ranks, range(len(occurrences)), occurrences))]
    # (cycle, order, index): a step of the probation cycle sorts in its cycle; a step after the cycles
    # in the last one; any other in the first (machine.cycle_keys holds each step's part of that)
    last_cycle = max((o.cycle for o in view.occurrences), default=0)
    keys = machine.cycle_keys
    keyed = []
    for occ in view.occurrences:
        cyclic, after, order = keys[occ.step]
        keyed.append((occ.cycle if cyclic else (last_cycle if after else 0), order, occ.index, occ))
    keyed.sort()
    return [item[3] for item in keyed]


_machines_of_bases: dict[int, tuple] = {}


def _machine_of_view(view: DossierView) -> ProcedureMachine:
    """`procedure_machine(view.base.id)`, kept per rule-set object (its id is a pydantic read)."""
    base = view.base
    found = _machines_of_bases.get(id(base))
    if found is None or found[0] is not base:
        found = _machines_of_bases[id(base)] = (base, procedure_machine(base.id))
    return found[1]


def replay(dossier: Dossier, view: DossierView | None = None, upto: int | None = None) -> str:
    """The state a dossier is in: its steps in procedural order, case events at their dates; the steps
    before `upto` only when it is given. This one replays step by step (but for `derive_state`'s case)."""
    machine = _machine_of_view(view) if view is not None else machine_for(dossier)
    view = view or DossierView(dossier, machine.rule_set)
    if not dossier.case_events and upto is None:
        return derive_state(dossier, view)
    source_of, plain = machine.source_of, machine.plain()
    state = machine.live[0]
    events = sorted(dossier.case_events, key=lambda e: e.date) if dossier.case_events else ()
    pending = 0
    resume_state = state
    ordered = _logical_order(view, machine)
    for occ in ordered:
        if upto is not None and occ.index >= upto:
            continue
        while pending < len(events) and events[pending].date < occ.entry.date:
            state, resume_state = _case_event(machine, state, events[pending], resume_state)
            pending += 1
        step = occ.step
        known = plain.get((state, step))
        if known is not None:
            state, moved = known
            if moved:
                resume_state = state
            continue
        source = source_of[step]
        if machine.behind(state, source):
            state = source  # an imported record with a gap: STEP_MISSING reports it, the state moves on
        after = machine.replay_event(state, step, view=view, occurrence=occ)
        if after is not None:
            state = resume_state = after
    while pending < len(events):
        state, resume_state = _case_event(machine, state, events[pending], resume_state)
        pending += 1
    return state


def _replay_steps(machine: ProcedureMachine, view: DossierView) -> str:
    """A replay without case events: runs of plain steps are one lookup each, the rest `replay_event`."""
    source_of = machine.source_of
    ordered = _logical_order(view, machine)
    steps = view.steps_key if ordered is view.occurrences else tuple(occ.step for occ in ordered)
    state, at, count = machine.live[0], 0, len(steps)
    while True:
        state, at = machine.plain_run(state, steps, at)
        if at >= count:
            return state
        occ = ordered[at]
        step = occ.step
        source = source_of[step]
        if machine.behind(state, source):
            state = source
        after = machine.replay_event(state, step, view=view, occurrence=occ)
        if after is not None:
            state = after
        at += 1


def _plain_reads(singles: tuple) -> tuple | None:
    """`singles` (place, holds, target) as (place, field, value, target) when every condition only
    compares a field of the step's own record with a value (`holds.plain`), else None."""
    plain = tuple(getattr(holds, "plain", None) for _, holds, _ in singles)
    if not all(plain):
        return None
    return tuple((taken, field, wanted, target) for (taken, _, target), (field, wanted) in zip(singles, plain))


def _case_event(machine, state, event, resume_state) -> tuple[str, str]:
    after = machine.replay_event(state, event.kind, resume=resume_state)
    if after is None:
        return state, resume_state
    return after, (state if after == "transferred_out" else after)


def derive_state(dossier: Dossier, view: DossierView | None = None) -> str:
    """The state a dossier is in (`replay`). Without case events it depends only on the recorded steps
    (their logical order is theirs and their probation cycles') and on which transition each step that
    decides by conditions takes (`ProcedureMachine.recorded_answers`): the state is remembered per
    those, replayed step by step the first time; a dossier is one number of answers and one lookup."""
    if view is None or dossier.case_events:
        return replay(dossier, view)
    sequence = view.sequence  # the machine and its answers for these steps, kept with the view's steps
    found = sequence.replay
    if found is None:
        machine = _machine_of_view(view)
        found = sequence.replay = (machine, machine.recorded_answers(view.steps_key))
    machine, recorded = found
    if recorded is None:
        return _replay_steps(machine, view)
    reads, states = recorded
    occurrence, radix, entries = view.occurrence, machine._radix, view.entries
    key = 0
    for at, singles, plain in reads:  # which transition each deciding step takes, a digit each (`_radix`)
        key *= radix
        if plain is not None:  # conditions on the record's own fields: read here, as `holds` would
            entry = entries[at]
            for taken, field, wanted, target in plain:
                value = getattr(entry, field, None)
                if (value is not None and value == wanted) == target:
                    key += taken
                    break
            continue
        occ = occurrence(at)  # the view's, or (not made yet) one alone: the conditions keep nothing
        for taken, holds, target in singles:
            if holds(view, occ) == target:
                key += taken
                break
    if view.repeated:  # the logical order then also follows each step's probation cycle
        key = (key, tuple([occ.cycle for occ in view.occurrences]))
    state = states.get(key)
    if state is None:
        state = _replay_steps(machine, view)
        if len(states) >= 256:
            states.clear()
        states[key] = state
    return state
