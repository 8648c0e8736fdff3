"""The one state machine of the procedure, built once from the checklist data.

States are the stages of a case (入党申请人 … 正式党员) and its endings; every step is an event.
A step that enters a state moves the case there; a step with a deciding field (a political review
that is not qualified, a rejected pre-review, an s23 resolution approved at s24) moves it per the
`[[outcomes]]` table; every other step is an internal transition. The gate condition on each step
event is supplied by the caller (workflow.engine), who runs the rule evaluators: the machine never
holds a rule of its own. Dossiers are never models of the machine: events are fired on a small
state holder, so there is one machine per process however many dossiers pass through it.
"""
from __future__ import annotations

import datetime as dt
from functools import cache
from operator import lt
from typing import TYPE_CHECKING

from transitions import Machine

from checklists.loader import default_catalogue
from checklists.model import RuleSet
from workflow.procedure import procedure_rule_set
from workflow.view import DossierView

if TYPE_CHECKING:  # for annotations only: a file audit does not build the validating models
    from workflow.dossier import Dossier


class StateHolder:
    """What the machine moves: just a state name (dossiers stay plain pydantic objects)."""

    __slots__ = ("state",)

    def __init__(self, state: str):
        self.state = state


def _gate(event) -> bool:
    gate = event.kwargs.get("gate")
    return True if gate is None else gate()


def _outcome_is(outcome):
    step_field = outcome.field
    head, _, rest = step_field.partition(".")

    def condition(event) -> bool:
        view, occ = event.kwargs["view"], event.kwargs["occurrence"]
        if rest and head in view.base.step_by_id:
            value = view.conversion_outcome(occ.cycle)
        else:
            value = occ.entry
            for part in step_field.split("."):
                value = getattr(value, part, None)
                if value is None:
                    return False
        if value != outcome.value:
            return False
        return not (outcome.unless_continued and view.treated_as_passed(occ))

    condition.__name__ = f"{outcome.step}_{outcome.value}"
    return condition


def _resume_is(state: str):
    def condition(event) -> bool:
        return event.kwargs.get("resume") == state

    return condition


class _ReplayEvent:
    __slots__ = ("kwargs",)

    def __init__(self, kwargs: dict):
        self.kwargs = kwargs


class ProcedureMachine:
    def __init__(self, rs: RuleSet):
        self.rule_set = rs
        self._compiled: dict | None = None
        self._plain: dict | None = None
        self.live = [s.id for s in rs.states if s.live]
        self.names = {s.id: s.name for s in rs.states}
        self.machine = Machine(model=None, states=[s.id for s in rs.states], initial=self.live[0],
                               auto_transitions=False, send_event=True)
        stage_state = {stage.number: stage.state for stage in rs.stages}
        self.source_of: dict[str, str] = {}
        for step in rs.steps:
            if step.enters_state:
                source = self.live[self.live.index(step.enters_state) - 1]
            else:
                source = step.in_state or stage_state[step.stage]
            self.source_of[step.id] = source
            sources = [source, *step.also_in_states]
            for outcome in (o for o in rs.outcomes if o.step == step.id):
                self.machine.add_transition(step.id, source, outcome.dest,
                                            conditions=[_outcome_is(outcome), _gate])
            self.machine.add_transition(step.id, sources, step.enters_state, conditions=[_gate])
        cycle_orders = [step.order for step in rs.steps if step.probation_cycle]
        last_cycle_order = max(cycle_orders, default=float("inf"))
        self.after_cycles = {step.id for step in rs.steps if not step.probation_cycle and step.order > last_cycle_order}
        self.order_of = {step.id: step.order for step in rs.steps}
        self.live_rank = {state: rank for rank, state in enumerate(self.live)}
        for event in rs.case_events:
            sources = event.sources or self.live
            if event.dest == "resume":
                for state in self.live:
                    self.machine.add_transition(event.id, sources if event.sources else ["transferred_out"],
                                                state, conditions=[_resume_is(state)])
            else:
                self.machine.add_transition(event.id, sources, event.dest)

    def compiled(self) -> dict[tuple[str, str], list]:
        """The machine's own transition table, read once, for replaying history without dispatch.

        Replaying a recorded dossier needs no gate and no callbacks, only "which transition of this
        event applies in this state"; reading that from the machine (rather than writing a second
        table) keeps one source of truth while avoiding transitions' per-event logging and objects.
        """
        if self._compiled is None:
            table: dict[tuple[str, str], list] = {}
            for name, event in self.machine.events.items():
                for source, transitions in event.transitions.items():
                    table[(source, name)] = [(t.dest, [(c.func, c.target) for c in t.conditions
                                                       if c.func is not _gate]) for t in transitions]
            self._compiled = table
        return self._compiled

    def plain(self) -> dict[tuple[str, str], tuple[str, bool]]:
        """(state, step) -> (the state after replaying the step there, whether it moved), for the steps
        whose transition there needs no condition; the rest go through `replay_event`. Read once from
        the machine's own table, with `replay`'s jump over a gap of an imported record folded in, so
        that most steps of a replay are one lookup."""
        if self._plain is None:
            table = self.compiled()
            plain: dict[tuple[str, str], tuple[str, bool]] = {}
            for state in self.names:
                for step, source in self.source_of.items():
                    at = source if self.behind(state, source) else state
                    transitions = table.get((at, step))
                    if transitions is None:
                        plain[(state, step)] = (at, False)
                    elif len(transitions) == 1 and not transitions[0][1]:
                        plain[(state, step)] = (transitions[0][0] or at, True)
            self._plain = plain
        return self._plain

    def behind(self, state: str, source: str) -> bool:
        """Whether a live `state` comes before `source`, the state a step is taken from: an imported
        record with a gap (STEP_MISSING reports it) moves on to it. A source that is not a live state
        (s25 is taken from full_member) comes after every live one."""
        rank = self.live_rank
        return state in rank and rank[state] < rank.get(source, len(rank))

    def replay_event(self, state: str, trigger: str, **kwargs) -> str | None:
        """The state after `trigger` in `state` for a recorded event, or None when not allowed there."""
        transitions = self.compiled().get((state, trigger))
        if transitions is None:
            return None
        event = None
        for dest, conditions in transitions:
            if conditions:
                if event is None:
                    event = _ReplayEvent(kwargs)
                for func, target in conditions:
                    if bool(func(event)) != target:
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
        event = self.machine.events.get(trigger)
        return event is not None and state in event.transitions

    def mermaid(self) -> str:
        lines = ["stateDiagram-v2", f"    [*] --> {self.live[0]}"]
        seen = set()
        outcome_names = {f"{o.step}_{o.value}": o.name for o in self.rule_set.outcomes}
        for name, event in self.machine.events.items():
            step_label = self.rule_set.step_by_id[name].name if name in self.rule_set.step_by_id else \
                next((e.name for e in self.rule_set.case_events if e.id == name), name)
            for source, transitions in event.transitions.items():
                for transition in transitions:
                    if transition.dest is None:
                        continue
                    outcome = next((outcome_names[c.func.__name__] for c in transition.conditions
                                    if c.func.__name__ in outcome_names), None)
                    label = f"{step_label}（{outcome}）" if outcome else step_label
                    key = (source, transition.dest, name)
                    if key in seen:
                        continue
                    seen.add(key)
                    short = name.split("_")[0] if name.startswith("s") and name[1:3].isdigit() else name
                    lines.append(f"    {source} --> {transition.dest} : {short} {label}")
        for state in self.rule_set.states:
            lines.append(f"    {state.id} : {state.id} {state.name}")
        for state in self.rule_set.states:
            if not state.live and state.id != "full_member":
                lines.append(f"    {state.id} --> [*]")
        lines.append("    full_member --> [*] : s25 材料归档")
        return "\n".join(lines) + "\n"


@cache
def procedure_machine(rule_set_id: str | None = None) -> ProcedureMachine:
    """The machine of one national rule set's procedure (one per rule set per process, never per
    dossier); the newest rule set's when none is named."""
    catalogue = default_catalogue()
    rs = catalogue.national[rule_set_id] if rule_set_id else catalogue.ordered()[-1]
    return ProcedureMachine(rs)


def machine_for(dossier: Dossier, as_of: dt.date | None = None) -> ProcedureMachine:
    """The machine of the order of steps `dossier` follows (see workflow.procedure)."""
    rs = procedure_rule_set(dossier, default_catalogue(), as_of or dt.date.today())
    return procedure_machine(rs.id)


def _logical_order(view: DossierView, machine: ProcedureMachine) -> list:
    if not view.repeated:  # one probation cycle: the procedure's order, then the order of recording
        order = machine.order_of
        occurrences = view.occurrences
        ranks = [order[occ.step] for occ in occurrences]
        if all(map(lt, ranks, ranks[1:])):  # recorded in the procedure's order already (the usual case)
            return occurrences
        return [occ for _, _, occ in sorted(zip(ranks, [occ.index for occ in occurrences], occurrences))]
    steps = view.base.step_by_id
    last_cycle = max((o.cycle for o in view.occurrences), default=0)

    def key(occ):
        step = steps[occ.step]
        cycle = occ.cycle if step.probation_cycle else (last_cycle if step.id in machine.after_cycles else 0)
        return (cycle, step.order, occ.index)

    return sorted(view.occurrences, key=key)


def replay(dossier: Dossier, view: DossierView | None = None, upto: int | None = None) -> str:
    """The state a dossier is in: its steps in procedural order, case events at their dates."""
    machine = procedure_machine(view.base.id) if view is not None else machine_for(dossier)
    view = view or DossierView(dossier, machine.rule_set)
    source_of, plain = machine.source_of, machine.plain()
    state = machine.live[0]
    events = sorted(dossier.case_events, key=lambda e: e.date) if dossier.case_events else ()
    pending = 0
    resume_state = state
    ordered = _logical_order(view, machine)
    if not events and upto is None:  # the common case: one lookup per step
        for occ in ordered:
            step = occ.step
            known = plain.get((state, step))
            if known is None:
                source = source_of[step]
                if machine.behind(state, source):
                    state = source
                after = machine.replay_event(state, step, view=view, occurrence=occ)
                if after is not None:
                    state = after
            else:
                state = known[0]
        return state
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


def _case_event(machine, state, event, resume_state) -> tuple[str, str]:
    after = machine.replay_event(state, event.kind, resume=resume_state)
    if after is None:
        return state, resume_state
    return after, (state if after == "transferred_out" else after)


def derive_state(dossier: Dossier, view: DossierView | None = None) -> str:
    return replay(dossier, view)
