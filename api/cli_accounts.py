"""Commands for the operator: deactivate or reactivate a user, and keep the working-day calendar.

The command line acts as the system operator: it may deactivate anyone and enter the calendar,
which in the API only a system administrator may. Each write names who did it (`--by`).
"""
from __future__ import annotations

import typer

from api.cli_common import UnitOfWork, fail, open_store, select  # the store is imported when a command runs
from workflow.errors import FazhanError


def register(app: typer.Typer, user_app: typer.Typer) -> None:
    """Adds `user deactivate|activate` (under cli_store's `user` group) and `calendar list|set`."""
    calendar_app = typer.Typer(help="法定节假日与调休安排（全国统一数据）", no_args_is_help=True)
    app.add_typer(calendar_app, name="calendar")

    def _set_active(login: str, active: bool) -> None:
        from workflow.store import accounts
        from workflow.store.errors import NotFound
        from workflow.store.tables import User

        try:
            with UnitOfWork(open_store()) as uow:
                user = uow.session.exec(select(User).where(User.login == login)).first()
                if user is None:
                    raise NotFound(f"没有用户名为“{login}”的用户", code="USER_NOT_FOUND", field="login")
                accounts.set_active(uow.session, None, user.id, active)
                uow.commit()
        except FazhanError as exc:
            raise fail(exc) from None

    @user_app.command("deactivate")
    def user_deactivate(login: str = typer.Argument(..., help="登录名")) -> None:
        """停用用户：立即不能登录，已登录的会话、API 令牌和日历订阅地址全部失效。"""
        _set_active(login, False)
        typer.echo(f"已停用用户 {login}，其全部会话和日历订阅地址已失效")

    @user_app.command("activate")
    def user_activate(login: str = typer.Argument(..., help="登录名")) -> None:
        """重新启用用户（停用前的会话和日历订阅地址仍然无效）。"""
        _set_active(login, True)
        typer.echo(f"已启用用户 {login}")

    @calendar_app.command("list")
    def calendar_list() -> None:
        """列出已录入的年份，以及每次录入或更正的记录（谁、何时、依据哪份通知）。"""
        from workflow.store import calendar_admin

        with UnitOfWork(open_store()) as uow:
            years, changes = calendar_admin.list_calendar(uow), calendar_admin.list_changes(uow)
        for year in years:
            replaced = "（覆盖 chinesecalendar 已收录的安排）" if year["overrides_package"] else ""
            typer.echo(f"{year['year']} 年：{year['notice']}{replaced}，放假 {len(year['holidays'])} 天，"
                       f"调休上班 {len(year['workdays'])} 天；{year['entered_by']} 录入于 {year['entered_at']}")
        for change in changes:
            typer.echo(f"  第 {change['version']} 次改动：{change['year']} 年，{change['notice']}，"
                       f"{change['entered_by']}，{change['entered_at']}")
        if not years:
            typer.echo("尚未录入任何年份（chinesecalendar 收录的年份直接使用）")

    @calendar_app.command("set")
    def calendar_set(year: int = typer.Argument(..., help="年份"),
                     notice: str = typer.Option(..., "--notice", help="国务院办公厅通知的名称和文号"),
                     holiday: list[str] = typer.Option([], "--holiday", help="放假的工作日 YYYY-MM-DD，可重复"),
                     workday: list[str] = typer.Option([], "--workday", help="调休上班的周末 YYYY-MM-DD，可重复"),
                     override: bool = typer.Option(False, "--override",
                                                   help="覆盖 chinesecalendar 已收录的年份（须在 --notice 中写明文号）"),
                     by: str = typer.Option(..., "--by", help="录入人姓名（记入改动记录）")) -> None:
        """录入一年的节假日安排；已由 chinesecalendar 收录的年份只能用 --override 并注明文号更正。"""
        from workflow.store import calendar_admin

        entry = {"year": year, "notice": notice, "holidays": holiday, "workdays": workday}
        try:
            with UnitOfWork(open_store()) as uow:
                row = calendar_admin.set_calendar_year(uow, None, entry, override=override, operator=by)
        except FazhanError as exc:
            raise fail(exc) from None
        typer.echo(f"已录入 {row['year']} 年节假日安排（{row['notice']}），各服务进程在下一个请求时生效")
