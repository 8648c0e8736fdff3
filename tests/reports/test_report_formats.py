"""Every report format shows the numbers of the `audit/1` document it was made from."""
from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from documents.errors import GlyphMissing
from documents.reports.html import render_html
from documents.reports.xlsx import render_xlsx


def _attrs(html: str, pattern: str) -> list[tuple[str, ...]]:
    return re.findall(pattern, html)


def test_the_report_json_is_the_audit_document(report):
    document = report.document
    assert document["format"] == "audit/1" and document["as_of"] == "2026-11-21"
    assert document["summary"]["dossiers"] == 15
    assert document["summary"]["with_violations"] == 10


def test_html_numbers_match_the_json(report):
    html = render_html(report)
    summary = report.document["summary"]
    cards = dict(_attrs(html, r'data-summary="(\w+)">(\d+)<'))
    assert cards["dossiers"] == str(summary["dossiers"])
    assert cards["with_violations"] == str(summary["with_violations"])
    assert cards["violation"] == str(sum(1 for d in report.document["dossiers"] for f in d["findings"]
                                         if f["severity"] == "violation"))
    chart = html.split('id="chart-by-code"')[1].split("</svg>")[0]
    bars = {k: int(v) for k, v in _attrs(chart, r'class="bar" data-key="(\w+)" data-value="(\d+)"')}
    assert bars == summary["by_code"]
    rows = _attrs(html, r'<tr class="\w+" data-id="([^"]+)" data-code="(\w+)"')
    expected = [(d["id"], f["code"]) for d in report.document["dossiers"] for f in d["findings"]]
    assert rows == expected
    assert "<script src" not in html and "<link" not in html
    assert not re.search(r'(src|href)="https?:', html), "self-contained: nothing fetched"


def test_deadlines_within_thirty_days_and_overdue(report):
    due = [(d.id, d.step, d.deadline.isoformat()) for d in report.pipeline.due]
    overdue = [(d.id, d.step, d.deadline.isoformat()) for d in report.pipeline.overdue]
    near = next(d for d in report.pipeline.due if d.id == "NEAR-1")
    assert near.step == "s02_applicant_talk" and near.code == "TALK_LATE"
    assert [(i, s) for i, s, _ in overdue] == [("LATE-1", "s02_applicant_talk")]
    assert all(i != "LATE-1" for i, _, _ in due)
    assert all(0 <= d.days_left <= 30 for d in report.pipeline.due)
    assert sum(report.pipeline.by_state.values()) == report.document["summary"]["dossiers"]


def test_excel_report_has_filtered_findings_and_a_summary(report):
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    assert book.sheetnames[:2] == ["汇总", "问题清单"]
    findings = book["问题清单"]
    assert findings.auto_filter.ref.startswith("A1:L")
    codes = [row[5] for row in findings.iter_rows(min_row=2, values_only=True)]
    assert codes == [f["code"] for d in report.document["dossiers"] for f in d["findings"]]
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=3, max_row=7, values_only=True)}
    assert summary["档案数"] == report.document["summary"]["dossiers"]
    assert summary["有违规的档案"] == report.document["summary"]["with_violations"]


@pytest.mark.pdf
def test_pdf_renders_the_same_content_without_missing_glyphs(report, tmp_path, caplog):
    from documents.reports.pdf import render_pdf

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_pdf(report)
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
        assert "发展党员工作审计报告" in text
        for code in report.document["summary"]["by_code"]:
            assert code in text
        assert f"问题清单（共 {len(report.findings)} 条）" in text


@pytest.mark.pdf
def test_a_character_no_font_has_fails_the_pdf():
    from documents.reports.pdf import html_to_pdf

    with pytest.raises(GlyphMissing):
        html_to_pdf('<html lang="zh-CN"><body><p>\U000F0000</p></body></html>')
