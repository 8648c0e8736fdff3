"""Checking an .xlsx package before any of it is read: its zip directory, its parts, each sheet's extent.

openpyxl loads the shared strings and the styles whole when it opens a workbook and walks a
worksheet's XML as it is iterated, so a file of a few kilobytes could make it allocate for a
million rows. Everything it would touch is bounded here first, from what the zip itself declares
(a zip entry cannot unzip to more than its declared size: the zip module stops there and the
checksum fails) and from one streaming pass over each worksheet's XML with expat: no tree is
built, no DTD or entity is accepted. The pass finds the cells that hold something (a value, an
inline string or a formula), the `dimension` the file claims and its merged ranges; any of them
beyond the limits is refused with the sheet and the cell or range named. What it returns tells the
reader exactly how far to read each sheet and which merged ranges to fill.
"""
from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from openpyxl.utils import column_index_from_string, get_column_letter

from workflow.spreadsheet import limits
from workflow.spreadsheet.errors import SpreadsheetUnreadable

_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_MAX_CENTRAL_DIRECTORY = 1024 * 1024
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,9})$")
_MB = 1024 * 1024
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)


@dataclass
class SheetExtent:
    """Read rows 1..last_row, columns 1..last_column of `part`; fill `merges` (min_col, min_row, max_col, max_row)."""

    name: str
    part: str
    last_row: int = 0
    last_column: int = 0
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


def sheet_label(name: str) -> str:
    """A sheet's name as messages quote it: Excel allows 31 characters, a hand-made file any number."""
    return name if len(name) <= 31 else name[:31] + "…"


def refuse(message: str, code: str, path: Path, where: str | None = None) -> SpreadsheetUnreadable:
    return SpreadsheetUnreadable(message, code=code, file=str(path), path=where)


def _megabytes(size: int) -> str:
    return f"{size / _MB:.0f} MB" if size >= _MB else f"{size} 字节"


def check_file_size(path: Path) -> None:
    size = path.stat().st_size
    if size > limits.MAX_FILE_BYTES:
        raise refuse(f"文件有 {_megabytes(size)}，超过上限 {_megabytes(limits.MAX_FILE_BYTES)}", "FILE_TOO_LARGE", path)


def _check_zip_directory(path: Path) -> None:
    """The entry count and directory size the zip declares, read before `zipfile` builds an entry per record."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        tail = min(size, _EOCD_SIZE + 0xFFFF)
        handle.seek(size - tail)
        data = handle.read(tail)
    at = data.rfind(_EOCD)
    if at < 0 or at + _EOCD_SIZE > len(data):
        return  # not a zip at all: zipfile says so below
    entries, directory_size = struct.unpack_from("<HI", data, at + 10)
    if entries > limits.MAX_ZIP_ENTRIES or directory_size > _MAX_CENTRAL_DIRECTORY:
        raise refuse(f"Excel 文件包含 {entries} 个部件，超过上限 {limits.MAX_ZIP_ENTRIES}", "WORKBOOK_TOO_MANY_PARTS",
                     path)


def _too_large(what: str, size: int, cap: int, path: Path, where: str | None = None) -> SpreadsheetUnreadable:
    return refuse(f"{what}解压后有 {_megabytes(size)}，超过上限 {_megabytes(cap)}", "WORKBOOK_TOO_LARGE", path, where)


def _read_xml(book: zipfile.ZipFile, part: str, path: Path):
    info = book.getinfo(part)
    if info.file_size > limits.MAX_PART_XML_BYTES:
        raise _too_large(f"Excel 文件的部件 {part} ", info.file_size, limits.MAX_PART_XML_BYTES, path)
    return fromstring(book.read(part))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _relationships(book: zipfile.ZipFile, source: str, path: Path) -> dict[str, tuple[str, str]]:
    """Id → (type, part) of the relationships of `source` ("" for the package itself)."""
    folder, name = posixpath.split(source)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    out = {}
    for rel in _read_xml(book, rels, path):
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), part)
    return out


def _worksheets(book: zipfile.ZipFile, path: Path) -> tuple[list[SheetExtent], set[str]]:
    """The package's worksheets in workbook order (the name people see, the XML part), and its shared-strings part."""
    workbook = next((part for kind, part in _relationships(book, "", path).values()
                     if kind.endswith("/officeDocument")), None)
    if workbook is None:
        raise KeyError("workbook")
    rels = _relationships(book, workbook, path)
    shared = {part for kind, part in rels.values() if kind.endswith("/sharedStrings")}
    sheets = []
    for element in _read_xml(book, workbook, path).iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        kind, part = rels.get(rid, ("", ""))
        if kind.endswith("/worksheet"):
            sheets.append(SheetExtent(element.get("name", ""), part))
    return sheets, shared


_XML_PARTS = (".xml", ".rels", ".vml")


def _check_sizes(book: zipfile.ZipFile, sheets: list[SheetExtent], shared: set[str], path: Path) -> None:
    """Each part openpyxl may load has its own cap (worksheets stream, the others are loaded whole)."""
    infos = book.infolist()
    if len(infos) > limits.MAX_ZIP_ENTRIES:
        raise refuse(f"Excel 文件包含 {len(infos)} 个部件，超过上限 {limits.MAX_ZIP_ENTRIES}", "WORKBOOK_TOO_MANY_PARTS",
                     path)
    by_part = {s.part: sheet_label(s.name) for s in sheets}
    for info in infos:
        name = info.filename
        if name in by_part:
            cap, what = limits.MAX_SHEET_XML_BYTES, f"工作表“{by_part[name]}”"
        elif name in shared:
            cap, what = limits.MAX_SHARED_STRINGS_BYTES, "共享文本部件（所有单元格的文字）"
        elif name.lower().endswith(_XML_PARTS):
            cap, what = limits.MAX_PART_XML_BYTES, f"部件 {name} "
        else:
            continue  # pictures and the like are never read
        if info.file_size > cap:
            raise _too_large(what, info.file_size, cap, path, by_part.get(name))
    total = sum(i.file_size for i in infos)
    if total > limits.MAX_TOTAL_BYTES:
        raise _too_large("Excel 文件共", total, limits.MAX_TOTAL_BYTES, path)


def _bounds(ref: str) -> tuple[int, int]:
    """(column, row) of "B7" or "$B$7"; ValueError for anything else."""
    match = _REF.match(ref)
    if match is None:
        raise ValueError(ref)
    return column_index_from_string(match.group(1).upper()), int(match.group(2))


def _range(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    min_col, min_row = _bounds(first)
    max_col, max_row = _bounds(last) if last else (min_col, min_row)
    return min(min_col, max_col), min(min_row, max_row), max(min_col, max_col), max(min_row, max_row)


def _beyond(column: int, row: int) -> bool:
    return row > limits.MAX_ROWS or column > limits.MAX_COLUMNS


def _cell(column: int, row: int) -> str:
    return f"{get_column_letter(min(column, 18278))}{row}"


class _SheetScan:
    """expat handlers for one worksheet: the extent of its content, its dimension and merged ranges."""

    def __init__(self, sheet: SheetExtent, path: Path, cells_left: int):
        self.sheet, self.path = sheet, path
        self.cells_left = cells_left
        self.row = self.column = 0
        self.pending = False
        self.merged_cells = 0
        self.handlers = {"row": self._row, "c": self._c, "v": self._content, "is": self._content,
                         "f": self._content, "dimension": self._dimension, "mergeCell": self._merge}

    def fail(self, message: str, code: str, where: str) -> SpreadsheetUnreadable:
        name = sheet_label(self.sheet.name)
        return refuse(f"工作表“{name}”{message}", code, self.path, f"{name}!{where}")

    def start(self, name: str, attrs: dict) -> None:
        if ":" in name:
            name = name.rpartition(":")[2]
        handler = self.handlers.get(name)
        if handler is not None:
            handler(attrs)

    def refuse_dtd(self, *_args) -> None:
        name = sheet_label(self.sheet.name)
        raise refuse(f"工作表“{name}”的 XML 含有 DTD 或实体声明，拒绝读取", "WORKBOOK_UNSAFE_XML", self.path, name)

    def _ref(self, ref: str) -> tuple[int, int]:
        try:
            return _bounds(ref)
        except ValueError:
            raise self.fail(f"的单元格引用“{ref[:20]}”无效", "SPREADSHEET_UNREADABLE", ref[:20]) from None

    def _row(self, attrs: dict) -> None:
        number = attrs.get("r")
        self.row = int(number) if number and number.isdigit() else self.row + 1
        self.column = 0

    def _c(self, attrs: dict) -> None:
        ref = attrs.get("r")
        if ref:
            self.column, self.row = self._ref(ref)
        else:
            self.column += 1
        self.pending = True
        self.cells_left -= 1
        if self.cells_left < 0:
            where = _cell(self.column, self.row)
            raise self.fail(f"读到单元格 {where} 时，全部工作表已超过 {limits.MAX_CELLS} 个单元格（包括只设了格式的空单元格）；"
                            "请删除多余的行列后重试", "WORKBOOK_TOO_LARGE", where)

    def _content(self, _attrs: dict) -> None:
        if not self.pending:
            return
        self.pending = False
        column, row = self.column, self.row
        if _beyond(column, row):
            raise self.fail(f"的单元格 {_cell(column, row)} 有内容，超出可读范围（{limits.limits_text()}）；"
                            "请删除多余的行列后重试", "SHEET_TOO_LARGE", _cell(column, row))
        sheet = self.sheet
        if row > sheet.last_row:
            sheet.last_row = row
        if column > sheet.last_column:
            sheet.last_column = column

    def _dimension(self, attrs: dict) -> None:
        ref = attrs.get("ref", "")
        try:
            _, _, max_col, max_row = _range(ref)
        except ValueError:
            return  # a malformed dimension is only a hint; the cells themselves are checked
        if _beyond(max_col, max_row):
            raise self.fail(f"的已用范围 {ref[:40]} 超出可读范围（{limits.limits_text()}）；"
                            "请删除末尾多余的行和列（包括只设了格式的空单元格）后重试", "SHEET_TOO_LARGE", ref[:40])

    def _merge(self, attrs: dict) -> None:
        ref = attrs.get("ref", "")
        try:
            bounds = _range(ref)
        except ValueError:
            raise self.fail(f"的合并单元格“{ref[:40]}”无效", "SPREADSHEET_UNREADABLE", ref[:40]) from None
        min_col, min_row, max_col, max_row = bounds
        if _beyond(max_col, max_row):
            raise self.fail(f"的合并单元格 {ref[:40]} 超出可读范围（{limits.limits_text()}）；请取消合并或缩小范围后重试",
                            "MERGED_RANGE_TOO_LARGE", ref[:40])
        self.merged_cells += (max_col - min_col + 1) * (max_row - min_row + 1)
        if len(self.sheet.merges) >= limits.MAX_MERGED_RANGES or self.merged_cells > limits.MAX_MERGED_CELLS:
            raise self.fail(f"的合并单元格过多（最多 {limits.MAX_MERGED_RANGES} 处、共 {limits.MAX_MERGED_CELLS} 格）",
                            "MERGED_RANGE_TOO_LARGE", ref[:40])
        self.sheet.merges.append(bounds)


def _scan_sheet(book: zipfile.ZipFile, sheet: SheetExtent, path: Path, cells_left: int) -> int:
    """Fills in `sheet`'s extent and merges; returns how many cells the workbook may still have."""
    scan = _SheetScan(sheet, path, cells_left)
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = scan.start
    parser.StartDoctypeDeclHandler = scan.refuse_dtd
    parser.EntityDeclHandler = scan.refuse_dtd
    try:
        with book.open(sheet.part) as stream:
            while chunk := stream.read(_MB):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        name = sheet_label(sheet.name)
        raise refuse(f"工作表“{name}”的 XML 格式错误（第 {exc.lineno} 行）", "SPREADSHEET_UNREADABLE", path,
                     name) from None
    return scan.cells_left


def inspect_workbook(path: Path) -> list[SheetExtent]:
    """Every worksheet's extent, or SpreadsheetUnreadable naming what is beyond the limits."""
    check_file_size(path)
    _check_zip_directory(path)
    try:
        with zipfile.ZipFile(path) as book:
            sheets, shared = _worksheets(book, path)
            _check_sizes(book, sheets, shared, path)
            cells_left = limits.MAX_CELLS
            for sheet in sheets:
                cells_left = _scan_sheet(book, sheet, path, cells_left)
    except SpreadsheetUnreadable:
        raise
    except (DefusedXmlException, ParseError):
        raise refuse("Excel 文件的 XML 含有 DTD、实体声明或格式错误，拒绝读取", "WORKBOOK_UNSAFE_XML", path) from None
    except (KeyError, ValueError):
        raise refuse("不是有效的 Excel 文件（缺少工作簿部件）", "SPREADSHEET_UNREADABLE", path) from None
    except ZIP_ERRORS as exc:
        raise refuse(f"无法读取 Excel 文件：文件已损坏（{type(exc).__name__}）", "SPREADSHEET_UNREADABLE", path) from None
    return sheets
