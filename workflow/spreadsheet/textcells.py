"""Writing values into a workbook so that text from a dossier stays text and never becomes a formula.

openpyxl stores any string that starts with "=" as a live formula, and Excel turns text starting with
"+", "-", "@", a tab or a carriage return into one as soon as the cell is edited (or the sheet is
saved as CSV and opened again). A name, a reason or an organisation typed by anyone must never run
in the auditor's Excel, so every writer of workbooks puts its values through `put`: such strings are
stored with the string data type and Excel's quote prefix (the apostrophe that shows the cell is
text without being part of its value), so the cell shows exactly what was typed, reads back as the
same text and runs nothing.
"""
from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def set_value(cell: Cell, value: object) -> Cell:
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """`ws.cell(row, column, value)` that writes text as text."""
    return set_value(ws.cell(row=row, column=column), value)
