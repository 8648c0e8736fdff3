"""The `fazhan` commands as a typer app: audit and plan dossiers, list the rules, draw the machine, and
the command modules' groups (api/cli_*.py). `api.cli.main` runs it; a plain file audit runs without
it (api/cli_audit.py).
"""
from __future__ import annotations

import os

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")  # as api/cli.py: for those who import this module first

import typer  # noqa: E402 (after the line above, on purpose)

from api import cli_cultivation, cli_documents, cli_inbox, cli_roster, cli_store, cli_workbench
from api.cli_audit import Format, run_audit
from api.cli_common import parse_as_of
from api.output import plan_table, print_error, print_json
from workflow.errors import FazhanError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="发展党员全程纪实：审计、计划、表单与档案。")


def fail(error: FazhanError, code: int = 2) -> typer.Exit:
    print_error(error)
    return typer.Exit(code)


PathsArg = typer.Argument(..., help="档案 JSON 文件、目录（其下所有 *.json）或 -（标准输入）")
AsOfOpt = typer.Option(None, "--as-of", help="检查日（YYYY-MM-DD），默认今天")
FormatOpt = typer.Option(Format.table, "--format", help="json 或 table")


@app.command()
def audit(paths: list[str] = typer.Argument(None, help="档案 JSON 文件、目录（其下所有 *.json）或 -（标准输入）"),
          as_of: str = AsOfOpt, format: Format = FormatOpt,
          organisation: int = typer.Option(None, "--organisation", help="审计数据库中该组织及其下级的全部档案"),
          all_stored: bool = typer.Option(False, "--all", help="审计数据库中的全部档案"),
          workers: int = typer.Option(None, "--workers", help="工作进程数（默认：大批量时用全部 CPU）")) -> None:
    """审计档案：按各步骤日期适用的规则集逐条检查；可审计文件，也可审计数据库中的一个组织。"""
    raise typer.Exit(run_audit(paths, as_of, format, organisation, all_stored, workers))


@app.command()
def plan(paths: list[str] = PathsArg, as_of: str = AsOfOpt, format: Format = FormatOpt) -> None:
    """下一步：每份档案可以办理的步骤、最早日期、期限和尚未满足的条件。"""
    from workflow.inputs import read_dossiers
    from workflow.plan import plan_document, plan_dossier

    try:
        day = parse_as_of(as_of)
    except FazhanError as exc:
        raise fail(exc) from None
    plans, dossiers, unreadable = [], [], 0
    for item in read_dossiers(paths):
        if isinstance(item, FazhanError):
            print_error(item)
            unreadable += 1
            continue
        plans.append(plan_dossier(item, day))
        dossiers.append(item if item.person.expected_leave_date else None)
    document = plan_document(plans, day, dossiers)  # `leaving` for those with an expected leaving date
    if format is Format.json:
        print_json(document)
    else:
        plan_table(document)
    raise typer.Exit(2 if unreadable else 0)


@app.command()
def rules(rule_set: str = typer.Option(None, "--rule-set", help="只列出该规则集"),
          overlay: str = typer.Option(None, "--overlay", help="叠加的地方细则名称或 TOML 文件"),
          format: Format = FormatOpt) -> None:
    """列出规则集、规则代码、级别和条款。"""
    from api.rules_listing import rules_document, rules_table

    try:
        document = rules_document(rule_set, overlay)
    except FazhanError as exc:
        raise fail(exc) from None
    if format is Format.json:
        print_json(document)
    else:
        rules_table(document)


@app.command()
def diagram(rule_set: str = typer.Option(None, "--rule-set", help="规则集（默认最新）；各规则集的步骤顺序可能不同")) -> None:
    """以 Mermaid 状态图输出状态机。"""
    from workflow import bootstrap

    national = bootstrap.catalogue().national
    if rule_set is not None and rule_set not in national:
        raise fail(FazhanError(f"未知的规则集“{rule_set}”，可用：{'、'.join(national)}",
                               code="RULESET_UNKNOWN", field="rule_set"))
    typer.echo(bootstrap.machine(rule_set).mermaid(), nl=False)


@app.command()
def demo(as_of: str = AsOfOpt) -> None:
    """演示：用引擎办理几份处于不同阶段的档案，然后审计并给出下一步。"""
    from api.demo import run_demo

    try:
        run_demo(parse_as_of(as_of))
    except FazhanError as exc:
        raise fail(exc) from None


for _module in (cli_store, cli_documents, cli_workbench, cli_cultivation, cli_inbox, cli_roster):
    _module.register(app)
