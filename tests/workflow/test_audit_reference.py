"""The compiled audit answers as a straightforward evaluation of the rules (issue 13).

`workflow.audit.evaluate` runs plans compiled per rule set (plain copies of the rules, one flat
list of (evaluator, rule, record) per sequence of recorded steps), asks the view questions it
remembers per sequence of steps (in order? a prerequisite missing?), skips rules that cannot fire
(materials all listed, dates in the procedure's order), and replays the state through remembered
runs of plain transitions. The reference below does none of that: a fresh context, each record
judged by `ruleset_at`, every rule of that rule set taken from the checklist objects themselves and
checked by its kind, the view's questions answered the general way, and the state replayed one
step at a time. Both must give the same findings, in the same order, and the same state, for a
few hundred generated dossiers (valid and faulty, both rule sets, pins, an overlay, extended
probations, steps recorded out of order, self-reviews, unsigned materials, dates after the day of
the audit) and the shared examples, on several days of audit.
"""
from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from audit_support import every_rule
from tests_support import example_dir

from bench.audit_throughput import corpus
from bench.generate import base_cases, variants
from workflow.audit import audit_dossier, make_context
from workflow.dossier_facts import read_facts, with_organisation
from workflow.findings import Finding
from workflow.machine import replay
from workflow.rules.plain import PlainRule, plain_rule
from workflow.view import DossierView

DAYS = (dt.date(2026, 11, 21), dt.date(2026, 5, 10), dt.date(2026, 5, 11), dt.date(2019, 1, 1))


class GeneralView(DossierView):
    """The view with its shortcuts turned off: every question answered from the rule set's steps as
    the checklist objects give them, nothing remembered per rule set or per sequence of steps."""

    def recorded_in_order(self) -> bool:
        return False  # the replay then sorts the steps itself

    def dated_in_order(self) -> bool:
        return False

    def in_cycle(self, step_id, cycle):
        occs = self.by_step.get(step_id)
        if not occs:
            return None
        if cycle == 0 or not self.base.step_by_id[step_id].probation_cycle:
            return occs[0]
        return occs[cycle] if cycle < len(occs) else None

    def prerequisites(self, occ):
        base = self.base
        step, probation = base.step_by_id[occ.step], base.probation
        if step.probation_cycle and occ.cycle > 0 and occ.step == probation.first_cycle_step:
            return [(probation.approved_by, self.in_cycle(probation.approved_by, occ.cycle - 1))]
        out = []
        for req in step.requires:
            if base.step_by_id[req].probation_cycle:
                found = self.in_cycle(req, occ.cycle) if step.probation_cycle else self.last(req)
            else:
                found = self.first(req)
            out.append((req, found))
        return out

    def all_prerequisites(self):
        return [self.prerequisites(occ) for occ in self.occurrences]

    def steps_before_prerequisites(self):
        return [(occ, req, prior) for occ in self.occurrences for req, prior in self.prerequisites(occ)
                if prior is not None and occ.entry.date < prior.entry.date]

    def some_step_before_its_prerequisite(self) -> bool:
        return bool(self.steps_before_prerequisites())

    def some_prerequisite_missing(self) -> bool:
        return any(prior is None for found in self.all_prerequisites() for _, prior in found)

    def anchor(self, name, occ):
        if name == "probation_end":
            return self.probation_end(occ.cycle)
        step = self.base.step_by_id[name]
        if step.probation_cycle and self.base.step_by_id[occ.step].probation_cycle:
            found = self.in_cycle(name, occ.cycle)
        elif step.probation_cycle:
            found = self.last(name)
        else:
            found = self.first(name)
        return found.entry.date if found else None

    def continued_after(self, occ) -> bool:
        cyclic = self.base.step_by_id[occ.step].probation_cycle
        for step_id in self.base.descendants.get(occ.step, frozenset()):
            for other in self.by_step.get(step_id, ()):
                if cyclic and self.base.step_by_id[step_id].probation_cycle and other.cycle != occ.cycle:
                    continue
                return True
        return False

    def conversion_outcome(self, cycle):
        meeting = self.in_cycle(self.base.probation.decided_by, cycle)
        return None if meeting is None else meeting.entry.outcome or "convert"


def reference_audit(dossier, as_of: dt.date) -> tuple[str, list[Finding]]:
    ctx = make_context(dossier, as_of)
    view = GeneralView(dossier, ctx.structure)
    for occ in view.occurrences:
        occ.rs = ctx.ruleset_at(occ)  # judged_by stays None: no one-rule-set pass
    out = every_rule(view, ctx)
    state = replay(dossier, GeneralView(dossier, ctx.structure), upto=1 << 30)  # the step-by-step loop
    return state, out


def _extend(document: dict) -> None:
    cycle = [s for s in document["steps"] if s["step"] in ("s21_probation_education", "s22_conversion_applied",
                                                           "s23_conversion_meeting", "s24_conversion_approved")]
    if len(cycle) == 4:
        cycle[2].update(outcome="extend", extend_months=6)
        cycle[3].pop("party_standing_from", None)
        for entry in cycle:
            again = {k: v for k, v in entry.items() if k not in ("outcome", "extend_months", "party_standing_from")}
            again["date"] = (dt.date.fromisoformat(entry["date"]) + dt.timedelta(days=190)).isoformat()
            again.pop("reviewed_on", None)
            document["steps"].append(again)
        for entry in document["steps"]:  # the archiving follows the last cycle (its limits count from it)
            if entry["step"] == "s25_archived":
                entry["date"] = (dt.date.fromisoformat(document["steps"][-1]["date"]) + dt.timedelta(days=20)).isoformat()
                entry.pop("reviewed_on", None)


def _corpus() -> list:
    """(dossier as the stream reads it) for the bench's corpus and for more varied faulty documents."""
    rows = corpus(160)  # valid and faulty, pins, the overlay, extended probations
    rng = random.Random(13)
    documents = variants(base_cases(), 200, faulty_share=0.8, seed=17)
    for n, document in enumerate(documents):
        if n % 3 == 0:
            _extend(document)
        if n % 5 == 0:  # recorded out of order, some with a gap
            document["steps"] = list(reversed(document["steps"]))
            if len(document["steps"]) > 6:
                del document["steps"][3]
        if n % 7 == 0 and document["steps"]:  # the recorder reviewed it
            entry = rng.choice(document["steps"])
            entry["recorded_by"] = entry["reviewed_by"] = entry.get("recorded_by") or "张三"
        if n % 11 == 0 and document["steps"]:  # a date after the day of the audit
            rng.choice(document["steps"])["date"] = "2027-03-01"
        if n % 13 == 0 and document.get("materials"):
            document["materials"][0]["signed_by"] = []
        if n % 17 == 0 and document["steps"]:  # signed off on paper, confirmed or not
            entry = rng.choice(document["steps"])
            entry["review_source"] = "paper"
            entry["paper_review"] = {"reviewed_by": "李四", "imported_by": "王五", "imported_on": entry["date"],
                                     **({"confirmed_by": "赵六", "confirmed_on": entry["date"]} if n % 2 else {})}
        if n % 19 == 0 and document["steps"]:  # corrected after archiving
            rng.choice(document["steps"])["archive_correction"] = {"by": "钱七", "on": "2026-01-05",
                                                                   "reason": "更正日期"}
        rows.append((json.dumps(document, ensure_ascii=False), "2026.05" if n % 4 == 0 else None,
                     "example-university" if n % 6 == 1 else None))
    for path in sorted(example_dir().glob("*.json")):
        rows.append((json.dumps(json.loads(path.read_text(encoding="utf-8"))["dossier"], ensure_ascii=False),
                     None, None))
    out = []
    for text, pin, overlay in rows:
        facts = read_facts(text)
        if facts is not None:  # the few the fast reading leaves to the validated one are not this test's
            out.append(with_organisation(facts, pin, overlay))
    return out


CORPUS = _corpus()


def test_the_corpus_is_varied():
    audits = [audit_dossier(d, DAYS[0]) for d in CORPUS]
    codes = {f.code for a in audits for f in a.findings}
    assert len(CORPUS) > 350
    assert sum(not a.findings for a in audits) > 50 and sum(len(a.findings) > 3 for a in audits) > 50
    assert {"DATE_ORDER", "MATERIAL_MISSING", "STEP_MISSING", "SELF_REVIEW", "SIGNATURE_MISSING",
            "THOUGHT_REPORT_GAP", "VOTE_NOT_PASSED", "REVIEW_ON_PAPER", "CORRECTED_AFTER_ARCHIVE"} <= codes
    assert len({a.state for a in audits}) >= 4


@pytest.mark.parametrize("as_of", DAYS, ids=str)
def test_the_compiled_audit_answers_as_the_reference(as_of):
    for dossier in CORPUS:
        audit = audit_dossier(dossier, as_of)
        state, findings = reference_audit(dossier, as_of)
        assert (audit.state, [f.to_dict() for f in audit.findings]) == \
            (state, [f.to_dict() for f in findings]), dossier.id
        assert [(f.index, f.step_number, f.subject) for f in audit.findings] == \
            [(f.index, f.step_number, f.subject) for f in findings], dossier.id


def test_a_second_audit_answers_as_the_first():
    """What the audit remembers (runs of plain steps, plans per sequence of steps, the view's answers
    per sequence) is the same the second time a sequence is seen."""
    first = [audit_dossier(d, DAYS[0]).to_dict() for d in CORPUS]
    assert [audit_dossier(d, DAYS[0]).to_dict() for d in reversed(CORPUS)] == first[::-1]


def test_a_plain_rule_reads_as_the_checklist_rule():
    from checklists.loader import default_catalogue

    for rs in default_catalogue().ordered():
        for rule in rs.rules:
            plain = plain_rule(rule)
            assert isinstance(plain, PlainRule) and plain_rule(plain) is plain
            for name in type(rule).model_fields:
                if name != "params":
                    assert getattr(plain, name) == getattr(rule, name)
            for name, value in rule.params:
                assert getattr(plain.params, name) == value
            assert list(plain.params) == list(rule.params) and plain.params == rule.params
            assert plain.steps == rule.steps  # a property: asked of the rule itself
            assert getattr(plain.params, "no_such_parameter", None) is None


@pytest.mark.parametrize("rule_set", ["2014", "2026.05"])
def test_a_remembered_run_of_plain_steps_is_the_walk_through_the_table(rule_set):
    from workflow.machine import procedure_machine

    machine = procedure_machine(rule_set)
    plain = machine.plain()
    sequences = {tuple(entry.step for entry in d.steps) for d in CORPUS}
    for steps in sorted(sequences):
        for state in machine.names:
            for at in range(len(steps) + 1):
                expected_state, expected_at = state, at
                while expected_at < len(steps) and (expected_state, steps[expected_at]) in plain:
                    expected_state = plain[(expected_state, steps[expected_at])][0]
                    expected_at += 1
                assert machine.plain_run(state, steps, at) == (expected_state, expected_at)
                assert machine.plain_run(state, steps, at) == (expected_state, expected_at)  # remembered
