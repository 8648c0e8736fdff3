"""The 2026 细则 read in full (PROCEDURE.md, "Corrections from the 2026 text"): each new boundary on
both sides, the order of stage 3 per rule set, no retroactive time limits, and the engine faults
found on cases nobody here wrote (a failed vote, limits after an extension, the plan's dates)."""
from __future__ import annotations

import copy
import datetime as dt

import pytest
from tests_support import AS_OF, audit_codes, cut_after, set_date, step

from checklists.errors import ChecklistError
from checklists.loader import _merge_national, _national_raw, default_catalogue
from workflow.audit import audit_dossier
from workflow.dossier import parse_dossier
from workflow.engine import record_step
from workflow.errors import StepRefused
from workflow.machine import derive_state, procedure_machine
from workflow.plan import plan_dossier

REVIEWED = {"recorded_by": "李书记", "reviewed_by": "王组织员"}


def findings(data, as_of=AS_OF):
    return audit_dossier(parse_dossier(data), as_of).findings


def plan(data, as_of):
    return plan_dossier(parse_dossier(data), dt.date.fromisoformat(as_of))


def stage3_2026(meeting: str) -> dict:
    """A 2026.05 record up to 上级党委同意 (s03 2025-06-10), its committee meeting on `meeting`."""
    return {"format": "dossier/1", "id": "m2026", "person": {"name": "陈静", "birth_date": "2005-01-20"},
            "steps": [{"step": "s01_application", "date": "2024-09-20", **REVIEWED},
                      {"step": "s02_applicant_talk", "date": "2024-10-12", **REVIEWED},
                      {"step": "s03_activist_determined", "date": "2025-06-10", "nomination": ["league"], **REVIEWED},
                      {"step": "s04_activist_filed", "date": "2025-06-20", **REVIEWED},
                      {"step": "s05_contacts_assigned", "date": "2025-06-10", **REVIEWED,
                       "people": [{"name": "赵六", "status": "full"}, {"name": "钱七", "status": "full"}]},
                      {"step": "s06_activist_cultivation", "date": "2026-06-05", **REVIEWED},
                      {"step": "s08_candidate_filed", "date": "2026-06-12", "committee_meeting_on": meeting,
                       **REVIEWED}],
            "assessments": [{"date": "2025-12-01", "period": "activist"}, {"date": "2026-06-01", "period": "activist"}]}


# --- 1. in force from 2026-05-11; the stage-3 order is decided by the committee meeting's date

def test_the_2026_order_applies_from_a_committee_meeting_on_11_may(dossier_2026):
    set_date(dossier_2026, "s08_candidate_filed", "2026-05-22")
    step(dossier_2026, "s08_candidate_filed")["committee_meeting_on"] = "2026-05-11"
    assert audit_codes(dossier_2026)["violation"] == set()
    step(dossier_2026, "s08_candidate_filed")["committee_meeting_on"] = "2026-05-10"
    # under 2014, s08 is 报上级党委备案 after 确定发展对象: dated before s07 it is out of order
    assert "DATE_ORDER" in audit_codes(dossier_2026)["violation"]



def test_a_candidate_listed_under_2014_is_filed_after_the_switch_in_the_2014_order(dossier_2014):
    """Listed as 发展对象 (s07) on 2026-04-13 under 2014, filed (s08) on 2026-05-20 with the 2026 form's
    committee meeting date 2026-05-15: the case started in the 2014 order and goes on in it (the earliest
    deciding date decides), instead of being refused for listing before consent."""
    cut_after(dossier_2014, "s08_candidate_filed")
    for entry, day in zip(dossier_2014["steps"], ("2024-08-11", "2024-09-05", "2025-02-08", "2025-02-18",
                                                  "2025-02-08", "2026-04-03", "2026-04-13", "2026-05-20")):
        entry["date"] = day
        entry.pop("reviewed_on", None)
    dossier_2014["person"]["birth_date"] = "2005-02-11"
    dossier_2014["assessments"] = [{"date": "2025-08-06", "period": "activist"},
                                   {"date": "2026-02-03", "period": "activist"}]
    step(dossier_2014, "s08_candidate_filed")["committee_meeting_on"] = "2026-05-15"
    codes = audit_codes(dossier_2014, dt.date(2026, 6, 1))
    assert codes["violation"] == set() and "PUBLICITY_SHORT" not in codes["warning"], codes
    assert derive_state(parse_dossier(dossier_2014)) == "candidate"
    step(dossier_2014, "s07_candidate_determined")["date"] = "2026-05-18"  # listed after the switch, before consent
    assert "DATE_ORDER" in audit_codes(dossier_2014, dt.date(2026, 6, 1))["violation"]

def test_step_names_and_prerequisites_follow_the_rule_set():
    rs2014, rs2026 = default_catalogue().get("2014"), default_catalogue().get("2026.05")
    assert rs2014.step_by_id["s07_candidate_determined"].requires == ["s04_activist_filed", "s06_activist_cultivation"]
    assert rs2026.step_by_id["s07_candidate_determined"].requires == ["s08_candidate_filed"]
    assert rs2026.step_by_id["s08_candidate_filed"].requires == ["s04_activist_filed", "s06_activist_cultivation"]
    assert [s.id for s in rs2026.steps_in_order][6:8] == ["s08_candidate_filed", "s07_candidate_determined"]
    assert rs2026.step_by_id["s15_admission_meeting"].name == "党支部党员大会讨论"
    assert rs2014.step_by_id["s15_admission_meeting"].name == "支部大会讨论"
    assert procedure_machine("2026.05").source_of["s08_candidate_filed"] == "activist"
    assert procedure_machine("2014").source_of["s08_candidate_filed"] == "candidate"


def test_listing_before_consent_is_refused_under_2026(dossier_2026):
    cut_after(dossier_2026, "s06_activist_cultivation")
    dossier = parse_dossier(dossier_2026)
    with pytest.raises(StepRefused) as caught:
        record_step(dossier, {"step": "s07_candidate_determined", "date": "2026-06-02", "recorded_by": "李书记"},
                    dt.date(2026, 6, 2))
    assert "STEP_MISSING" in [d["code"] for d in caught.value.details]
    consent = record_step(dossier, {"step": "s08_candidate_filed", "date": "2026-05-22",
                                    "committee_meeting_on": "2026-05-20", "recorded_by": "李书记"},
                          dt.date(2026, 5, 22))
    assert consent.state == "activist"  # consent alone does not make a 发展对象


def test_findings_before_and_after_the_switch_name_their_rule_set():
    def talk(applied, talked):
        data = {"format": "dossier/1", "id": "t", "person": {"name": "郑垚", "birth_date": "2000-01-01"},
                "steps": [{"step": "s01_application", "date": applied}, {"step": "s02_applicant_talk", "date": talked}]}
        return [(f.rule_set, f.article) for f in findings(data) if f.code == "TALK_LATE"]

    assert talk("2026-04-10", "2026-05-10") == []
    assert talk("2026-04-09", "2026-05-10") == [("2014", "第七条")]
    assert talk("2026-04-11", "2026-05-11") == []
    assert talk("2026-04-11", "2026-05-12") == [("2026.05", "第七条")]


# --- 2. no retroactive time limits

def oath_case(approved: str, oath: str, **oath_fields) -> dict:
    return {"format": "dossier/1", "id": "o", "person": {"name": "郑垚", "birth_date": "2000-01-01"},
            "steps": [{"step": "s15_admission_meeting", "date": "2026-01-05",
                       "votes": {"expected": 9, "present": 9, "yes": 9}},
                      {"step": "s16_committee_talk", "date": "2026-01-20"},
                      {"step": "s17_admission_approved", "date": approved},
                      {"step": "s19_assigned_to_branch", "date": approved},
                      {"step": "s20_oath", "date": oath, **oath_fields}]}


def codes_of(data, as_of=AS_OF):
    return {f.code for f in findings(data, as_of)}


def test_an_oath_deadline_before_11_may_binds_nobody():
    assert "OATH_LATE" not in codes_of(oath_case("2026-04-10", "2026-06-15"))  # deadline 2026-05-10
    assert "OATH_LATE" in codes_of(oath_case("2026-04-11", "2026-06-15"))      # deadline 2026-05-11
    assert "OATH_LATE" in codes_of(oath_case("2026-05-01", "2026-06-02"))      # deadline 2026-06-01
    assert "OATH_LATE" not in codes_of(oath_case("2026-05-01", "2026-06-01"))


def test_a_2022_approval_has_no_2026_oath_deadline_in_audit_or_plan(dossier_2014):
    assert "OATH_LATE" not in codes_of(dossier_2014)
    cut_after(dossier_2014, "s19_assigned_to_branch")
    dossier_2014.pop("materials")
    result = plan(dossier_2014, "2026-12-01")
    oath = next(n for n in result.next if n.step == "s20_oath")
    assert oath.deadline is None and result.overdue == []


def test_a_limit_both_sets_share_keeps_its_2014_finding_across_the_switch():
    data = {"format": "dossier/1", "id": "t", "person": {"name": "郑垚", "birth_date": "2000-01-01"},
            "steps": [{"step": "s01_application", "date": "2026-04-01"},
                      {"step": "s02_applicant_talk", "date": "2026-05-20"}]}
    late = [f for f in findings(data) if f.code == "TALK_LATE"]
    assert [(f.rule_set, f.article) for f in late] == [("2014", "第七条")]


def test_meeting_deadline_before_the_switch_is_not_a_2026_violation(dossier_2026):
    set_date(dossier_2026, "s13_pre_review", "2026-04-10")  # out of order, but MEETING_LATE is what we look at
    assert "MEETING_LATE" not in codes_of(dossier_2026)
    set_date(dossier_2026, "s13_pre_review", "2026-07-10")
    set_date(dossier_2026, "s15_admission_meeting", "2026-08-11")
    assert "MEETING_LATE" in codes_of(dossier_2026)


# --- 3. stage 3 under 2026.05: measured to the committee meeting; publicity in both places

def test_committee_meeting_a_day_short_of_one_year():
    short = audit_codes(stage3_2026("2026-06-09"))
    assert "CULTIVATION_SHORT" in short["violation"]
    assert "CULTIVATION_SHORT" not in audit_codes(stage3_2026("2026-06-10"))["violation"]
    found = [f for f in findings(stage3_2026("2026-06-09")) if f.code == "CULTIVATION_SHORT"]
    assert (found[0].step, found[0].rule_set, found[0].article) == ("s08_candidate_filed", "2026.05", "第十三条")


def test_half_years_are_measured_to_the_committee_meeting():
    data = stage3_2026("2026-06-10")
    assert "ASSESSMENT_GAP" not in audit_codes(data)["violation"]
    data["assessments"].pop()  # the half year ending 2026-06-10 is now unassessed
    assert "ASSESSMENT_GAP" in audit_codes(data)["violation"]
    data["steps"][-1]["committee_meeting_on"] = "2026-06-09"  # that half year has not ended at the meeting
    assert "ASSESSMENT_GAP" not in audit_codes(data)["violation"]


def test_the_committee_meeting_date_is_required_under_2026():
    data = stage3_2026("2026-06-10")
    data["steps"][-1].pop("committee_meeting_on")
    data["steps"].append({"step": "s07_candidate_determined", "date": "2026-06-24", **REVIEWED})
    data["publicity"] = [{"kind": "candidate", "start": "2026-06-15", "end": "2026-06-22"}]
    assert "FIELD_MISSING" in audit_codes(data)["violation"]


def test_a_mobile_person_is_publicised_in_both_places(dossier_2026):
    dossier_2026["person"]["mobile"] = True
    notice = dossier_2026["publicity"][0]
    dossier_2026["publicity"] = [{**notice, "place": "outflow"}]
    problems = [f for f in findings(dossier_2026) if f.code == "PUBLICITY_SHORT"]
    assert len(problems) == 1 and "流入地" in problems[0].message
    dossier_2026["publicity"].append({**notice, "place": "inflow", "start": "2026-05-26"})  # 4 working days
    assert "PUBLICITY_SHORT" in codes_of(dossier_2026)
    dossier_2026["publicity"][1]["start"] = "2026-05-25"
    assert "PUBLICITY_SHORT" not in codes_of(dossier_2026)
    dossier_2026["person"]["mobile"] = False
    dossier_2026["publicity"] = [{**notice, "place": "outflow"}]
    assert "PUBLICITY_SHORT" not in codes_of(dossier_2026)


# --- 4-7. introducers, approvers, the collective oath, transferred-in probationary members

def test_introducer_discipline_period_is_a_2026_warning_only(dossier_2014, dossier_2026):
    for data, day in ((dossier_2026, "2026-06-10"), (dossier_2014, "2022-02-25")):
        step(data, "s09_introducers_assigned")["people"][0].update(discipline={"kind": "警告", "until": day})
    assert "INTRODUCER_DISCIPLINED" in audit_codes(dossier_2026)["warning"]
    assert "INTRODUCER_DISCIPLINED" not in codes_of(dossier_2014)
    found = [f for f in findings(dossier_2026) if f.code == "INTRODUCER_DISCIPLINED"][0]
    assert found.article == "第十四条" and "赵六" in found.message and "2026-06-10" in found.message


def test_probation_with_rights_not_restored_is_still_a_violation_in_2026(dossier_2026):
    step(dossier_2026, "s09_introducers_assigned")["people"][0].update(discipline="留党察看")
    assert "INTRODUCERS_INVALID" in audit_codes(dossier_2026)["violation"]


@pytest.mark.parametrize("body, expected", [("general_branch", True), ("subordinate_committee", True),
                                            ("temporary", True), ("party_group", True), ("committee", False)])
def test_only_a_party_committee_approves(dossier_2026, body, expected):
    step(dossier_2026, "s17_admission_approved")["approving_body"] = {"name": "某组织", "type": body}
    found = [f for f in findings(dossier_2026) if f.code == "APPROVER_NOT_AUTHORISED"]
    assert bool(found) is expected
    if found:
        assert (found[0].article, found[0].rule_set) == ("第二十二条", "2026.05")


def test_unknown_approving_body_type_is_a_clear_input_error(dossier_2026):
    from workflow.errors import InputError

    step(dossier_2026, "s17_admission_approved")["approving_body"] = {"name": "x", "type": "branch"}
    with pytest.raises(InputError) as caught:
        parse_dossier(dossier_2026)
    assert caught.value.path == "$.steps[16].approving_body.type"


def test_a_collective_oath_three_months_after_approval(dossier_2026):
    set_date(dossier_2026, "s20_oath", "2026-12-10")
    assert "OATH_LATE" in audit_codes(dossier_2026, dt.date(2026, 12, 20))["warning"]
    step(dossier_2026, "s20_oath")["collective"] = True
    assert "OATH_LATE" not in codes_of(dossier_2026, dt.date(2026, 12, 20))


def transferred(dossier, meeting: str, event: str = "transferred_in") -> dict:
    cut_after(dossier, "s24_conversion_approved")
    dossier.pop("materials")
    step(dossier, "s24_conversion_approved")["party_standing_from"] = None
    dossier["case_events"] = [{"kind": event, "date": "2022-09-01", "organisation": "外单位党支部"}]
    set_date(dossier, "s23_conversion_meeting", meeting)
    set_date(dossier, "s24_conversion_approved", meeting)
    for name in ("s21_probation_education", "s22_conversion_applied"):
        set_date(dossier, name, meeting)
    return dossier


def test_transferred_in_member_may_wait_six_months_after_probation(dossier_2014):
    # probation ends 2023-05-06; six months later is 2023-11-06
    on_limit = audit_codes(transferred(copy.deepcopy(dossier_2014), "2023-11-06"))
    assert "CONVERSION_DELAYED" not in on_limit["violation"] | on_limit["info"]
    late = [f for f in findings(transferred(copy.deepcopy(dossier_2014), "2023-11-07"))
            if f.code == "CONVERSION_DELAYED"]
    assert [(f.severity, f.article) for f in late] == [("violation", "第三十六条")]
    plain = copy.deepcopy(dossier_2014)
    transferred(plain, "2023-11-06")["case_events"] = []
    assert "CONVERSION_DELAYED" in audit_codes(plain)["info"]


# --- 9. article numbers: each rule set its own

def test_both_rule_sets_cite_their_own_articles():
    rs2014, rs2026 = default_catalogue().get("2014"), default_catalogue().get("2026.05")
    pairs = {"COMMITTEE_TALK_MISSING": ("第二十四条", "第二十三条"), "APPROVAL_LATE": ("第二十六条", "第二十五条"),
             "RUSHED_ADMISSION": ("第十九条", "第十八条"), "ARCHIVE_LATE": ("第三十七条", "第三十六条"),
             "CONVERSION_APPROVAL_LATE": ("第三十四条", "第三十三条"), "EXTENSION_INVALID": ("第三十二条", "第三十一条"),
             "APPROVER_NOT_AUTHORISED": ("第二十三条", "第二十二条")}
    for code, (old, new) in pairs.items():
        assert rs2014.rule_by_code[code].article == old and rs2026.rule_by_code[code].article == new, code
    meetings = {(r.code, tuple(r.steps), r.article) for r in rs2026.rules if r.code in ("QUORUM_NOT_MET", "VOTE_NOT_PASSED")}
    assert meetings == {("QUORUM_NOT_MET", ("s15_admission_meeting",), "第十九条"),
                        ("QUORUM_NOT_MET", ("s23_conversion_meeting",), "第三十二条"),
                        ("VOTE_NOT_PASSED", ("s15_admission_meeting",), "第二十条"),
                        ("VOTE_NOT_PASSED", ("s23_conversion_meeting",), "第三十二条")}


def test_a_revised_rule_set_may_not_borrow_an_old_article():
    parent, _ = _national_raw("2014")
    child = {"id": "2099", "extends": "2014", "rules": [], "step_changes": [], "rule_changes": []}
    with pytest.raises(ChecklistError) as caught:
        _merge_national(child, parent, "2099.toml")
    assert caught.value.code == "CHECKLIST_ARTICLE_BORROWED" and "TALK_LATE（第七条）" in caught.value.message


# --- 11-12. a failed vote ends the case; limits after an extension; the plan's dates

def test_a_failed_conversion_vote_is_only_a_violation_when_approved_anyway(dossier_2014):
    cut_after(dossier_2014, "s23_conversion_meeting")
    dossier_2014.pop("materials")
    step(dossier_2014, "s23_conversion_meeting")["votes"] = {"expected": 9, "present": 9, "yes": 4, "no": 5}
    assert "VOTE_NOT_PASSED" not in codes_of(dossier_2014)
    assert derive_state(parse_dossier(dossier_2014)) == "probationary"
    dossier_2014["steps"].append({"step": "s24_conversion_approved", "date": "2023-06-16", **REVIEWED})
    assert "VOTE_NOT_PASSED" in codes_of(dossier_2014)


def extended(dossier) -> dict:
    """Probation extended by 6 months at the first s23, converted at the second (final s24 2023-11-20)."""
    cut_after(dossier, "s24_conversion_approved")
    dossier.pop("materials")
    step(dossier, "s23_conversion_meeting").update(outcome="extend", extend_months=6)
    step(dossier, "s24_conversion_approved")["party_standing_from"] = None
    for name, day in (("s21_probation_education", "2023-10-20"), ("s22_conversion_applied", "2023-10-25"),
                      ("s23_conversion_meeting", "2023-11-06"), ("s24_conversion_approved", "2023-11-20")):
        entry = {"step": name, "date": day, **REVIEWED}
        if name == "s23_conversion_meeting":
            entry.update(votes={"expected": 9, "present": 9, "yes": 9}, outcome="convert")
        dossier["steps"].append(entry)
    return dossier


def test_archive_after_an_extension_counts_from_the_final_approval(dossier_2014):
    data = extended(dossier_2014)
    data["steps"].append({"step": "s25_archived", "date": "2023-12-20", **REVIEWED})
    assert "ARCHIVE_LATE" not in codes_of(data)
    data["steps"][-1]["date"] = "2023-12-21"
    assert "ARCHIVE_LATE" in codes_of(data)


def test_the_plan_waits_for_the_review_of_the_previous_step(dossier_2014):
    cut_after(dossier_2014, "s01_application")
    dossier_2014.pop("materials")
    step(dossier_2014, "s01_application")["reviewed_on"] = "2020-08-20"
    assert plan(dossier_2014, "2020-08-25").next[0].earliest == dt.date(2020, 8, 20)
    step(dossier_2014, "s01_application").pop("reviewed_on")
    step(dossier_2014, "s01_application").pop("reviewed_by")
    waiting = plan(dossier_2014, "2020-08-25").next[0]
    assert waiting.earliest == dt.date(2020, 8, 25) and waiting.blocked_by == ["REVIEW_MISSING"]


def test_an_unrecorded_filing_stays_next_for_a_full_member(dossier_2014):
    dossier_2014["steps"].remove(step(dossier_2014, "s18_admission_filed_upper"))
    dossier_2014.pop("materials")
    result = plan(dossier_2014, "2026-11-21")
    assert result.state == "full_member"
    assert [n.step for n in result.next] == ["s18_admission_filed_upper"]


def test_fazhan_rules_shows_both_articles_side_by_side():
    from api.rules_listing import rules_document

    rows = {(r["code"], tuple(r["steps"])): r["by_rule_set"] for r in rules_document()["side_by_side"]}
    talk = rows[("COMMITTEE_TALK_MISSING", ("s17_admission_approved",))]
    assert (talk["2014"]["article"], talk["2026.05"]["article"]) == ("第二十四条", "第二十三条")
    assert "2014" not in rows[("OATH_LATE", ("s20_oath",))]
    s13 = rows[("s13_pre_review", ("s13_pre_review",))]
    assert (s13["2014"]["article"], s13["2026.05"]["article"]) == ("第十九条", "第十八条")
