"""Recording and reviewing steps against the fake unit of work: 一步一审 without a database."""
from __future__ import annotations

import pytest
from service_layer.fake_world import BRANCH, TODAY

from workflow.errors import StepRefused
from workflow.service_layer import dossiers, queries, reviews, steps
from workflow.store.errors import Conflict, Forbidden, NotFound

S01 = {"step": "s01_application", "date": "2024-09-10"}


def _dossier(world, recorder) -> str:
    with world.uow() as uow:
        made = dossiers.create_dossier(uow, recorder, BRANCH, {"name": "张三", "birth_date": "2004-03-02"},
                                       dossier_id="D-1", track_materials=False)
    with world.uow() as uow:
        steps.record_step(uow, recorder, made["id"], S01, today=TODAY)
    return made["id"]


def test_recording_a_step_appends_one_event_and_its_index_row(world):
    dossier = _dossier(world, world.organiser)
    row = world.store.tables.dossiers[dossier]
    assert row.version == 2
    with world.uow() as uow:
        [step] = dossiers.export_dossier(uow, world.organiser, dossier)["steps"]
        history = queries.events(uow, world.organiser, dossier)
        recorded = uow.dossiers.index_rows("step_record", dossier)
    assert step["step"] == "s01_application" and step["recorded_by"] == "李书记" and "reviewed_by" not in step
    assert [e["kind"] for e in history] == ["created", "step_recorded"]
    assert history[1]["info"]["step"] == "s01_application" and history[1]["prev_hash"] == history[0]["hash"]
    assert [(r["event_seq"], r["step_index"], r["recorded_by_user_id"]) for r in recorded] == [(2, 0, 1)]


def test_a_recorder_may_not_sign_off_their_own_step(world):
    dossier = _dossier(world, world.both)  # `both` records at the branch and reviews above it
    with world.uow() as uow, pytest.raises(StepRefused) as refused:
        reviews.review_step(uow, world.both, dossier, 0, today=TODAY)
    assert refused.value.code == "SELF_REVIEW"
    assert uow.commits == 0
    assert world.store.tables.dossiers[dossier].version == 2
    assert world.store.tables.index["review"] == []


def test_a_second_person_above_the_branch_signs_it_off(world):
    dossier = _dossier(world, world.organiser)
    with world.uow() as uow, pytest.raises(Forbidden):  # an organiser of the branch is no reviewer
        reviews.review_step(uow, world.organiser, dossier, 0, today=TODAY)
    with world.uow() as uow:
        done = reviews.review_step(uow, world.reviewer, dossier, 0, today=TODAY)
    assert done["version"] == 3 and uow.commits == 1
    with world.uow() as uow:
        [step] = dossiers.export_dossier(uow, world.organiser, dossier)["steps"]
        audit = queries.audit_one(uow, world.organiser, dossier, TODAY)
    assert (step["reviewed_by"], step["review_source"]) == ("赵审核", "system")
    assert [(r["event_seq"], r["step_index"], r["reviewer_user_id"], r["source"])
            for r in world.store.tables.index["review"]] == [(3, 0, 2, "system")]
    assert "REVIEW_MISSING" not in {f["code"] for f in audit["dossiers"][0]["findings"]}
    with world.uow() as uow, pytest.raises(StepRefused):  # signed off once
        reviews.review_step(uow, world.reviewer, dossier, 0, today=TODAY)


def _reviewed(world) -> str:
    dossier = _dossier(world, world.organiser)
    with world.uow() as uow:
        reviews.review_step(uow, world.reviewer, dossier, 0, today=TODAY)
    return dossier


def test_a_sign_off_cannot_be_smuggled_in_with_a_record(world):
    dossier = _reviewed(world)
    with world.uow() as uow:
        steps.record_step(uow, world.organiser, dossier, {"step": "s02_applicant_talk", "date": "2024-09-25",
                                                          "reviewed_by": "赵审核", "review_source": "system"},
                          today=TODAY)
    with world.uow() as uow:
        step = dossiers.export_dossier(uow, world.organiser, dossier)["steps"][1]
    assert not {"reviewed_by", "review_source"} & set(step)


def test_a_correction_names_the_event_it_corrects(world):
    dossier = _dossier(world, world.organiser)
    with world.uow() as uow:
        done = steps.correct_step(uow, world.organiser, dossier, 0, {**S01, "date": "2024-09-11"}, reason="日期笔误",
                                  today=TODAY)
    assert done["corrects_event"] == 2
    assert [r.get("corrects_event_seq") for r in world.store.tables.index["step_record"]] == [None, 2]
    with world.uow() as uow, pytest.raises(NotFound) as missing:
        steps.correct_step(uow, world.organiser, dossier, 5, S01, reason="x", today=TODAY)
    assert missing.value.code == "STEP_NOT_FOUND"


def test_a_write_from_a_stale_read_is_a_conflict(world):
    dossier = _reviewed(world)
    first, second = world.uow(), world.uow()
    with first, second:
        row = second.dossiers.load(dossier)
        steps.record_step(first, world.organiser, dossier, {"step": "s02_applicant_talk", "date": "2024-09-25"},
                          today=TODAY)
        before = second.dossiers.document(row)
        with pytest.raises(Conflict):
            second.dossiers.append(row, before, before, kind="step_recorded", actor="x", info={}, state=row.state)
