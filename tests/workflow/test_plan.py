"""What can be done next: earliest days, deadlines, blockers, overdue steps, ended cases."""
from __future__ import annotations

import copy
import datetime as dt

from tests_support import cut_after, step

from workflow.dossier import parse_dossier
from workflow.plan import plan_document, plan_dossier


def plan_of(data, as_of):
    return plan_dossier(parse_dossier(data), dt.date.fromisoformat(as_of)).to_dict()


def test_talk_deadline_and_overdue(dossier_2014):
    cut_after(dossier_2014, "s01_application")
    plan = plan_of(dossier_2014, "2020-08-20")
    assert plan["state"] == "applicant"
    assert plan["next"] == [{"step": "s02_applicant_talk", "earliest": "2020-08-11", "deadline": "2020-09-11",
                             "blocked_by": [], "provisional": False}]
    assert plan["overdue"] == []
    late = plan_of(dossier_2014, "2020-09-12")
    assert late["overdue"] == [{"step": "s02_applicant_talk", "deadline": "2020-09-11", "code": "TALK_LATE"}]
    assert late["next"][0]["blocked_by"] == ["TALK_LATE"]


def test_candidate_earliest_is_a_year_after_activist_and_gaps_block(dossier_2014):
    cut_after(dossier_2014, "s06_activist_cultivation")
    plan = plan_of(dossier_2014, "2021-09-01")
    assert plan["next"][0]["step"] == "s07_candidate_determined"
    assert plan["next"][0]["earliest"] == "2022-02-08"
    assert plan["next"][0]["blocked_by"] == []
    dossier_2014["assessments"] = dossier_2014["assessments"][1:]
    assert plan_of(dossier_2014, "2021-09-01")["next"][0]["blocked_by"] == ["ASSESSMENT_GAP"]


def _consented(data, meeting="2026-09-20", day="2026-09-25"):
    """The 2026.05 order: the branch committee meeting and the committee's consent (s08) come first."""
    cut_after(data, "s06_activist_cultivation")
    data["steps"].append({"step": "s08_candidate_filed", "date": day, "committee_meeting_on": meeting,
                          "recorded_by": "李书记", "reviewed_by": "王组织员"})
    data["assessments"].append({"date": "2026-09-30", "period": "activist", "by": "赵六", "result": "合格"})


def test_under_2026_the_committee_consent_comes_before_listing(dossier_2026):
    cut_after(dossier_2026, "s06_activist_cultivation")
    plan = plan_of(dossier_2026, "2026-09-01")
    assert [n["step"] for n in plan["next"]] == ["s08_candidate_filed"]
    assert plan["next"][0]["earliest"] == "2026-04-08"


def test_publicity_sets_the_earliest_decision_day(dossier_2026):
    _consented(dossier_2026)
    dossier_2026["publicity"] = [{"kind": "candidate", "start": "2026-09-28", "end": "2026-10-09"}]
    nxt = plan_of(dossier_2026, "2026-09-28")["next"][0]
    assert nxt["step"] == "s07_candidate_determined"
    assert nxt["earliest"] == "2026-10-10"
    assert nxt["blocked_by"] == []
    dossier_2026["publicity"] = [{"kind": "candidate", "start": "2026-09-28", "end": "2026-10-08"}]
    nxt = plan_of(dossier_2026, "2026-09-28")["next"][0]
    assert (nxt["earliest"], nxt["blocked_by"]) == ("2026-10-10", ["PUBLICITY_SHORT"])
    dossier_2026["publicity"] = []
    assert plan_of(dossier_2026, "2026-09-28")["next"][0]["blocked_by"] == ["PUBLICITY_SHORT"]


def test_parallel_steps_are_all_offered(dossier_2014):
    cut_after(dossier_2014, "s08_candidate_filed")
    steps = [n["step"] for n in plan_of(dossier_2014, "2022-02-22")["next"]]
    assert steps == ["s09_introducers_assigned", "s10_political_review", "s11_training"]


def test_unreviewed_prerequisite_blocks(dossier_2014):
    cut_after(dossier_2014, "s02_applicant_talk")
    step(dossier_2014, "s02_applicant_talk").pop("reviewed_by")
    assert plan_of(dossier_2014, "2020-09-06")["next"][0]["blocked_by"] == ["REVIEW_MISSING"]


def test_conversion_meeting_not_before_probation_end(dossier_2014):
    cut_after(dossier_2014, "s22_conversion_applied")
    nxt = plan_of(dossier_2014, "2023-04-29")["next"]
    assert nxt[0]["step"] == "s23_conversion_meeting" and nxt[0]["earliest"] == "2023-05-06"


def test_approval_deadline_from_the_meeting(dossier_2014):
    cut_after(dossier_2014, "s16_committee_talk")
    nxt = plan_of(dossier_2014, "2022-05-20")["next"]
    assert (nxt[0]["step"], nxt[0]["deadline"]) == ("s17_admission_approved", "2022-08-06")


def test_ended_cases_have_nothing_next(dossier_2014):
    assert plan_of(dossier_2014, "2026-11-21")["next"] == []
    data = copy.deepcopy(dossier_2014)
    cut_after(data, "s03_activist_determined")
    data["case_events"] = [{"kind": "withdraw", "date": "2021-03-01", "reason": "本人申请"}]
    assert plan_of(data, "2021-04-01") == {"id": data["id"], "state": "withdrawn", "next": [], "overdue": []}


def test_provisional_when_the_calendar_year_is_unknown(dossier_2026):
    _consented(dossier_2026)
    dossier_2026["publicity"] = [{"kind": "candidate", "start": "2027-01-04", "end": "2027-01-08"}]
    nxt = plan_of(dossier_2026, "2026-12-01")["next"][0]
    assert nxt["earliest"] == "2027-01-09" and nxt["provisional"] is True


def test_plan_document_shape(dossier_2014):
    doc = plan_document([plan_dossier(parse_dossier(dossier_2014), dt.date(2026, 11, 21))], dt.date(2026, 11, 21))
    assert doc["format"] == "plan/1" and doc["as_of"] == "2026-11-21" and len(doc["dossiers"]) == 1
