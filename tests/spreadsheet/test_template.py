"""The blank template: every column with its header, drop-downs and number checks, and instructions."""
from __future__ import annotations

from openpyxl import load_workbook

from workflow.spreadsheet import read_records, write_template
from workflow.spreadsheet.columns import INSTRUCTIONS_SHEET, MAIN_SHEET, main_schema


def _validation_for(ws, cell: str):
    return [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]


def test_template_headers_validations_and_instructions(tmp_path):
    path = tmp_path / "records.xlsx"
    write_template(path)
    book = load_workbook(path)
    assert book.sheetnames[:4] == [MAIN_SHEET, "材料", "审核记录", "案件事项"]
    ws = book[MAIN_SHEET]
    labels = [c.value for c in ws[3]]
    assert labels == [c.label for c in main_schema().columns]
    assert "15 支部大会讨论／党支部党员大会讨论·赞成票" in labels and "延长后23 支部大会讨论／党支部党员大会讨论转正·转正结论" in labels
    position = {label: i + 1 for i, label in enumerate(labels)}
    letter = lambda label: ws.cell(row=4, column=position[label]).column_letter  # noqa: E731
    votes = _validation_for(ws, f"{letter('15 支部大会讨论／党支部党员大会讨论·赞成票')}4")
    assert votes and votes[0].type == "whole" and votes[0].errorStyle == "stop"
    dates = _validation_for(ws, f"{letter('01 递交入党申请书·日期')}4")
    assert dates and dates[0].type == "date" and dates[0].errorStyle == "warning"
    gender = _validation_for(ws, f"{letter('性别')}4")
    assert gender and gender[0].type == "list"
    guide = "\n".join(str(c.value) for row in book[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    for column in main_schema().columns:
        assert column.label in guide
    assert "2024年9月10日" in guide


def test_a_blank_template_imports_nothing_and_complains_about_nothing(tmp_path):
    path = tmp_path / "records.xlsx"
    write_template(path)
    result = read_records(path)
    assert (result.dossiers, result.errors, result.rows_read, result.ignored_columns) == ([], [], 0, [])
