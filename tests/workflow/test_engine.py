"""The state machine and the use cases: refusals with every reason, warnings with reasons,
review (一步一审), extension, cancellation, withdrawal, transfer, and one machine per process."""
from __future__ import annotations

import datetime as dt

import pytest

from workflow.dates import add_months
from workflow.dossier import MaterialEntry, parse_dossier
from workflow.engine import apply_case_event, correct_step, record_step, review_step
from workflow.errors import InputError, ReasonRequired, StepRefused
from workflow.machine import derive_state, procedure_machine
from workflow.samples import REVIEWER, CaseSpec, build_case

AS_OF = dt.date(2026, 11, 21)
RECORDER = "李书记"


def case_until(step: str, applied=dt.date(2020, 3, 2), **kw):
    return build_case(CaseSpec("T-1", applied, until=step, seed=7, **kw), AS_OF)


def last_date(dossier, step_id):
    return [s for s in dossier.steps if s.step == step_id][-1].date


def record(dossier, step_id, day, reason=None, **fields):
    return record_step(dossier, {"step": step_id, "date": day.isoformat(), "recorded_by": RECORDER, **fields},
                       AS_OF, reason=reason)


def test_states_follow_the_procedure():
    assert derive_state(case_until("s01_application")) == "applicant"
    assert derive_state(case_until("s03_activist_determined")) == "activist"
    assert derive_state(case_until("s07_candidate_determined")) == "candidate"
    assert derive_state(case_until("s16_committee_talk")) == "candidate"
    assert derive_state(case_until("s17_admission_approved")) == "probationary"
    assert derive_state(case_until("s24_conversion_approved")) == "full_member"


def test_a_violating_step_is_refused_with_every_reason():
    dossier = case_until("s04_activist_filed")
    s03 = last_date(dossier, "s03_activist_determined")
    with pytest.raises(StepRefused) as caught:
        record(dossier, "s05_contacts_assigned", s03, people=[
            {"name": "孙八", "status": "probationary"}, {"name": "周九", "status": "full"},
            {"name": "吴十", "status": "full"}])
    details = caught.value.details
    assert [d["code"] for d in details] == ["CONTACTS_INVALID", "CONTACTS_INVALID"]
    assert any("孙八" in d["message"] and "预备党员" in d["message"] for d in details)
    assert any("实有3名" in d["message"] for d in details)
    assert all(d["article"] == "第九条" and d["rule_set"] == "2014" for d in details)
    assert caught.value.code == "STEP_REFUSED"


def test_nothing_changes_when_a_step_is_refused():
    dossier = case_until("s01_application")
    before = dossier.model_dump()
    with pytest.raises(StepRefused):
        record(dossier, "s02_applicant_talk", add_months(dossier.steps[0].date, 1) + dt.timedelta(days=1))
    assert dossier.model_dump() == before


def test_a_warning_passes_only_with_a_reason():
    dossier = case_until("s16_committee_talk")
    late = add_months(last_date(dossier, "s15_admission_meeting"), 3) + dt.timedelta(days=5)
    with pytest.raises(ReasonRequired) as caught:
        record(dossier, "s17_admission_approved", late, special_reason="党委换届")
    assert [d["code"] for d in caught.value.details] == ["APPROVAL_LATE"]
    assert caught.value.details[0]["severity"] == "warning"
    outcome = record(dossier, "s17_admission_approved", late, reason="党委换届，延期审批", special_reason="党委换届")
    assert outcome.state == "probationary"
    assert outcome.dossier.steps[-1].warning_reason == "党委换届，延期审批"
    assert [w.code for w in outcome.warnings] == ["APPROVAL_LATE"]
    with pytest.raises(StepRefused):
        record(dossier, "s17_admission_approved", late)


def test_one_step_one_review():
    dossier = case_until("s01_application")
    talk = record(dossier, "s02_applicant_talk", dossier.steps[0].date + dt.timedelta(days=5)).dossier
    with pytest.raises(StepRefused) as caught:
        record(talk, "s03_activist_determined", talk.steps[1].date, nomination=["league"])
    assert [d["code"] for d in caught.value.details] == ["REVIEW_MISSING"]
    assert caught.value.details[0]["step"] == "s02_applicant_talk"
    with pytest.raises(StepRefused) as caught:
        review_step(talk, 1, RECORDER, talk.steps[1].date)
    assert "SELF_REVIEW" in [d["code"] for d in caught.value.details]


def test_review_waits_for_the_materials():
    dossier = case_until("s01_application")
    talk = record(dossier, "s02_applicant_talk", dossier.steps[0].date + dt.timedelta(days=5)).dossier
    with pytest.raises(StepRefused) as caught:
        review_step(talk, 1, REVIEWER, talk.steps[1].date)
    assert [d["code"] for d in caught.value.details] == ["MATERIAL_MISSING"]
    with_record = talk.model_copy(update={"materials": [*talk.materials, MaterialEntry(
        id="applicant_talk_record", step="s02_applicant_talk", signed_by=[RECORDER])]})
    reviewed = review_step(with_record, 1, REVIEWER, talk.steps[1].date)
    assert reviewed.steps[1].reviewed_by == REVIEWER
    with pytest.raises(StepRefused) as caught:
        review_step(reviewed, 1, "第三人", talk.steps[1].date)
    assert caught.value.code == "ALREADY_REVIEWED"


def test_a_step_cannot_be_recorded_twice_or_out_of_state():
    dossier = case_until("s02_applicant_talk")
    with pytest.raises(StepRefused) as caught:
        record(dossier, "s02_applicant_talk", dossier.steps[1].date)
    assert caught.value.code == "STEP_ALREADY_RECORDED"
    with pytest.raises(StepRefused) as caught:
        record(dossier, "s24_conversion_approved", dossier.steps[1].date)
    assert caught.value.code == "STEP_NOT_AVAILABLE"


def test_unknown_step_and_bad_fields_are_input_errors():
    dossier = case_until("s01_application")
    with pytest.raises(InputError) as caught:
        record(dossier, "s99_party", dossier.steps[0].date)
    assert caught.value.code == "STEP_UNKNOWN"
    with pytest.raises(InputError) as caught:
        record_step(dossier, {"step": "s02_applicant_talk", "date": "2020-02-30"}, AS_OF)
    assert (caught.value.code, caught.value.path) == ("DATE_INVALID", "$.date")


def _attach(dossier, step_id):
    from checklists.loader import default_catalogue
    rs = default_catalogue().in_force(last_date(dossier, step_id))
    extra = [{"id": m.id, "step": step_id, "signed_by": [RECORDER]} for m in rs.required_materials_by_step[step_id]]
    return parse_dossier({**dossier.to_json_dict(), "materials": [m.model_dump(mode="json") for m in dossier.materials]
                          + extra})


def test_probation_extension_loops_back_then_converts():
    dossier = case_until("s22_conversion_applied")
    end = add_months(last_date(dossier, "s15_admission_meeting"), 12)
    meeting_day = end + dt.timedelta(days=3)
    outcome = record(dossier, "s23_conversion_meeting", meeting_day,
                     votes={"expected": 9, "present": 9, "yes": 9}, outcome="extend", extend_months=6)
    with_meeting = review_step(_attach(outcome.dossier, "s23_conversion_meeting"), len(outcome.dossier.steps) - 1,
                               REVIEWER, meeting_day)
    approved = record(with_meeting, "s24_conversion_approved", meeting_day + dt.timedelta(days=10))
    assert approved.state == "probationary"
    dossier = review_step(_attach(approved.dossier, "s24_conversion_approved"), len(approved.dossier.steps) - 1,
                          REVIEWER, meeting_day + dt.timedelta(days=10))
    new_end = add_months(end, 6)
    for step_id, day in (("s21_probation_education", new_end - dt.timedelta(days=20)),
                         ("s22_conversion_applied", new_end - dt.timedelta(days=10))):
        outcome = record(dossier, step_id, day)
        dossier = review_step(_attach(outcome.dossier, step_id), len(outcome.dossier.steps) - 1, REVIEWER, day)
    with pytest.raises(StepRefused) as caught:
        record(dossier, "s23_conversion_meeting", new_end - dt.timedelta(days=1),
               votes={"expected": 9, "present": 9, "yes": 9}, outcome="convert")
    assert [d["code"] for d in caught.value.details] == ["CONVERSION_EARLY"]
    outcome = record(dossier, "s23_conversion_meeting", new_end, votes={"expected": 9, "present": 9, "yes": 9},
                     outcome="convert")
    dossier = review_step(_attach(outcome.dossier, "s23_conversion_meeting"), len(outcome.dossier.steps) - 1,
                          REVIEWER, new_end)
    with pytest.raises(StepRefused) as caught:
        record(dossier, "s24_conversion_approved", new_end + dt.timedelta(days=5), party_standing_from=end.isoformat())
    assert [d["code"] for d in caught.value.details] == ["PARTY_STANDING_WRONG"]
    final = record(dossier, "s24_conversion_approved", new_end + dt.timedelta(days=5),
                   party_standing_from=new_end.isoformat())
    assert final.state == "full_member"


def test_a_second_extension_is_refused():
    dossier = case_until("s22_conversion_applied")
    end = add_months(last_date(dossier, "s15_admission_meeting"), 12)
    with pytest.raises(StepRefused) as caught:
        record(dossier, "s23_conversion_meeting", end, votes={"expected": 9, "present": 9, "yes": 9},
               outcome="extend", extend_months=5)
    assert [d["code"] for d in caught.value.details] == ["EXTENSION_INVALID"]


def test_cancellation_ends_the_case():
    dossier = case_until("s22_conversion_applied")
    end = add_months(last_date(dossier, "s15_admission_meeting"), 12)
    meeting = record(dossier, "s23_conversion_meeting", end, votes={"expected": 9, "present": 9, "yes": 9},
                     outcome="cancel")
    dossier = review_step(_attach(meeting.dossier, "s23_conversion_meeting"), len(meeting.dossier.steps) - 1,
                          REVIEWER, end)
    approved = record(dossier, "s24_conversion_approved", end + dt.timedelta(days=7))
    assert approved.state == "cancelled"
    with pytest.raises(StepRefused) as caught:
        record(approved.dossier, "s25_archived", end + dt.timedelta(days=8))
    assert caught.value.code == "STEP_NOT_AVAILABLE"


def test_withdrawal_and_not_admitted():
    dossier = case_until("s03_activist_determined")
    withdrawn = apply_case_event(dossier, {"kind": "withdraw", "date": "2021-01-10", "reason": "本人书面申请撤回"})
    assert derive_state(withdrawn) == "withdrawn"
    with pytest.raises(StepRefused) as caught:
        record(withdrawn, "s04_activist_filed", dossier.steps[-1].date)
    assert caught.value.code == "STEP_NOT_AVAILABLE"
    with pytest.raises(StepRefused) as caught:
        apply_case_event(withdrawn, {"kind": "withdraw", "date": "2021-01-11"})
    assert caught.value.code == "EVENT_NOT_ALLOWED"
    probationary = case_until("s17_admission_approved")
    with pytest.raises(StepRefused):
        apply_case_event(probationary, {"kind": "not_admitted", "date": "2023-01-01"})


def test_a_rejected_admission_vote_ends_the_case_without_a_violation():
    dossier = case_until("s14_application_form")
    day = last_date(dossier, "s14_application_form") + dt.timedelta(days=5)
    outcome = record(dossier, "s15_admission_meeting", day, votes={"expected": 9, "present": 8, "yes": 3, "no": 5},
                     outcome="rejected")
    assert outcome.state == "not_admitted"


def test_a_failed_vote_with_nothing_after_it_ends_the_case():
    """2026 text: 2·Y ≤ E with nothing after it that treats it as passed is 未予接收, not VOTE_NOT_PASSED."""
    from workflow.audit import audit_dossier
    from workflow.plan import plan_dossier

    dossier = case_until("s14_application_form")
    day = last_date(dossier, "s14_application_form") + dt.timedelta(days=5)
    outcome = record(dossier, "s15_admission_meeting", day, votes={"expected": 9, "present": 8, "yes": 4, "no": 4})
    assert outcome.state == "not_admitted"
    assert "VOTE_NOT_PASSED" not in {f.code for f in audit_dossier(outcome.dossier, AS_OF).findings}
    assert plan_dossier(outcome.dossier, AS_OF).next == []
    with pytest.raises(StepRefused) as caught:
        record(outcome.dossier, "s16_committee_talk", day + dt.timedelta(days=3))
    assert caught.value.code == "STEP_NOT_AVAILABLE"
    passed = record(dossier, "s15_admission_meeting", day, votes={"expected": 9, "present": 8, "yes": 5, "no": 3})
    assert passed.state == "candidate"


def test_transfer_keeps_cultivation_time():
    dossier = case_until("s06_activist_cultivation", applied=dt.date(2022, 3, 1))
    s03 = last_date(dossier, "s03_activist_determined")
    moved = apply_case_event(dossier, {"kind": "transfer_out", "date": (s03 + dt.timedelta(days=100)).isoformat(),
                                       "organisation": "外单位党支部"})
    assert derive_state(moved) == "transferred_out"
    with pytest.raises(StepRefused):
        record(moved, "s07_candidate_determined", add_months(s03, 12))
    back = apply_case_event(moved, {"kind": "transfer_in", "date": (s03 + dt.timedelta(days=130)).isoformat(),
                                    "organisation": "信息学院学生第二党支部"})
    assert derive_state(back) == "activist"
    with pytest.raises(StepRefused) as caught:
        record(back, "s07_candidate_determined", add_months(s03, 12) - dt.timedelta(days=1))
    assert "CULTIVATION_SHORT" in [d["code"] for d in caught.value.details]


def test_correction_replaces_the_step_and_needs_a_new_review():
    dossier = case_until("s02_applicant_talk")
    corrected = correct_step(dossier, 1, {"step": "s02_applicant_talk", "date": dossier.steps[1].date.isoformat(),
                                          "recorded_by": RECORDER, "by": "张副书记"}, AS_OF, reason="谈话人记错")
    assert corrected.dossier.steps[1].by == "张副书记"
    assert corrected.dossier.steps[1].reviewed_by is None
    with pytest.raises(StepRefused):
        correct_step(dossier, 1, {"step": "s02_applicant_talk", "date": "2030-01-01", "recorded_by": RECORDER},
                     AS_OF, reason="改日期")
    with pytest.raises(InputError):
        correct_step(dossier, 1, dossier.steps[1], AS_OF, reason=" ")


def test_archiving_is_refused_while_materials_are_missing():
    dossier = case_until("s24_conversion_approved")
    missing = dossier.model_copy(update={"materials": [m for m in dossier.materials if m.id != "application_form"]})
    with pytest.raises(StepRefused) as caught:
        record(missing, "s25_archived", last_date(dossier, "s24_conversion_approved") + dt.timedelta(days=3))
    assert any(d["code"] == "MATERIAL_MISSING" and "入党志愿书" in d["message"] and d["subject"] == "application_form"
               for d in caught.value.details)
    assert record(dossier, "s25_archived", last_date(dossier, "s24_conversion_approved") + dt.timedelta(days=3)).state \
        == "full_member"


def test_one_machine_for_every_dossier():
    machine = procedure_machine()
    for seed in range(5):
        build_case(CaseSpec(f"M-{seed}", dt.date(2020, 3, 2), until="s07_candidate_determined", seed=seed), AS_OF)
    assert procedure_machine() is machine
    assert machine.machine.models == []


def test_mermaid_diagram_names_every_state():
    text = procedure_machine().mermaid()
    for state in ("applicant", "activist", "candidate", "probationary", "full_member", "not_admitted",
                  "withdrawn", "cancelled", "transferred_out"):
        assert state in text
    assert "probationary --> probationary" in text
