"""From an .xlsx or .csv file to rows of typed values, each value remembering the cell it came from.

Hand-kept sheets are messy: a title row above the header, a group row with merged cells, column
headers merged down over two rows, blank rows between people, an organisation typed once and
merged down over its people. So the header row is found (the row in the first 20 that names the
most known columns), a merged range counts as its top-left value in every row it covers (down a
column only: a header merged across columns names just its first column), and blank rows are
skipped. Cell parsing (dates and the like) is `cells.py`; the header vocabulary is `columns.py`.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from workflow.spreadsheet.cells import CellProblem, display, is_blank, parse_cell
from workflow.spreadsheet.columns import Column, SheetSchema, all_schemas, main_schema
from workflow.spreadsheet.errors import RowError, SpreadsheetUnreadable

HEADER_SCAN_ROWS = 20


@dataclass
class Sheet:
    index: int
    name: str
    rows: list[list[object]]


@dataclass(frozen=True)
class CellRef:
    sheet_index: int
    sheet: str
    row: int
    column_index: int
    column: str
    raw: object = None

    def error(self, code: str, message: str, value: str | None = None) -> RowError:
        return RowError(self.sheet_index, self.sheet, self.row, self.column_index, self.column,
                        display(self.raw) if value is None else value, code, message)


@dataclass
class Row:
    """One data row of one sheet: parsed values by column key, the cell behind every column."""

    schema: SheetSchema
    sheet_index: int
    sheet: str
    number: int
    values: dict[str, object] = field(default_factory=dict)
    cells: dict[str, CellRef] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def row_error(self, code: str, message: str, column_key: str | None = None, value: str | None = None) -> RowError:
        cell = self.cells.get(column_key) if column_key else None
        if cell is not None:
            return cell.error(code, message, value)
        return RowError(self.sheet_index, self.sheet, self.number, 0, None, value or "", code, message)


@dataclass
class ReadResult:
    rows: dict[str, list[Row]]
    ignored_columns: list[str]


def _xlsx_sheets(path: Path) -> list[Sheet]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SpreadsheetUnreadable(f"无法读取 Excel 文件：{exc}", file=str(path)) from None
    sheets = []
    for index, ws in enumerate(book.worksheets):
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        for merged in ws.merged_cells.ranges:
            top = rows[merged.min_row - 1][merged.min_col - 1] if merged.min_row - 1 < len(rows) else None
            for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
                rows[r - 1][merged.min_col - 1] = top
        sheets.append(Sheet(index, ws.title, rows))
    return sheets


def _csv_sheets(path: Path) -> list[Sheet]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetUnreadable("CSV 文件既不是 UTF-8 也不是 GBK 编码", file=str(path))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    return [Sheet(0, path.name, rows)]


def read_sheets(path: str | Path) -> list[Sheet]:
    path = Path(path)
    if not path.exists():
        raise SpreadsheetUnreadable("文件不存在", code="FILE_NOT_FOUND", file=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_sheets(path)
    if suffix in (".csv", ".txt"):
        return _csv_sheets(path)
    raise SpreadsheetUnreadable(f"不支持的文件类型“{suffix or '无扩展名'}”，请用 .xlsx 或 .csv", file=str(path))


def _header_of(sheet: Sheet, schema: SheetSchema) -> tuple[int, dict[int, Column], list[str]] | None:
    """The header row number, the known column at each position, and the headers not recognised."""
    best = None
    for r, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS], start=1):
        found: dict[int, Column] = {}
        unknown = []
        for c, value in enumerate(row, start=1):
            column = schema.match(value) if not is_blank(value) else None
            if column is None:
                if not is_blank(value):
                    unknown.append(str(value))
            elif column not in found.values():
                found[c] = column
            else:
                unknown.append(f"{value}（重复）")
        if best is None or len(found) > len(best[1]):
            best = (r, found, unknown)
    if best is None:
        return None
    required = {c.key for c in schema.columns if c.required}
    if not required <= {c.key for c in best[1].values()}:
        return None
    return best


def _parse_row(schema: SheetSchema, sheet: Sheet, number: int, raw: list[object],
               header: dict[int, Column]) -> Row:
    row = Row(schema, sheet.index, sheet.name, number)
    for c, column in header.items():
        value = raw[c - 1] if c - 1 < len(raw) else None
        row.cells[column.key] = CellRef(sheet.index, sheet.name, number, c, column.label, value)
        if is_blank(value):
            continue
        try:
            row.values[column.key] = parse_cell(value, column)
        except CellProblem as problem:
            shown = "（已隐去）" if column.kind == "id_number" else None
            row.errors.append(row.cells[column.key].error(problem.code, problem.message, shown))
    return row


def read_rows(path: str | Path) -> ReadResult:
    """Every non-blank data row of every sheet that has a known header, grouped by schema name."""
    sheets = read_sheets(path)
    schemas = all_schemas()
    out: dict[str, list[Row]] = {s.name: [] for s in schemas}
    ignored: list[str] = []
    found_main = False
    for sheet in sheets:
        candidates = [(schema, _header_of(sheet, schema)) for schema in schemas]
        candidates = [(s, h) for s, h in candidates if h is not None]
        if not candidates:
            continue
        schema, (header_row, header, unknown) = max(candidates, key=lambda sh: len(sh[1][1]))
        found_main |= schema is main_schema()
        ignored += [f"{sheet.name}：{u}" for u in unknown]
        for number, raw in enumerate(sheet.rows[header_row:], start=header_row + 1):
            if all(is_blank(raw[c - 1]) for c in header if c - 1 < len(raw)):
                continue
            out[schema.name].append(_parse_row(schema, sheet, number, raw, header))
    if not found_main:
        labels = "、".join(c.label for c in main_schema().columns if c.required)
        raise SpreadsheetUnreadable(f"没有找到纪实表的标题行（至少要有“{labels}”两列）", code="SHEET_HEADER_MISSING",
                                    file=str(path))
    return ReadResult(out, ignored)
