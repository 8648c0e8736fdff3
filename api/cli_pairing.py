"""`fazhan cultivation pairs suggest|assign|replace`: 结对 (细则第九条) on the store from the command line.

`suggest` shows the contacts the branch's pairing policy would give its activists (least-loaded full
members first, and who cannot be served, with the reason); `assign` stores pairs given as
DOSSIER:MEMBER_ID, or the suggestion itself with `--suggested`; `replace` closes a pairing on a day
with a reason and opens the new contact's, keeping the old one in the history. The command line acts
as an administrator of every top organisation, under the name given with `--by`. Errors are one
Chinese line with a stable code on stderr and exit status 2.
"""
from __future__ import annotations

import datetime as dt

import typer

from api.cli_common import run_as_operator
from api.output import console, print_json
from workflow.errors import InputError

pairs = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                    help="结对：为入党积极分子安排、更换培养联系人。")

OrgOpt = typer.Option(..., "--organisation", help="党组织编号")
ByOpt = typer.Option("命令行", "--by", help="记入结对记录的操作人")
JsonOpt = typer.Option(False, "--json", help="输出 JSON")


def _pair(text: str, i: int) -> dict:
    dossier, sep, member = text.rpartition(":")
    if not sep or not dossier or not member.isdigit():
        raise InputError(f"第 {i + 1} 项“{text}”应写作 档案编号:党员编号", code="VALUE_INVALID", field="pairs")
    return {"dossier_id": dossier, "member_id": int(member)}


def _show(rows: list[dict], title: str) -> None:
    from rich.table import Table

    table = Table(title=title)
    for column in ("结对", "档案", "培养联系人", "开始", "结束", "原因"):
        table.add_column(column)
    for p in rows:
        table.add_row(str(p["id"]), p["dossier_id"], p["member"], p["start"], p["end"] or "", p["end_reason"] or "")
    console().print(table)


@pairs.command()
def suggest(organisation: int = OrgOpt, as_json: bool = JsonOpt) -> None:
    """按本组织的结对规则，为尚缺培养联系人的入党积极分子给出建议（不保存）。"""
    from workflow.store.pairing import suggest_pairs

    result = run_as_operator("命令行", lambda uow, actor: suggest_pairs(uow, actor, organisation))
    if as_json:
        print_json(result)
        return
    from rich.table import Table

    table = Table(title=f"结对建议（{result['policy_words']}）")
    for column in ("档案", "姓名", "党员编号", "培养联系人"):
        table.add_column(column)
    for p in result["pairs"]:
        table.add_row(p["dossier_id"], p["name"], str(p["member_id"]), p["member"])
    out = console()
    out.print(table)
    for u in result["unserved"]:
        out.print(f"未安排：{u['name']}（{u['dossier_id']}）：{u['reason']}")


@pairs.command()
def assign(items: list[str] = typer.Argument(None, metavar="DOSSIER:MEMBER_ID...", help="档案编号:党员编号"),
           organisation: int = OrgOpt,
           start: str = typer.Option(..., "--start", help="结对开始日期 YYYY-MM-DD"),
           suggested: bool = typer.Option(False, "--suggested", help="按结对建议安排"),
           by: str = ByOpt, as_json: bool = JsonOpt) -> None:
    """安排培养联系人：全部符合结对规则才保存（全部或全不）。"""
    from workflow.store.pairing import assign_pairs, suggest_pairs

    def action(uow, actor):
        if suggested:
            chosen = [{"dossier_id": p["dossier_id"], "member_id": p["member_id"]}
                      for p in suggest_pairs(uow, actor, organisation)["pairs"]]
            if items:
                raise InputError("--suggested 与逐项列出的结对不能同时使用", code="VALUE_INVALID", field="pairs")
        else:
            chosen = [_pair(text, i) for i, text in enumerate(items or [])]
        return assign_pairs(uow, actor, organisation, chosen, start=start, today=dt.date.today())

    saved = run_as_operator(by, action)
    if as_json:
        print_json({"pairings": saved})
    else:
        _show(saved, f"已安排 {len(saved)} 对")


@pairs.command()
def replace(pairing_id: int = typer.Argument(..., help="要更换的结对编号"),
            member_id: int = typer.Argument(..., help="新的培养联系人（党员编号）"),
            date: str = typer.Option(..., "--date", help="更换日期 YYYY-MM-DD"),
            reason: str = typer.Option(..., "--reason", help="更换原因"),
            by: str = ByOpt, as_json: bool = JsonOpt) -> None:
    """更换培养联系人：原结对在更换日结束并保留，新结对从当日开始。"""
    from workflow.store.pairing import replace_pair

    changed = run_as_operator(by, lambda uow, actor: replace_pair(uow, actor, pairing_id, member_id, on=date,
                                                                  reason=reason, today=dt.date.today()))
    if as_json:
        print_json(changed)
    else:
        _show([changed["closed"], changed["opened"]], "已更换培养联系人")
