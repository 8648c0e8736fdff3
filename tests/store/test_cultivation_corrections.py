"""Correcting a reviewed score (issue 12): a correction needs a reason, stays in its period and on the
scheme's scale, keeps the old entry and the old reviewed score, gives a new score that only a second
person may review, and is refused once the period's ranking is published."""
from __future__ import annotations

import datetime as dt

import pytest

from workflow.cultivation.scoring import ScoreValueError
from workflow.errors import InputError
from workflow.service_layer import dossiers
from workflow.store import admin
from workflow.store import cultivation as store
from workflow.store import cultivation_corrections as corrections
from workflow.store.access import Actor
from workflow.store.errors import Conflict, Forbidden, NotFound

D = dt.date.fromisoformat
PASSWORD = "Lantern-Orchid-Quarry-91"
TODAY = D("2026-01-20")
PERIOD = "2025-2026-1"


def _actor(user, grants):
    return Actor(user_id=user["id"], login=user["login"], name=user["display_name"], grants=tuple(grants))


@pytest.fixture
def world(uow):
    with uow() as u:
        root = admin.create_organisation(u, None, name="公共卫生学院党委", level="committee", parent_id=None)["id"]
    with uow() as u:
        boss = admin.create_user(u, None, login="zuzhi", display_name="王组织员", password=PASSWORD,
                                 grants=[(root, "reviewer")])
    with uow() as u:
        branch = admin.create_organisation(u, None, name="学生第一党支部", level="branch", parent_id=root)["id"]
    with uow() as u:
        sec = admin.create_user(u, None, login="shuji", display_name="李书记", password=PASSWORD,
                                grants=[(branch, "organiser")])
    with uow() as u:
        aud = admin.create_user(u, None, login="shenji", display_name="陈审计", password=PASSWORD,
                                grants=[(branch, "auditor")])
    with uow() as u:
        two = admin.create_user(u, None, login="shuangg", display_name="卫双岗", password=PASSWORD,
                                grants=[(branch, "organiser"), (root, "reviewer")])
    secretary = _actor(sec, [(branch, "organiser")])
    for i in range(3):
        with uow() as u:
            dossiers.create_dossier(u, secretary, branch, {"name": f"学生{i + 1}", "birth_date": "2005-03-01"},
                                    dossier_id=f"S{i + 1}")
    entries = []
    for i in range(3):
        person = f"S{i + 1}"
        entries += [
            {"person": person, "indicator": "course_rank", "date": "2026-01-10", "value": {"rank": i + 1, "of": 10},
             "evidence": {"note": "成绩单"}},
            {"person": person, "indicator": "cet", "date": "2025-12-20", "value": "六级", "evidence": {"note": "成绩单"}},
            {"person": person, "indicator": "study_notes", "date": "2025-11-01", "value": 5, "evidence": {"note": "手册"}},
            {"person": person, "indicator": "class_vote", "date": "2026-01-08",
             "value": {"expected": 10, "present": 10, "votes": {"优秀": 10 - i}}, "evidence": {"note": "评议表"}}]
    with uow() as u:
        saved = store.add_entries(u, secretary, branch, "seed000", entries, today=TODAY)
    with uow() as u:
        scores = store.compute_scores(u, secretary, branch, "seed000", PERIOD, today=TODAY)
    reviewer = _actor(boss, [(root, "reviewer")])
    for s in scores:
        with uow() as u:
            store.review_score(u, reviewer, s["id"], today=TODAY)
    return {"branch": branch, "secretary": secretary, "reviewer": reviewer, "entries": saved,
            "auditor": _actor(aud, [(branch, "auditor")]),
            "both": _actor(two, [(branch, "organiser"), (root, "reviewer")])}


def _entry(world, person, indicator):
    return next(e for e in world["entries"] if e["person"] == person and e["indicator"] == indicator)


def _count(uow, world) -> int:
    with uow() as u:
        return len(corrections.person_entries(u, world["secretary"], world["branch"], "seed000", PERIOD, "S2")["entries"])


def test_a_reviewed_score_is_corrected_with_a_reason_and_reviewed_again_by_someone_else(uow, world):
    secretary, reviewer, both = world["secretary"], world["reviewer"], world["both"]
    old = _entry(world, "S2", "course_rank")
    with uow() as u:  # corrected (and so computed) by one who may also review: not this score
        done = corrections.correct_entry(u, both, old["id"], value={"rank": 5, "of": 10}, on="2026-01-10",
                                         reason="成绩单复核：名次录错", today=TODAY)
    assert done["entry"]["replaces_id"] == old["id"] and done["score"]["reviewed_by"] is None
    with uow() as u:
        shown = corrections.person_entries(u, secretary, world["branch"], "seed000", PERIOD, "S2")
    assert [e["reason"] for e in shown["entries"] if e["reason"]] == ["成绩单复核：名次录错"]
    replaced = next(e for e in shown["entries"] if e["id"] == old["id"])
    assert replaced["current"] is False and replaced["replaced_by"] == done["entry"]["id"]
    # the earlier score is kept with its review; the new one waits for a second person
    assert [s["reviewed_by"] for s in shown["scores"]] == ["王组织员", None]
    assert shown["scores"][0]["total"] != shown["scores"][1]["total"]
    assert done["score"]["computed_by"] == "卫双岗"
    with uow() as u, pytest.raises(Forbidden) as caught:
        store.review_score(u, both, done["score"]["id"], today=TODAY)
    assert caught.value.code == "SELF_REVIEW"
    with uow() as u:
        assert store.review_score(u, reviewer, done["score"]["id"], today=TODAY)["reviewed_by"] == "王组织员"
    with uow() as u:
        sheet = corrections.period_scores(u, reviewer, world["branch"], "seed000", PERIOD)
    assert {s["person"]: s["versions"] for s in sheet["scores"]} == {"S1": 1, "S2": 2, "S3": 1}
    assert sheet["may_review"] and not sheet["may_correct"]
    # the replaced entry cannot be corrected a second time
    with uow() as u, pytest.raises(Conflict) as caught:
        corrections.correct_entry(u, secretary, old["id"], value={"rank": 4, "of": 10}, on="2026-01-10",
                                  reason="再改", today=TODAY)
    assert caught.value.code == "ENTRY_REPLACED"


@pytest.mark.parametrize(("change", "error", "code"), [
    ({"reason": "  "}, InputError, "CORRECTION_REASON_MISSING"),
    ({"on": "2026-03-02"}, InputError, "CORRECTION_PERIOD"),       # the spring semester: another period
    ({"on": "2025-08-31"}, InputError, "CORRECTION_PERIOD"),       # the day before the autumn semester
    ({"value": "七级"}, ScoreValueError, "SCORE_VALUE_INVALID"),    # not an option of the scheme
])
def test_a_correction_without_a_reason_outside_its_period_or_off_the_scale_stores_nothing(uow, world, change, error,
                                                                                          code):
    old = _entry(world, "S2", "cet")
    before = _count(uow, world)
    args = {"value": "四级", "on": "2025-12-20", "reason": "证书核对", **change}
    with uow() as u, pytest.raises(error) as caught:
        corrections.correct_entry(u, world["secretary"], old["id"], today=TODAY, **args)
    assert caught.value.code == code
    assert _count(uow, world) == before


def test_who_may_correct_and_a_published_period_is_closed(uow, world):
    old = _entry(world, "S1", "cet")
    args = {"value": "四级", "on": "2025-12-20", "reason": "证书核对", "today": TODAY}
    with uow() as u, pytest.raises(Forbidden):
        corrections.correct_entry(u, world["auditor"], old["id"], **args)
    with uow() as u, pytest.raises(NotFound):
        corrections.correct_entry(u, world["secretary"], 99999, **args)
    with uow() as u:
        store.publish_ranking(u, world["secretary"], world["branch"], "seed000", PERIOD, group_size=10, today=TODAY)
    with uow() as u, pytest.raises(Conflict) as caught:
        corrections.correct_entry(u, world["secretary"], old["id"], **args)
    assert caught.value.code == "RANKING_PUBLISHED" and "公布" in caught.value.message
    with uow() as u:
        assert corrections.period_scores(u, world["secretary"], world["branch"], "seed000", PERIOD)["published"]
