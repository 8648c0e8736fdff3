"""Importing records into the store: spreadsheet rows and JSON, idempotent re-import, bad rows apart."""
from __future__ import annotations

import copy
import datetime as dt
import json

import openpyxl
from sqlmodel import select
from tests_support import load_case

from workflow.audit import audit_dossier
from workflow.dossier import parse_dossier
from workflow.spreadsheet.writer import write_records
from workflow.service_layer.imports import import_path as _import_path
from workflow.store import admin
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork
from workflow.store.tables import Event

AS_OF = dt.date(2026, 11, 21)


def import_path(engine, actor, org, path):
    with UnitOfWork(engine) as uow:
        return _import_path(uow, actor, org, path)
CASES = ["01_valid_2014_full_record", "03_talk_after_one_month", "06_meeting_without_quorum"]


def _org(uow):
    with uow() as u:
        org = admin.create_organisation(u, None, name="导入测试党委", level="committee", parent_id=None)["id"]
    return org, Actor(user_id=None, login="t", name="导入员", grants=((org, "admin"),))


def _documents():
    out = []
    for stem in CASES:
        document = load_case(stem)["dossier"]
        document["person"]["name"] += stem[:2]  # three different people
        out.append(document)
    return out


def test_spreadsheet_import_is_idempotent_and_audits_like_json(engine, uow, tmp_path):
    org, actor = _org(uow)
    documents = _documents()
    path = tmp_path / "records.xlsx"
    write_records(documents, path)
    first = import_path(engine, actor, org, str(path))
    assert first.errors == [] and [r["outcome"] for r in first.results] == ["created"] * 3
    again = import_path(engine, actor, org, str(path))
    assert [r["outcome"] for r in again.results] == ["unchanged"] * 3
    changed = copy.deepcopy(documents)
    changed[1]["steps"][1]["date"] = "2020-09-10"
    write_records(changed, path)
    third = import_path(engine, actor, org, str(path))
    assert [r["outcome"] for r in third.results] == ["unchanged", "updated", "unchanged"]
    with UnitOfWork(engine) as u:
        kinds = [e.kind for e in u.session.exec(select(Event).where(Event.dossier_id == changed[1]["id"])
                                                .order_by(Event.seq))]
        stored = {d["id"]: u.dossiers.document(u.dossiers.get(d["id"])) for d in changed}
    assert kinds == ["imported", "reimported"]
    provenance = {"REVIEW_MISSING", "REVIEW_ON_PAPER"}  # the file's 审核人 is paper history until confirmed
    for document in changed:
        from_json = audit_dossier(parse_dossier(json.dumps(document)), AS_OF).to_dict()
        from_store = audit_dossier(stored[document["id"]], AS_OF).to_dict()
        assert [f for f in from_store["findings"] if f["code"] not in provenance] == \
            [f for f in from_json["findings"] if f["code"] not in provenance]
        claimed = sum(1 for step in document["steps"] if step.get("reviewed_by"))
        assert sum(f["code"] == "REVIEW_ON_PAPER" for f in from_store["findings"]) == claimed > 0


def test_bad_rows_are_listed_and_the_rest_imported(engine, uow, tmp_path):
    org, actor = _org(uow)
    path = tmp_path / "records.xlsx"
    write_records(_documents(), path)
    book = openpyxl.load_workbook(path)
    sheet = book["纪实表"]
    birth_column = [c.value for c in sheet[3]].index("出生日期") + 1
    sheet.cell(row=5, column=birth_column).value = "2001年2月30日"
    book.save(path)
    report = import_path(engine, actor, org, str(path))
    assert len(report.results) == 2
    assert len(report.errors) == 1
    error = report.errors[0]
    assert error.file == str(path) and "第 5 行" in error.path and "出生日期" in error.path
    assert "2001年2月30日" in error.message


def test_json_reimport_updates_and_another_organisation_is_refused(engine, uow, tmp_path):
    org, actor = _org(uow)
    with uow() as u:
        other = admin.create_organisation(u, None, name="另一个党委", level="committee", parent_id=None)["id"]
    document = _documents()[0]
    path = tmp_path / "d.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert import_path(engine, actor, org, str(path)).results[0]["outcome"] == "created"
    assert import_path(engine, actor, org, str(path)).results[0]["outcome"] == "unchanged"
    stranger = Actor(user_id=None, login="s", name="外单位", grants=((other, "admin"),))
    refused = import_path(engine, stranger, other, str(path))
    assert refused.results == [] and refused.errors[0].code == "DOSSIER_EXISTS"
