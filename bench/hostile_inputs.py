"""Hostile spreadsheets, made on the fly, and what importing each one costs (issue 9).

Each maker writes one file that used to hurt the importer: a 19 KB workbook with one cell at
XFD1048576, a merged range down to row 1 048 576, a sheet that unzips to hundreds of megabytes, a
zip entry that lies about its size, an XML entity bomb, a zip of a hundred thousand parts, a huge
CSV, a CSV with one endless line and one with an endless quoted field. The tests import the makers
(no binary is committed); run as a script, every file is read by `read_records` in a child process
of its own and the refusal code, the time and the child's peak memory (VmHWM) are printed,
beside the same figures for a small valid workbook and for the largest workbook the limits accept.

    .venv/bin/python -m bench.hostile_inputs [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_PART = "xl/worksheets/sheet1.xml"
MB = 1024 * 1024


# ---- a minimal .xlsx package, written by hand so that any sheet XML can be streamed into it ------

def _package_parts(sheet_name: str) -> dict[str, str]:
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/{SHEET_PART}" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            '</Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f'<sheets><sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
            '</Relationships>'),
    }


def write_xlsx(path: Path, sheet_xml: Iterable[str], sheet_name: str = "纪实表") -> Path:
    """A one-sheet workbook whose sheet XML is streamed from `sheet_xml` (so it may unzip to gigabytes)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in _package_parts(sheet_name).items():
            book.writestr(name, text)
        with book.open(SHEET_PART, "w", force_zip64=True) as sheet:
            buffer: list[bytes] = []
            size = 0
            for piece in sheet_xml:
                data = piece.encode("utf-8")
                buffer.append(data)
                size += len(data)
                if size >= MB:
                    sheet.write(b"".join(buffer))
                    buffer, size = [], 0
            sheet.write(b"".join(buffer))
    return path


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def header_labels() -> list[str]:
    from workflow.spreadsheet.columns import main_schema

    return [c.label for c in main_schema().columns]


def _header_row() -> str:
    from openpyxl.utils import get_column_letter

    cells = "".join(_inline(f"{get_column_letter(c)}1", label) for c, label in enumerate(header_labels(), start=1))
    return f'<row r="1">{cells}</row>'


def _person_row(r: int) -> str:
    """姓名, 出生日期 and 01 递交入党申请书·日期 of one applicant, in the template's columns for them."""
    from openpyxl.utils import get_column_letter

    labels = header_labels()
    where = {label: get_column_letter(c) for c, label in enumerate(labels, start=1)}
    return (f'<row r="{r}">{_inline(where["姓名"] + str(r), f"申请人{r}")}'
            f'{_inline(where["出生日期"] + str(r), "2001-05-06")}'
            f'{_inline(where["01 递交入党申请书·日期"] + str(r), "2024-09-10")}</row>')


def _sheet(rows: Iterable[str], tail: str = "", head: str = "") -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>{head}<worksheet xmlns="{MAIN_NS}"><sheetData>'
    yield from rows
    yield f"</sheetData>{tail}</worksheet>"


# ---- the hostile files ---------------------------------------------------------------------------

def far_cell(path: Path) -> Path:
    """The issue's 19 KB workbook: the real template, one person, and one cell at XFD1048576."""
    from workflow.spreadsheet import write_records

    write_records([{"format": "dossier/1", "id": "A-1", "person": {"name": "张三", "birth_date": "2001-05-06"},
                    "steps": [{"step": "s01_application", "date": "2024-09-10"}]}], path)
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["纪实表"]["XFD1048576"] = "x"
    book.save(path)
    return path


def far_cell_undeclared(path: Path) -> Path:
    """One person and a cell at XFD1048576, with no `dimension` to give it away."""
    return write_xlsx(path, _sheet([_header_row(), _person_row(2),
                                    f'<row r="1048576">{_inline("XFD1048576", "x")}</row>']))


def merged_to_last_row(path: Path) -> Path:
    """One person and a merged range from H2 (所在党组织) down to the sheet's last row (1 048 576)."""
    return write_xlsx(path, _sheet([_header_row(), _person_row(2)],
                                   tail='<mergeCells count="1"><mergeCell ref="H2:H1048576"/></mergeCells>'))


def zip_bomb(path: Path, unzipped: int = 418 * MB) -> Path:
    """A sheet that unzips to `unzipped` bytes of identical rows (no row numbers: each counts as the next)."""
    row = f'<row>{_inline("", "张三")}</row>'.replace(' r=""', "")
    count = max(1, unzipped // len(row.encode()))
    return write_xlsx(path, _sheet(chain_rows([_header_row()], (row for _ in range(count)))))


def chain_rows(*parts: Iterable[str]) -> Iterator[str]:
    for part in parts:
        yield from part


def lying_zip(path: Path, unzipped: int = 64 * MB) -> Path:
    """A sheet whose zip entry declares 1 KB but inflates to `unzipped` bytes."""
    zip_bomb(path, unzipped)
    data = bytearray(path.read_bytes())
    name = SHEET_PART.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", data, at + (26 if signature == b"PK\x03\x04" else 28))[0]
            if data[at + name_at:at + name_at + length] == name:
                struct.pack_into("<I", data, at + size_at, 1024)
                extra_at = at + name_at + length
                extra_len = struct.unpack_from("<H", data, at + (28 if signature == b"PK\x03\x04" else 30))[0]
                _patch_zip64(data, extra_at, extra_len)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


def _patch_zip64(data: bytearray, at: int, length: int) -> None:
    """The zip64 extra field carries the sizes too (force_zip64 was used to stream the sheet)."""
    end = at + length
    while at + 4 <= end:
        kind, size = struct.unpack_from("<HH", data, at)
        if kind == 0x0001 and size >= 8:
            struct.pack_into("<Q", data, at + 4, 1024)
        at += 4 + size


def _with_part(path: Path, name: str, xml: Iterable[str], content_type: str, relation: str) -> Path:
    """`path` with one more part, `name`, related to the workbook as `relation` (streamed in)."""
    with zipfile.ZipFile(path) as book:
        parts = {i.filename: book.read(i.filename) for i in book.infolist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>'.encode())
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", (f'<Relationship Id="rId9" Target="{name.removeprefix("xl/")}" '
                              f'Type="{REL_NS}/{relation}"/></Relationships>').encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for part, data in parts.items():
            book.writestr(part, data)
        with book.open(name, "w") as stream:
            for piece in xml:
                stream.write(piece.encode("utf-8"))
    return path


def shared_strings_flood(path: Path, unzipped: int = 64 * MB) -> Path:
    """A valid one-person workbook whose shared-strings part (loaded whole) holds `unzipped` bytes of texts."""
    count = unzipped // len("<si><t>1000000</t></si>")

    def xml() -> Iterator[str]:
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{count}">'
        for start in range(0, count, 10_000):
            yield "".join(f"<si><t>{i}</t></si>" for i in range(start, min(count, start + 10_000)))
        yield "</sst>"
    return _with_part(small_valid(path), "xl/sharedStrings.xml", xml(),
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml", "sharedStrings")


def styles_flood(path: Path, unzipped: int = 64 * MB) -> Path:
    """A valid one-person workbook whose styles part (loaded whole, an object per format) has `unzipped` bytes."""
    xf = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    count = unzipped // len(xf)

    def xml() -> Iterator[str]:
        yield (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font/></fonts>'
               '<fills count="1"><fill/></fills><borders count="1"><border/></borders>'
               f'<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="{count}">')
        for start in range(0, count, 10_000):
            yield xf * min(10_000, count - start)
        yield "</cellXfs></styleSheet>"
    return _with_part(small_valid(path), "xl/styles.xml", xml(),
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml", "styles")


def entity_bomb(path: Path) -> Path:
    """The billion-laughs DTD in a sheet's XML."""
    head = ('<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) + "]>")
    return write_xlsx(path, _sheet([_header_row(), '<row r="2"><c r="B2" t="inlineStr"><is><t>&i;</t></is></c></row>'],
                                   head=head))


def many_parts(path: Path, parts: int = 100_000) -> Path:
    """A valid workbook plus `parts` empty zip entries."""
    write_xlsx(path, _sheet([_header_row(), _person_row(2)]))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as book:
        for i in range(parts):
            book.writestr(f"x/{i}", b"")
    return path


def rows_beyond_limit(path: Path, rows: int) -> Path:
    """One person per row for `rows` rows (the limit is 20 000)."""
    return write_xlsx(path, _sheet(chain_rows([_header_row()], (_person_row(r) for r in range(2, rows + 2)))))


def largest_allowed(path: Path) -> Path:
    """The largest workbook the limits accept, and the dearest to read: every template column of every
    row filled with a number (a bad value in most columns), no `dimension` (openpyxl then reads twice)."""
    from openpyxl.utils import get_column_letter

    from workflow.spreadsheet.limits import MAX_CELLS, MAX_ROWS

    letters = [get_column_letter(c) for c in range(1, len(header_labels()) + 1)]
    last = min(MAX_ROWS, MAX_CELLS // len(letters))

    def row(r: int) -> str:
        return f'<row r="{r}">' + "".join(f'<c r="{x}{r}"><v>{r}</v></c>' for x in letters) + "</row>"
    return write_xlsx(path, _sheet(chain_rows([_header_row()], (row(r) for r in range(2, last + 1)))))


def _csv_header() -> str:
    return ",".join(header_labels()[:4]) + "\r\n"


def huge_csv(path: Path, size: int = 200 * MB) -> Path:
    """A CSV of `size` bytes of people."""
    line = "申请人,,2001-05-06,\r\n"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(_csv_header())
        chunk = line * (MB // len(line.encode()))
        for _ in range(max(1, size // len(chunk.encode()))):
            handle.write(chunk)
    return path


def long_line_csv(path: Path, length: int = 16 * MB) -> Path:
    """A header and one line of `length` short fields, no line break."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(_csv_header())
        handle.write("x," * (length // 2))
    return path


def long_field_csv(path: Path, length: int = 16 * MB) -> Path:
    """A header and one quoted field of `length` characters, broken into short lines."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(_csv_header())
        handle.write('"' + ("x" * 99 + "\n") * (length // 100) + '"\r\n')
    return path


def small_valid(path: Path) -> Path:
    return write_xlsx(path, _sheet([_header_row(), _person_row(2)]))


HOSTILE: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "far_cell": ("far_cell.xlsx", far_cell),
    "far_cell_undeclared": ("far_cell_undeclared.xlsx", far_cell_undeclared),
    "merged_to_last_row": ("merged.xlsx", merged_to_last_row),
    "zip_bomb_418mb": ("bomb.xlsx", zip_bomb),
    "lying_zip_entry": ("lying.xlsx", lying_zip),
    "entity_bomb": ("entities.xlsx", entity_bomb),
    "shared_strings_64mb": ("sst.xlsx", shared_strings_flood),
    "styles_64mb": ("styles.xlsx", styles_flood),
    "100k_zip_parts": ("parts.xlsx", many_parts),
    "rows_beyond_limit": ("rows.xlsx", lambda p: rows_beyond_limit(p, 25_000)),
    "huge_csv_200mb": ("huge.csv", huge_csv),
    "long_line_csv_16mb": ("line.csv", long_line_csv),
    "long_field_csv_16mb": ("field.csv", long_field_csv),
}
REFERENCE: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "small_valid": ("small.xlsx", small_valid),
    "largest_allowed": ("largest.xlsx", largest_allowed),
}


# ---- measuring -----------------------------------------------------------------------------------

def read_once(path: str) -> dict:
    """Imports `path` in this process; the outcome, the time and this process's peak memory."""
    from workflow.errors import FazhanError
    from workflow.spreadsheet import read_records

    started = time.perf_counter()
    try:
        result = read_records(path)
        outcome = {"code": "OK", "imported": len(result.dossiers), "errors": len(result.errors)}
    except FazhanError as exc:
        outcome = {"code": exc.code, "message": exc.message, "where": exc.path}
    outcome["seconds"] = round(time.perf_counter() - started, 3)
    outcome["peak_rss_mb"] = round(_peak_kb() / 1024, 1)
    return outcome


def _peak_kb() -> int:
    """This process's peak resident memory. On Linux VmHWM (ru_maxrss would also count the memory of
    the parent at the moment it forked this child); elsewhere ru_maxrss."""
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(path: Path, memory_cap_mb: int | None = None, timeout: float = 600) -> dict:
    """`read_once` in a child process (optionally under an address-space cap), so each peak is its own."""
    code = ("import json, sys, resource\n"
            f"cap = {memory_cap_mb!r}\n"
            "if cap: resource.setrlimit(resource.RLIMIT_AS, (cap * 2**20, cap * 2**20))\n"
            "from bench.hostile_inputs import read_once\n"
            "print(json.dumps(read_once(sys.argv[1]), ensure_ascii=False))\n")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=root,
                          timeout=timeout)
    if done.returncode != 0:
        return {"code": f"CRASHED (exit {done.returncode})", "stderr": done.stderr[-400:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--only", nargs="*", help="names of the files to try")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="fazhan-hostile-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, (filename, make) in {**HOSTILE, **REFERENCE}.items():
        if args.only and name not in args.only:
            continue
        path = make(folder / filename)
        outcome = measure(path)
        rows.append((name, path.stat().st_size, outcome))
        print(f"{name:22} {path.stat().st_size / 1024:>9.0f} KB  {outcome['code']:26} "
              f"{outcome.get('seconds', '-'):>7} s  {outcome.get('peak_rss_mb', '-'):>7} MB  "
              f"{outcome.get('where') or ''}", flush=True)
        if not args.keep:
            path.unlink()
    hostile = [r for r in rows if r[0] in HOSTILE]
    if hostile:
        worst = max(hostile, key=lambda r: r[2].get("peak_rss_mb", 0))
        print(f"\n{len(hostile)} hostile inputs; worst peak {worst[2].get('peak_rss_mb')} MB ({worst[0]})")


if __name__ == "__main__":
    main()
