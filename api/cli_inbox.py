"""`fazhan inbox digest [--dry-run]` and `fazhan inbox address LOGIN EMAIL|--off`: the inbox's e-mail digest.

The digest is off unless `FAZHAN_SMTP_HOST` is set (port, from and STARTTLS in `FAZHAN_SMTP_*`); a
cron job runs `fazhan inbox digest` once or more a day and each user gets at most one digest a day.
`--dry-run` prints what would be sent without sending. Output names logins and counts, never an
address or an ID number. Exit status: 0 done (or switched off), 1 some mail failed, 2 bad input.
"""
from __future__ import annotations

import typer

from api.cli_common import UnitOfWork, fail, open_store, parse_as_of, select
from workflow.errors import FazhanError, InputError

inbox_app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                        help="待办：按用户汇总退回、待审核和到期事项，并可通过邮件发送摘要。")

STATUS = {"sent": "已发送", "empty": "无待办，未发送", "already": "今天已发送过", "dry_run": "试运行（未发送）",
          "failed": "发送失败", "disabled": "邮件摘要未启用"}


@inbox_app.command()
def digest(dry_run: bool = typer.Option(False, "--dry-run", help="只显示将要发送的摘要，不发送"),
           force: bool = typer.Option(False, "--force", help="今天已发送过的用户也再发送一次"),
           as_of: str = typer.Option(None, "--as-of", help="以该日（YYYY-MM-DD）计算期限，默认今天"),
           show: bool = typer.Option(False, "--show", help="试运行时显示邮件正文")) -> None:
    """向登记了邮箱的用户发送待办摘要（未设置 FAZHAN_SMTP_HOST 时不发送）。"""
    from workflow import bootstrap
    from workflow.service_layer.inbox_mail import run_digest

    try:
        day = parse_as_of(as_of)
    except FazhanError as exc:
        raise fail(exc) from None
    outcomes = run_digest(open_store(), bootstrap.settings(), day, dry_run=dry_run, force=force)
    for outcome in outcomes:
        if outcome.status == "disabled":
            typer.echo("邮件摘要未启用：请设置 FAZHAN_SMTP_HOST（及 FAZHAN_SMTP_PORT、FAZHAN_SMTP_FROM、"
                       "FAZHAN_SMTP_STARTTLS）后再运行。")
            continue
        line = f"{outcome.login}\t{outcome.items} 项\t{STATUS[outcome.status]}"
        typer.echo(line + (f"（{outcome.error}）" if outcome.error else ""))
        if show and outcome.body:
            typer.echo(f"主题：{outcome.subject}\n{outcome.body}")
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


@inbox_app.command()
def address(login: str = typer.Argument(..., help="用户登录名"),
            email: str = typer.Argument(None, help="接收摘要的电子邮件地址"),
            off: bool = typer.Option(False, "--off", help="停止向该用户发送摘要")) -> None:
    """登记或停止某个用户接收待办摘要的邮箱（用户也可在“待办”页面自行设置）。"""
    from workflow.store.accounts import actor_for
    from workflow.service_layer.inbox_mail import set_address
    from workflow.store.tables import User

    engine = open_store()
    try:
        with UnitOfWork(engine) as uow:
            user = uow.session.exec(select(User).where(User.login == login)).first()
            if user is None:
                raise InputError(f"没有登录名为“{login[:64]}”的用户", code="USER_NOT_FOUND", field="login")
            if not off and not email:
                raise InputError("请给出电子邮件地址，或用 --off 停止发送", code="FIELD_REQUIRED", field="email")
            set_address(uow, actor_for(uow.session, user), None if off else email)
    except FazhanError as exc:
        raise fail(exc) from None
    typer.echo(f"{login}：{'已停止发送待办摘要' if off else '已登记待办摘要邮箱'}")


def register(app: typer.Typer) -> None:
    app.add_typer(inbox_app, name="inbox")
