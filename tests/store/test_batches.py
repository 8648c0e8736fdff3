"""Batches (issue 11): one branch meeting with a vote per candidate, one sheet of assessments, one
reviewer's pass over a dossier. Each item goes through its ordinary use case; a batch is kept whole
or not at all, and its refusal names every item that failed and why."""
from __future__ import annotations

import pytest
from sqlmodel import func, select
from store.batch_world import TODAY, build, import_case

from workflow.errors import InputError
from workflow.service_layer import batches, dossiers, queries, reviews, steps as step_cases
from workflow.store.batch_tables import BranchMeeting
from workflow.store.errors import Forbidden
from workflow.store.tables import Event, Review

COHORT = (("C-1", "甲一", "2001-02-11"), ("C-2", "甲二", "2001-03-12"), ("C-3", "甲三", "2001-04-13"))


@pytest.fixture
def world(uow):
    return build(uow)


@pytest.fixture
def cohort(uow, world):
    """Three cases of the branch whose pre-review and application form are done (up to s14)."""
    return [import_case(uow, world, i, 14, name, birth) for i, name, birth in COHORT]


def _events(uow) -> int:
    with uow() as u:
        return u.session.exec(select(func.count()).select_from(Event)).one()


def _votes(yes=8, no=0, abstain=0):
    return {"yes": yes, "no": no, "abstain": abstain}


def _meeting(u, world, ids, votes=None, *, expected=9, present=8, step="s15_admission_meeting", actor=None,
             date="2022-05-06", **extra):
    votes = votes or {}
    return batches.record_meeting(u, actor or world.organiser, organisation_id=world.branch, step=step, date=date,
                                  expected=expected, present=present, today=TODAY,
                                  candidates=[{"dossier_id": i, "votes": votes.get(i, _votes()), **extra.get(i, {})}
                                              for i in ids])


def test_the_meeting_steps_come_from_the_quorum_rules():
    assert batches.meeting_steps() == ["s15_admission_meeting", "s23_conversion_meeting"]


def test_one_meeting_records_one_step_per_candidate_each_waiting_for_its_own_review(uow, world, cohort):
    with uow() as u:
        listed = batches.meeting_candidates(u, world.organiser, world.branch, "s15_admission_meeting", TODAY)
    assert [c["dossier_id"] for c in listed] == ["C-1", "C-2", "C-3"]
    with uow() as u:
        result = _meeting(u, world, cohort, {"C-2": _votes(7, 1, 0)})
    assert [r["dossier_id"] for r in result["recorded"]] == cohort
    with uow() as u:
        for dossier_id in cohort:
            doc = dossiers.get_dossier(u, world.organiser, dossier_id)["dossier"]
            step = doc["steps"][-1]
            assert step["step"] == "s15_admission_meeting" and step["date"] == "2022-05-06"
            assert step["votes"]["expected"] == 9 and step["votes"]["present"] == 8
            assert step["recorded_by"] == "吴支书" and "reviewed_by" not in step
        assert dossiers.get_dossier(u, world.organiser, "C-2")["dossier"]["steps"][-1]["votes"]["no"] == 1
        meeting = batches.get_meeting(u, world.reviewer, result["id"])
        assert (meeting["expected"], meeting["present"], str(meeting["date"])) == (9, 8, "2022-05-06")
        assert [c["name"] for c in meeting["candidates"]] == ["甲一", "甲二", "甲三"]
        shared = batches.meeting_of_step(u, "C-3", 14)
        assert shared["id"] == result["id"] and shared["candidates"] == 3 and shared["position"] == 2
        assert batches.meeting_of_step(u, "C-3", 13) is None
        assert [m["candidates"] for m in batches.list_meetings(u, world.organiser, world.branch)] == [3]
    # each step is reviewed on its own: one review event per candidate
    for dossier_id in cohort:
        with uow() as u:
            reviews.review_step(u, world.reviewer, dossier_id, 14, today=TODAY)
    with uow() as u:
        assert u.session.exec(select(func.count()).select_from(Review).where(
            Review.step == "s15_admission_meeting")).one() == 3


def test_one_refused_candidate_keeps_the_whole_meeting_out_and_is_named(uow, world, cohort):
    before = _events(uow)
    with uow() as u, pytest.raises(batches.BatchRefused) as caught:
        _meeting(u, world, cohort, {"C-2": _votes(3, 5, 0)}, **{"C-2": {"outcome": "passed"}})
    refused = caught.value.details
    assert [(r["row"], r["dossier_id"], r["code"]) for r in refused] == [(1, "C-2", "STEP_REFUSED")]
    assert "VOTE_NOT_PASSED" in {f["code"] for f in refused[0]["findings"]}
    assert "3 项，其中 1 项未通过" in caught.value.message
    assert _events(uow) == before  # C-1 and C-3 passed the gate, yet nothing of them was kept
    with uow() as u:
        assert u.session.exec(select(func.count()).select_from(BranchMeeting)).one() == 0
        assert all(len(dossiers.get_dossier(u, world.organiser, i)["dossier"]["steps"]) == 14 for i in cohort)
    with uow() as u:  # the same meeting with the vote entered correctly goes through
        assert len(_meeting(u, world, cohort)["recorded"]) == 3


def test_without_quorum_every_candidate_is_refused(uow, world, cohort):
    with uow() as u, pytest.raises(batches.BatchRefused) as caught:
        _meeting(u, world, cohort, {i: _votes(4) for i in cohort}, present=4)
    assert [r["dossier_id"] for r in caught.value.details] == cohort
    assert all("QUORUM_NOT_MET" in {f["code"] for f in r["findings"]} for r in caught.value.details)


def test_the_meeting_figures_are_checked_once_before_any_candidate(uow, world, cohort):
    before = _events(uow)
    for kwargs, field in (({"present": 10}, "present"), ({"expected": -1}, "expected"),
                          ({"expected": "九"}, "expected"), ({"date": "2022-02-30"}, "date"), ({"date": ""}, "date")):
        with uow() as u, pytest.raises(InputError) as caught:
            _meeting(u, world, cohort, **kwargs)
        assert caught.value.field == field, (kwargs, caught.value.details)
    with uow() as u, pytest.raises(InputError) as caught:
        batches.record_meeting(u, world.organiser, organisation_id=world.branch, step="s15_admission_meeting",
                               date="2022-05-06", expected=9, present=8, today=TODAY,
                               candidates=[{"dossier_id": "C-1"}, {"dossier_id": "C-1"}])
    assert caught.value.code == "DUPLICATE_CANDIDATE"
    with uow() as u, pytest.raises(InputError) as caught:
        _meeting(u, world, ["C-1"] * 0)
    assert caught.value.code == "FIELD_REQUIRED"
    with uow() as u, pytest.raises(InputError) as caught:
        _meeting(u, world, cohort, step="s14_application_form")
    assert caught.value.field == "step"
    assert _events(uow) == before


def test_a_candidate_of_another_branch_or_unknown_is_refused_like_an_invisible_one(uow, world, cohort):
    import_case(uow, world, "O-1", 14, "乙一", "2001-05-14", organisation=world.other)
    with uow() as u, pytest.raises(batches.BatchRefused) as caught:
        _meeting(u, world, ["C-1", "O-1", "NOPE"])
    assert [(r["dossier_id"], r["code"]) for r in caught.value.details] == [("O-1", "DOSSIER_NOT_FOUND"),
                                                                            ("NOPE", "DOSSIER_NOT_FOUND")]
    assert len({r["message"] for r in caught.value.details}) == 1


def test_only_a_writer_of_the_branch_records_a_meeting(uow, world, cohort):
    for actor in (world.reviewer, world.other_organiser):
        with uow() as u, pytest.raises((Forbidden, batches.NotFound)):
            _meeting(u, world, cohort, actor=actor)
    with uow() as u, pytest.raises(batches.NotFound):
        batches.meeting_candidates(u, world.other_organiser, world.branch, "s15_admission_meeting", TODAY)


def test_a_warning_needs_that_candidates_own_reason(uow, world, cohort):
    import_case(uow, world, "W-1", 14, "孙警示", "2001-06-15", expected_leave_date="2022-07-01")
    ids = [*cohort, "W-1"]
    with uow() as u, pytest.raises(batches.BatchRefused) as caught:
        _meeting(u, world, ids)
    (row,) = caught.value.details
    assert row["dossier_id"] == "W-1" and row["reason_required"] and row["code"] == "REASON_REQUIRED"
    with uow() as u:
        _meeting(u, world, ids, **{"W-1": {"reason": "本人提前毕业，经党委同意按期讨论"}})
    with uow() as u:
        step = dossiers.get_dossier(u, world.organiser, "W-1")["dossier"]["steps"][-1]
        assert step["warning_reason"] == "本人提前毕业，经党委同意按期讨论"


def test_a_conversion_meeting_records_each_outcome(uow, world):
    ids = [import_case(uow, world, f"P-{n}", 22, f"丙{n}", f"2001-0{n}-10") for n in (1, 2)]
    with uow() as u:
        listed = batches.meeting_candidates(u, world.organiser, world.branch, "s23_conversion_meeting", TODAY)
        assert [c["dossier_id"] for c in listed] == ids
        _meeting(u, world, ids, {i: _votes(9) for i in ids}, expected=9, present=9, step="s23_conversion_meeting",
                 date="2023-05-09", **{"P-1": {"outcome": "convert"}, "P-2": {"outcome": "extend", "extend_months": 6}})
    with uow() as u:
        assert dossiers.get_dossier(u, world.organiser, "P-2")["dossier"]["steps"][-1]["extend_months"] == 6


# ---------------------------------------------------------------- one reviewer, several steps of one dossier

def _three_waiting(uow, world, recorder) -> str:
    dossier_id = import_case(uow, world, "R-1", 8, "丁一", "2001-07-16")
    for entry in ({"step": "s09_introducers_assigned", "date": "2022-02-25",
                   "people": [{"name": "赵六", "status": "full"}, {"name": "钱七", "status": "full"}]},
                  {"step": "s10_political_review", "date": "2022-04-05", "conclusion": "qualified"},
                  {"step": "s11_training", "date": "2022-03-16", "start": "2022-03-14", "days": 3, "hours": 24}):
        with uow() as u:
            step_cases.record_step(u, recorder, dossier_id, entry, today=TODAY)
    return dossier_id


def test_a_reviewer_signs_several_steps_of_one_dossier_each_separately(uow, world):
    dossier_id = _three_waiting(uow, world, world.organiser)
    with uow() as u:
        result = batches.review_steps(u, world.reviewer, dossier_id, [10, 8, 9], today=TODAY)
    assert [r["index"] for r in result["reviewed"]] == [8, 9, 10]
    with uow() as u:
        kinds = [e["kind"] for e in queries.events(u, world.reviewer, dossier_id)]
        assert kinds[-3:] == ["step_reviewed"] * 3
        steps = dossiers.get_dossier(u, world.reviewer, dossier_id)["dossier"]["steps"]
        assert all(s["reviewed_by"] == "王组织员" for s in steps[8:11])
        assert u.session.exec(select(func.count()).select_from(Review).where(
            Review.dossier_id == dossier_id, Review.source == "system")).one() == 3


def test_a_pass_with_a_step_the_reviewer_recorded_is_refused_whole(uow, world):
    dossier_id = _three_waiting(uow, world, world.both)
    before = _events(uow)
    with uow() as u, pytest.raises(batches.BatchRefused) as caught:
        batches.review_steps(u, world.both, dossier_id, [8, 9, 10], today=TODAY)
    assert [(r["index"], r["code"]) for r in caught.value.details] == [(8, "SELF_REVIEW"), (9, "SELF_REVIEW"),
                                                                      (10, "SELF_REVIEW")]
    assert _events(uow) == before
    with uow() as u:  # one step a reviewer may sign and one they may not: neither is signed
        reviews.review_step(u, world.reviewer, dossier_id, 8, today=TODAY)
    with uow() as u, pytest.raises(batches.BatchRefused) as caught:
        batches.review_steps(u, world.reviewer, dossier_id, [8, 9], today=TODAY)
    assert [(r["index"], r["code"]) for r in caught.value.details] == [(8, "ALREADY_REVIEWED")]
    with uow() as u:
        assert not dossiers.get_dossier(u, world.reviewer, dossier_id)["dossier"]["steps"][9].get("reviewed_by")


def test_a_review_pass_is_bounded_and_scoped(uow, world):
    dossier_id = _three_waiting(uow, world, world.organiser)
    for indices, code in (([], "FIELD_REQUIRED"), ([8, 8], "DUPLICATE_ROW"), (list(range(61)), "TOO_MANY_ROWS")):
        with uow() as u, pytest.raises(InputError) as caught:
            batches.review_steps(u, world.reviewer, dossier_id, indices, today=TODAY)
        assert caught.value.code == code
    with uow() as u, pytest.raises(batches.NotFound):
        batches.review_steps(u, world.other_organiser, dossier_id, [8], today=TODAY)
    with uow() as u, pytest.raises(batches.BatchRefused) as caught:
        batches.review_steps(u, world.organiser, dossier_id, [8], today=TODAY)
    assert caught.value.details[0]["code"] == "FORBIDDEN"


# ---------------------------------------------------------------- the assessment sheet

def test_assessments_of_the_branchs_activists_are_recorded_together(uow, world):
    activists = [import_case(uow, world, f"A-{n}", 5, f"戊{n}", f"2002-0{n}-01") for n in (1, 2)]
    import_case(uow, world, "X-1", 14, "己一", "2002-03-01")  # a candidate: not on the sheet
    with uow() as u:
        rows = batches.assessment_rows(u, world.organiser, world.branch)
    assert [(r["dossier_id"], r["period"], r["count"]) for r in rows] == [("A-1", "activist", 2),
                                                                          ("A-2", "activist", 2)]
    with uow() as u:
        batches.record_assessments(u, world.organiser, organisation_id=world.branch, today=TODAY, rows=[
            {"dossier_id": i, "date": "2022-08-01", "period": "activist", "result": "合格", "by": "赵六"}
            for i in activists])
    with uow() as u:
        for i in activists:
            last = dossiers.get_dossier(u, world.organiser, i)["dossier"]["assessments"][-1]
            assert last == {"date": "2022-08-01", "period": "activist", "by": "赵六", "result": "合格"}


def test_a_bad_assessment_row_keeps_the_sheet_out_and_names_the_row(uow, world):
    activists = [import_case(uow, world, f"A-{n}", 5, f"戊{n}", f"2002-0{n}-01") for n in (1, 2, 3)]
    before = _events(uow)
    rows = [{"dossier_id": activists[0], "date": "2022-08-01", "period": "activist", "result": "合格"},
            {"dossier_id": activists[1], "date": "2022-13-01", "period": "activist"},
            {"dossier_id": activists[2], "date": "2022-08-01", "period": "someday", "by": "赵" * 101}]
    with uow() as u, pytest.raises(batches.BatchRefused) as caught:
        batches.record_assessments(u, world.organiser, organisation_id=world.branch, rows=rows, today=TODAY)
    assert [(r["row"], r["code"]) for r in caught.value.details] == [(1, "DATE_INVALID"), (2, "VALUE_TOO_LONG")]
    assert _events(uow) == before
    with uow() as u, pytest.raises(InputError) as caught:
        batches.record_assessments(u, world.organiser, organisation_id=world.branch, rows=[rows[0]] * 2,
                                   today=TODAY)
    assert caught.value.code == "DUPLICATE_ROW"
    with uow() as u, pytest.raises(Forbidden):
        batches.record_assessments(u, world.reviewer, organisation_id=world.branch, rows=rows[:1], today=TODAY)


def test_assessment_dates_are_checked_as_a_steps_are(uow, world):
    activists = [import_case(uow, world, f"A-{n}", 5, f"戊{n}", f"2002-0{n}-01") for n in (1, 2, 3)]
    rows = [{"dossier_id": activists[0], "date": "2022-08-01", "period": "activist"},
            {"dossier_id": activists[1], "date": "2026-12-01", "period": "activist"},  # after today
            {"dossier_id": activists[2], "date": "2020-01-01", "period": "activist"}]  # before the application
    with uow() as u, pytest.raises(batches.BatchRefused) as caught:
        batches.record_assessments(u, world.organiser, organisation_id=world.branch, rows=rows, today=TODAY)
    assert [(r["row"], r["code"]) for r in caught.value.details] == [(1, "DATE_IN_FUTURE"),
                                                                      (2, "DATE_BEFORE_APPLICATION")]
