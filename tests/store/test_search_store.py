"""Finding dossiers (name, ID tail, state, step; live and closed apart; sorted; exported to Excel with
nothing that runs as a formula and never the whole ID number) and the auditor's views, all within
the user's scope."""
from __future__ import annotations

import copy
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from tests_support import load_case

from workflow.errors import InputError
from workflow.service_layer import audit_views, dossiers
from workflow.store import admin, search
from workflow.store.access import Actor
from workflow.store.errors import Forbidden, NotFound
from workflow.store.idnumber import check_digit

TODAY = dt.date(2026, 11, 21)


def _number(birth: str, serial: str) -> str:
    first = "110105" + birth.replace("-", "") + serial
    return first + check_digit(first)


def _world(uow) -> dict:
    with uow() as u:
        root = admin.create_organisation(u, None, name="甲大学党委", level="committee", parent_id=None)["id"]
        cli = Actor(None, "cli", "导入员", ((root, "admin"),))
        one = admin.create_organisation(u, cli, name="第一支部", level="branch", parent_id=root)["id"]
        two = admin.create_organisation(u, cli, name="第二支部", level="branch", parent_id=root)["id"]
        other = admin.create_organisation(u, None, name="乙大学党委", level="committee", parent_id=None)["id"]
    world = {"root": root, "one": one, "two": two, "other": other, "cli": cli,
             "organiser": Actor(None, "o", "吴支书", ((one, "organiser"),)),
             "auditor": Actor(None, "a", "陈审计", ((root, "auditor"),)),
             "foreign": Actor(None, "f", "冯支书", ((other, "organiser"),))}
    cases = [("S-1", "one", "张三", "2001-02-11", "123", 3), ("S-2", "one", "张三丰", "2002-03-12", "456", 9),
             ("S-3", "two", "李四", "2001-05-01", "789", 25), ("S-4", "other", "张三", "2001-02-11", "124", 3),
             ("S-5", "one", "=HYPERLINK(\"x\")", "2000-01-01", "111", 1)]
    for dossier_id, org, name, birth, serial, upto in cases:
        document = copy.deepcopy(load_case("01_valid_2014_full_record")["dossier"])
        document.pop("materials", None)
        document["id"] = dossier_id
        document["steps"] = document["steps"][:upto]
        document["person"].update(name=name, birth_date=birth, id_number=_number(birth, serial))
        actor = cli if org != "other" else Actor(None, "cli", "导入员", ((world["other"], "admin"),))
        with uow() as u:
            dossiers.import_dossier(u, actor, world[org], document, today=TODAY)
    return world


def _find(uow, actor, **raw):
    with uow() as u:
        return search.search(u, actor, search.check_criteria(raw))


def test_search_by_name_tail_state_and_step_within_scope(uow):
    world = _world(uow)
    auditor, organiser = world["auditor"], world["organiser"]
    assert [r["id"] for r in _find(uow, auditor, name="张三")["rows"]] == ["S-1", "S-2"]  # not the other tree's
    assert [r["id"] for r in _find(uow, organiser)["rows"]] == ["S-5", "S-1", "S-2"]  # branch one only, by name
    assert [r["id"] for r in _find(uow, world["foreign"], name="张三")["rows"]] == ["S-4"]
    found = _find(uow, auditor, id_tail="456" + _number("2002-03-12", "456")[-1])["rows"]
    assert [r["id"] for r in found] == ["S-2"]
    assert found[0]["id_number"].startswith("1101") and "*" * 10 in found[0]["id_number"]
    assert _number("2002-03-12", "456") not in str(found)
    assert [r["id"] for r in _find(uow, auditor, state="candidate")["rows"]] == ["S-2"]
    assert [r["id"] for r in _find(uow, auditor, step="s03_activist_determined")["rows"]] == ["S-1"]
    assert _find(uow, auditor, step="s03_activist_determined")["rows"][0]["step_name"].startswith("03 ")
    closed = _find(uow, auditor, closed="1")["rows"]
    assert [(r["id"], r["live"]) for r in closed] == [("S-3", False)]  # full member: apart from live cases
    assert "S-3" not in [r["id"] for r in _find(uow, auditor)["rows"]]
    by_step = _find(uow, auditor, sort="step", order="desc")["rows"]
    assert [r["id"] for r in by_step] == ["S-2", "S-1", "S-5"]
    for bad in ({"id_tail": "12"}, {"id_tail": "12a4"}, {"state": "nope"}, {"step": "s99"}, {"sort": "password"},
                {"name": "x" * 101}, {"org": "abc"}):
        with pytest.raises(InputError) as caught:
            search.check_criteria(bad)
        assert caught.value.field == next(iter(bad)).replace("org", "org")
    with pytest.raises(NotFound):
        _find(uow, organiser, org=str(world["two"]))


def test_the_export_is_text_never_a_formula_and_masked(uow):
    world = _world(uow)
    result = _find(uow, world["auditor"])
    data = search.export_xlsx(result, ["进行中的档案"])
    book = load_workbook(io.BytesIO(data))
    sheet = book["查找结果"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("档案编号", "姓名")
    names = {r[1] for r in rows[1:]}
    assert "=HYPERLINK(\"x\")" in names
    formula_cell = next(c for c in sheet["B"] if c.value == "=HYPERLINK(\"x\")")
    assert formula_cell.data_type == "s"  # stored as text, runs nothing
    assert all("*" in (r[3] or "*") for r in rows[1:])
    assert not any(_number("2001-02-11", "123") in str(r) for r in rows)


def test_findings_by_organisation_and_the_report_stay_in_scope(uow):
    world = _world(uow)
    with uow() as u:
        answer = audit_views.findings_by_organisation(u, world["auditor"], None, TODAY)
    assert [(o["name"], o["dossiers"]) for o in answer["organisations"]] == [("甲大学党委", 0), ("第一支部", 3),
                                                                               ("第二支部", 1)]
    assert {f["dossier_id"] for f in answer["findings"]} <= {"S-1", "S-2", "S-3", "S-5"}
    assert all(f["rule_name"] and f["organisation"] for f in answer["findings"])
    with uow() as u:
        with pytest.raises(NotFound):
            audit_views.findings_by_organisation(u, world["foreign"], world["one"], TODAY)
        html = audit_views.report_html(u, world["organiser"], world["one"], TODAY)
    assert "第一支部" in html and "李四" not in html and "<style>" in html


def test_a_spreadsheet_is_checked_by_a_reader_and_imported_only_by_a_writer(uow, tmp_path):
    from workflow.spreadsheet.template import write_template

    world = _world(uow)
    path = tmp_path / "empty.xlsx"
    write_template(path)
    with uow() as u:
        checked = audit_views.check_spreadsheet(u, world["auditor"], world["one"], str(path), as_of=TODAY)
    assert checked.errors == [] and checked.rows_read == 0 and not checked.imported
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,出生日期\n某人,2001-02-30\n", encoding="utf-8")
    with uow() as u:
        checked = audit_views.check_spreadsheet(u, world["auditor"], world["one"], str(bad), as_of=TODAY)
    assert [(e["row"], e["column"], e["code"]) for e in checked.errors] == [(2, "出生日期", "DATE_INVALID")]
    with uow() as u:
        with pytest.raises(Forbidden):
            audit_views.import_spreadsheet(u, world["auditor"], world["one"], str(bad), label="bad.csv", today=TODAY)
        with pytest.raises(NotFound):
            audit_views.check_spreadsheet(u, world["foreign"], world["one"], str(bad), as_of=TODAY)
        imported = audit_views.import_spreadsheet(u, world["organiser"], world["one"], str(bad), label="bad.csv",
                                                  today=TODAY)
    assert imported.imported and imported.good == 0 and imported.errors[0]["code"] == "DATE_INVALID"
