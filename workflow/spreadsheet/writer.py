"""Writing dossiers into the template's layout: one row per person, detail rows on the other sheets.

Used to export what the project holds for people who work in Excel, and by the tests to prove that
writing and reading agree (the audit of the re-read file equals the audit of the dossiers).
"""
from __future__ import annotations

from pathlib import Path

from workflow.spreadsheet.columns import (
    EVENTS_SHEET,
    MAIN_SHEET,
    MATERIALS_SHEET,
    REVIEWS_SHEET,
)
from workflow.spreadsheet.mapping import dossier_to_rows
from workflow.spreadsheet.template import new_workbook
from workflow.spreadsheet.textcells import put

_DETAILS = {"materials": MATERIALS_SHEET, "reviews": REVIEWS_SHEET, "events": EVENTS_SHEET}


def _put(ws, row: int, positions: dict[str, int], values: dict[str, object]) -> None:
    for key, value in values.items():
        if value is None or value == "":
            continue
        cell = put(ws, row, positions[key], value)
        if hasattr(value, "isoformat"):
            cell.number_format = "yyyy-mm-dd"


def write_records(dossiers: list[dict], path: str | Path) -> None:
    """Writes `dossier/1` dicts; raises Unrepresentable for one the sheet has no place for."""
    book, layout = new_workbook()
    next_row = dict(layout.first_row)
    for dossier in dossiers:
        main, details = dossier_to_rows(dossier)
        _put(book[MAIN_SHEET], next_row[MAIN_SHEET], layout.positions[MAIN_SHEET], main)
        next_row[MAIN_SHEET] += 1
        for kind, rows in details.items():
            sheet = _DETAILS[kind]
            for values in rows:
                _put(book[sheet], next_row[sheet], layout.positions[sheet], values)
                next_row[sheet] += 1
    book.save(path)
