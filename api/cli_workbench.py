"""`fazhan template|convert|report|stats`: the auditor's workbench on files.

`convert` turns a 纪实表 spreadsheet or CSV into one `dossier/1` file per good row and lists the bad
rows (exit 2 if there were any); `report` renders the audit as HTML, PDF, Excel or `audit/1` JSON;
`stats` counts people for the annual returns. Errors are a Chinese line with a stable code on
stderr and exit 2, never a traceback.
"""
from __future__ import annotations

import json
import re
from enum import Enum
from pathlib import Path

import typer

from api.cli_common import parse_as_of
from api.output import console, print_error, print_json
from workflow.errors import FazhanError, InputError

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv")
AsOfOpt = typer.Option(None, "--as-of", help="检查日（YYYY-MM-DD），默认今天")
PathsArg = typer.Argument(..., help="档案 JSON 文件、目录（其下所有 *.json）、纪实表 .xlsx/.csv 或 -（标准输入）")


class ReportFormat(str, Enum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"
    json = "json"


def fail(error: FazhanError) -> typer.Exit:
    print_error(error)
    return typer.Exit(2)


def _safe_name(dossier_id: str) -> str:
    return re.sub(r"[^\w.\-]", "_", dossier_id) + ".json"


def template(path: Path = typer.Argument(Path("records.xlsx"), help="要生成的模板文件")) -> None:
    """生成纪实表 Excel 模板（含下拉选项、数字校验和填表说明）。"""
    import io

    from documents.atomic import write_atomic
    from workflow.spreadsheet.template import new_workbook

    book, _ = new_workbook()
    buffer = io.BytesIO()
    book.save(buffer)
    try:
        write_atomic(path, buffer.getvalue())
    except FazhanError as exc:
        raise fail(exc) from None
    typer.echo(f"已生成模板 {path}")


def _print_row_errors(result) -> None:
    for error in result.errors:
        print_error(InputError(f"{error.sheet} 第 {error.row} 行" + (f"“{error.column}”列" if error.column else "")
                               + f"：{error.message}" + (f"（填写的是：{error.value}）" if error.value else ""),
                               code=error.code, file=Path(result.source).name))


def convert(path: Path = typer.Argument(..., help="纪实表 .xlsx 或 .csv"),
            out: Path = typer.Option(..., "--out", help="输出目录：每份档案一个 dossier/1 JSON 文件")) -> None:
    """把纪实表转换为 dossier/1 档案；有错误的行不转换并逐条列出。"""
    from documents.atomic import ensure_output_dir, write_atomic
    from workflow.spreadsheet import read_records

    try:
        result = read_records(path)
        ensure_output_dir(out)
        for dossier in result.dossiers:
            text = json.dumps(dossier, ensure_ascii=False, indent=2) + "\n"
            write_atomic(out / _safe_name(dossier["id"]), text.encode("utf-8"))
    except FazhanError as exc:
        raise fail(exc) from None
    _print_row_errors(result)
    bad_rows = len({(e.sheet, e.row) for e in result.errors})
    typer.echo(f"已转换 {len(result.dossiers)} 份档案到 {out}；{bad_rows} 行有错误未转换。")
    raise typer.Exit(2 if result.errors else 0)


def _read_inputs(paths: list[str]) -> tuple[list, int]:
    """Dossiers from JSON files, directories, stdin, and spreadsheets; unreadable inputs are reported."""
    from workflow.dossier import parse_dossier
    from workflow.inputs import read_dossiers
    from workflow.spreadsheet import read_records

    dossiers, unreadable = [], 0
    plain = []
    for raw in paths:
        if raw != "-" and Path(raw).suffix.lower() in SPREADSHEET_SUFFIXES:
            try:
                result = read_records(raw)
            except FazhanError as exc:
                print_error(exc)
                unreadable += 1
                continue
            _print_row_errors(result)
            unreadable += bool(result.errors)
            dossiers += [parse_dossier(d, source=raw) for d in result.dossiers]
        else:
            plain.append(raw)
    for item in read_dossiers(plain) if plain else ():
        if isinstance(item, FazhanError):
            print_error(item)
            unreadable += 1
        else:
            dossiers.append(item)
    return dossiers, unreadable


def report(paths: list[str] = PathsArg, as_of: str = AsOfOpt,
           format: ReportFormat = typer.Option(ReportFormat.html, "--format", help="html、pdf、xlsx 或 json"),
           out: Path = typer.Option(None, "--out", help="输出文件；json 可省略（输出到标准输出）")) -> None:
    """审计报告：汇总、按代码和党组织的图表、问题清单、逐份档案和近期期限。"""
    from documents.atomic import write_atomic
    from documents.reports import build_report

    try:
        day = parse_as_of(as_of)
        if out is None and format is not ReportFormat.json:
            raise InputError(f"--format {format.value} 需要 --out 指定输出文件", code="OUTPUT_REQUIRED", field="--out")
        dossiers, unreadable = _read_inputs(paths)
        built = build_report(dossiers, day)
        if format is ReportFormat.json:
            if out is None:
                print_json(built.document)
            else:
                write_atomic(out, (json.dumps(built.document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        elif format is ReportFormat.html:
            from documents.reports.html import render_html
            write_atomic(out, render_html(built).encode("utf-8"))
        elif format is ReportFormat.pdf:
            from documents.reports.pdf import render_pdf
            write_atomic(out, render_pdf(built))
        else:
            from documents.reports.xlsx import render_xlsx
            write_atomic(out, render_xlsx(built))
    except FazhanError as exc:
        raise fail(exc) from None
    if out is not None:
        typer.echo(f"已生成 {out}（{built.summary['dossiers']} 份档案，{built.summary['with_violations']} 份有违规）")
    raise typer.Exit(2 if unreadable else 0)


def stats(paths: list[str] = PathsArg, as_of: str = AsOfOpt,
          out: Path = typer.Option(None, "--out", help="导出 Excel 文件（可选）")) -> None:
    """年报统计：截至某日按阶段、性别、民族、学历、年龄段和党组织的人数，及当年发展党员与转正人数。"""
    from documents.atomic import write_atomic
    from documents.reports.stats_xlsx import development_rows, render_statistics_xlsx, statistics_rows
    from workflow.cultivation.returns import counts_until, return_until
    from workflow.statistics import DIMENSIONS, annual_statistics

    try:
        day = parse_as_of(as_of)
        dossiers, unreadable = _read_inputs(paths)
        result = annual_statistics(dossiers, day)
        development = counts_until(dossiers, day)
        annual = return_until(dossiers, day)  # the bulletin's dimensions (sheet 年报结构)
        if out is not None:
            write_atomic(out, render_statistics_xlsx(result, development, annual))
    except FazhanError as exc:
        raise fail(exc) from None
    from rich.table import Table

    screen = console()
    for dimension, title in DIMENSIONS.items():
        rows = statistics_rows(result, dimension)
        table = Table(title=f"按{title}（截至 {day.isoformat()}）")
        for i, head in enumerate(rows[0]):
            table.add_column(str(head), justify="left" if i == 0 else "right")
        for row in rows[1:]:
            table.add_row(*(str(v) for v in row))
        screen.print(table)
    table = Table(title=f"{day.year} 年发展党员与转正（按审批日期，截至 {day.isoformat()}）")
    head, *rows = development_rows(development)
    table.add_column(head[0])
    table.add_column(head[1], justify="right")
    for row in rows:
        table.add_row(*(str(v) for v in row))
    screen.print(table)
    head, *rows = annual.table()
    shown = [i for i, h in enumerate(head) if i < 7]  # the structure; occupations are in the workbook's 年报结构
    table = Table(title=f"{day.year} 年发展党员工作统计（按审批日期；职业构成见导出的 Excel）")
    for i in shown:
        table.add_column(str(head[i]), justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(str(row[i]) for i in shown))
    screen.print(table)
    if out is not None:
        typer.echo(f"已导出 {out}")
    raise typer.Exit(2 if unreadable else 0)


def register(app: typer.Typer) -> None:
    """Adds `template`, `convert`, `report` and `stats` to the main `fazhan` app."""
    app.command("template")(template)
    app.command("convert")(convert)
    app.command("report")(report)
    app.command("stats")(stats)
