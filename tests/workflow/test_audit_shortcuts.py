"""The audit's shortcuts answer as the general rules do: the machine's table of plain transitions, the
view's one-pass questions (a step dated before its prerequisite, a prerequisite missing, the
occurrence of a cycle), the rule set judging each step, and the per-rule-set step plans.

They exist for speed (bench/audit_throughput.py); each is checked here against the general answer
it stands in for, on the shared examples and on generated dossiers with extended probations."""
from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from tests_support import example_dir

from bench.generate import base_cases, variants
from checklists.loader import default_catalogue
from workflow.audit import audit_dossier, make_context
from workflow.dossier import parse_dossier
from workflow.machine import procedure_machine
from workflow.view import DossierView

AS_OF = dt.date(2026, 11, 21)


def _extended(document: dict) -> dict:
    document = copy.deepcopy(document)
    cycle = [s for s in document["steps"] if s["step"] in ("s21_probation_education", "s22_conversion_applied",
                                                           "s23_conversion_meeting", "s24_conversion_approved")]
    if len(cycle) == 4:
        cycle[2].update(outcome="extend", extend_months=6)
        for entry in cycle:
            again = {k: v for k, v in entry.items() if k not in ("outcome", "extend_months", "party_standing_from")}
            again["date"] = (dt.date.fromisoformat(entry["date"]) + dt.timedelta(days=190)).isoformat()
            again.pop("reviewed_on", None)
            document["steps"].append(again)
    return document


def _corpus() -> list:
    documents = [json.loads(p.read_text(encoding="utf-8"))["dossier"] for p in sorted(example_dir().glob("*.json"))]
    documents += variants(base_cases(), 150, faulty_share=0.7, seed=21)
    documents += [_extended(d) for d in documents[::3]]
    for document in documents[::5]:  # recorded out of order, some with gaps
        document["steps"] = list(reversed(document["steps"]))
        if len(document["steps"]) > 6:
            del document["steps"][3]
    return [parse_dossier(d) for d in documents]


CORPUS = _corpus()


def test_the_corpus_has_repeated_steps_and_faults():
    views = [DossierView(d, default_catalogue().national["2014"]) for d in CORPUS]
    assert sum(v.repeated for v in views) > 10 and sum(not v.repeated for v in views) > 100


@pytest.mark.parametrize("rule_set", ["2014", "2026.05"])
def test_the_plain_transition_table_answers_as_the_machine(rule_set):
    machine = procedure_machine(rule_set)
    plain = machine.plain()
    assert plain  # most steps are plain
    for state in machine.names:
        for step, source in machine.source_of.items():
            at = source if machine.behind(state, source) else state
            transitions = machine.transitions_from(at, step)  # the library's own answer
            if (state, step) not in plain:  # an outcome decides there, beside the gate
                assert len(transitions) > 1 or len(transitions[0].conditions) > 1
                continue
            after = machine.replay_event(at, step)
            assert plain[(state, step)] == ((at, False) if after is None else (after, True))


def test_one_pass_questions_of_the_view_answer_as_the_prerequisites():
    for dossier in CORPUS:
        ctx = make_context(dossier, AS_OF)
        view = DossierView(dossier, ctx.structure)
        general = [view._find_prerequisites(occ) for occ in view.occurrences]
        assert view.all_prerequisites() == general
        assert view.some_prerequisite_missing() == any(p is None for found in general for _, p in found)
        assert view.some_step_before_its_prerequisite() == any(
            p is not None and occ.entry.date < p.entry.date for occ, found in zip(view.occurrences, general)
            for _, p in found)


def test_each_step_is_judged_by_the_rule_set_the_context_names():
    for dossier in CORPUS[::3]:
        for as_of in (AS_OF, dt.date(2026, 5, 10), dt.date(2026, 5, 11)):
            ctx = make_context(dossier, as_of)
            view = DossierView(dossier, ctx.structure)
            ctx.judge(view)
            assert [occ.rs for occ in view.occurrences] == [ctx.ruleset_at(occ) for occ in view.occurrences]
            judges = {id(occ.rs) for occ in view.occurrences}
            assert (view.judged_by is not None) == (len(judges) == 1)


def test_the_occurrence_of_a_cycle_is_the_general_answer():
    for dossier in CORPUS:
        view = DossierView(dossier, make_context(dossier, AS_OF).structure)
        for step_id, occs in view.by_step.items():
            cyclic = view.base.step_by_id[step_id].probation_cycle
            for cycle in range(-1, 3):
                expected = (occs[cycle] if cycle < len(occs) else None) if cyclic else occs[0]
                assert view.in_cycle(step_id, cycle) is expected


def test_a_record_that_jumps_to_the_archive_is_audited_not_crashed():
    """s25 is taken from full_member, not a live state: an imported record with s24 missing used to
    stop the audit with a traceback (found by the differential test of the two readings)."""
    document = json.loads((example_dir() / "01_valid_2014_full_record.json").read_text(encoding="utf-8"))["dossier"]
    document["steps"] = [s for s in document["steps"] if s["step"] != "s24_conversion_approved"]
    audit = audit_dossier(parse_dossier(document), AS_OF)
    assert audit.state == "full_member"
    assert [(f.code, f.step) for f in audit.findings] == [("STEP_MISSING", "s25_archived")]
