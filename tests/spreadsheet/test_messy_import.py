"""A hand-kept spreadsheet, as organisers really send them, imported row by row.

Title row and a group row with merged cells above the header, "姓名" and "出生日期" merged down over
two header rows, an organisation merged down over two people, blank rows, dates as Excel cells and
as text in four styles (one with full-width digits), and four bad rows.
"""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from workflow.spreadsheet import read_records
from workflow.spreadsheet.mapping import stable_id

S01, S02, S03 = "01 递交入党申请书·日期", "02 党组织派人谈话·日期", "03 推荐和确定入党积极分子·日期"
NOMINATION = "03 推荐和确定入党积极分子·推荐方式"
VOTES = ["15 支部大会讨论·日期", "15 支部大会讨论·应到有表决权人数", "15 支部大会讨论·实到有表决权人数",
         "15 支部大会讨论·赞成票"]
# errors name the column by its current label, which gives the step's name under each rule set
PRESENT_LABEL = "15 支部大会讨论／党支部党员大会讨论·实到有表决权人数"
HEADER = ["序号", "姓名", "性别", "出生日期", "所在党组织", S01, S02, S03, NOMINATION, *VOTES]


def _messy_workbook(path) -> None:
    book = Workbook()
    ws = book.active
    ws.title = "2024年发展情况"
    ws["A1"] = "信息学院 2024 年发展党员全程纪实（手工台账）"
    ws.merge_cells("A1:M1")
    ws["B2"], ws["D2"] = "姓名", "出生日期"
    ws.merge_cells("B2:B3")
    ws.merge_cells("D2:D3")
    ws["F2"] = "申请入党阶段"
    ws.merge_cells("F2:G2")
    for c, label in enumerate(HEADER, start=1):
        if label not in ("姓名", "出生日期"):
            ws.cell(row=3, column=c, value=label)
    rows = {
        4: [1, "张三", "男", dt.datetime(2004, 3, 2), "机械学院学生第一党支部", "2024/9/10", "２０２４年９月２５日",
            dt.datetime(2025, 3, 10), "党员推荐、团组织推优"],
        6: [2, "李四", "女", "2003年1月5日", "机械学院学生第一党支部", "2024年9月10日", "2024-13-01"],
        7: [3, "王五", "男", "2001-05-06", "机械学院学生第一党支部", "2020-08-11", "2020-09-05", "2021-02-08",
            "党员推荐", "2022-05-06", 9, "八", 8],
        8: [4, "赵六", "男", "2001-05-07", "机械学院学生第一党支部", "2020-08-11", "2020-09-05", "2021-02-08",
            "党员推荐", "2022-05-06", 9, 10, 8],
        9: [5, "钱七", "女", "2002-07-08", "机械学院学生第一党支部", "10/9/2024"],
        11: [None, None],
        12: [7, "孙八", "男", "2000.1.2", "护理学院学生党支部", 20240910, None, None, "团组织推优"],
        13: [8, "周九", "女", "2001年2月3日", None, "2024年10月8日", "2024-10-20"],
    }
    for r, values in rows.items():
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    ws.merge_cells("E12:E13")
    ws["A10"] = None
    book.save(path)


@pytest.fixture
def messy(tmp_path):
    path = tmp_path / "台账.xlsx"
    _messy_workbook(path)
    return path


def test_good_rows_import_and_bad_rows_are_listed_exactly(messy):
    result = read_records(messy)
    names = [d["person"]["name"] for d in result.dossiers]
    assert names == ["张三", "周九"]
    assert result.rows_read == 7
    got = [(e.sheet, e.row, e.column, e.value, e.code) for e in result.errors]
    assert got == [
        ("2024年发展情况", 6, S02, "2024-13-01", "DATE_INVALID"),
        ("2024年发展情况", 7, PRESENT_LABEL, "八", "VALUE_INVALID"),
        ("2024年发展情况", 8, PRESENT_LABEL, "10", "VOTES_INCONSISTENT"),
        ("2024年发展情况", 9, S01, "10/9/2024", "DATE_INVALID"),
        ("2024年发展情况", 12, S03, "", "DATE_REQUIRED"),
    ]
    messages = [e.message for e in result.errors]
    assert messages[0] == "“2024-13-01”不是存在的日期"
    assert messages[1] == "应为整数（阿拉伯数字）"
    assert "实到人数 10 多于应到人数 9" in messages[2]
    assert "2024/9/10" in messages[3] and "2024年9月10日" in messages[3]
    assert result.ignored_columns == ["2024年发展情况：序号"]


def test_dates_in_every_style_read_the_same(messy):
    zhang = read_records(messy).dossiers[0]
    assert zhang["person"]["birth_date"] == "2004-03-02"
    assert [(s["step"], s["date"]) for s in zhang["steps"]] == [
        ("s01_application", "2024-09-10"), ("s02_applicant_talk", "2024-09-25"),
        ("s03_activist_determined", "2025-03-10")]
    assert zhang["steps"][2]["nomination"] == ["party_members", "league"]
    zhou = read_records(messy).dossiers[1]
    assert zhou["person"]["birth_date"] == "2001-02-03"
    assert zhou["person"]["organisation"] == "护理学院学生党支部", "a value merged down covers every row"


def test_ids_are_derived_from_the_person_when_no_id_column(messy):
    zhang = read_records(messy).dossiers[0]
    assert zhang["id"] == stable_id({"name": "张三", "birth_date": "2004-03-02",
                                     "organisation": "机械学院学生第一党支部"})
    assert zhang["id"].startswith("R-") and len(zhang["id"]) == 14


def test_reimport_is_idempotent(messy, tmp_path):
    first = read_records(messy)
    again = read_records(messy)
    assert [d["id"] for d in first.dossiers] == [d["id"] for d in again.dossiers]
    assert first.dossiers == again.dossiers
    assert first.errors == again.errors


def test_the_same_person_twice_is_refused_on_both_rows(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["姓名", "出生日期", "所在党组织", S01])
    ws.append(["张三", "2004-03-02", "一支部", "2024-09-10"])
    ws.append(["张三", "2004/3/2", "一支部", "2024-09-11"])
    ws.append(["李四", "2004-03-02", "一支部", "2024-09-11"])
    path = tmp_path / "dup.xlsx"
    book.save(path)
    result = read_records(path)
    assert [d["person"]["name"] for d in result.dossiers] == ["李四"]
    assert [(e.row, e.code) for e in result.errors] == [(2, "ROW_DUPLICATE"), (3, "ROW_DUPLICATE")]


def test_an_id_number_typed_as_a_number_is_refused_without_echoing_it(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["姓名", "出生日期", "身份证号码"])
    ws.append(["张三", "2004-03-02", 330106200403021234])
    ws.append(["李四", "2004-03-02", "330106200403021235"])
    path = tmp_path / "idn.xlsx"
    book.save(path)
    result = read_records(path)
    assert [(e.row, e.code, e.value) for e in result.errors] == [
        (2, "ID_NUMBER_NUMERIC", "（已隐去）"), (3, "ID_NUMBER_INVALID", "（已隐去）")]
    assert "330106" not in " ".join(str(e) for e in result.errors)
