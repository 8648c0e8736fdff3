"""The audit report as an Excel workbook: a summary sheet, a filterable findings sheet, the deadlines."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from documents.reports.data import SEVERITY_LABEL, AuditReport
from workflow.spreadsheet.textcells import put
from workflow.pipeline import state_names

_HEAD = PatternFill("solid", fgColor="F3E3E1")
FINDING_COLUMNS = (("档案编号", 16), ("姓名", 10), ("所在党组织", 24), ("状态", 12), ("级别", 8), ("代码", 24),
                   ("规则", 20), ("步骤", 20), ("规则集", 9), ("条款", 12), ("说明", 60), ("暂定", 6))


def _header(ws, row: int, titles) -> None:
    for c, title in enumerate(titles, start=1):
        cell = put(ws, row, c, title)
        cell.font, cell.fill = Font(bold=True), _HEAD


def _summary(ws, report: AuditReport) -> None:
    ws.title = "汇总"
    ws["A1"] = f"发展党员工作审计报告（检查日 {report.as_of.isoformat()}）"
    ws["A1"].font = Font(bold=True, size=14)
    rows = [("档案数", report.summary["dossiers"]), ("有违规的档案", report.summary["with_violations"])]
    rows += [(f"{SEVERITY_LABEL[s]}条数", n) for s, n in report.severity_totals.items()]
    for r, (label, value) in enumerate(rows, start=3):
        put(ws, r, 1, label)
        put(ws, r, 2, value)
    r = len(rows) + 4
    _header(ws, r, ("代码", "规则", "条数"))
    for row in report.by_code:
        r += 1
        put(ws, r, 1, row["code"])
        put(ws, r, 2, row["name"])
        put(ws, r, 3, row["count"])
    r += 2
    _header(ws, r, ("所在党组织", "档案数", "违规", "警告", "提示"))
    for row in report.by_organisation:
        r += 1
        for c, value in enumerate((row["organisation"], row["dossiers"], row["violation"], row["warning"],
                                   row["info"]), start=1):
            put(ws, r, c, value)
    r += 2
    _header(ws, r, ("状态", "人数"))
    names = state_names()
    for state, count in report.pipeline.by_state.items():
        r += 1
        put(ws, r, 1, names.get(state, state))
        put(ws, r, 2, count)
    for letter, width in zip("ABCDE", (28, 26, 10, 10, 10)):
        ws.column_dimensions[letter].width = width


def _findings(ws, report: AuditReport) -> None:
    _header(ws, 1, [t for t, _ in FINDING_COLUMNS])
    for c, (_, width) in enumerate(FINDING_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    r = 1
    for f in report.findings:
        r += 1
        values = (f["id"], f["name"], f["organisation"], f["state_name"], SEVERITY_LABEL[f["severity"]], f["code"],
                  f["rule_name"], f["step_name"], f["rule_set"], f["article"], f["message"],
                  "是" if f["provisional"] else "")
        for c, value in enumerate(values, start=1):
            put(ws, r, c, value).alignment = Alignment(wrap_text=c == 11, vertical="top")
    ws.auto_filter.ref = f"A1:{get_column_letter(len(FINDING_COLUMNS))}{max(r, 2)}"
    ws.freeze_panes = "A2"


def _deadlines(ws, report: AuditReport) -> None:
    titles = ("期限", "剩余天数", "档案编号", "姓名", "所在党组织", "状态", "下一步", "依据")
    _header(ws, 1, titles)
    names = state_names()
    for r, d in enumerate(report.pipeline.overdue + report.pipeline.due, start=2):
        for c, value in enumerate((d.deadline, d.days_left, d.id, d.name, d.organisation, names.get(d.state, d.state),
                                   d.step_name, d.code), start=1):
            cell = put(ws, r, c, value)
            if c == 1:
                cell.number_format = "yyyy-mm-dd"
    ws.auto_filter.ref = f"A1:H{max(len(report.pipeline.overdue) + len(report.pipeline.due) + 1, 2)}"
    ws.freeze_panes = "A2"


def render_xlsx(report: AuditReport) -> bytes:
    book = Workbook()
    _summary(book.active, report)
    _findings(book.create_sheet("问题清单"), report)
    _deadlines(book.create_sheet(f"{report.pipeline.horizon_days}天内期限"), report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
