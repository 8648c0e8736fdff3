"""The step rules as one generated function per rule set and sequence of steps (issue 13).

`workflow.rules.compiled_plan` calls a rule's evaluator only when the rule's screen cannot rule a
finding out. Each screened kind gets a dossier on which its exact evaluator writes a finding: the
audit must show that finding, and every finding must be what the unscreened loop (every rule of
every record, each through its kind's `check`) writes, in the same order. A screen that wrongly
ruled the call out would lose the finding. The plans are written once per (rule set, steps); the
whole corpus is compared in tests/workflow/test_audit_reference.py.
"""
from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from audit_support import every_rule

from checklists.loader import default_catalogue
from workflow.audit import audit_dossier, make_context
from workflow.dossier import parse_dossier
from workflow.dossier_facts import read_facts, with_organisation
from workflow.findings import Finding
from workflow.rules import compiled_plan, plan_screens
from workflow.rules.kinds import KINDS
from workflow.samples import CaseSpec, build_case
from workflow.view import DossierView

AS_OF = dt.date(2026, 11, 21)
BASE = build_case(CaseSpec("P0", dt.date(2016, 3, 1), seed=0), AS_OF).to_json_dict()


def _day(text: str, days: int) -> str:
    return (dt.date.fromisoformat(text) + dt.timedelta(days=days)).isoformat()


def _step(document: dict, step_id: str) -> dict:
    return next(entry for entry in document["steps"] if entry["step"] == step_id)


def _last(document: dict, step_id: str) -> dict:
    return [entry for entry in document["steps"] if entry["step"] == step_id][-1]


def _extend(document: dict, pick=_step) -> None:
    """An extended probation: s23 extends by `months`, s21–s24 follow again (steps then repeat). With
    `pick=_last` the latest cycle is the one extended (a probation extended once more)."""
    cycle = [pick(document, s) for s in ("s21_probation_education", "s22_conversion_applied",
                                         "s23_conversion_meeting", "s24_conversion_approved")]
    cycle[2].update(outcome="extend", extend_months=6)
    again = []
    for entry in cycle:
        entry = {k: v for k, v in entry.items() if k not in ("outcome", "extend_months", "party_standing_from")}
        entry["date"] = _day(entry["date"], 190)
        entry.pop("reviewed_on", None)
        again.append(entry)
    archived = _step(document, "s25_archived")
    document["steps"].remove(archived)
    document["steps"] += again + [dict(archived, date=_day(again[-1]["date"], 20))]


# (kind, the code its evaluator writes, rule-set pin, overlay, the change that makes it fire)
CASES = [
    ("min_age", "AGE_UNDER_18", None, None, lambda d: d["person"].update(birth_date=d["steps"][0]["date"])),
    ("max_gap", "TALK_LATE", None, None,
     lambda d: _step(d, "s02_applicant_talk").update(date=_day(d["steps"][0]["date"], 40))),
    ("max_gap", "CONVERSION_APPROVAL_LATE", None, None,
     lambda d: _step(d, "s24_conversion_approved").update(date=_day(_step(d, "s23_conversion_meeting")["date"], 120))),
    ("max_gap", "CONVERSION_DELAYED", None, None,
     lambda d: _step(d, "s23_conversion_meeting").update(date=_day(_step(d, "s23_conversion_meeting")["date"], 90))),
    ("min_gap", "CULTIVATION_SHORT", None, None,
     lambda d: _step(d, "s03_activist_determined").update(date=_day(_step(d, "s07_candidate_determined")["date"], -30))),
    ("min_gap", "CONVERSION_EARLY", None, None,
     lambda d: _step(d, "s23_conversion_meeting").update(date=_day(_step(d, "s23_conversion_meeting")["date"], -60))),
    ("periodic_assessment", "ASSESSMENT_GAP", None, None, lambda d: d["assessments"].pop()),
    ("thought_reports", "THOUGHT_REPORT_GAP", None, "example-university", lambda d: d.update(thought_reports=[])),
    ("before_leaving", "RUSHED_ADMISSION", None, None,
     lambda d: d["person"].update(expected_leave_date=_day(_step(d, "s15_admission_meeting")["date"], 30))),
    ("nomination", "NOMINATION_MISSING", None, None, lambda d: _step(d, "s03_activist_determined").update(nomination=[])),
    ("people", "CONTACTS_INVALID", None, None, lambda d: _step(d, "s05_contacts_assigned").update(people=[])),
    ("people", "INTRODUCERS_INVALID", None, None,
     lambda d: _step(d, "s09_introducers_assigned")["people"][1].update(status="probationary")),
    ("discipline_period", "INTRODUCER_DISCIPLINED", "2026.05", None,
     lambda d: _step(d, "s09_introducers_assigned")["people"][0].update(
         discipline="警告", discipline_until=_day(_step(d, "s09_introducers_assigned")["date"], 100))),
    ("required_value", "POLITICAL_REVIEW_MISSING", None, None,
     lambda d: _step(d, "s10_political_review").update(conclusion="not_qualified")),
    ("training", "TRAINING_INSUFFICIENT", None, None, lambda d: _step(d, "s11_training").update(days=1, hours=6)),
    ("required_step", "COMMITTEE_TALK_MISSING", None, None,
     lambda d: d["steps"].remove(_step(d, "s16_committee_talk"))),
    ("required_fields", "FIELD_MISSING", None, None, lambda d: _step(d, "s14_application_form").pop("serial")),
    ("quorum", "QUORUM_NOT_MET", None, None,
     lambda d: _step(d, "s15_admission_meeting").update(votes={"expected": 12, "present": 5, "yes": 5})),
    ("vote", "VOTE_NOT_PASSED", None, None,
     lambda d: _step(d, "s15_admission_meeting").update(votes={"expected": 12, "present": 9, "yes": 5})),
    ("quorum", "QUORUM_NOT_MET", None, None,  # exactly half present: no quorum (the screen's `<=`)
     lambda d: _step(d, "s15_admission_meeting").update(votes={"expected": 12, "present": 6, "yes": 6})),
    ("vote", "VOTE_NOT_PASSED", None, None,  # exactly half in favour with the written votes: not carried
     lambda d: _step(d, "s15_admission_meeting").update(
         votes={"expected": 12, "present": 8, "yes": 4, "written_yes": 2, "written_no": 2})),
    ("extension", "EXTENSION_INVALID", None, None,
     lambda d: (_extend(d), _step(d, "s23_conversion_meeting").update(extend_months=3))),
    ("extension", "EXTENSION_INVALID", None, None,  # no months written
     lambda d: (_extend(d), _step(d, "s23_conversion_meeting").pop("extend_months"))),
    ("extension", "EXTENSION_INVALID", None, None,  # months in range, extended once more than allowed
     lambda d: (_extend(d), _extend(d, _last))),
    ("party_standing", "PARTY_STANDING_WRONG", None, None,
     lambda d: _last(d, "s24_conversion_approved").update(party_standing_from=_day(_last(d, "s24_conversion_approved")["date"], 9))),
    ("approver", "APPROVER_NOT_AUTHORISED", None, None,
     lambda d: _step(d, "s17_admission_approved").update(approving_body={"type": "general_branch"})),
    ("publicity", "PUBLICITY_SHORT", "2026.05", None,
     lambda d: d["publicity"][0].update(end=d["publicity"][0]["start"])),
]


def _dossier(change, pin, overlay, extended=False):
    document = copy.deepcopy(BASE)
    if extended:
        _extend(document)
    change(document)
    text = json.dumps(document, ensure_ascii=False)
    facts = read_facts(text)
    dossier = facts if facts is not None else parse_dossier(json.loads(text))
    return with_organisation(dossier, pin, overlay) if facts is not None else \
        dossier.model_copy(update={"rule_set": pin, "overlay": overlay})


def unscreened(dossier, as_of: dt.date) -> list[Finding]:
    """Every rule of every record through its kind's check, nothing skipped: what the plan must equal."""
    ctx = make_context(dossier, as_of)
    view = DossierView(dossier, ctx.structure)
    ctx.judge(view)
    return every_rule(view, ctx)


def _judged_by_one(dossier) -> bool:
    ctx = make_context(dossier, AS_OF)
    view = DossierView(dossier, ctx.structure)
    ctx.judge(view)
    return view.judged_by is not None


@pytest.mark.parametrize("extended", [False, True], ids=["once", "extended"])
@pytest.mark.parametrize("kind, code, pin, overlay, change", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_screen_lets_through_every_call_that_finds_something(kind, code, pin, overlay, change, extended):
    dossier = _dossier(change, pin, overlay, extended)
    assert _judged_by_one(dossier)  # the compiled plan's case: one rule set judges every step
    expected = unscreened(dossier, AS_OF)
    assert any(f.code == code for f in expected), f"the case must make {kind} fire"
    for _ in range(2):  # a sequence of steps is compiled when it is seen again: the second audit runs the plan
        found = audit_dossier(dossier, AS_OF).findings
        assert [f.to_dict() for f in found] == [f.to_dict() for f in expected]
        assert [(f.index, f.step_number, f.subject) for f in found] == \
            [(f.index, f.step_number, f.subject) for f in expected]


def test_every_step_kind_has_a_screen():
    """A kind without one is still right (always called); this says which the plan screens."""
    step_checks = {kind.check for kind in KINDS.values() if kind.scope == "step"}
    assert step_checks == set(compiled_plan.SCREENS)
    assert {case[0] for case in CASES} == {kind.name for kind in KINDS.values() if kind.scope == "step"}


def test_a_late_step_before_the_rule_set_took_force_is_left_to_the_evaluator():
    """A limit that ends before the judging rule set took force may bind under an earlier rule set
    (gaps.binding_limit): the plan calls the evaluator even when the step is within its own limit."""
    rs = default_catalogue().national["2026.05"]
    steps = ("s01_application", "s02_applicant_talk")
    _, namespace = compiled_plan.write_plan(rs, compiled_plan.run_of(rs, steps), steps, False)
    limits = [v for v in namespace.values()
              if isinstance(v, plan_screens.DayMemo) and v.compute is plan_screens.gap_end_in_force]
    assert len(limits) == 1  # a limit before 2026.05 took force reads date.min: every day is after it
    assert limits[0][rs.in_force_from - dt.timedelta(days=40)] == dt.date.min
    dossier = _dossier(lambda d: _step(d, "s02_applicant_talk").update(date=_day(d["steps"][0]["date"], 40)),
                       None, None)
    for day in (dt.date(2026, 5, 10), dt.date(2026, 5, 10), dt.date(2026, 5, 11), AS_OF, AS_OF):
        assert [f.to_dict() for f in audit_dossier(dossier, day).findings] == \
            [f.to_dict() for f in unscreened(dossier, day)]


def test_a_plan_is_compiled_once_per_rule_set_and_steps(monkeypatch):
    rs = default_catalogue().national["2014"]
    plans = compiled_plan.CompiledPlans(rs, lambda steps: compiled_plan.run_of(rs, steps))
    steps = tuple(entry["step"] for entry in BASE["steps"])
    plans.plan(steps, False)
    assert plans.compiled == 0  # seen once: the plain loop
    first = plans.plan(steps, False)
    assert plans.plan(steps, False) is first and plans.compiled == 1
    for _ in range(2):
        assert plans.plan(steps[:7], False) is not first
        assert plans.plan(steps, True) is not first  # a repeated step: another plan
    assert plans.compiled == 3

    written = []
    real = compiled_plan.compile_plan
    monkeypatch.setattr(compiled_plan, "compile_plan", lambda *a: written.append(a[2]) or real(*a))
    dossier = _dossier(lambda d: d["steps"].pop(3), None, None)  # s04 left out
    audit_dossier(dossier, AS_OF)
    audit_dossier(dossier, AS_OF)
    assert len(written) <= 1  # written by the second audit, unless another test audited these steps before
    written.clear()
    for _ in range(3):
        audit_dossier(dossier, AS_OF)
        audit_dossier(_dossier(lambda d: (d["steps"].pop(3), d["assessments"].clear()), None, None), AS_OF)
    assert written == []  # the same rule set and steps: the plan remembered


def test_the_source_reads_as_the_rules():
    rs = default_catalogue().national["2014"]
    source = compiled_plan.plan_source(rs, [entry["step"] for entry in BASE["steps"]])
    compile(source, "<plan>", "exec")
    for rule in rs.rules:
        if rule.steps and all(step is not None for step in rule.steps):
            assert f" {rule.kind} {rule.code}" in source  # one comment per (rule, record)
    assert "cannot fire, its source is recorded" in source  # s16 recorded: COMMITTEE_TALK_MISSING is not asked


def test_a_rule_code_with_line_breaks_stays_inside_the_comment():
    """An overlay may add a rule under any code: written into the generated source, it must not become code."""
    from types import SimpleNamespace

    rs = default_catalogue().get("2014")
    called = []
    hostile = SimpleNamespace(kind="made_up", code="X\nraise SystemExit('injected')\n#")
    run = ((lambda rule, occ, view, ctx, out: called.append(rule.code), hostile, 0),)
    source, _ = compiled_plan.write_plan(rs, run, ("s01_application",), False)
    assert "\nraise SystemExit" not in source and "# s01_application (record 0): made_up X raise SystemExit" in source
    plan = compiled_plan.compile_plan(rs, run, ("s01_application",), False)
    occurrences = [object()]
    view = SimpleNamespace(dossier=SimpleNamespace(steps=[object()]), occurrences=occurrences,
                           occurrence=occurrences.__getitem__)
    plan(view, None, [])  # runs the one call, raises nothing
    assert called == [hostile.code]


def test_an_extended_probation_asks_the_view_only_of_repeated_steps():
    """When a step repeats, a record whose step and anchor are each recorded once reads its anchor where
    it is (cycle 0: the view's answer is that record); a record of a repeated step asks the view, once."""
    rs = default_catalogue().national["2014"]
    document = copy.deepcopy(BASE)
    _extend(document)
    source = compiled_plan.plan_source(rs, [entry["step"] for entry in document["steps"]], repeated=True)
    assert "view.anchor('s01_application'" not in source  # s02_applicant_talk: TALK_LATE from the one s01
    assert "view.in_cycle('s10_political_review'" not in source
    assert source.count("= view.anchor('probation_end', view.occurrences[22])") == 1  # s23 repeats: asked once, kept
