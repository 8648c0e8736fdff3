"""From an .xlsx or .csv file to rows of typed values, each value remembering the cell it came from.

Hand-kept sheets are messy: a title row above the header, a group row with merged cells, column
headers merged down over two rows, blank rows between people, an organisation typed once and
merged down over its people. So the header row is found (the row in the first 20 that names the
most known columns), a merged range counts as its top-left value in every row it covers (down a
column only: a header merged across columns names just its first column), and blank rows are
skipped. Cell parsing (dates and the like) is `cells.py`; the header vocabulary is `columns.py`.

Files can also be hostile. Nothing is read beyond `limits.py`: a workbook's package is checked
first (`package.py`: sizes, parts, where each sheet's content ends, merged ranges), then openpyxl
reads it in read-only mode, streaming, exactly as far as the content goes. A CSV is streamed too,
one bounded line at a time. Rows are parsed as they stream and keep only the header columns'
values; the cell behind a column is made when someone asks for it.
"""
from __future__ import annotations

import codecs
import csv
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, islice
from pathlib import Path

from workflow.spreadsheet import limits
from workflow.spreadsheet.cells import CellProblem, is_blank, parse_cell, shown
from workflow.spreadsheet.columns import Column, SheetSchema, all_schemas, main_schema
from workflow.spreadsheet.errors import RowError, SpreadsheetUnreadable
from workflow.spreadsheet.package import SheetExtent, check_file_size, inspect_workbook, refuse, sheet_label

HEADER_SCAN_ROWS = 20
NumberedRow = tuple[int, Sequence[object]]


@dataclass
class Sheet:
    """One sheet as it streams: `rows` yields (row number, values from column A on), blank rows included."""

    index: int
    name: str
    rows: Iterator[NumberedRow]


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
                        shown(self.raw) if value is None else value, code, message)


@dataclass(frozen=True)
class Layout:
    """Where a sheet's known columns are: (position in the sheet, column) in header order."""

    sheet_index: int
    sheet: str
    header: tuple[tuple[int, Column], ...]

    @cached_property
    def by_key(self) -> dict[str, int]:
        return {c.key: i for i, (_, c) in enumerate(self.header)}


class Cells(Mapping):
    """Column key → the CellRef of one row, made on demand from the row's raw values."""

    __slots__ = ("_layout", "_number", "_raw")

    def __init__(self, layout: Layout, number: int, raw: tuple):
        self._layout, self._number, self._raw = layout, number, raw

    def __getitem__(self, key: str) -> CellRef:
        i = self._layout.by_key[key]
        position, column = self._layout.header[i]
        return CellRef(self._layout.sheet_index, self._layout.sheet, self._number, position, column.label, self._raw[i])

    def __iter__(self):
        return iter(self._layout.by_key)

    def __len__(self) -> int:
        return len(self._layout.header)


@dataclass
class Row:
    """One data row of one sheet: parsed values by column key, the cell behind every column."""

    schema: SheetSchema
    sheet_index: int
    sheet: str
    number: int
    values: dict[str, object] = field(default_factory=dict)
    cells: Mapping[str, CellRef] = field(default_factory=dict)
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


# ---- xlsx ----------------------------------------------------------------------------------------

def _with_merges(rows: Iterator[NumberedRow], merges: list[tuple[int, int, int, int]]) -> Iterator[NumberedRow]:
    """Each merged range reads as its top-left value down its first column, and empty elsewhere."""
    starts: dict[int, list] = defaultdict(list)
    for min_col, min_row, max_col, max_row in merges:
        starts[min_row].append((min_col, max_col, max_row))
    active: list[tuple[int, int, int, object]] = []
    for number, values in rows:
        if active:
            active = [m for m in active if m[2] >= number]
        if number in starts or active:
            values = list(values)
            width = len(values)
            for min_col, max_col, _, top in active:
                if min_col <= width:
                    values[min_col - 1] = top
                for c in range(min_col + 1, min(max_col, width) + 1):
                    values[c - 1] = None
            for min_col, max_col, max_row in starts.pop(number, ()):
                top = values[min_col - 1] if min_col <= width else None
                for c in range(min_col + 1, min(max_col, width) + 1):
                    values[c - 1] = None
                active.append((min_col, max_col, max_row, top))
        yield number, values


def _openpyxl_rows(ws, extent: SheetExtent, path: Path) -> Iterator[NumberedRow]:
    """The sheet's rows up to where its content ends; openpyxl's own failures become a clear refusal."""
    if extent.last_row == 0:
        return
    rows = ws.iter_rows(min_row=1, max_row=extent.last_row, max_col=extent.last_column, values_only=True)
    number = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # untrusted XML read by a third-party parser: any failure is the file's
            raise refuse(f"工作表“{sheet_label(extent.name)}”第 {number + 1} 行无法读取（{type(exc).__name__}）",
                         "SPREADSHEET_UNREADABLE", path, f"{sheet_label(extent.name)}!{number + 1}") from None
        number += 1
        yield number, values


@contextmanager
def _xlsx_sheets(path: Path) -> Iterator[Iterator[Sheet]]:
    from openpyxl import load_workbook

    extents = {e.name: e for e in inspect_workbook(path)}
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # untrusted package read by a third-party parser: any failure is the file's
        raise refuse(f"无法读取 Excel 文件（{type(exc).__name__}）", "SPREADSHEET_UNREADABLE", path) from None
    try:
        def sheets() -> Iterator[Sheet]:
            for index, ws in enumerate(book.worksheets):
                extent = extents.get(ws.title)
                if extent is None:
                    raise refuse(f"无法读取 Excel 文件：工作表“{sheet_label(ws.title)}”不在工作簿目录中", "SPREADSHEET_UNREADABLE",
                                 path)
                yield Sheet(index, sheet_label(ws.title), _with_merges(_openpyxl_rows(ws, extent, path), extent.merges))
        yield sheets()
    finally:
        book.close()


# ---- csv -----------------------------------------------------------------------------------------

def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030; checked over the whole file in chunks, not loaded."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise SpreadsheetUnreadable("CSV 文件既不是 UTF-8 也不是 GBK 编码", file=str(path))


def _bounded_lines(stream, path: Path, name: str) -> Iterator[str]:
    """Physical lines, each at most MAX_CSV_LINE_CHARS, so one endless line never reaches the csv module."""
    number = 0
    while line := stream.readline(limits.MAX_CSV_LINE_CHARS + 3):
        number += 1
        if len(line.rstrip("\r\n")) > limits.MAX_CSV_LINE_CHARS:
            raise refuse(f"CSV 文件“{name}”第 {number} 行超过 {limits.MAX_CSV_LINE_CHARS} 个字符", "CSV_LINE_TOO_LONG",
                         path, f"{name}!{number}")
        yield line


def _csv_records(path: Path, name: str, encoding: str) -> Iterator[NumberedRow]:
    with open(path, encoding=encoding, newline="") as stream:
        sample = stream.read(4096)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    with open(path, encoding=encoding, newline="") as stream:
        reader = csv.reader(_bounded_lines(stream, path, name), dialect)
        number = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                too_long = "field larger than field limit" in str(exc)
                what = f"有字段超过 {csv.field_size_limit()} 个字符" if too_long else "格式错误，无法读取"
                raise refuse(f"CSV 文件“{name}”第 {number + 1} 条记录{what}",
                             "CSV_FIELD_TOO_LONG" if too_long else "SPREADSHEET_UNREADABLE", path,
                             f"{name}!{number + 1}") from None
            number += 1
            yield number, record


def _bounded_csv(records: Iterator[NumberedRow], path: Path, name: str) -> Iterator[NumberedRow]:
    """The same limits as a workbook: content past MAX_ROWS rows or MAX_COLUMNS columns is refused."""
    for number, record in records:
        if len(record) > limits.MAX_COLUMNS:
            beyond = next((c for c in range(len(record), limits.MAX_COLUMNS, -1) if not is_blank(record[c - 1])), None)
            if beyond is not None:
                raise refuse(f"CSV 文件“{name}”第 {number} 条记录第 {beyond} 列有内容，超出可读范围（{limits.limits_text()}）",
                             "SHEET_TOO_LARGE", path, f"{name}!{number}")
            record = record[:limits.MAX_COLUMNS]
        if number > limits.MAX_ROWS and any(not is_blank(v) for v in record):
            raise refuse(f"CSV 文件“{name}”第 {number} 条记录超出可读范围（{limits.limits_text()}）", "SHEET_TOO_LARGE",
                         path, f"{name}!{number}")
        yield number, record


@contextmanager
def _csv_sheets(path: Path) -> Iterator[Iterator[Sheet]]:
    check_file_size(path)
    encoding = _csv_encoding(path)
    records = _bounded_csv(_csv_records(path, path.name, encoding), path, path.name)
    yield iter([Sheet(0, path.name, records)])


@contextmanager
def open_sheets(path: str | Path) -> Iterator[Iterator[Sheet]]:
    """The file's sheets, each streaming its rows; the file stays open until the block ends."""
    path = Path(path)
    if not path.exists():
        raise SpreadsheetUnreadable("文件不存在", code="FILE_NOT_FOUND", file=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        with _xlsx_sheets(path) as sheets:
            yield sheets
    elif suffix in (".csv", ".txt"):
        with _csv_sheets(path) as sheets:
            yield sheets
    else:
        raise SpreadsheetUnreadable(f"不支持的文件类型“{suffix or '无扩展名'}”，请用 .xlsx 或 .csv", file=str(path))


# ---- rows ----------------------------------------------------------------------------------------

def header_of(head: list[NumberedRow], schema: SheetSchema) -> tuple[int, dict[int, Column], list[str]] | None:
    """The header row number, the known column at each position, and the headers not recognised
    (public: the roster reader, workflow/spreadsheet/roster.py, finds its header the same way)."""
    best = None
    for number, row in head:
        found: dict[int, Column] = {}
        unknown = []
        for c, value in enumerate(row, start=1):
            column = schema.match(value) if not is_blank(value) else None
            if column is None:
                if not is_blank(value):
                    unknown.append(shown(value))
            elif column not in found.values():
                found[c] = column
            else:
                unknown.append(f"{shown(value)}（重复）")
        if best is None or len(found) > len(best[1]):
            best = (number, found, unknown)
    if best is None:
        return None
    required = {c.key for c in schema.columns if c.required}
    if not required <= {c.key for c in best[1].values()}:
        return None
    return best


class ErrorBudget:
    """Bad cells are itemised up to MAX_LISTED_ERRORS; past that a bad row keeps only its first (it is
    still left out), so a file of nothing but bad cells costs no more memory than a good one."""

    def __init__(self) -> None:
        self.left = limits.MAX_LISTED_ERRORS

    def spend(self, row: Row) -> bool:
        self.left -= 1
        return self.left >= 0 or not row.errors


def parse_row(schema: SheetSchema, layout: Layout, number: int, raw: tuple, budget: ErrorBudget) -> Row:
    """One data row's cells as values or itemised problems (shared with the roster reader)."""
    row = Row(schema, layout.sheet_index, layout.sheet, number, cells=Cells(layout, number, raw))
    for (position, column), value in zip(layout.header, raw):
        if is_blank(value):
            continue
        try:
            row.values[column.key] = parse_cell(value, column)
        except CellProblem as problem:
            if not budget.spend(row):
                continue
            hidden = "（已隐去）" if column.kind == "id_number" else None
            row.errors.append(CellRef(layout.sheet_index, layout.sheet, number, position, column.label, value)
                              .error(problem.code, problem.message, hidden))
    return row


def read_rows(path: str | Path) -> ReadResult:
    """Every non-blank data row of every sheet that has a known header, grouped by schema name."""
    schemas = all_schemas()
    out: dict[str, list[Row]] = {s.name: [] for s in schemas}
    ignored: list[str] = []
    found_main = False
    budget = ErrorBudget()
    with open_sheets(path) as sheets:
        for sheet in sheets:
            head = list(islice(sheet.rows, HEADER_SCAN_ROWS))
            candidates = [(schema, header_of(head, schema)) for schema in schemas]
            candidates = [(s, h) for s, h in candidates if h is not None]
            if not candidates:
                continue
            schema, (header_row, header, unknown) = max(candidates, key=lambda sh: len(sh[1][1]))
            found_main |= schema is main_schema()
            ignored += [f"{sheet.name}：{u}" for u in unknown]
            layout = Layout(sheet.index, sheet.name, tuple(sorted(header.items())))
            positions = [p - 1 for p, _ in layout.header]
            for number, values in chain((r for r in head if r[0] > header_row), sheet.rows):
                width = len(values)
                raw = tuple(values[p] if p < width else None for p in positions)
                if all(is_blank(v) for v in raw):
                    continue
                out[schema.name].append(parse_row(schema, layout, number, raw, budget))
    if not found_main:
        labels = "、".join(c.label for c in main_schema().columns if c.required)
        raise SpreadsheetUnreadable(f"没有找到纪实表的标题行（至少要有“{labels}”两列）", code="SHEET_HEADER_MISSING",
                                    file=str(path))
    return ReadResult(out, ignored)
