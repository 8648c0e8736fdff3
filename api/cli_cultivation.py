"""`fazhan cultivation rank|forecast|scheme`: cultivation quality on files (issue 12); `pairs` (结对 in
the store) is api/cli_pairing.py.

`rank` scores a sheet of entries (`scores/1`) under an assessment scheme, ranks the group, picks the
best within the quota and, with `--propose`, checks a branch's proposal (exit 1 with every reason
when it is refused); `forecast` gives each dossier's earliest admission and conversion against the
expected leaving date, grouped by year; `scheme` validates a scheme file and shows its weights.
Errors are one Chinese line with a stable code on stderr and exit 2.
"""
from __future__ import annotations

from enum import Enum

import typer

from api.cli_common import parse_as_of, run_as_operator
from api.cli_pairing import pairs
from api.output import console, print_error, print_json
from workflow.errors import FazhanError, InputError

cultivation = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                          help="培养质量：量化考核排名、推优名额、离校前能否发展的预测。")
cultivation.add_typer(pairs, name="pairs")


class Format(str, Enum):
    json = "json"
    table = "table"


def fail(error: FazhanError, code: int = 2) -> typer.Exit:
    print_error(error)
    return typer.Exit(code)


def _period(scheme, sheet, label: str | None):
    """The period asked for, else the sheet's, else the one period every entry falls in."""
    from workflow.cultivation.periods import period_named, period_of

    label = label or sheet.period
    if label:
        return period_named(scheme, label)
    found = {period_of(scheme, entry.date) for entry in sheet.entries}
    if len(found) == 1:
        return found.pop()
    names = "、".join(sorted(p.label for p in found)) or "无"
    raise InputError(f"记分记录跨越多个考核期（{names}），请用 --period 指定", code="PERIOD_REQUIRED",
                     field="--period")


def _ranking_table(scheme, document: dict) -> None:
    from rich.table import Table

    out = console()
    table = Table(title=f"{scheme.name} {document['period']} 排名（{document['quota']['basis']}，"
                        f"名额 {document['quota']['limit']} 人）")
    for column in ("名次", "编号", "姓名", "总分", "等次", *(d.name for d in scheme.dimensions), "可推荐", "说明"):
        table.add_column(column, overflow="fold")
    proposed = set(document["selection"]["proposed"])
    for row in document["ranking"]:
        note = "；".join([*(v["name"] for v in row["vetoes"]), *(p["message"] for p in row["problems"])])
        mark = "推荐" if row["person"] in proposed else ("是" if row["eligible"] else "")
        table.add_row(str(row["position"] or "—"), row["person"], row["name"] or "", row["total"] or "—",
                      row["grade"] or "—", *(row["dimensions"].get(d.id) or "—" for d in scheme.dimensions), mark, note)
    out.print(table)
    tied = document["selection"]["tied_at_boundary"]
    if tied:
        out.print(f"名额边界处并列：{'、'.join(tied)}，由支部决定（如表决）推荐其中哪一位。")


@cultivation.command()
def rank(sheet_path: str = typer.Argument(..., metavar="SCORES.json", help="记分表（scores/1）或记分记录列表"),
         scheme_ref: str = typer.Option(None, "--scheme", help="考核方案：seed000、seed004 或 .toml 文件"),
         period_label: str = typer.Option(None, "--period", help="考核期，如 2025-2026-1（按学期）或 2025-2026（按学年）"),
         group_size: int = typer.Option(None, "--group-size", help="名额比例所依据的人数（默认：记分表所写，或被考核人数）"),
         quota: int = typer.Option(None, "--quota", help="年度计划给本组织的名额（与方案的比例取小者）"),
         propose: str = typer.Option(None, "--propose", help="支部拟推荐的人员编号，用逗号分隔：检查是否在名额内、按排名"),
         format: Format = typer.Option(Format.table, "--format", help="json 或 table")) -> None:
    """按考核方案计分、排名，并在名额内择优推荐。"""
    from checklists.schemes import load_scheme
    from workflow.cultivation.document import ranking_document
    from workflow.cultivation.entries import load_sheet_file
    from workflow.cultivation.scoring import ProposalRefused, check_proposal, quota_for, score_group, select_top

    try:
        sheet = load_sheet_file(sheet_path)
        ref = scheme_ref or sheet.scheme
        if not ref:
            raise InputError("请用 --scheme 指定考核方案（或在记分表中写明 scheme）", code="SCHEME_REQUIRED",
                             field="--scheme")
        scheme = load_scheme(ref)
        period = _period(scheme, sheet, period_label)
        scores = score_group(scheme, sheet.entries, period)
        if not scores:
            raise InputError(f"考核期 {period.label} 内没有记分记录", code="SCORES_EMPTY", file=sheet_path)
        size = group_size or sheet.group_size or len(scores)
        limits = quota_for(scheme, size, quota)
        from workflow.cultivation.scoring import rank as rank_scores

        rows = rank_scores(scheme, scores)
        selection = select_top(rows, limits)
    except FazhanError as exc:
        raise fail(exc) from None
    proposal, refused = None, None
    if propose is not None:
        chosen = [p.strip() for p in propose.split(",") if p.strip()]
        try:
            check_proposal(scheme, rows, limits, chosen)
            proposal = {"proposed": chosen, "accepted": True}
        except ProposalRefused as exc:
            refused = exc
            proposal = {"proposed": chosen, "accepted": False, "code": exc.code, "reasons": exc.details}
    document = {**ranking_document(scheme, period, rows, limits, selection), "proposal": proposal}
    if format is Format.json:
        print_json(document)
    else:
        _ranking_table(scheme, document)
    if refused is not None:
        raise fail(refused, 1)


@cultivation.command()
def notice(sheet_path: str = typer.Argument(None, metavar="[SCORES.json]", help="记分表（scores/1）；与 --ranking 二选一"),
           out: str = typer.Option(..., "--out", help="输出的 PDF 文件"),
           ranking_id: int = typer.Option(None, "--ranking", help="数据库中已公布的排名编号（含据此所作的推荐）"),
           scheme_ref: str = typer.Option(None, "--scheme", help="考核方案：seed000、seed004 或 .toml 文件"),
           period_label: str = typer.Option(None, "--period", help="考核期"),
           group_size: int = typer.Option(None, "--group-size", help="名额比例所依据的人数"),
           quota: int = typer.Option(None, "--quota", help="年度计划给本组织的名额"),
           organisation: str = typer.Option(None, "--organisation", help="公示的党组织名称（记分表方式）"),
           on: str = typer.Option(None, "--date", help="公布日期 YYYY-MM-DD（记分表方式；默认留空待填）")) -> None:
    """量化考核结果公示（一学年一公开）：排名打印为 PDF/A-3b，内嵌排名文件并印出其 SHA-256。"""
    from documents.atomic import write_atomic
    from documents.notice import render_ranking_notice

    try:
        if (sheet_path is None) == (ranking_id is None):
            raise InputError("请给出记分表文件或 --ranking 排名编号（二者取一）", code="VALUE_INVALID", field="--ranking")
        if ranking_id is not None:
            from workflow.store.cultivation import ranking_notice

            known = run_as_operator("命令行", lambda uow, actor: ranking_notice(uow, actor, ranking_id))
        else:
            known = _sheet_ranking(sheet_path, scheme_ref, period_label, group_size, quota)
            known.update(organisation=organisation, published_on=_day(on) if on else None)
        rendered = render_ranking_notice(known.pop("scheme"), known.pop("document"), **known)
        write_atomic(out, rendered.pdf)
    except FazhanError as exc:
        raise fail(exc) from None
    console().print(f"已生成公示 {out}（{rendered.pages} 页，排名 SHA-256 {rendered.sha256}）")


def _day(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"日期“{text}”应写作 YYYY-MM-DD", code="DATE_INVALID", field="--date") from None


def _sheet_ranking(sheet_path: str, scheme_ref: str | None, period_label: str | None, group_size: int | None,
                   quota: int | None) -> dict:
    """The `ranking/1` document of a score sheet, as `rank` prints it, and its scheme."""
    from checklists.schemes import load_scheme
    from workflow.cultivation.document import ranking_document
    from workflow.cultivation.entries import load_sheet_file
    from workflow.cultivation.scoring import quota_for, rank as rank_scores, score_group, select_top

    sheet = load_sheet_file(sheet_path)
    ref = scheme_ref or sheet.scheme
    if not ref:
        raise InputError("请用 --scheme 指定考核方案（或在记分表中写明 scheme）", code="SCHEME_REQUIRED", field="--scheme")
    scheme = load_scheme(ref)
    period = _period(scheme, sheet, period_label)
    scores = score_group(scheme, sheet.entries, period)
    if not scores:
        raise InputError(f"考核期 {period.label} 内没有记分记录", code="SCORES_EMPTY", file=sheet_path)
    limits = quota_for(scheme, group_size or sheet.group_size or len(scores), quota)
    rows = rank_scores(scheme, scores)
    return {"scheme": scheme, "document": ranking_document(scheme, period, rows, limits, select_top(rows, limits))}


@cultivation.command()
def forecast(paths: list[str] = typer.Argument(..., help="档案 JSON 文件、目录（其下所有 *.json）或 -"),
             as_of: str = typer.Option(None, "--as-of", help="以哪一天的状态预测（YYYY-MM-DD），默认今天"),
             format: Format = typer.Option(Format.table, "--format", help="json 或 table")) -> None:
    """预测最早可接收为预备党员、最早可转正的日期，标出离校前无法发展或有突击发展风险的人（按届分组）。"""
    from workflow import bootstrap
    from workflow.cultivation.forecast import cohort_view
    from workflow.inputs import read_dossiers

    try:
        day = parse_as_of(as_of)
    except FazhanError as exc:
        raise fail(exc) from None
    dossiers, unreadable = [], 0
    for item in read_dossiers(paths):
        if isinstance(item, FazhanError):
            print_error(item)
            unreadable += 1
        else:
            dossiers.append(item)
    groups = cohort_view(dossiers, day)
    document = {"format": "forecast/1", "as_of": day.isoformat(), "cohorts": [g.to_dict() for g in groups]}
    if format is Format.json:
        print_json(document)
        raise typer.Exit(2 if unreadable else 0)
    from rich.table import Table

    from workflow.rules.kinds import rule_figure

    out = console()
    machine = bootstrap.machine()
    rs = machine.rule_set
    rule_names = {r.code: r.name for r in rs.rules}
    for group in groups:
        s = group.summary
        table = Table(title=f"{group.label}：{s['people']} 人，离校前无法接收 {s['cannot_admit_before_leaving']} 人，"
                            f"突击发展风险 {s['rushed_admission_risk']} 人")
        for column in ("档案", "姓名", "状态", "预计离校", "最早接收", "最迟不受限接收", "最早转正", "提示"):
            table.add_column(column, overflow="fold")
        for f in group.rows:
            notes = []
            if f.cannot_admit_before_leaving:
                notes.append("[bold red]离校前无法接收[/]")
            if f.rushed_admission_risk:
                notes.append(f"[yellow]{rule_figure(rs, 'RUSHED_ADMISSION', 'within')}内将离校（RUSHED_ADMISSION）[/]")
            if f.blocked_step:
                step = rs.step_by_id.get(f.blocked_step)
                why = f.blocked_reason or "、".join(rule_names.get(c, c) for c in f.blocked_by)
                notes.append(f"受阻于第 {step.number} 步 {step.name}：{why}" if step else f"受阻：{why}")
            if f.provisional:
                notes.append("含暂定工作日")
            table.add_row(f.id, f.name, machine.names.get(f.state, f.state), str(f.leave_date or "—"),
                          f"{f.admission or '—'}{'（已接收）' if f.admission_recorded else ''}", str(f.admit_by or "—"),
                          f"{f.conversion or '—'}{'（已转正）' if f.conversion_recorded else ''}", "；".join(notes))
        out.print(table)
    if unreadable:
        raise typer.Exit(2)


@cultivation.command()
def scheme(ref: str = typer.Argument(..., help="考核方案：seed000、seed004 或 .toml 文件"),
           format: Format = typer.Option(Format.table, "--format", help="json 或 table")) -> None:
    """检查并列出考核方案：维度、指标、权重、分值范围、否决项与等次。"""
    from checklists.schemes import load_scheme, shown
    from checklists.step_fields import step_schema

    try:
        loaded = load_scheme(ref)
    except FazhanError as exc:
        raise fail(exc) from None
    if format is Format.json:
        print_json(loaded.model_dump(mode="json"))
        return
    from rich.table import Table

    out = console()
    unit = step_schema().words("scoring_unit")  # checklists/data/step_fields.toml
    table = Table(title=f"{loaded.name}（{loaded.id}）：一{unit[loaded.period.unit]}一评，一{unit[loaded.period.publish]}一公开")
    for column in ("维度", "权重", "指标", "指标权重", "分值", "计分方式"):
        table.add_column(column, overflow="fold")
    for dim in loaded.dimensions:
        for ind in dim.indicators:
            weight = "额外加分" if ind.bonus else ("记录" if ind.weight is None else f"{ind.weight:g}")
            scale = f"{ind.scale.min:g}–{ind.scale.max:g}" if ind.scale else ""
            table.add_row(dim.name, f"{dim.weight:g}", ind.name, weight, scale, ind.transform.kind)
    out.print(table)
    out.print("等次：" + "、".join(f"{g.name} ≥{g.at_least:g}" for g in loaded.grades)
              + f"；可推荐：{'、'.join(loaded.proposal.grades)}，至多 {loaded.proposal.max_share:g}%")
    for veto in loaded.vetoes:
        out.print(f"否决：{veto.name}（{veto.indicator} {veto.op} {shown(veto.value)}）→ {veto.grade}")


def register(app: typer.Typer) -> None:
    """Adds the `cultivation` command group to the main `fazhan` app."""
    app.add_typer(cultivation, name="cultivation")
