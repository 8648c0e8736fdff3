"""How much of a spreadsheet the import will read: the bounds that keep a hostile file cheap.

The 纪实表 has 107 columns and one row per person; even a large 基层党委 sends a few thousand rows.
A workbook is a zip of XML, so a file of a few kilobytes can claim a million rows, a merged range
to the last row of the sheet, or a sheet that unzips to gigabytes. Everything beyond these bounds
is refused before it is read, with a message that names the sheet and the cell or range, so the
cost of any file is bounded by the bounds and not by what the file claims.
"""
from __future__ import annotations


MAX_FILE_BYTES = 20 * 1024 * 1024
"""An .xlsx or .csv on disk (the API's upload cap is the same figure by default)."""

MAX_ROWS = 20_000
"""Rows per sheet, header rows included: a thousand people with twenty materials each still fit."""

MAX_COLUMNS = 256
"""Columns per sheet (A–IV): the template's 107 and room for columns people add beside them."""

MAX_CELLS = 1_000_000
"""Cell elements in a workbook, empty formatted ones included: what reading costs grows with this
count (a full 107-column row is 107 cells, so 9 000 such rows, or many more of the usual half-filled)."""

MAX_LISTED_ERRORS = 1_000
"""Bad cells listed for one file; past this every bad row is still left out, but no longer itemised."""

MAX_ZIP_ENTRIES = 500
"""Parts of an .xlsx package; Excel writes a few dozen."""

MAX_SHEET_XML_BYTES = 64 * 1024 * 1024
"""One worksheet's XML, unzipped: a full 20 000-row 纪实表 needs well under half of it."""

MAX_SHARED_STRINGS_BYTES = 8 * 1024 * 1024
"""The shared-strings part, which openpyxl loads whole: every distinct text of the workbook once (a
thousand people's names, organisations and notes take well under a megabyte)."""

MAX_PART_XML_BYTES = 4 * 1024 * 1024
"""Any other XML part openpyxl loads whole (styles, the workbook, the manifest): tens of kilobytes in the
files people send; a styles part near Excel's limit of 64 000 formats is larger and is refused."""

MAX_TOTAL_BYTES = 256 * 1024 * 1024
"""All parts of the package together, unzipped (pictures included, though they are never read)."""

MAX_MERGED_RANGES = 5_000
"""Merged ranges per sheet."""

MAX_MERGED_CELLS = 1_000_000
"""Cells covered by all merged ranges of a sheet together."""

MAX_CSV_LINE_CHARS = 100_000
"""One physical line of a CSV file (the csv module's own field limit, 131 072, stays in force)."""

MAX_SHOWN_CHARS = 60
"""How much of a bad cell an error message quotes back."""


def limits_text() -> str:
    """The bounds as a person reads them, for the end of every refusal."""
    return f"最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列"
