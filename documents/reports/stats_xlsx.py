"""The annual-returns statistics as a workbook: one sheet per dimension, values by state, with totals,
and, when given, the year's development counts (发展, its structure, 转正; workflow/cultivation/returns.py)."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from workflow.cultivation.returns import STRUCTURE, AnnualReturn, Counts
from workflow.statistics import DIMENSIONS, Statistics
from workflow.spreadsheet.textcells import put

_HEAD = PatternFill("solid", fgColor="F3E3E1")
DEVELOPMENT_SHEET = "年度发展"
RETURN_SHEET = "年报结构"


def statistics_rows(stats: Statistics, dimension: str) -> list[list]:
    """Header, one row per value (count in each state, then the total), and a 合计 row."""
    header = [DIMENSIONS[dimension], *stats.states, "合计"]
    rows = [header]
    for value, counts in stats.tables[dimension].items():
        rows.append([value, *(counts.get(s, 0) for s in stats.states), sum(counts.values())])
    rows.append(["合计", *(sum(r[i + 1] for r in rows[1:]) for i in range(len(stats.states))), stats.people])
    return rows


def development_rows(counts: Counts) -> list[list]:
    """Header, 发展党员 with its structure (其中…), then 转正: counted by the approval date (党内统计)."""
    return [["项目", "人数"], ["发展党员", counts.developed],
            *([f"其中：{words}", counts.structure[key]] for key, words in STRUCTURE.items()),
            ["预备党员转正", counts.converted]]


def _development_sheet(book: Workbook, counts: Counts, stats: Statistics) -> None:
    ws = book.create_sheet(DEVELOPMENT_SHEET)
    put(ws, 1, 1, f"{counts.year} 年发展党员与转正（按审批日期，截至 {stats.day.isoformat()}）").font = Font(bold=True, size=13)
    for r, row in enumerate(development_rows(counts), start=3):
        for c, value in enumerate(row, start=1):
            cell = put(ws, r, c, value)
            if r == 3:
                cell.font, cell.fill = Font(bold=True), _HEAD
    ws.column_dimensions["A"].width = 28


def _return_sheet(book: Workbook, annual: AnnualReturn, stats: Statistics) -> None:
    """The year's measures (申请入党 … 延长预备期) by the bulletin's dimensions: sex, ethnicity, age,
    education, front line and occupation, counted by step or approval date (党内统计)."""
    ws = book.create_sheet(RETURN_SHEET)
    put(ws, 1, 1, f"{annual.year} 年发展党员工作统计（按审批日期，截至 {stats.day.isoformat()}）").font = Font(bold=True, size=13)
    for r, row in enumerate(annual.table(), start=3):
        for c, value in enumerate(row, start=1):
            cell = put(ws, r, c, value)
            if r == 3:
                cell.font, cell.fill = Font(bold=True), _HEAD
    ws.column_dimensions["A"].width = 22


def render_statistics_xlsx(stats: Statistics, development: Counts | None = None,
                           annual: AnnualReturn | None = None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for dimension, title in DIMENSIONS.items():
        ws = book.create_sheet(title)
        ws["A1"] = f"按{title}统计（截至 {stats.day.isoformat()}，共 {stats.people} 人）"
        ws["A1"].font = Font(bold=True, size=13)
        for r, row in enumerate(statistics_rows(stats, dimension), start=3):
            for c, value in enumerate(row, start=1):
                cell = put(ws, r, c, value)
                if r == 3 or value == "合计":
                    cell.font, cell.fill = Font(bold=True), _HEAD
        ws.column_dimensions["A"].width = 28
    if development is not None:
        _development_sheet(book, development, stats)
    if annual is not None:
        _return_sheet(book, annual, stats)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
