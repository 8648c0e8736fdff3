"""The roster (党员名册) spreadsheet: one row per member, read within the same bounds as the 纪实表.

A branch keeps its roster in Excel, so importing it is the quickest way to put every member's
standing into the store. The file goes through the same hostile-input path as the 纪实表
(`reader.open_sheets`: the package checked before openpyxl opens it, read-only and streaming, never
beyond `limits.py`); this module only knows the roster's columns and finds its header row. Cells are
parsed by `cells.py` (dates typed in several styles, choices by their Chinese names), and a bad cell
becomes a `RowError` naming the sheet, the row and the column; an ID number is never quoted back.

Whether a row is acceptable as a member (dates in order, no duplicate) is the store's question
(`workflow/store/roster.py`), which imports all rows or none.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path

from checklists.disciplines import discipline_kinds
from workflow.spreadsheet.cells import is_blank
from workflow.spreadsheet.columns import MEMBER_STATUS, Column, SheetSchema
from workflow.spreadsheet.errors import RowError, SpreadsheetUnreadable
from workflow.spreadsheet.reader import HEADER_SCAN_ROWS, ErrorBudget, Layout, Row, header_of, open_sheets, parse_row
from workflow.spreadsheet.textcells import put

ROSTER_SHEET = "党员名册"


@lru_cache(maxsize=1)
def roster_schema() -> SheetSchema:
    disciplines = {kind: kind for kind in discipline_kinds()}
    return SheetSchema(ROSTER_SHEET, (
        Column("name", "姓名", "党员", required=True, aliases=("党员姓名",), width=12),
        Column("status", "党员身份", "党员", kind="choice", choices=MEMBER_STATUS, required=True,
               aliases=("身份", "人员类别", "党员类别"), note="正式党员或预备党员", width=12),
        Column("joined_on", "入党日期", "党员", kind="date", aliases=("入党时间", "预备期开始日期"), width=14),
        Column("full_since", "转正日期", "党员", kind="date", aliases=("转正时间",), note="预备党员留空", width=14),
        Column("discipline", "处分种类", "处分", kind="choice", choices=disciplines,
               aliases=("受处分情况", "党纪处分"), note="没有则留空", width=14),
        Column("discipline_from", "处分日期", "处分", kind="date", width=14),
        Column("discipline_until", "处分影响期至", "处分", kind="date", aliases=("影响期截止日", "处分影响期截止日"),
               width=14),
        Column("id_number", "身份证号", "党员", kind="id_number", aliases=("身份证号码", "公民身份号码"),
               note="可不填；请设为文本格式", width=22),
    ))


@dataclass
class RosterRead:
    sheet: str
    rows: list[Row]
    errors: list[RowError]


def read_roster(path: str | Path) -> RosterRead:
    """The roster's data rows (blank rows skipped) and every bad cell, from the first sheet whose header
    names at least 姓名 and 党员身份; a file with no such sheet, or beyond the limits, is refused whole."""
    schema = roster_schema()
    budget = ErrorBudget()
    with open_sheets(path) as sheets:
        for sheet in sheets:
            head = list(islice(sheet.rows, HEADER_SCAN_ROWS))
            found = header_of(head, schema)
            if found is None:
                continue
            header_row, header, _unknown = found
            layout = Layout(sheet.index, sheet.name, tuple(sorted(header.items())))
            positions = [p - 1 for p, _ in layout.header]
            rows: list[Row] = []
            for number, values in chain((r for r in head if r[0] > header_row), sheet.rows):
                width = len(values)
                raw = tuple(values[p] if p < width else None for p in positions)
                if all(is_blank(v) for v in raw):
                    continue
                rows.append(parse_row(schema, layout, number, raw, budget))
            return RosterRead(sheet.name, rows, sorted(e for r in rows for e in r.errors))
    labels = "、".join(f"“{c.label}”" for c in schema.columns if c.required)
    raise SpreadsheetUnreadable(f"没有找到党员名册的标题行（至少要有{labels}两列）", code="SHEET_HEADER_MISSING",
                                file=str(path))


def write_roster_template(path: str | Path) -> None:
    """An empty roster with its header row, and a second sheet saying how each column is filled."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = ROSTER_SHEET
    notes = book.create_sheet("填表说明")
    put(notes, 1, 1, "每行一名党员；带 * 的列必填；日期写成 2024-09-10；导入时任何一行有错则整份不导入，并列出每处错误。")
    for i, column in enumerate(roster_schema().columns, start=1):
        put(ws, 1, i, column.label + ("*" if column.required else "")).font = Font(bold=True)
        ws.column_dimensions[ws.cell(1, i).column_letter].width = column.width
        choices = f"可选：{'、'.join(column.choices)}" if column.choices else ""
        hint = "；".join(filter(None, [column.note, choices, "日期" if column.kind == "date" else ""]))
        put(notes, i + 2, 1, f"{column.label}{'（必填）' if column.required else ''}：{hint or '文字'}")
        if column.kind == "id_number":
            for row in range(2, 502):
                ws.cell(row, i).number_format = "@"
    notes.column_dimensions["A"].width = 90
    book.save(path)
