"""Printing audit and plan results for people (rich tables) and programs (JSON).

Every command module imports this one, so it imports rich and the step vocabulary only inside the
functions that draw: `fazhan --help` and a JSON audit never pay for them (issue 13)."""
from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

_SEVERITY_STYLE = {"violation": "bold red", "warning": "yellow", "info": "cyan"}


def _severity_label() -> dict[str, str]:
    """The report's word for each severity (checklists/data/step_fields.toml)."""
    from checklists.step_fields import step_schema

    return step_schema().words("severity_report")


def console() -> Console:
    """A terminal's own width; piped output gets a wide table instead of rich's 80 columns."""
    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def print_json(document: dict) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def print_error(error) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"[bold red]错误[/] {error}", soft_wrap=True)


TABLE_ROW_LIMIT = 300
"""More rows than a person reads on a terminal (and drawing them costs more than the audit itself):
past this, a table command prints a summary and points at the JSON and HTML outputs."""


def _too_many(rows: int, what: str, command: str) -> bool:
    if rows <= TABLE_ROW_LIMIT:
        return False
    console().print(f"{what}共 {rows} 行，超过 {TABLE_ROW_LIMIT} 行，不再逐行列出。完整结果请用 "
                    f"`fazhan {command} … --format json`，或 `fazhan report … --format html --out 报告.html`。")
    return True


def audit_summary(document: dict) -> None:
    """Counts by code and severity: what a large audit says at a glance."""
    from rich.table import Table

    labels = _severity_label()
    out = console()
    counts: dict[tuple[str, str], int] = {}
    for dossier in document["dossiers"]:
        for f in dossier["findings"]:
            counts[(f["severity"], f["code"])] = counts.get((f["severity"], f["code"]), 0) + 1
    table = Table(title=f"审计汇总（检查日 {document['as_of']}）")
    for column in ("级别", "代码", "条数"):
        table.add_column(column, no_wrap=True)
    order = {"violation": 0, "warning": 1, "info": 2}
    for (severity, code), n in sorted(counts.items(), key=lambda kv: (order[kv[0][0]], -kv[1], kv[0][1])):
        table.add_row(f"[{_SEVERITY_STYLE[severity]}]{labels[severity]}[/]", code, str(n))
    out.print(table)
    summary = document["summary"]
    out.print(f"共 {summary['dossiers']} 份档案，{summary['with_violations']} 份有违规。")


def audit_table(document: dict) -> None:
    rows = sum(max(1, len(d["findings"])) for d in document["dossiers"])
    if _too_many(rows, "审计结果", "audit"):
        audit_summary(document)
        return
    from rich.table import Table

    labels = _severity_label()
    out = console()
    table = Table(title=f"审计结果（检查日 {document['as_of']}）", show_lines=False)
    for column in ("档案", "状态", "级别", "代码", "步骤", "规则集", "条款"):
        table.add_column(column, no_wrap=True)
    table.add_column("说明", overflow="fold")
    for dossier in document["dossiers"]:
        if not dossier["findings"]:
            table.add_row(dossier["id"], dossier["state"], "[green]合规[/]", "", "", "", "", "")
        for f in dossier["findings"]:
            style = _SEVERITY_STYLE[f["severity"]]
            table.add_row(dossier["id"], dossier["state"], f"[{style}]{labels[f['severity']]}[/]", f["code"],
                          f["step"] or "", f["rule_set"], f["article"],
                          f["message"] + ("（暂定）" if f["provisional"] else ""))
    out.print(table)
    summary = document["summary"]
    out.print(f"共 {summary['dossiers']} 份档案，{summary['with_violations']} 份有违规。")


def plan_table(document: dict) -> None:
    rows = sum(max(1, len(d["next"])) for d in document["dossiers"])
    if _too_many(rows, "下一步", "plan"):
        overdue = sum(1 for d in document["dossiers"] if d["overdue"])
        console().print(f"共 {len(document['dossiers'])} 份档案，{overdue} 份有已超期的步骤。")
        return
    from rich.table import Table

    out = console()
    table = Table(title=f"下一步（检查日 {document['as_of']}）")
    for column in ("档案", "状态", "步骤", "最早", "期限", "受阻于"):
        table.add_column(column, no_wrap=column != "受阻于", overflow="fold")
    for dossier in document["dossiers"]:
        if not dossier["next"]:
            table.add_row(dossier["id"], dossier["state"], "—", "", "", "")
        for n in dossier["next"]:
            overdue = any(o["step"] == n["step"] for o in dossier["overdue"])
            deadline = n["deadline"] or ""
            table.add_row(dossier["id"], dossier["state"], n["step"], n["earliest"] + ("（暂定）" if n["provisional"] else ""),
                          f"[bold red]{deadline} 已超期[/]" if overdue else deadline,
                          "、".join(n["blocked_by"]))
    out.print(table)
    for dossier in document["dossiers"]:  # the leaving-date forecast (issue 12), only where it warns
        leaving = dossier.get("leaving")
        if leaving and leaving["flags"]:
            out.print(f"{dossier['id']}：预计 {leaving['leave_date']} 离校，最早 {leaving['earliest_admission'] or '—'} 可接收"
                      f"（{'、'.join(leaving['flags'])}）")
