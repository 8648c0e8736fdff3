"""The downloadable 纪实表 template: headers, drop-down lists, number checks and an instructions sheet.

The workbook the template builds is also what the writer fills, so an exported file and a blank
template have the same layout and read back through the same reader. Validations that would stop
someone typing a date the reader accepts (2024年9月10日 as text) are warnings, not refusals.
"""
from __future__ import annotations

from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from workflow.spreadsheet.cells import DATE_HINT
from workflow.spreadsheet.columns import (
    INSTRUCTIONS_SHEET,
    MAIN_SHEET,
    Column,
    SheetSchema,
    detail_schemas,
    main_schema,
)

VALIDATED_ROWS = 2000
CHOICES_SHEET = "_选项"
_HEADER_FILL = PatternFill("solid", fgColor="FCE4D6")
_GROUP_FILL = PatternFill("solid", fgColor="C00000")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_KIND_TEXT = {"date": "日期", "dates": "一个或多个日期", "int": "非负整数", "number": "非负数字", "bool": "是／否",
              "choice": "从下拉列表选择", "multi": "可多选", "id_number": "文本（18 位）", "material": "材料名称",
              "step": "步骤编号或名称", "text": "文字"}


@dataclass
class Layout:
    """Where the writer puts things: the first data row of each sheet and each column's position."""

    first_row: dict[str, int]
    positions: dict[str, dict[str, int]]


def _validation(column: Column, choices_ref: dict[str, str]) -> DataValidation | None:
    kind = column.kind
    if kind in ("date",):
        return DataValidation(type="date", operator="greaterThan", formula1="1", errorStyle="warning",
                              error=f"请输入日期。{DATE_HINT}", errorTitle="日期格式", showErrorMessage=True,
                              prompt=column.note or DATE_HINT, showInputMessage=bool(column.note))
    if kind == "int":
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", errorStyle="stop",
                              error="请输入非负整数", errorTitle="人数或票数", showErrorMessage=True)
    if kind == "number":
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", errorStyle="stop",
                              error="请输入非负数字", errorTitle="数字", showErrorMessage=True)
    if kind in ("choice", "bool", "material"):
        return DataValidation(type="list", formula1=choices_ref[column.key], errorStyle="stop",
                              error=f"请从下拉列表选择：{'、'.join(column.options[:12])}",
                              errorTitle="取值", showErrorMessage=True, allow_blank=True)
    if kind == "multi":
        return DataValidation(type="list", formula1=choices_ref[column.key], errorStyle="information",
                              error="多项请用“、”分隔", showErrorMessage=True, allow_blank=True)
    return None


def _choices_sheet(book: Workbook, schemas: list[SheetSchema]) -> dict[str, str]:
    """Drop-down lists live on a hidden sheet: an inline list is limited to 255 characters."""
    ws = book.create_sheet(CHOICES_SHEET)
    ws.sheet_state = "hidden"
    refs: dict[str, str] = {}
    column_of: dict[tuple, str] = {}
    for schema in schemas:
        for column in schema.columns:
            if not column.choices or column.kind not in ("choice", "bool", "material", "multi"):
                continue
            labels = column.options
            if labels not in column_of:
                index = len(column_of) + 1
                letter = get_column_letter(index)
                for r, label in enumerate(labels, start=1):
                    ws.cell(row=r, column=index, value=label)
                column_of[labels] = f"'{CHOICES_SHEET}'!${letter}$1:${letter}${len(labels)}"
            refs[column.key] = column_of[labels]
    return refs


def _header_cell(cell, fill=_HEADER_FILL, color="000000") -> None:
    cell.font = Font(bold=True, color=color)
    cell.fill = fill
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.border = _BORDER


def _format_columns(ws, schema: SheetSchema, first_row: int, refs: dict[str, str]) -> None:
    validations: dict[int, DataValidation] = {}
    for c, column in enumerate(schema.columns, start=1):
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = column.width
        if column.kind in ("id_number", "text") or column.key.endswith(".serial"):
            ws.column_dimensions[letter].number_format = "@"
        elif column.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        dv = _validation(column, refs)
        if dv is None:
            continue
        existing = next((v for v in validations.values()
                         if (v.type, v.formula1, v.errorStyle, v.error) == (dv.type, dv.formula1, dv.errorStyle,
                                                                            dv.error)), None)
        if existing is None:
            ws.add_data_validation(dv)
            validations[c] = existing = dv
        existing.add(f"{letter}{first_row}:{letter}{first_row + VALIDATED_ROWS - 1}")


def _main_sheet(ws, refs: dict[str, str]) -> tuple[int, dict[str, int]]:
    schema = main_schema()
    last = get_column_letter(len(schema.columns))
    ws["A1"] = "发展党员工作全程纪实表（导入模板）"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(f"A1:{last}1")
    start = 1
    positions = {}
    for c, column in enumerate(schema.columns, start=1):
        positions[column.key] = c
        _header_cell(ws.cell(row=3, column=c, value=column.label))
        nxt = schema.columns[c] if c < len(schema.columns) else None
        if nxt is None or nxt.group != column.group:
            ws.cell(row=2, column=start, value=column.group)
            _header_cell(ws.cell(row=2, column=start), _GROUP_FILL, "FFFFFF")
            if c > start:
                ws.merge_cells(start_row=2, start_column=start, end_row=2, end_column=c)
            start = c + 1
    ws.row_dimensions[3].height = 48
    ws.freeze_panes = "C4"
    _format_columns(ws, schema, 4, refs)
    return 4, positions


def _detail_sheet(ws, schema: SheetSchema, refs: dict[str, str]) -> tuple[int, dict[str, int]]:
    positions = {}
    for c, column in enumerate(schema.columns, start=1):
        positions[column.key] = c
        _header_cell(ws.cell(row=1, column=c, value=column.label))
    ws.freeze_panes = "B2"
    _format_columns(ws, schema, 2, refs)
    return 2, positions


_GUIDE = [
    "本模板每人一行，填写发展党员全过程各步骤的日期和关键内容；导入后生成 dossier/1 档案并可审计。",
    "标题行（第 3 行）请勿改动；可以在上方加标题、合并单元格，空行会被跳过。",
    "日期可以是 Excel 日期，也可以写成文字：2024-09-10、2024/9/10、2024年9月10日（全角数字亦可）。其他写法会报错。",
    "“档案编号”留空时，按身份证号码（没有则按姓名+出生日期+所在党组织）生成固定编号，重复导入会更新同一份档案。",
    "某一步骤只要填写了任何内容，就必须填写该步骤的日期。",
    "“材料”“审核记录”“案件事项”三张表按“档案编号”对应到纪实表的行；一人的材料表一行都没有时，不检查材料。",
    "有错误的行不会导入，错误清单会写明工作表、行号、列名和填写的值；其余各行照常导入。",
    "身份证号码请按文本填写，否则 Excel 会把后几位变成 0。",
]


def _instructions(ws) -> None:
    ws["A1"] = "填表说明"
    ws["A1"].font = Font(bold=True, size=14)
    for r, line in enumerate(_GUIDE, start=2):
        ws.cell(row=r, column=1, value=f"{r - 1}. {line}")
    top = len(_GUIDE) + 3
    for c, title in enumerate(("工作表", "列名", "填写方式", "可选值", "说明"), start=1):
        _header_cell(ws.cell(row=top, column=c, value=title))
    r = top + 1
    for schema in (main_schema(), *detail_schemas()):
        for column in schema.columns:
            values = (schema.name, column.label + ("（必填）" if column.required else ""), _KIND_TEXT[column.kind],
                      "、".join(column.options[:12]) if column.kind != "material" else "见下拉列表",
                      column.note)
            for c, value in enumerate(values, start=1):
                ws.cell(row=r, column=c, value=value).alignment = Alignment(wrap_text=True, vertical="top")
            r += 1
    for letter, width in zip("ABCDE", (12, 36, 16, 30, 50)):
        ws.column_dimensions[letter].width = width


def new_workbook() -> tuple[Workbook, Layout]:
    """A blank template: the 纪实表, the three detail sheets, the instructions and the hidden lists."""
    book = Workbook()
    main = book.active
    main.title = MAIN_SHEET
    details = list(detail_schemas())
    refs = _choices_sheet(book, [main_schema(), *details])
    first_row, positions = {}, {}
    first_row[MAIN_SHEET], positions[MAIN_SHEET] = _main_sheet(main, refs)
    for schema in details:
        ws = book.create_sheet(schema.name)
        first_row[schema.name], positions[schema.name] = _detail_sheet(ws, schema, refs)
    _instructions(book.create_sheet(INSTRUCTIONS_SHEET))
    book.move_sheet(CHOICES_SHEET, offset=len(book.sheetnames))
    book.active = 0
    return book, Layout(first_row, positions)


def write_template(path) -> None:
    book, _ = new_workbook()
    book.save(path)
