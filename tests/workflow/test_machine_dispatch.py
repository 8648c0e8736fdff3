"""The procedure machine dispatches through `transitions` itself, built from the checklist data: a step is
refused where the data does not take it, an outcome row moves the case to the state its row names,
the caller's gate is a condition the library asks, and the end states and the archive step are read
from the rule set, not written in the machine."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from transitions import MachineError

from checklists.loader import default_catalogue
from checklists.model import State
from workflow.machine import ProcedureMachine, StateHolder, derive_state, procedure_machine
from workflow.samples import CaseSpec, build_case

AS_OF = dt.date(2026, 11, 21)
RULE_SETS = ["2014", "2026.05"]


def _recorded(rs, field: str, value):
    """A fake occurrence recording `value` in a (possibly dotted) field, and a view that answers an
    s23 outcome with it; nothing later treats the step as passed."""
    head, _, rest = field.partition(".")
    entry = SimpleNamespace(**{head: SimpleNamespace(**{rest: value}) if rest else value})
    occurrence = SimpleNamespace(entry=entry, cycle=0)
    view = SimpleNamespace(base=rs, conversion_outcome=lambda cycle: value, treated_as_passed=lambda occ: False)
    return view, occurrence


@pytest.mark.parametrize("rule_set", RULE_SETS)
def test_one_model_free_machine_per_rule_set_whose_triggers_are_the_datas_steps_and_events(rule_set):
    machine = procedure_machine(rule_set)
    assert procedure_machine(rule_set) is machine
    assert (procedure_machine() is machine) == (rule_set == default_catalogue().ordered()[-1].id)
    assert machine.machine.models == []
    rs = machine.rule_set
    triggers = set(machine.machine.get_triggers(*machine.names))
    assert triggers == {step.id for step in rs.steps} | {event.id for event in rs.case_events}
    holders = [StateHolder(machine.live[0]) for _ in range(3)]
    assert machine.fire(holders[0], rs.steps_in_order[0].id)
    assert [h.state for h in holders] == [machine.live[1], machine.live[0], machine.live[0]]
    assert machine.machine.models == []


@pytest.mark.parametrize("rule_set", RULE_SETS)
def test_a_step_is_taken_from_its_own_state_and_refused_elsewhere(rule_set):
    machine = procedure_machine(rule_set)
    for step, source in machine.source_of.items():
        assert machine.allowed(source, step)
    assert not machine.allowed("applicant", "s17_admission_approved")
    assert machine.replay_event("applicant", "s17_admission_approved") is None
    holder = StateHolder("applicant")
    with pytest.raises(MachineError):
        machine.fire(holder, "s17_admission_approved")
    assert holder.state == "applicant"
    assert not machine.allowed("no such state", "s01_application")


@pytest.mark.parametrize("rule_set", RULE_SETS)
def test_in_an_end_state_only_the_steps_the_data_places_there_are_taken(rule_set):
    machine = procedure_machine(rule_set)
    steps = machine.rule_set.steps
    assert machine.archive_step.in_state in machine.ends
    for end in machine.ends:
        taken = {step for step in machine.source_of if machine.allowed(end, step)}
        assert taken == {s.id for s in steps if end == s.in_state or end in s.also_in_states}, end
    assert {step for step in machine.source_of if machine.allowed("not_admitted", step)} == set()


def test_the_callers_gate_is_a_condition_the_library_asks():
    machine = procedure_machine("2014")
    asked = []
    holder = StateHolder("new")
    assert machine.fire(holder, "s01_application", gate=lambda: asked.append("no") or False) is False
    assert holder.state == "new"
    assert machine.fire(holder, "s01_application", gate=lambda: asked.append("yes") or True) is True
    assert holder.state == "applicant"
    assert asked == ["no", "yes"]


@pytest.mark.parametrize("rule_set", RULE_SETS)
def test_each_outcome_row_moves_the_case_to_the_state_the_data_names(rule_set):
    machine = procedure_machine(rule_set)
    outcomes = machine.rule_set.outcomes
    assert {o.dest for o in outcomes} >= {"not_admitted", "cancelled", "full_member", "probationary"}
    for outcome in outcomes:
        source = machine.source_of[outcome.step]
        view, occurrence = _recorded(machine.rule_set, outcome.field, outcome.value)
        holder = StateHolder(source)
        assert machine.fire(holder, outcome.step, view=view, occurrence=occurrence, gate=lambda: True)
        assert holder.state == outcome.dest, outcome
        assert machine.replay_event(source, outcome.step, view=view, occurrence=occurrence) == outcome.dest
        refused = StateHolder(source)  # the gate refuses before the outcome moves anything
        assert not machine.fire(refused, outcome.step, view=view, occurrence=occurrence, gate=lambda: False)
        assert refused.state == source


def test_a_value_no_outcome_row_names_takes_the_steps_own_move():
    machine = procedure_machine("2014")
    step = machine.rule_set.step_by_id["s10_political_review"]
    view, occurrence = _recorded(machine.rule_set, "conclusion", "qualified")
    source = machine.source_of[step.id]
    assert machine.replay_event(source, step.id, view=view, occurrence=occurrence) == (step.enters_state or source)


def test_a_recorded_review_that_is_not_qualified_replays_to_not_admitted():
    dossier = build_case(CaseSpec("D-1", dt.date(2020, 3, 2), until="s10_political_review", seed=7), AS_OF)
    assert derive_state(dossier) == "candidate"
    steps = [entry.model_copy(update={"conclusion": "not_qualified"}) if entry.step == "s10_political_review"
             else entry for entry in dossier.steps]
    rejected = dossier.model_copy(update={"steps": steps})
    dest = next(o.dest for o in procedure_machine("2014").rule_set.outcomes if o.step == "s10_political_review")
    assert derive_state(rejected) == dest == "not_admitted"


def test_a_transfer_back_resumes_the_state_the_case_left():
    machine = procedure_machine("2014")
    holder = StateHolder("activist")
    assert machine.fire(holder, "transfer_out")
    assert holder.state == "transferred_out"
    assert not machine.allowed("activist", "transfer_in")
    assert machine.fire(holder, "transfer_in", resume="activist")
    assert holder.state == "activist"
    assert machine.replay_event("transferred_out", "transfer_in", resume="candidate") == "candidate"


@pytest.mark.parametrize("rule_set", RULE_SETS)
def test_end_states_and_the_archive_step_are_read_from_the_data(rule_set):
    rs = default_catalogue().national[rule_set]
    machine = procedure_machine(rule_set)
    assert machine.ends == [s.id for s in rs.states if not s.live]
    assert machine.archive_step is not None and machine.archive_step == next(s for s in rs.steps if s.archives)
    text = machine.mermaid()
    for end in machine.ends:
        assert f"    {end} --> [*]" in text
    assert f"{machine.archive_step.in_state} --> [*] : s25 {machine.archive_step.name}" in text

    more = rs.model_copy(update={
        "states": [*rs.states, State(id="merged", name="并入其他组织")],
        "steps": [s.model_copy(update={"archives": False}) for s in rs.steps]})
    other = ProcedureMachine(more)
    assert other.ends == [*machine.ends, "merged"] and other.archive_step is None
    text = other.mermaid()
    assert "    merged --> [*]" in text and "    full_member --> [*]\n" in text and " : s25 " not in text
