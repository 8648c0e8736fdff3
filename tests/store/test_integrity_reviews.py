"""Promise 1 of issue 9: no review without a reviewer. Only the review route signs off.

Before this, an organiser could export a dossier, write `reviewed_by` into a step and import it again:
the step counted as signed off, the audit was clean and the next step recorded. The same held for new
dossiers, JSON imports and the 纪实表's 审核人 column.
"""
from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from sqlmodel import select

from tests_support import load_case
from workflow.errors import StepRefused
from workflow.spreadsheet.writer import write_records
from workflow.service_layer import dossiers, queries, reviews, steps as step_cases
from workflow.service_layer.imports import import_path
from workflow.store import admin
from workflow.store.access import Actor
from workflow.store.errors import Conflict, Forbidden
from workflow.store.tables import Event, Review

TODAY = dt.date(2026, 11, 21)


@pytest.fixture
def people(uow):
    with uow() as u:
        root = admin.create_organisation(u, None, name="党委", level="committee", parent_id=None)["id"]
    with uow() as u:
        branch = admin.create_organisation(u, None, name="支部", level="branch", parent_id=root)["id"]
    return {
        "branch": branch,
        "organiser": Actor(user_id=None, login="o", name="李书记", grants=((branch, "organiser"),)),
        # organises the branch and reviews above it: may sign off others' records, never confirm own imports
        "both": Actor(user_id=None, login="b", name="卫双岗", grants=((branch, "organiser"), (root, "reviewer"))),
        "reviewer": Actor(user_id=None, login="v", name="赵审核", grants=((root, "reviewer"),)),
    }


def _new_dossier(uow, people) -> str:
    with uow() as u:
        dossier = dossiers.create_dossier(u, people["organiser"], people["branch"],
                                          {"name": "张三", "birth_date": "2004-03-02"}, track_materials=False)["id"]
    with uow() as u:
        step_cases.record_step(u, people["organiser"], dossier, {"step": "s01_application", "date": "2024-09-10"},
                               today=TODAY)
    return dossier


def _codes(uow, actor, dossier) -> dict[str, list[str]]:
    with uow() as u:
        audit = queries.audit_one(u, actor, dossier, TODAY)
    out: dict[str, list[str]] = {}
    for finding in audit["dossiers"][0]["findings"]:
        out.setdefault(finding["code"], []).append(finding["message"])
    return out


def test_exporting_writing_a_reviewer_and_reimporting_signs_nothing_off(uow, people, tmp_path):
    dossier = _new_dossier(uow, people)
    with uow() as u:
        document = dossiers.export_dossier(u, people["organiser"], dossier)
    document["steps"][0]["reviewed_by"] = "王组织员"
    document["steps"][0]["reviewed_on"] = "2024-09-11"
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with uow() as u:
        report = import_path(u, people["organiser"], people["branch"], str(path), today=TODAY)
    assert report.errors == [] and report.results[0]["outcome"] == "updated"
    with uow() as u:
        stored = dossiers.export_dossier(u, people["organiser"], dossier)["steps"][0]
    assert "reviewed_by" not in stored and stored["review_source"] == "paper"
    assert stored["paper_review"] == {"reviewed_by": "王组织员", "reviewed_on": "2024-09-11", "imported_by": "李书记",
                                      "imported_on": "2026-11-21", "source": str(path)}
    codes = _codes(uow, people["organiser"], dossier)
    assert "REVIEW_MISSING" in codes and "尚待上级审核人在系统中确认" in codes["REVIEW_ON_PAPER"][0]
    with uow() as u, pytest.raises(StepRefused) as refused:
        step_cases.record_step(u, people["organiser"], dossier, {"step": "s02_applicant_talk", "date": "2024-09-25"},
                               today=TODAY)
    assert "REVIEW_MISSING" in {d["code"] for d in refused.value.details}


def test_a_reimport_never_adds_changes_or_removes_a_sign_off(uow, people, tmp_path):
    dossier = _new_dossier(uow, people)
    with uow() as u:
        reviews.review_step(u, people["reviewer"], dossier, 0, today=TODAY)
    with uow() as u:
        signed = dossiers.export_dossier(u, people["organiser"], dossier)
    assert signed["steps"][0]["review_source"] == "system" and signed["steps"][0]["reviewed_by"] == "赵审核"

    def reimport(change):
        document = copy.deepcopy(signed)
        change(document)
        path = tmp_path / "again.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        with uow() as u:
            return import_path(u, people["organiser"], people["branch"], str(path), today=TODAY)

    other_reviewer = reimport(lambda d: d["steps"][0].update(reviewed_by="王组织员", review_source="paper"))
    assert other_reviewer.results[0]["outcome"] == "unchanged"
    no_reviewer = reimport(lambda d: [d["steps"][0].pop(k) for k in ("reviewed_by", "reviewed_on", "review_source")])
    assert no_reviewer.results[0]["outcome"] == "unchanged"
    moved = reimport(lambda d: d["steps"][0].update(date="2024-09-01"))
    assert moved.results == [] and moved.errors[0].code == "REIMPORT_CHANGES_REVIEWED_STEP"
    dropped = reimport(lambda d: d["steps"].clear())
    assert dropped.errors[0].code == "REIMPORT_REMOVES_REVIEWED_STEP"
    added = reimport(lambda d: d["steps"].append({"step": "s02_applicant_talk", "date": "2024-09-25",
                                                  "reviewed_by": "王组织员", "review_source": "system"}))
    assert added.results[0]["outcome"] == "updated"
    with uow() as u:
        steps = dossiers.export_dossier(u, people["organiser"], dossier)["steps"]
    assert steps[0] == signed["steps"][0]
    assert "reviewed_by" not in steps[1] and steps[1]["review_source"] == "paper"


def test_a_new_dossier_file_brings_paper_history_that_a_second_person_confirms(uow, people, tmp_path):
    document = load_case("01_valid_2014_full_record")["dossier"]
    path = tmp_path / "paper.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with uow() as u:
        report = import_path(u, people["both"], people["branch"], str(path), today=TODAY)
    dossier = report.results[0]["id"]
    with uow() as u:
        stored = dossiers.export_dossier(u, people["both"], dossier)
        created = json.loads(u.session.exec(select(Event.payload).where(Event.dossier_id == dossier)).first())
    assert all("reviewed_by" not in s and s["paper_review"]["imported_by"] == "卫双岗" for s in stored["steps"])
    assert created["info"]["paper_reviews"] == 25
    assert len(_codes(uow, people["both"], dossier)["REVIEW_MISSING"]) == 25
    with uow() as u, pytest.raises(StepRefused) as own:  # the importer may not confirm their own import
        reviews.confirm_paper_reviews(u, people["both"], dossier, today=TODAY)
    assert own.value.code == "SELF_CONFIRM"
    with uow() as u, pytest.raises(StepRefused):
        reviews.review_step(u, people["both"], dossier, 3, today=TODAY)
    with uow() as u, pytest.raises(Forbidden):  # nor may an organiser without the reviewing role
        reviews.confirm_paper_reviews(u, people["organiser"], dossier, today=TODAY)
    with uow() as u:
        one = reviews.review_step(u, people["reviewer"], dossier, 0, today=TODAY)  # the review route, one step
    assert one["index"] == 0
    with uow() as u:
        done = reviews.confirm_paper_reviews(u, people["reviewer"], dossier, today=TODAY)
    assert done["confirmed"] == list(range(1, 25))
    with uow() as u:
        steps = dossiers.export_dossier(u, people["both"], dossier)["steps"]
        sources = {r.source for r in u.session.exec(select(Review).where(Review.dossier_id == dossier))}
    assert all(s["reviewed_by"] == "王组织员" and s["review_source"] == "paper"
               and s["paper_review"]["confirmed_by"] == "赵审核" for s in steps)
    assert sources == {"paper"}
    codes = _codes(uow, people["reviewer"], dossier)
    assert "REVIEW_MISSING" not in codes and len(codes["REVIEW_ON_PAPER"]) == 25
    assert "已由 赵审核 于 2026-11-21 在系统中确认" in codes["REVIEW_ON_PAPER"][0]
    with uow() as u, pytest.raises(Conflict):
        reviews.confirm_paper_reviews(u, people["reviewer"], dossier, today=TODAY)


def test_the_spreadsheet_reviewer_column_is_paper_history(uow, people, tmp_path):
    document = load_case("03_talk_after_one_month")["dossier"]
    for entry in document["steps"]:
        entry["recorded_by"], entry["reviewed_by"] = "李书记", "王组织员"
    path = tmp_path / "records.xlsx"
    write_records([document], path)
    with uow() as u:
        report = import_path(u, people["organiser"], people["branch"], str(path), today=TODAY)
    assert report.errors == []
    with uow() as u:
        steps = dossiers.export_dossier(u, people["organiser"], report.results[0]["id"])["steps"]
    assert steps and all("reviewed_by" not in s and s["paper_review"]["reviewed_by"] == "王组织员" for s in steps)
    assert all(s["paper_review"]["source"].startswith(str(path)) for s in steps)


def test_recording_a_step_cannot_smuggle_a_sign_off(uow, people):
    dossier = _new_dossier(uow, people)
    with uow() as u:
        reviews.review_step(u, people["reviewer"], dossier, 0, today=TODAY)
    smuggled = {"step": "s02_applicant_talk", "date": "2024-09-25", "reviewed_by": "赵审核", "review_source": "system",
                "paper_review": {"reviewed_by": "赵审核", "imported_by": "x", "imported_on": "2024-09-25",
                                 "confirmed_by": "y", "confirmed_on": "2024-09-26"}}
    with uow() as u:
        step_cases.record_step(u, people["organiser"], dossier, smuggled, today=TODAY)
    with uow() as u:
        step = dossiers.export_dossier(u, people["organiser"], dossier)["steps"][1]
    assert not {"reviewed_by", "review_source", "paper_review"} & set(step)


def test_a_plain_dossier_file_is_audited_as_before():
    """Offline paper dossiers: a file with `reviewed_by` and no provenance audits exactly as it did."""
    from workflow.audit import audit_dossier
    from workflow.dossier import parse_dossier

    findings = audit_dossier(parse_dossier(load_case("01_valid_2014_full_record")["dossier"]), TODAY).findings
    assert not {f.code for f in findings} & {"REVIEW_MISSING", "REVIEW_ON_PAPER"}
