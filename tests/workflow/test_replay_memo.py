"""`derive_state` remembers the state per sequence of recorded steps and per which transition each step
that decides by conditions takes (s10's conclusion, s13's result, s15's outcome and vote, s24 by its
cycle's s23): every dossier must get the state the step-by-step replay (`replay(..., upto=1 << 30)`)
gives it, including dossiers that share their steps but not their answers, whichever comes first.
"""
from __future__ import annotations

import datetime as dt
import json
import random

from bench.audit_throughput import corpus
from bench.generate import base_cases
from workflow.audit import make_context
from workflow.dossier_facts import read_facts, with_organisation
from workflow.machine import derive_state, procedure_machine, replay
from workflow.view import DossierView

AS_OF = dt.date(2026, 11, 21)


def _dossier(text: str, pin: str | None = None, overlay: str | None = None):
    facts = read_facts(text)
    assert facts is not None
    return with_organisation(facts, pin, overlay)


def _states(dossier) -> tuple[str, str]:
    """(derive_state, the step-by-step replay), each on a fresh view of the audit's rule set."""
    structure = make_context(dossier, AS_OF).structure
    return (derive_state(dossier, DossierView(dossier, structure)),
            replay(dossier, DossierView(dossier, structure), upto=1 << 30))


def test_the_remembered_state_of_each_generated_dossier_is_its_step_by_step_replay():
    rows = corpus(400)
    random.Random(13).shuffle(rows)  # the first dossier of a sequence of steps is not always the same kind
    dossiers = [_dossier(text, pin, overlay) for text, pin, overlay in rows]
    by_steps: dict[tuple, set[str]] = {}
    for _ in range(2):  # the second pass answers every dossier from what the first remembered
        for dossier in dossiers:
            remembered, step_by_step = _states(dossier)
            assert remembered == step_by_step, dossier.id
            by_steps.setdefault(tuple(entry.step for entry in dossier.steps), set()).add(remembered)
    # the corpus has dossiers with the same steps in different states: a memory kept per steps alone fails
    assert any(len(states) > 1 for states in by_steps.values())
    assert len(by_steps) < len(dossiers) / 10  # and most dossiers share their steps with many others


def _variants(document: dict, changes: list[tuple[str, dict]]) -> list:
    out = []
    for step_id, update in changes:
        changed = json.loads(json.dumps(document))
        for entry in changed["steps"]:
            if entry["step"] == step_id:
                entry.update(update)
        out.append(_dossier(json.dumps(changed, ensure_ascii=False)))
    return out


NOT_CARRIED = {"votes": {"expected": 12, "present": 10, "yes": 4, "no": 6}}


def test_dossiers_with_the_same_steps_and_other_answers_get_their_own_states():
    full = next(d for d in base_cases() if d["steps"][-1]["step"] == "s25_archived")
    full["steps"] = [entry for entry in full["steps"] if entry["step"] != "s25_archived"]
    changes = [
        ("s23_conversion_meeting", {"outcome": "convert"}),
        ("s23_conversion_meeting", {"outcome": "extend", "extend_months": 6}),
        ("s23_conversion_meeting", {"outcome": "cancel"}),
        ("s10_political_review", {"conclusion": "not_qualified"}),
        ("s13_pre_review", {"result": "rejected"}),
        ("s15_admission_meeting", {"outcome": "rejected"}),
        ("s15_admission_meeting", NOT_CARRIED),  # the case went on: treated as passed
        ("s23_conversion_meeting", {"outcome": "convert"}),  # again, after the others were remembered
    ]
    states = [_states(dossier) for dossier in _variants(full, changes)]
    assert [remembered for remembered, _ in states] == [step_by_step for _, step_by_step in states]
    assert [remembered for remembered, _ in states] == [
        "full_member", "probationary", "cancelled", "not_admitted", "not_admitted", "not_admitted",
        "full_member", "full_member"]


def test_a_vote_not_carried_ends_the_case_only_when_nothing_treats_it_as_passed():
    meeting = next(d for d in base_cases() if d["steps"][-1]["step"] == "s15_admission_meeting")
    changes = [
        ("s15_admission_meeting", {}),
        ("s15_admission_meeting", NOT_CARRIED),
        ("s15_admission_meeting", {**NOT_CARRIED, "outcome": "passed"}),
        ("s15_admission_meeting", {}),
    ]
    states = [_states(dossier) for dossier in _variants(meeting, changes)]
    assert [remembered for remembered, _ in states] == [step_by_step for _, step_by_step in states]
    assert len({remembered for remembered, _ in states}) == 2
    assert states[1][0] == "not_admitted" != states[2][0] == states[0][0] == states[3][0]


def test_the_memory_per_sequence_of_steps_is_bounded():
    machine = procedure_machine()
    steps = [step.id for step in machine.rule_set.steps]
    for n in range(5000):
        machine.recorded_answers((steps[n % len(steps)],) * (1 + n // len(steps)))
        assert len(machine.recorded) <= 4096


def test_an_extended_probation_is_remembered_with_the_cycle_of_each_record():
    """Two dossiers with the same steps, each s24 reading the same s23 outcomes at the same places, but
    their s24 records dated the other way round: each record's probation cycle (by date) orders the
    replay, so one is cancelled before it could convert and the other converts before the cancel."""
    full = next(d for d in base_cases() if d["steps"][-1]["step"] == "s25_archived")
    steps = [entry for entry in full["steps"] if entry["step"] != "s25_archived"]
    cycle_steps = ("s21_probation_education", "s22_conversion_applied", "s23_conversion_meeting",
                   "s24_conversion_approved")
    again = []
    for entry in steps:
        if entry["step"] in cycle_steps:
            entry.pop("party_standing_from", None)
            later = {k: v for k, v in entry.items() if k not in ("outcome", "extend_months", "reviewed_on")}
            later["date"] = (dt.date.fromisoformat(entry["date"]) + dt.timedelta(days=190)).isoformat()
            again.append(later)
    first_s23 = next(entry for entry in steps if entry["step"] == "s23_conversion_meeting")
    first_s24 = next(entry for entry in steps if entry["step"] == "s24_conversion_approved")
    second_s23, second_s24 = again[2], again[3]
    documents = []
    for swapped in (False, True):
        first_s23["outcome"], second_s23["outcome"] = ("convert", "cancel") if swapped else ("cancel", "convert")
        if swapped:  # the first s24 record is dated after the second: it is the second cycle's
            first_s24["date"], second_s24["date"] = second_s24["date"], first_s24["date"]
        documents.append(json.dumps({**full, "steps": steps + again}, ensure_ascii=False))
    in_order, swapped = (_states(_dossier(text)) for text in documents)
    assert in_order == ("cancelled", "cancelled")
    assert swapped == ("full_member", "full_member")
