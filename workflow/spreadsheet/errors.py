"""Errors of the spreadsheet import: one per bad cell, and one for a file that cannot be read at all.

A bad cell never stops the import: it becomes a `RowError` naming the sheet, the row number as the
spreadsheet program shows it, the column header and the value as typed, so an organiser can find
and fix it. Only a file that is not a spreadsheet, or has no recognisable header, raises.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from workflow.errors import InputError


class SpreadsheetUnreadable(InputError):
    """The file is not an .xlsx or .csv we can read, or no sheet has the template's header."""

    code = "SPREADSHEET_UNREADABLE"


@dataclass(frozen=True, order=True)
class RowError:
    """One bad cell (or a whole bad row when `column` is None); sorts by where it is."""

    sheet_index: int
    sheet: str
    row: int
    column_index: int
    column: str | None
    value: str
    code: str
    message: str

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("sheet_index")
        out.pop("column_index")
        return out

    def __str__(self) -> str:
        where = f"{self.sheet}!第{self.row}行" + (f"“{self.column}”列" if self.column else "")
        shown = f"（值：{self.value}）" if self.value else ""
        return f"[{self.code}] {where}：{self.message}{shown}"
