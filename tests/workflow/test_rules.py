"""Every rule code on both sides of its boundary, starting from the valid example records.

The 2014 record: s01 2020-08-11, s02 2020-09-05, s03 2021-02-08, s07 2022-02-13, s11 2022-03-16,
s13 2022-04-20, s15 2022-05-06, s17 2022-05-31, s23 2023-05-09, s24 2023-06-16, s25 2023-06-28.
The 2026.05 record: s07 2026-06-02 after a publicity 2026-05-25..29, s13 2026-07-20,
s15 2026-08-12, s17 2026-09-10, s20 2026-09-25.
"""
from __future__ import annotations

import copy
import datetime as dt

import pytest
from tests_support import AS_OF, all_codes, audit_codes, cut_after, set_date, shift_from, step, strip_reviews

from checklists.loader import default_catalogue

BOUNDARY_CASES = []


def case(name, base, mutate, code, present, severity="violation", as_of=AS_OF):
    BOUNDARY_CASES.append(pytest.param(base, mutate, code, present, severity, as_of, id=name))


def votes(**kw):
    def mutate(d, step_id="s15_admission_meeting"):
        step(d, step_id)["votes"] = kw
    return mutate


# --- age, talk, nomination, contacts
case("age-one-day-short", "2014", lambda d: d["person"].update(birth_date="2002-08-12"), "AGE_UNDER_18", True)
case("age-18-on-the-day", "2014", lambda d: d["person"].update(birth_date="2002-08-11"), "AGE_UNDER_18", False)
case("talk-on-deadline", "2014", lambda d: set_date(d, "s02_applicant_talk", "2020-09-11"), "TALK_LATE", False)
case("talk-day-after-deadline", "2014", lambda d: set_date(d, "s02_applicant_talk", "2020-09-12"), "TALK_LATE", True)
case("no-nomination", "2014", lambda d: step(d, "s03_activist_determined").update(nomination=[]),
     "NOMINATION_MISSING", True)
case("league-nomination-alone", "2014", lambda d: step(d, "s03_activist_determined").update(nomination=["league"]),
     "NOMINATION_MISSING", False)
case("three-contacts", "2014", lambda d: step(d, "s05_contacts_assigned")["people"].append(
    {"name": "孙八", "status": "full"}), "CONTACTS_INVALID", True)
case("probationary-contact", "2014", lambda d: step(d, "s05_contacts_assigned")["people"][0].update(
    status="probationary"), "CONTACTS_INVALID", True)
case("one-full-contact", "2014", lambda d: step(d, "s05_contacts_assigned")["people"].pop(), "CONTACTS_INVALID", False)
case("no-contacts", "2014", lambda d: step(d, "s05_contacts_assigned").update(people=[]), "CONTACTS_INVALID", True)

# --- cultivation
case("candidate-on-first-allowed-day", "2014", lambda d: set_date(d, "s07_candidate_determined", "2022-02-08"),
     "CULTIVATION_SHORT", False)
case("candidate-a-day-early", "2014", lambda d: set_date(d, "s07_candidate_determined", "2022-02-07"),
     "CULTIVATION_SHORT", True)
case("first-half-year-unassessed", "2014", lambda d: d["assessments"].pop(0), "ASSESSMENT_GAP", True)
case("assessment-on-window-end", "2014", lambda d: d["assessments"][0].update(date="2021-08-08"),
     "ASSESSMENT_GAP", False)
case("assessment-a-day-after-window", "2014", lambda d: d["assessments"][0].update(date="2021-08-09"),
     "ASSESSMENT_GAP", True)
case("assessment-on-activist-day-is-not-in-window", "2014", lambda d: d["assessments"][0].update(date="2021-02-08"),
     "ASSESSMENT_GAP", True)

# --- development target
case("one-introducer", "2014", lambda d: step(d, "s09_introducers_assigned")["people"].pop(),
     "INTRODUCERS_INVALID", True)
case("probationary-introducer", "2014", lambda d: step(d, "s09_introducers_assigned")["people"][1].update(
    status="probationary"), "INTRODUCERS_INVALID", True)
case("introducer-under-discipline", "2014", lambda d: step(d, "s09_introducers_assigned")["people"][1].update(
    discipline="留党察看"), "INTRODUCERS_INVALID", True)
case("political-review-not-qualified", "2014", lambda d: step(d, "s10_political_review").update(
    conclusion="not_qualified"), "POLITICAL_REVIEW_MISSING", True)
case("political-review-absent", "2014", lambda d: d["steps"].remove(step(d, "s10_political_review")),
     "POLITICAL_REVIEW_MISSING", True)
case("three-days-no-hours", "2014", lambda d: step(d, "s11_training").update(days=3, hours=0),
     "TRAINING_INSUFFICIENT", False)
case("24-hours-in-two-days", "2014", lambda d: step(d, "s11_training").update(days=2, hours=24),
     "TRAINING_INSUFFICIENT", False)
case("two-days-23-hours", "2014", lambda d: step(d, "s11_training").update(days=2, hours=23),
     "TRAINING_INSUFFICIENT", True)
case("untrained-with-exception-is-a-warning", "2014", lambda d: step(d, "s11_training").update(
    days=0, hours=0, exception="因公出国，经党委批准补训"), "TRAINING_INSUFFICIENT", True, "warning")
case("training-absent", "2014", lambda d: d["steps"].remove(step(d, "s11_training")), "TRAINING_INSUFFICIENT", True)

# --- admission
case("pre-review-rejected-then-book", "2014", lambda d: step(d, "s13_pre_review").update(result="rejected"),
     "PRE_REVIEW_NOT_PASSED", True)
case("no-serial", "2014", lambda d: step(d, "s14_application_form").pop("serial"), "FIELD_MISSING", True)
case("meeting-on-month-after-pre-review", "2026", lambda d: set_date(d, "s15_admission_meeting", "2026-08-20"),
     "MEETING_LATE", False)
case("meeting-a-day-later", "2026", lambda d: set_date(d, "s15_admission_meeting", "2026-08-21"),
     "MEETING_LATE", True)
case("E9-P5-Y5-passes", "2014", votes(expected=9, present=5, yes=5), "QUORUM_NOT_MET", False)
case("E9-P4-no-quorum", "2014", votes(expected=9, present=4, yes=4), "QUORUM_NOT_MET", True)
case("E9-Y4-not-passed", "2014", votes(expected=9, present=5, yes=4, no=1), "VOTE_NOT_PASSED", True)
case("E9-Y5-passed", "2014", votes(expected=9, present=5, yes=5), "VOTE_NOT_PASSED", False)
case("E10-P6-Y6-passes", "2014", votes(expected=10, present=6, yes=6), "QUORUM_NOT_MET", False)
case("E10-P5-no-quorum", "2014", votes(expected=10, present=5, yes=5, written_yes=1), "QUORUM_NOT_MET", True)
case("E10-written-yes-counts-toward-Y", "2014", votes(expected=10, present=6, yes=5, no=1, written_yes=1),
     "VOTE_NOT_PASSED", False)
case("E10-Y5-not-passed", "2014", votes(expected=10, present=6, yes=5, no=1), "VOTE_NOT_PASSED", True)
case("committee-talk-absent", "2014", lambda d: d["steps"].remove(step(d, "s16_committee_talk")),
     "COMMITTEE_TALK_MISSING", True)
case("approval-on-3-months", "2014", lambda d: shift_from(d, "s17_admission_approved", "2022-08-06"),
     "APPROVAL_LATE", False)
case("approval-a-day-after-3-months", "2014", lambda d: shift_from(d, "s17_admission_approved", "2022-08-07"),
     "APPROVAL_LATE", True)
case("late-approval-with-reason-is-a-warning", "2014", lambda d: (
    shift_from(d, "s17_admission_approved", "2022-11-06"),
    step(d, "s17_admission_approved").update(special_reason="党委换届")), "APPROVAL_LATE", True, "warning")
case("reason-does-not-cover-past-6-months", "2014", lambda d: (
    shift_from(d, "s17_admission_approved", "2022-11-07"),
    step(d, "s17_admission_approved").update(special_reason="党委换届")), "APPROVAL_LATE", True)
case("leaving-3-months-after-meeting", "2014", lambda d: d["person"].update(expected_leave_date="2022-08-06"),
     "RUSHED_ADMISSION", True, "warning")
case("leaving-3-months-and-a-day-after", "2014", lambda d: d["person"].update(expected_leave_date="2022-08-07"),
     "RUSHED_ADMISSION", False, "warning")

# --- probation and conversion
case("oath-on-month-after-approval", "2026", lambda d: set_date(d, "s20_oath", "2026-10-10"), "OATH_LATE", False,
     "warning")
case("oath-a-day-later", "2026", lambda d: set_date(d, "s20_oath", "2026-10-11"), "OATH_LATE", True, "warning")
case("conversion-a-day-early", "2014", lambda d: set_date(d, "s23_conversion_meeting", "2023-05-05"),
     "CONVERSION_EARLY", True)
case("conversion-on-probation-end", "2014", lambda d: set_date(d, "s23_conversion_meeting", "2023-05-06"),
     "CONVERSION_EARLY", False)
case("conversion-month-after-end", "2014", lambda d: set_date(d, "s23_conversion_meeting", "2023-06-06"),
     "CONVERSION_DELAYED", False, "info")
case("conversion-later-than-a-month", "2014", lambda d: set_date(d, "s23_conversion_meeting", "2023-06-07"),
     "CONVERSION_DELAYED", True, "info")
case("extension-of-6-months", "2014", lambda d: (cut_after(d, "s24_conversion_approved"), step(
    d, "s23_conversion_meeting").update(outcome="extend", extend_months=6),
    step(d, "s24_conversion_approved").update(party_standing_from=None)), "EXTENSION_INVALID", False)
case("extension-of-13-months", "2014", lambda d: (cut_after(d, "s24_conversion_approved"), step(
    d, "s23_conversion_meeting").update(outcome="extend", extend_months=13),
    step(d, "s24_conversion_approved").update(party_standing_from=None)), "EXTENSION_INVALID", True)
case("conversion-approval-on-3-months", "2014", lambda d: shift_from(d, "s24_conversion_approved", "2023-08-09"),
     "CONVERSION_APPROVAL_LATE", False)
case("conversion-approval-a-day-later", "2014", lambda d: shift_from(d, "s24_conversion_approved", "2023-08-10"),
     "CONVERSION_APPROVAL_LATE", True)
case("party-standing-a-day-off", "2014", lambda d: step(d, "s24_conversion_approved").update(
    party_standing_from="2023-05-07"), "PARTY_STANDING_WRONG", True)
case("archived-a-month-after-approval", "2014", lambda d: set_date(d, "s25_archived", "2023-07-16"),
     "ARCHIVE_LATE", False, "info")
case("archived-later", "2014", lambda d: set_date(d, "s25_archived", "2023-07-17"), "ARCHIVE_LATE", True, "info")

# --- structure, materials, review
case("talk-before-application", "2014", lambda d: set_date(d, "s02_applicant_talk", "2020-08-10"), "DATE_ORDER", True)
case("recorded-on-the-check-day", "2014", lambda d: set_date(d, "s25_archived", "2026-11-21"), "DATE_IN_FUTURE", False)
case("recorded-after-the-check-day", "2014", lambda d: set_date(d, "s25_archived", "2026-11-22"), "DATE_IN_FUTURE", True)
case("filing-missing", "2014", lambda d: d["steps"].remove(step(d, "s04_activist_filed")), "STEP_MISSING", True)
case("volunteer-book-missing", "2014", lambda d: d["materials"].pop(18), "MATERIAL_MISSING", True)
case("unsigned-material", "2014", lambda d: d["materials"][3].update(signed_by=[]), "SIGNATURE_MISSING", True)
case("unreviewed-step", "2014", lambda d: step(d, "s05_contacts_assigned").pop("reviewed_by"), "REVIEW_MISSING", True)
case("no-review-fields-at-all", "2014", strip_reviews, "REVIEW_MISSING", False)
case("self-review", "2014", lambda d: step(d, "s05_contacts_assigned").update(reviewed_by="李书记"),
     "SELF_REVIEW", True)
case("review-given-in-the-system", "2014", lambda d: step(d, "s05_contacts_assigned").update(review_source="system"),
     "REVIEW_ON_PAPER", False, "info")
case("review-imported-from-paper", "2014", lambda d: step(d, "s05_contacts_assigned").update(
    review_source="paper", paper_review={"reviewed_by": "王组织员", "imported_by": "李书记", "imported_on": "2026-11-01",
                                         "confirmed_by": "赵审核", "confirmed_on": "2026-11-02"}),
     "REVIEW_ON_PAPER", True, "info")
case("corrected-after-archive", "2014", lambda d: step(d, "s05_contacts_assigned").update(archive_correction={
    "by": "赵审核", "on": "2026-11-02", "organisation": "某大学党委", "reason": "联系人姓名笔误"}),
     "CORRECTED_AFTER_ARCHIVE", True, "info")

# --- 2026.05 publicity, and the switch of rule sets
case("publicity-three-working-days", "2026", lambda d: d["publicity"][0].update(start="2026-05-27"),
     "PUBLICITY_SHORT", True)
case("decision-on-last-publicity-day", "2026", lambda d: (
    d["publicity"][0].update(start="2026-05-22", end="2026-05-28"),
    set_date(d, "s07_candidate_determined", "2026-05-28")), "PUBLICITY_SHORT", True)
case("no-publicity-before-11-may", "2026", lambda d: (
    cut_after(d, "s07_candidate_determined"), d["publicity"].clear(),
    set_date(d, "s07_candidate_determined", "2026-05-10")), "PUBLICITY_SHORT", False)
case("no-publicity-from-11-may", "2026", lambda d: (
    cut_after(d, "s07_candidate_determined"), d["publicity"].clear(),
    set_date(d, "s07_candidate_determined", "2026-05-11")), "PUBLICITY_SHORT", True)
case("pinned-2014-needs-no-publicity", "2026", lambda d: (d.update(rule_set="2014"), d["publicity"].clear()),
     "PUBLICITY_SHORT", False)
case("publicity-over-national-day", "2026", lambda d: (
    cut_after(d, "s07_candidate_determined"),
    d["publicity"][0].update(start="2026-09-28", end="2026-10-09"),
    set_date(d, "s07_candidate_determined", "2026-10-10")), "PUBLICITY_SHORT", False)
case("publicity-over-national-day-a-day-short", "2026", lambda d: (
    cut_after(d, "s07_candidate_determined"),
    d["publicity"][0].update(start="2026-09-28", end="2026-10-08"),
    set_date(d, "s07_candidate_determined", "2026-10-10")), "PUBLICITY_SHORT", True)

# --- 2026 text: introducers in an influence period, who may approve
def _introducer_discipline(kind, until):
    return lambda d: step(d, "s09_introducers_assigned")["people"][1].update(discipline=kind, discipline_until=until)


case("introducer-serious-warning-ended-day-before", "2026", _introducer_discipline("严重警告", "2026-06-09"),
     "INTRODUCER_DISCIPLINED", False, "warning")
case("introducer-serious-warning-ends-on-s09", "2026", _introducer_discipline("严重警告", "2026-06-10"),
     "INTRODUCER_DISCIPLINED", True, "warning")
case("approved-by-general-branch", "2026", lambda d: step(d, "s17_admission_approved").update(
    approving_body={"name": "护理学院党总支", "type": "general_branch"}), "APPROVER_NOT_AUTHORISED", True)
case("approved-by-committee", "2026", lambda d: step(d, "s17_admission_approved").update(
    approving_body={"name": "护理学院党委", "type": "committee"}), "APPROVER_NOT_AUTHORISED", False)
case("2014-conversion-approved-by-party-group", "2014", lambda d: step(d, "s24_conversion_approved").update(
    approving_body={"name": "某局党组", "type": "party_group"}), "APPROVER_NOT_AUTHORISED", True)


# --- minimal records for calendar corner cases (other findings of a bare record are not looked at)
def bare(steps, **extra):
    def mutate(d):
        d.clear()
        d.update({"format": "dossier/1", "id": "bare", "person": {"name": "郑垚", "birth_date": "2004-02-29"},
                  "steps": [{"step": s, "date": day} for s, day in steps], **extra})
    return mutate


case("born-29-feb-applies-27-feb", "2014", bare([("s01_application", "2022-02-27")]), "AGE_UNDER_18", True)
case("born-29-feb-applies-28-feb", "2014", bare([("s01_application", "2022-02-28")]), "AGE_UNDER_18", False)
case("spring-festival-publicity-4-working-days", "2014", bare(
    [("s07_candidate_determined", "2026-02-26")], rule_set="2026.05",
    publicity=[{"kind": "candidate", "start": "2026-02-12", "end": "2026-02-24"}]), "PUBLICITY_SHORT", True)
case("spring-festival-publicity-5-working-days", "2014", bare(
    [("s07_candidate_determined", "2026-02-26")], rule_set="2026.05",
    publicity=[{"kind": "candidate", "start": "2026-02-12", "end": "2026-02-25"}]), "PUBLICITY_SHORT", False)

# --- overlay-only rule
THOUGHT_REPORTS = ["2021-05-08", "2021-08-08", "2021-11-08", "2022-02-08", "2022-08-31", "2022-11-30", "2023-02-28",
                   "2023-05-08"]


def _with_overlay_reports(reports):
    def mutate(d):
        d["overlay"] = "example-university"
        d["thought_reports"] = [{"date": r} for r in reports]
    return mutate


case("quarterly-thought-reports", "2014", _with_overlay_reports(THOUGHT_REPORTS), "THOUGHT_REPORT_GAP", False)
case("a-quarter-without-thought-report", "2014", _with_overlay_reports(
    [r for r in THOUGHT_REPORTS if r != "2021-08-08"]), "THOUGHT_REPORT_GAP", True)


@pytest.mark.parametrize("base, mutate, code, present, severity, as_of", BOUNDARY_CASES)
def test_rule_boundary(base, mutate, code, present, severity, as_of, dossier_2014, dossier_2026):
    data = copy.deepcopy(dossier_2014 if base == "2014" else dossier_2026)
    assert code not in all_codes(data, as_of), "the unchanged record must be clean of this code"
    mutate(data)
    found = audit_codes(data, as_of)
    assert (code in found[severity]) is present, found


def test_every_rule_code_has_a_failing_case():
    catalogue = default_catalogue()
    key = catalogue.register_overlay("example-university")
    codes = {r.code for rs in catalogue.ordered() for r in catalogue.get(rs.id, key).rules}
    failing = {p.values[2] for p in BOUNDARY_CASES if p.values[3]}
    assert codes - failing == set()


def test_findings_carry_rule_set_and_article_by_date(dossier_2026):
    from workflow.audit import audit_dossier
    from workflow.dossier import parse_dossier

    set_date(dossier_2026, "s02_applicant_talk", "2024-10-21")
    dossier_2026["publicity"][0]["start"] = "2026-05-27"
    findings = {f.code: f for f in audit_dossier(parse_dossier(dossier_2026), AS_OF).findings}
    assert (findings["TALK_LATE"].rule_set, findings["TALK_LATE"].article) == ("2014", "第七条")
    assert (findings["PUBLICITY_SHORT"].rule_set, findings["PUBLICITY_SHORT"].article) == ("2026.05", "第十三条")
    assert findings["TALK_LATE"].message == "谈话日期 2024-10-21 晚于收到入党申请书后一个月的期限 2024-10-20"


def test_one_fact_one_finding(dossier_2014):
    data = copy.deepcopy(dossier_2014)
    set_date(data, "s02_applicant_talk", "2020-08-01")
    assert all_codes(data) == {"DATE_ORDER"}
    data = copy.deepcopy(dossier_2014)
    data["steps"].remove(step(data, "s10_political_review"))
    assert all_codes(data) == {"POLITICAL_REVIEW_MISSING"}
    data = copy.deepcopy(dossier_2014)
    data["steps"].remove(step(data, "s16_committee_talk"))
    assert all_codes(data) == {"COMMITTEE_TALK_MISSING"}
    data = copy.deepcopy(dossier_2014)
    set_date(data, "s07_candidate_determined", "2021-01-01")
    assert "CULTIVATION_SHORT" not in all_codes(data) and "DATE_ORDER" in all_codes(data)


def test_findings_are_sorted_by_step_then_code(dossier_2014):
    from workflow.audit import audit_dossier
    from workflow.dossier import parse_dossier

    votes(expected=12, present=6, yes=6)(dossier_2014)
    set_date(dossier_2014, "s02_applicant_talk", "2020-09-20")
    dossier_2014["materials"][3]["signed_by"] = []
    found = [(f.step, f.code) for f in audit_dossier(parse_dossier(dossier_2014), AS_OF).findings]
    assert found == [("s02_applicant_talk", "TALK_LATE"), ("s03_activist_determined", "SIGNATURE_MISSING"),
                     ("s15_admission_meeting", "QUORUM_NOT_MET"), ("s15_admission_meeting", "VOTE_NOT_PASSED")]


def test_second_extension_is_invalid(dossier_2014):
    data = dossier_2014
    cut_after(data, "s24_conversion_approved")
    step(data, "s23_conversion_meeting").update(outcome="extend", extend_months=6)
    step(data, "s24_conversion_approved")["party_standing_from"] = None
    for s, day in (("s21_probation_education", "2023-10-20"), ("s22_conversion_applied", "2023-10-25"),
                   ("s23_conversion_meeting", "2023-11-06"), ("s24_conversion_approved", "2023-11-20")):
        entry = {"step": s, "date": day, "recorded_by": "李书记", "reviewed_by": "王组织员"}
        if s == "s23_conversion_meeting":
            entry.update(votes={"expected": 9, "present": 9, "yes": 9}, outcome="extend", extend_months=6)
        data["steps"].append(entry)
    data.pop("materials")
    assert audit_codes(data)["violation"] == {"EXTENSION_INVALID"}


def test_party_standing_after_extension_is_the_extended_end(dossier_2014):
    data = dossier_2014
    cut_after(data, "s24_conversion_approved")
    data.pop("materials")
    step(data, "s23_conversion_meeting").update(outcome="extend", extend_months=6)
    step(data, "s24_conversion_approved")["party_standing_from"] = None
    for s, day in (("s21_probation_education", "2023-10-20"), ("s22_conversion_applied", "2023-10-25"),
                   ("s23_conversion_meeting", "2023-11-06"), ("s24_conversion_approved", "2023-11-20")):
        entry = {"step": s, "date": day, "recorded_by": "李书记", "reviewed_by": "王组织员"}
        if s == "s23_conversion_meeting":
            entry.update(votes={"expected": 9, "present": 9, "yes": 9}, outcome="convert")
        if s == "s24_conversion_approved":
            entry["party_standing_from"] = "2023-11-06"
        data["steps"].append(entry)
    assert all_codes(data) == set()
    step(data, "s24_conversion_approved", cycle=1)["party_standing_from"] = "2023-05-06"
    assert all_codes(data) == {"PARTY_STANDING_WRONG"}
    step(data, "s23_conversion_meeting", cycle=1)["date"] = "2023-11-05"
    assert "CONVERSION_EARLY" in all_codes(data)


def test_probation_length_comes_from_the_checklist(dossier_2014):
    from checklists.loader import default_catalogue
    from workflow.dossier import parse_dossier
    from workflow.view import DossierView

    base = default_catalogue().get("2014")
    assert (base.probation.months, base.probation.starts_with) == (12, "s15_admission_meeting")
    dossier = parse_dossier(dossier_2014)
    assert DossierView(dossier, base).probation_end() == dt.date(2023, 5, 6)
    shorter = base.model_copy(update={"probation": base.probation.model_copy(update={"months": 6})})
    assert DossierView(dossier, shorter).probation_end() == dt.date(2022, 11, 6)
