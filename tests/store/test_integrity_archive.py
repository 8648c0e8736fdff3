"""Promise 3 of issue 9, the archive lock: once s25 is recorded and signed off, the branch can change
nothing; a correction needs a reviewer above the branch and says so in the history, export and audit."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests_support import load_case
from workflow.service_layer import dossiers, materials, queries, reviews, steps
from workflow.service_layer.imports import import_path
from workflow.store import admin
from workflow.store.access import Actor
from workflow.store.errors import Forbidden

TODAY = dt.date(2026, 11, 21)
TALK = {"step": "s02_applicant_talk", "date": "2020-09-06", "by": "李书记"}
LETTER = {"id": "application_letter", "step": "s01_application", "signed_by": ["王小明"]}


@pytest.fixture
def archived(uow, tmp_path):
    """The complete 2014 record, imported and its paper reviews confirmed: s25 is signed off."""
    with uow() as u:
        root = admin.create_organisation(u, None, name="党委", level="committee", parent_id=None)["id"]
    with uow() as u:
        branch = admin.create_organisation(u, None, name="支部", level="branch", parent_id=root)["id"]
    actors = {
        "organiser": Actor(user_id=None, login="o", name="李书记", grants=((branch, "organiser"),)),
        "branch_reviewer": Actor(user_id=None, login="b", name="孙支审", grants=((branch, "reviewer"),)),
        "above": Actor(user_id=None, login="a", name="赵审核", grants=((root, "reviewer"),)),
        "above2": Actor(user_id=None, login="c", name="钱审核", grants=((root, "reviewer"),)),
    }
    document = load_case("01_valid_2014_full_record")["dossier"]
    path = tmp_path / "paper.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with uow() as u:
        dossier = import_path(u, actors["organiser"], branch, str(path), today=TODAY).results[0]["id"]
    with uow() as u:
        reviews.confirm_paper_reviews(u, actors["above"], dossier, today=TODAY)
    return dossier, actors, branch, path


def test_nothing_changes_an_archived_dossier_from_the_branch(uow, archived):
    dossier, actors, branch, path = archived
    organiser = actors["organiser"]
    attempts = [
        lambda u: steps.correct_step(u, organiser, dossier, 1, TALK, reason="日期笔误", today=TODAY),
        lambda u: steps.correct_step(u, actors["branch_reviewer"], dossier, 1, TALK, reason="日期笔误", today=TODAY),
        lambda u: steps.add_fact(u, organiser, dossier, "thought_reports", {"date": "2023-08-01"}),
        lambda u: materials.attach_material(u, organiser, dossier, LETTER, b"%PDF-1.4 x", declared_type="application/pdf",
                                            filename="x.pdf", max_bytes=1 << 20),
        lambda u: steps.case_event(u, organiser, dossier, {"kind": "withdraw", "date": "2023-08-01"}),
        lambda u: steps.record_step(u, organiser, dossier, {"step": "s21_probation_education", "date": "2023-08-01"},
                                    today=TODAY),
    ]
    for attempt in attempts:
        with uow() as u, pytest.raises(Forbidden) as refused:
            attempt(u)
        assert refused.value.code == "DOSSIER_ARCHIVED"
    changed = load_case("01_valid_2014_full_record")["dossier"]
    changed["person"]["education"] = "博士研究生"
    path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    with uow() as u:
        report = import_path(u, organiser, branch, str(path), today=TODAY)
    assert report.results == [] and report.errors[0].code == "DOSSIER_ARCHIVED"


def test_a_reviewer_above_the_branch_corrects_and_the_correction_shows(uow, archived):
    dossier, actors, _, _ = archived
    with uow() as u:
        result = steps.correct_step(u, actors["above"], dossier, 1, TALK, reason="谈话日期笔误", today=TODAY)
    assert result["index"] == 1
    with uow() as u:
        step = dossiers.export_dossier(u, actors["organiser"], dossier)["steps"][1]
        history = queries.events(u, actors["organiser"], dossier)
        audit = queries.audit_one(u, actors["organiser"], dossier, TODAY)
    assert step["date"] == "2020-09-06" and step.get("reviewed_by") is None
    assert step["archive_correction"] == {"by": "赵审核", "on": "2026-11-21", "organisation": "党委", "reason": "谈话日期笔误"}
    assert history[-1]["kind"] == "step_corrected" and history[-1]["info"]["after_archive"] is True
    messages = [f["message"] for f in audit["dossiers"][0]["findings"] if f["code"] == "CORRECTED_AFTER_ARCHIVE"]
    assert messages == ["党组织派人谈话在档案归档后由 赵审核（党委）于 2026-11-21 更正，理由：谈话日期笔误"]
    with uow() as u, pytest.raises(Exception) as own:  # the corrector may not sign off their own correction
        reviews.review_step(u, actors["above"], dossier, 1, today=TODAY)
    assert own.value.code == "SELF_REVIEW"
    with uow() as u:
        reviews.review_step(u, actors["above2"], dossier, 1, today=TODAY)
    with uow() as u, pytest.raises(Forbidden):  # still locked
        steps.add_fact(u, actors["organiser"], dossier, "thought_reports", {"date": "2023-08-01"})


def test_correcting_the_archive_step_itself_keeps_the_lock(uow, archived):
    dossier, actors, _, _ = archived
    with uow() as u:
        entry = dossiers.export_dossier(u, actors["organiser"], dossier)["steps"][-1]
    entry = {k: v for k, v in entry.items() if k in ("step", "date")}
    with uow() as u:
        steps.correct_step(u, actors["above"], dossier, 24, entry, reason="归档日期核对", today=TODAY)
    with uow() as u, pytest.raises(Forbidden) as refused:
        steps.correct_step(u, actors["organiser"], dossier, 1, TALK, reason="再改", today=TODAY)
    assert refused.value.code == "DOSSIER_ARCHIVED"
