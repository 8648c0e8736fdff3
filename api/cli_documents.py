"""`fazhan forms` and `fazhan bundle`: print a stage's forms, pack and verify archive bundles.

`fazhan bundle DOSSIER... --out DIR` builds (the same as `fazhan bundle build ...`);
`fazhan bundle verify FILE.zip` checks one. Exit codes: 0 done / bundle intact, 1 a bundle failed
verification, 2 an input or the output directory could not be used (Chinese message and stable
code on stderr, no traceback, nothing partial written).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from typer.core import TyperGroup

from workflow.errors import FazhanError


def _fail(error: FazhanError, code: int = 2) -> typer.Exit:
    from api.output import print_error
    print_error(error)
    for detail in error.details[:20]:
        message = detail.get("message") or detail.get("reason") if isinstance(detail, dict) else str(detail)
        if message:
            typer.echo(f"  - {message}", err=True)
    return typer.Exit(code)


def forms(dossier: Path = typer.Argument(..., help="档案 JSON 文件（dossier/1）"),
          out: Path = typer.Option(..., "--out", help="输出目录"),
          stage: int | None = typer.Option(None, "--stage", min=0, max=5,
                                           help="阶段 1–5；0 为全程纪实表和卷内目录；不填则输出全部表格"),
          form: list[str] = typer.Option([], "--form", help="只输出指定表格（可重复），如 full_record"),
          workers: int = typer.Option(0, "--workers", min=0, help="工作进程数，默认为 CPU 核数；1 为单进程")) -> None:
    """输出档案某一阶段的表格（PDF/A-3b）。档案尚未记录的内容留空白横线，供手工填写。"""
    from documents.atomic import ensure_output_dir, write_all_or_nothing
    from documents.batch import default_workers, make_executor
    from documents.forms import applicable_forms, get_form, render_forms
    from documents.inforce import current_rule_set
    from workflow.dossier import load_dossier_file

    try:
        record = load_dossier_file(str(dossier))
        target = ensure_output_dir(out)
        rs = current_rule_set(record)
        ids = [get_form(rs, f).id for f in form] if form else [f.id for f in applicable_forms(record, stage, rs)]
        count = workers or default_workers()
        if count > 1 and len(ids) > 2:
            with make_executor(min(count, len(ids))) as pool:
                rendered = render_forms(record, ids, executor=pool)
        else:
            rendered = render_forms(record, ids)
        written = write_all_or_nothing({target / r.filename: r.pdf for r in rendered})
    except FazhanError as exc:
        raise _fail(exc)
    for path, r in zip(written, rendered):
        typer.echo(f"{path}\t{r.name}\t{r.pages} 页")


class _BundleGroup(TyperGroup):
    """`fazhan bundle A.json B.json --out DIR` means `fazhan bundle build ...`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["build", *args]
        return super().parse_args(ctx, args)


bundle_app = typer.Typer(cls=_BundleGroup, no_args_is_help=True, add_completion=False,
                         help="档案包：按归档顺序打包（BagIt + zip，含卷内目录和 SHA-256 清单）并校验。")


@bundle_app.command("build")
def build(dossiers: list[Path] = typer.Argument(..., help="一个或多个档案 JSON 文件"),
          out: Path = typer.Option(..., "--out", help="输出目录；每份档案生成 <档案编号>.zip"),
          final: bool = typer.Option(False, "--final", help="正式归档（s25）：缺少必备材料时拒绝并列出"),
          workers: int = typer.Option(0, "--workers", min=0, help="工作进程数，默认为 CPU 核数"),
          today: str | None = typer.Option(None, "--date", help="表格落款的生成日期（YYYY-MM-DD），默认今天")) -> None:
    """生成档案包。文件先写入临时文件，完成后才改名，中断不会留下残缺的档案包。"""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from documents.batch import bundle_sources, load_sources
    from documents.errors import DocumentError

    try:
        day = dt.date.fromisoformat(today) if today else None
    except ValueError:
        raise _fail(DocumentError(f"--date “{today}”不是 YYYY-MM-DD 格式的日期", code="DATE_INVALID",
                                  field="--date")) from None
    try:
        sources = load_sources(dossiers)
    except FazhanError as exc:
        raise _fail(exc)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    failures = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        task = progress.add_task("打包档案", total=len(sources))

        def done(source, result) -> None:
            nonlocal failures
            progress.advance(task)
            if isinstance(result, FazhanError):
                failures += 1
                progress.console.print(f"失败 {source.path}：{result}", style="red", markup=False)
                for detail in result.details[:20]:
                    if isinstance(detail, dict) and detail.get("message"):
                        progress.console.print(f"  - {detail['message']}", markup=False)
                return
            note = f"，缺少必备材料 {len(result.missing)} 项（见卷内目录）" if result.missing else ""
            progress.console.print(f"{result.path}：{result.documents} 份文件，{result.pages} 页{note}",
                                   markup=False)

        try:
            bundle_sources(sources, out, workers=workers or None, final=final, today=day, on_done=done)
        except FazhanError as exc:
            progress.stop()
            raise _fail(exc)
    raise typer.Exit(2 if failures else 0)


@bundle_app.command("verify")
def verify(bundle: Path = typer.Argument(..., help="档案包 zip 文件")) -> None:
    """校验档案包：逐一核对 SHA-256，列出缺失、被改动或多出的文件。"""
    from documents.bundle import verify_bundle

    try:
        report = verify_bundle(bundle)
    except FazhanError as exc:
        raise _fail(exc)
    if report.ok:
        typer.echo(f"校验通过：{bundle}（档案 {report.dossier_id}，{report.files} 个文件）")
        raise typer.Exit(0)
    typer.echo(f"校验未通过：{bundle}（{len(report.problems)} 处问题）", err=True)
    for problem in report.problems:
        typer.echo(f"[{problem.code}] {problem.file}：{problem.message}", err=True)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Adds `forms` and the `bundle` group to the main `fazhan` app."""
    app.command("forms")(forms)
    app.add_typer(bundle_app, name="bundle")
