"""Each rule kind answers for itself: the window it imposes on its step, the windows or due days of
the kinds that fall due again and again, and the figures its messages print, all from the rule's own
parameters in the data (an overlay that tightens a gap moves the window the plan shows and the words
the finding says)."""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from tests_support import cut_after, step

from checklists.gaps import Gap
from checklists.kinds import KIND_PARAMS
from checklists.loader import default_catalogue
from documents.context import build_context
from workflow.audit import audit_dossier
from workflow.dates import add_gap, add_months
from workflow.dossier import parse_dossier
from workflow.plan import plan_dossier
from workflow.rules import DOSSIER_EVALUATORS, STEP_EVALUATORS
from workflow.rules.kinds import KINDS, rules_of_kind

ROOT = Path(__file__).resolve().parents[2]


def rule(rs_id: str, code: str, overlay=None):
    catalogue = default_catalogue()
    key = catalogue.register_overlay(overlay) if overlay is not None else None
    return next(r for r in catalogue.get(rs_id, key).rules if r.code == code)


def talk_plan(data: dict, as_of: str) -> dict:
    cut_after(data, "s01_application")
    plan = plan_dossier(parse_dossier(data), dt.date.fromisoformat(as_of))
    return next(n for n in plan.next if n.step == "s02_applicant_talk")


def test_every_kind_the_data_may_name_has_one_object_and_its_check_is_the_evaluator_itself():
    assert set(KINDS) == set(KIND_PARAMS)
    for name, kind in KINDS.items():
        table = STEP_EVALUATORS if kind.scope == "step" else DOSSIER_EVALUATORS
        assert table[name] is kind.check  # the audit compiles the very function: no dispatch added


def test_the_talk_deadline_is_the_application_plus_the_rules_own_gap(dossier_2014):
    within = rule("2014", "TALK_LATE").params.within
    assert within == Gap(months=1)
    applied = dt.date.fromisoformat(step(dossier_2014, "s01_application")["date"])
    talk = talk_plan(dossier_2014, "2020-08-20")
    assert talk.deadline == add_gap(applied, within) == add_months(applied, 1)
    assert talk.deadline_code == "TALK_LATE"


@pytest.mark.parametrize("overlay, days", [
    ("example-university", 15),
    ({"id": "tight", "rules": [{"code": "TALK_LATE", "within": "10 days"}]}, 10),
])
def test_an_overlay_that_tightens_the_gap_moves_the_deadline_the_plan_shows(dossier_2014, overlay, days):
    applied = dt.date.fromisoformat(step(dossier_2014, "s01_application")["date"])
    talk = talk_plan({**dossier_2014, "overlay": overlay}, "2020-08-20")
    assert talk.deadline == applied + dt.timedelta(days=days)


def test_an_overlay_that_tightens_cultivation_moves_the_earliest_candidate_day(dossier_2014):
    cut_after(dossier_2014, "s06_activist_cultivation")
    s03 = dt.date.fromisoformat(step(dossier_2014, "s03_activist_determined")["date"])

    def earliest(data):
        plan = plan_dossier(parse_dossier(data), dt.date(2021, 9, 1))
        return next(n for n in plan.next if n.step == "s07_candidate_determined").earliest

    assert earliest(dossier_2014) == add_months(s03, 12)
    longer = {"id": "longer", "rules": [{"code": "CULTIVATION_SHORT", "at_least": "14 months"}]}
    assert earliest({**dossier_2014, "overlay": longer}) == add_months(s03, 14)


def test_the_max_gap_window_is_what_the_gate_enforces(dossier_2014):
    """The deadline the kind gives is the last day the audit lets the talk through."""
    talk = talk_plan(dossier_2014, "2020-08-20")
    for day, late in ((talk.deadline, False), (talk.deadline + dt.timedelta(days=1), True)):
        data = {**dossier_2014, "steps": [*dossier_2014["steps"],
                                          {"step": "s02_applicant_talk", "date": day.isoformat()}]}
        codes = {f.code for f in audit_dossier(parse_dossier(data), dt.date(2021, 1, 1)).findings}
        assert ("TALK_LATE" in codes) is late


def test_periodic_windows_follow_the_rules_every_and_the_form_prints_them(dossier_2014):
    kind = KINDS["periodic_assessment"]
    national = rule("2014", "ASSESSMENT_GAP")
    anchor = dt.date(2021, 2, 8)
    windows = kind.windows(national, anchor)
    assert national.params.every == Gap(months=6)
    assert [next(windows) for _ in range(3)] == [(anchor, dt.date(2021, 8, 8)),
                                                 (dt.date(2021, 8, 8), dt.date(2022, 2, 8)),
                                                 (dt.date(2022, 2, 8), dt.date(2022, 8, 8))]
    catalogue = default_catalogue()
    key = catalogue.register_overlay({"id": "quarterly", "rules": [{"code": "ASSESSMENT_GAP", "every": "4 months"}]})
    rs = catalogue.get("2014", key)
    form = next(f for f in rs.forms if f.id == "activist_assessment")
    rows = build_context(parse_dossier(dossier_2014), form, rs=rs)["activist_half_years"]
    assert [(r["start"], r["end"]) for r in rows[:2]] == [(anchor, dt.date(2021, 6, 8)),
                                                          (dt.date(2021, 6, 8), dt.date(2021, 10, 8))]


def test_thought_reports_and_leaving_window_come_from_the_rule():
    tight = {"id": "u", "rules": [{"code": "RUSHED_ADMISSION", "within": "4 months"}]}
    reports = rule("2014", "THOUGHT_REPORT_GAP", "example-university")
    assert KINDS["thought_reports"].due_after(reports, dt.date(2021, 1, 31)) == dt.date(2021, 4, 30)
    leaving = KINDS["before_leaving"]
    assert leaving.opens(rule("2014", "RUSHED_ADMISSION"), dt.date(2024, 7, 1)) == dt.date(2024, 4, 1)
    assert leaving.opens(rule("2014", "RUSHED_ADMISSION", tight), dt.date(2024, 7, 1)) == dt.date(2024, 3, 1)


def test_a_tightened_gap_is_what_the_message_says(dossier_2014):
    """The data writes "{within}"; an overlay that changes only the gap changes the words too."""
    dossier_2014["steps"] = [s for s in dossier_2014["steps"] if s["step"] in ("s01_application",)]
    dossier_2014["materials"] = None
    late = {**dossier_2014, "steps": [*dossier_2014["steps"], {"step": "s02_applicant_talk", "date": "2020-09-25"}]}

    def message(data):
        return next(f.message for f in audit_dossier(parse_dossier(data), dt.date(2021, 1, 1)).findings
                    if f.code == "TALK_LATE")

    assert "收到入党申请书后一个月的期限 2020-09-11" in message(late)
    assert "收到入党申请书后十五日的期限 2020-08-26" in message({**late, "overlay": "example-university"})
    ten = {"id": "ten", "rules": [{"code": "TALK_LATE", "within": "10 days"}]}
    assert "收到入党申请书后十日的期限 2020-08-21" in message({**late, "overlay": ten})


def test_the_age_and_the_every_read_as_the_data_says():
    assert KINDS["min_age"].message_params(rule("2014", "AGE_UNDER_18")) == {"age": "十八周岁"}
    assert KINDS["periodic_assessment"].message_params(rule("2014", "ASSESSMENT_GAP")) == {"every": "半年"}
    assert KINDS["max_gap"].message_params(rule("2014", "APPROVAL_LATE")) == {"within": "三个月",
                                                                             "excused_within": "六个月"}


def test_a_publicity_sentence_prints_the_rules_own_working_days(dossier_2026):
    """The phrase is data; an overlay raising the working days is what the refusal says."""
    dossier_2026["publicity"] = [{**p, "end": p["start"]} for p in dossier_2026["publicity"]]
    six = {"id": "six", "rules": [{"code": "PUBLICITY_SHORT", "step": "s07_candidate_determined", "working_days": 6}]}

    def short(data):
        return [f.message for f in audit_dossier(parse_dossier(data), dt.date(2026, 11, 21)).findings
                if f.code == "PUBLICITY_SHORT"]

    assert any("少于 5 个工作日" in m for m in short(dossier_2026))
    assert any("少于 6 个工作日" in m for m in short({**dossier_2026, "overlay": six}))
    national = rules_of_kind(default_catalogue().get("2026.05"), "publicity")
    assert all("{working_days}" in r.params.phrases["short"] for r in national)


OWNED = ["workflow/rules", "workflow/plan.py", "workflow/cultivation/walk.py", "workflow/cultivation/forecast.py",
         "documents/context.py", "documents/rule_words.py", "workflow/samples.py"]


def test_no_module_here_imports_another_modules_private_names():
    offenders = []
    for path in (p for entry in OWNED for p in sorted((ROOT / entry).rglob("*.py")) or [ROOT / entry]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(("workflow", "documents",
                                                                                          "checklists", "api")):
                offenders += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert offenders == []


def test_a_sample_whose_notice_runs_past_the_switch_is_planned_again_under_the_new_order():
    """samples.build_case: the candidate notice (its working days from the data) pushed the listing past
    2026-05-11; the sample used to record s07 in the 2014 order and be refused (STEP_MISSING)."""
    from workflow.samples import CaseSpec, build_case

    as_of = dt.date(2027, 3, 1)
    dossier = build_case(CaseSpec("S2", dt.date(2025, 5, 1), seed=2), as_of)
    order = [s.step for s in dossier.steps]
    assert order.index("s08_candidate_filed") < order.index("s07_candidate_determined")
    assert not audit_dossier(dossier, as_of).has_violations
