"""`fazhan members import FILE --org ID` and `fazhan members template FILE`: the roster (党员名册) from a
spreadsheet, all rows or none (workflow/store/roster.py), every bad cell printed with its sheet, row,
column, stable code and Chinese reason. An ID number in the file is never printed.

Exit 0: imported; 1: nothing imported, the file's problems listed; 2: the command itself failed
(no such organisation, the database unavailable).
"""
from __future__ import annotations

import datetime as dt

import typer

from api.cli_common import run_as_operator


def register(app: typer.Typer) -> None:
    members_app = typer.Typer(help="党员名册", no_args_is_help=True)
    app.add_typer(members_app, name="members")

    @members_app.command("import")
    def members_import(path: str = typer.Argument(..., help="名册 .xlsx 或 .csv 文件"),
                       org: int = typer.Option(..., "--org", help="名册所属组织的编号"),
                       by: str = typer.Option("命令行导入", "--by", help="操作人")) -> None:
        """导入党员名册：同名党员更新，其余新增；任何一行有错则整份不导入，并列出每一处错误。"""
        from workflow.store.roster import import_roster

        report = run_as_operator(by, lambda uow, actor: import_roster(uow, actor, org, path, today=dt.date.today()))
        if report.errors:
            for e in report.errors:
                where = f"{e['sheet']} 第 {e['row']} 行" + (f"“{e['column']}”列" if e["column"] else "") if e["row"] \
                    else "文件"
                typer.echo(f"错误 [{e['code']}] {where}：{e['message']}", err=True)
            typer.echo(f"未导入：共 {len(report.errors)} 处问题，名册未作任何改动", err=True)
            raise typer.Exit(1)
        typer.echo(f"名册已导入：新增 {report.created} 人，更新 {report.updated} 人，无变化 {report.unchanged} 人")

    @members_app.command("template")
    def members_template(path: str = typer.Argument(..., help="要写出的 .xlsx 文件")) -> None:
        """写出空白的党员名册模板（表头与填表说明）。"""
        from workflow.spreadsheet.roster import write_roster_template

        write_roster_template(path)
        typer.echo(f"已写出党员名册模板：{path}")
