"""Commands on the store: serve the API, import/export `dossier/1`, add users and organisations,
verify the event chains, seed the demonstration installation.

Every command brings the database (FAZHAN_DATABASE_URL, default SQLite `var/fazhan.db`) to the newest
migration first. Errors are one Chinese line with a stable code on stderr and exit status 2.
"""
from __future__ import annotations

import json
from pathlib import Path

import typer
from sqlalchemy.engine import Engine
from sqlmodel import select

from workflow.errors import FazhanError, InputError
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork
from workflow.store.settings import Settings


def _fail(error: FazhanError) -> typer.Exit:
    typer.echo(f"错误 [{error.code}] {error.where() + '：' if error.where() else ''}{error.message}", err=True)
    return typer.Exit(2)


def _open() -> Engine:
    from workflow.store.db import make_engine, migrate

    url = Settings().database_url
    try:
        migrate(url)
    except Exception as exc:  # an unreachable or unusable database is a user's problem, not a traceback
        raise _fail(FazhanError(f"无法打开数据库：{type(exc).__name__}", code="DATABASE_UNAVAILABLE")) from None
    return make_engine(url)


def _system_actor(engine: Engine, name: str) -> Actor:
    """The command line acts as an administrator of every top organisation, under the name given."""
    from workflow.store.tables import Organisation

    with UnitOfWork(engine) as uow:
        roots = uow.session.exec(select(Organisation.id).where(Organisation.parent_id.is_(None))).all()
    return Actor(user_id=None, login="cli", name=name, grants=tuple((r, "admin") for r in roots))


def register(app: typer.Typer) -> None:
    user_app = typer.Typer(help="用户管理", no_args_is_help=True)
    org_app = typer.Typer(help="组织管理", no_args_is_help=True)
    app.add_typer(user_app, name="user")
    app.add_typer(org_app, name="org")

    @app.command()
    def serve(host: str = typer.Option("127.0.0.1", help="监听地址"), port: int = typer.Option(8000, help="端口"),
              workers: int = typer.Option(1, help="进程数")) -> None:
        """启动 HTTP 服务（FastAPI + uvicorn）。"""
        from api.server import serve as run_server

        _open().dispose()
        run_server(host, port, workers)

    @app.command("import")
    def import_(paths: list[str] = typer.Argument(..., help="dossier/1 JSON 文件、纪实表 .xlsx/.csv，或 -（标准输入）"),
                organisation: int = typer.Option(..., "--organisation", help="档案所属组织的编号"),
                by: str = typer.Option("命令行导入", "--by", help="记入历史的操作人")) -> None:
        """导入档案：每份档案一个事务；有错误的行或文件不导入，其余照常导入；重复导入更新原档案而不重复建档。"""
        from workflow.store.imports import import_path

        engine = _open()
        actor = _system_actor(engine, by)
        failed = 0
        for path in paths:
            with UnitOfWork(engine) as uow:
                report = import_path(uow, actor, organisation, path)
            for line in report.done:
                typer.echo(line)
            for error in report.errors:
                _fail(error)
            failed += bool(report.errors)
        if failed:
            raise typer.Exit(2)

    @app.command()
    def export(dossier_id: str = typer.Argument(..., help="档案编号"),
               output: Path = typer.Option(None, "--output", "-o", help="写入文件（默认标准输出）")) -> None:
        """导出一份档案为 dossier/1 JSON（无损）。"""
        from workflow.store import services

        engine = _open()
        try:
            with UnitOfWork(engine) as uow:
                document = services.export_dossier(uow, _system_actor(engine, "命令行导出"), dossier_id)
        except FazhanError as exc:
            raise _fail(exc) from None
        text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")

    @app.command()
    def verify() -> None:
        """校验每份档案的事件哈希链；发现被直接改动的数据时逐条列出并以状态 1 退出。"""
        from workflow.store.verify import verify_all

        engine = _open()
        with UnitOfWork(engine) as uow:
            count, problems = verify_all(uow.session)
        for p in problems:
            where = f"事件 {p.seq}" if p.seq is not None else "档案"
            typer.echo(f"档案 {p.dossier_id} {where}：[{p.code}] {p.message}")
        typer.echo(f"共检查 {count} 份档案，发现 {len(problems)} 处问题")
        if problems:
            raise typer.Exit(1)

    @app.command("demo-seed")
    def demo_seed() -> None:
        """建立示范组织、用户、党员和几份处于不同阶段的档案（可重复执行）。"""
        from workflow.store.demo import seed

        engine = _open()
        try:
            report = seed(engine)
        except FazhanError as exc:
            raise _fail(exc) from None
        for line in report.created:
            typer.echo(f"已建立 {line}")
        if not report.created:
            typer.echo("示范数据已存在，未做改动")
        typer.echo("示范账号（仅供演示）：")
        for login, name, password in report.users:
            typer.echo(f"  {login:8} {name:6} 密码 {password}")

    @user_app.command("add")
    def user_add(login: str = typer.Argument(..., help="登录名"),
                 name: str = typer.Option(..., "--name", help="姓名（记录和审核时显示）"),
                 role: list[str] = typer.Option(..., "--role", help="组织编号:角色，如 3:organiser，可重复"),
                 password: str = typer.Option(..., "--password", prompt=True, hide_input=True,
                                              confirmation_prompt=True, envvar="FAZHAN_NEW_PASSWORD")) -> None:
        """新建用户并授予角色。"""
        from workflow.store import admin

        grants = []
        try:
            for item in role:
                org, _, what = item.partition(":")
                if not org.isdigit() or not what:
                    raise InputError(f"--role “{item}” 应为 组织编号:角色", code="VALUE_INVALID", field="--role")
                grants.append((int(org), what))
            with UnitOfWork(_open()) as uow:
                user = admin.create_user(uow, None, login=login, display_name=name, password=password, grants=grants)
        except FazhanError as exc:
            raise _fail(exc) from None
        typer.echo(f"已建立用户 {user['login']}（{user['display_name']}），编号 {user['id']}")

    @org_app.command("add")
    def org_add(name: str = typer.Argument(..., help="组织名称"),
                level: str = typer.Option(..., "--level", help="committee、general_branch 或 branch"),
                parent: int = typer.Option(None, "--parent", help="上级组织编号"),
                rule_set: str = typer.Option(None, "--rule-set", help="固定使用的规则集"),
                overlay: str = typer.Option(None, "--overlay", help="地方细则名称")) -> None:
        """新建组织（最上层的基层党委只能在命令行建立）。"""
        from workflow.store import admin

        try:
            with UnitOfWork(_open()) as uow:
                org = admin.create_organisation(uow, None, name=name, level=level, parent_id=parent,
                                                rule_set=rule_set, overlay=overlay)
        except FazhanError as exc:
            raise _fail(exc) from None
        typer.echo(f"已建立组织 {org['name']}，编号 {org['id']}")
