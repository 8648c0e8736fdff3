"""Dossier ids that are paths or hide their direction, and unknown fields without bound (issue 9): refused
at creation and at import, through the API, the command line and the spreadsheet, with a clear error."""
from __future__ import annotations

import json

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from workflow.document_bounds import MAX_EXTRA_BYTES, MAX_EXTRA_FIELDS
from workflow.spreadsheet import read_records

PERSON = {"name": "张三", "birth_date": "2004-03-02"}
BAD_IDS = ["2024/JX-017", "..", "a..b", "..\\etc", "JX-017\u202etxt.exe", "\u2066JX\u2069", "JX\u200e017",
           "JX\u200f017", "JX\u0085017", "JX\u200b017"]


def _document(dossier_id: str, **extra) -> dict:
    return {"format": "dossier/1", "id": dossier_id, "person": PERSON, **extra}


@pytest.mark.parametrize("bad", BAD_IDS)
def test_the_api_refuses_a_bad_id_at_import(world, bad):
    answer = world.client("organiser").post("/api/dossiers/import", params={"organisation_id": world.orgs["A1"]},
                                            json=_document(bad))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["path"]) == ("DOSSIER_ID_INVALID", "$.id")
    assert error["message"].startswith("档案编号不能含有")


def test_the_api_refuses_a_bad_id_at_creation(world):
    for bad in ("a..b", "..."):
        answer = world.client("organiser").post("/api/dossiers", json={
            "organisation_id": world.orgs["A1"], "id": bad, "person": PERSON})
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] in ("DOSSIER_ID_INVALID", "VALUE_INVALID")
    assert world.client("organiser").post("/api/dossiers", json={
        "organisation_id": world.orgs["A1"], "id": "2024-JX.017", "person": PERSON}).status_code == 201


def test_the_command_line_refuses_a_bad_id_at_import(tmp_path, monkeypatch):
    from api.cli import app

    monkeypatch.setenv("FAZHAN_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    made = runner.invoke(app, ["org", "add", "党委", "--level", "committee"])
    assert made.exit_code == 0, made.output
    path = tmp_path / "d.json"
    path.write_text(json.dumps(_document("JX\u202e017"), ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["import", str(path), "--organisation", "1"])
    assert result.exit_code == 2
    assert "[DOSSIER_ID_INVALID]" in result.output and "U+202E" in result.output
    good = tmp_path / "ok.json"
    good.write_text(json.dumps(_document("JX-017"), ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(app, ["import", str(good), "--organisation", "1"]).exit_code == 0


def test_the_spreadsheet_refuses_a_bad_id_on_its_cell(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["档案编号", "姓名", "出生日期"])
    ws.append(["../../etc/passwd", "张三", "2004-03-02"])
    ws.append(["JX\u202e017", "李四", "2004-03-03"])
    ws.append(["JX-018", "王五", "2004-03-04"])
    path = tmp_path / "ids.xlsx"
    book.save(path)
    result = read_records(path)
    assert [d["id"] for d in result.dossiers] == ["JX-018"]
    assert [(e.row, e.column, e.code) for e in result.errors] == [(2, "档案编号", "DOSSIER_ID_INVALID"),
                                                                 (3, "档案编号", "DOSSIER_ID_INVALID")]


def test_unknown_fields_are_kept_but_bounded_in_count_and_size(world):
    organiser = world.client("organiser")
    url, params = "/api/dossiers/import", {"organisation_id": world.orgs["A1"]}
    kept = organiser.post(url, params=params, json=_document("EXTRA-1", local_no="2024-17",
                                                             person={**PERSON, "dorm": "3-201"}))
    assert kept.status_code == 201, kept.text
    exported = world.client("admin").get("/api/dossiers/EXTRA-1/export").json()
    assert exported["local_no"] == "2024-17" and exported["person"]["dorm"] == "3-201"
    many = organiser.post(url, params=params, json=_document(
        "EXTRA-2", person={**PERSON, **{f"x{i}": i for i in range(MAX_EXTRA_FIELDS + 1)}}))
    assert many.status_code == 422
    assert (many.json()["error"]["code"], many.json()["error"]["path"]) == ("EXTRA_FIELDS_LIMIT", "$.person")
    large = organiser.post(url, params=params, json=_document(
        "EXTRA-3", steps=[{"step": "s01_application", "date": "2024-09-10", "note": "x" * MAX_EXTRA_BYTES}]))
    assert large.status_code == 422
    assert (large.json()["error"]["code"], large.json()["error"]["path"]) == ("EXTRA_FIELDS_LIMIT", "$.steps[0]")
