"""Commands on the store: serve the API, import/export `dossier/1`, add users and organisations,
verify the event chains, seed the demonstration installation.

Every command brings the database (FAZHAN_DATABASE_URL, default SQLite `var/fazhan.db`) to the newest
migration first. Errors are one Chinese line with a stable code on stderr and exit status 2.
"""
from __future__ import annotations

import json
from pathlib import Path

import typer

from api.cli_common import UnitOfWork, fail, open_store, system_actor
from workflow.errors import FazhanError, InputError


def register(app: typer.Typer) -> None:
    user_app = typer.Typer(help="用户管理", no_args_is_help=True)
    org_app = typer.Typer(help="组织管理", no_args_is_help=True)
    app.add_typer(user_app, name="user")
    app.add_typer(org_app, name="org")
    from api import cli_accounts  # user deactivate|activate, calendar list|set

    cli_accounts.register(app, user_app)

    @app.command()
    def serve(host: str = typer.Option("127.0.0.1", help="监听地址"), port: int = typer.Option(8000, help="端口"),
              workers: int = typer.Option(1, help="进程数")) -> None:
        """启动 HTTP 服务（FastAPI + uvicorn）。"""
        from api.server import serve as run_server

        open_store().dispose()
        run_server(host, port, workers)

    @app.command("import")
    def import_(paths: list[str] = typer.Argument(..., help="dossier/1 JSON 文件、纪实表 .xlsx/.csv，或 -（标准输入）"),
                organisation: int = typer.Option(..., "--organisation", help="档案所属组织的编号"),
                by: str = typer.Option("命令行导入", "--by", help="记入历史的操作人")) -> None:
        """导入档案：每份档案一个事务；有错误的行或文件不导入，其余照常导入；重复导入更新原档案而不重复建档。"""
        from workflow.service_layer.imports import import_path

        engine = open_store()
        actor = system_actor(engine, by)
        failed = 0
        for path in paths:
            with UnitOfWork(engine) as uow:
                report = import_path(uow, actor, organisation, path)
            for line in report.done:
                typer.echo(line)
            for error in report.errors:
                fail(error)
            failed += bool(report.errors)
        if failed:
            raise typer.Exit(2)

    @app.command()
    def export(dossier_id: str = typer.Argument(..., help="档案编号"),
               output: Path = typer.Option(None, "--output", "-o", help="写入文件（默认标准输出）"),
               bundle: Path = typer.Option(None, "--bundle", help="改为在该目录生成档案包 <档案编号>.zip（含全部上传的材料）"),
               final: bool = typer.Option(False, "--final", help="与 --bundle 同用：正式归档，缺少必备材料时拒绝")) -> None:
        """导出一份档案为 dossier/1 JSON（无损）；或用 --bundle 生成与网页、API 相同的档案包。"""
        from workflow.service_layer import dossiers, materials

        engine = open_store()
        actor = system_actor(engine, "命令行导出")
        try:
            with UnitOfWork(engine) as uow:
                if bundle is not None:  # the same bundle as the API and the web page: uploads included
                    from documents.bundle import build_bundle

                    dossier = dossiers.load_dossier(uow, actor, dossier_id)
                    files = materials.material_files(uow, actor, dossier_id)
                    result = build_bundle(dossier, bundle, files=files, final=final)
                    typer.echo(f"{result.path}：{result.documents} 份文件，{result.pages} 页")
                    return
                document = dossiers.export_dossier(uow, actor, dossier_id)
        except FazhanError as exc:
            raise fail(exc) from None
        text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")

    @app.command()
    def verify() -> None:
        """校验每份档案的密钥签封事件链和档案账本；发现被直接改动、截断或删除的数据时逐条列出并以状态 1 退出。"""
        from workflow import bootstrap
        from workflow.store.verify import configured_ring, verify_all

        engine = open_store()
        try:
            ring = configured_ring()
        except FazhanError as exc:
            raise fail(exc) from None
        with UnitOfWork(engine) as uow:
            count, problems = verify_all(uow.session, ring)
        if ring is None:
            typer.echo(f"注意：找不到密钥文件 {bootstrap.settings().chain_key_file}，无法核对签封")
        for p in problems:
            if p.dossier_id is None:
                typer.echo(f"档案账本：[{p.code}] {p.message}")
                continue
            where = f"事件 {p.seq}" if p.seq is not None else "档案"
            typer.echo(f"档案 {p.dossier_id} {where}：[{p.code}] {p.message}")
        typer.echo(f"共检查 {count} 份档案，发现 {len(problems)} 处问题")
        if problems:
            raise typer.Exit(1)

    keys_app = typer.Typer(help="事件链签封密钥（保存在数据库之外的密钥文件中）", no_args_is_help=True)
    app.add_typer(keys_app, name="keys")

    @keys_app.command("rotate")
    def keys_rotate(seal_unsealed: bool = typer.Option(False, "--seal-unsealed",
                                                       help="同时签封启用密钥之前写入、尚未签封的档案（先核对清单）")) -> None:
        """换用新密钥：先校验全部数据，无误后用新密钥重新签封每个事件和账本，再从密钥文件中删去旧密钥。"""
        from workflow.store.keys import key_path
        from workflow.store.rotation import rotate

        engine = open_store()
        try:
            report = rotate(engine, key_path(), seal_unsealed=seal_unsealed)
        except FazhanError as exc:
            typer.echo(f"错误 [{exc.code}] {exc.message}", err=True)
            for detail in exc.details[:50]:
                where = detail.get("dossier_id") or "档案账本"
                typer.echo(f"  {where}：{detail.get('message')}", err=True)
            raise typer.Exit(1 if exc.code in ("ROTATION_REFUSED", "UNSEALED_DOSSIERS") else 2) from None
        if report.created_key_file:
            typer.echo(f"已建立密钥文件 {key_path()}")
        typer.echo(f"新密钥 {report.new_key}：重新签封 {report.dossiers} 份档案、{report.events} 个事件")
        if report.sealed_unsealed:
            typer.echo(f"其中 {len(report.sealed_unsealed)} 份为启用密钥之前写入的档案，已签封并登记入账本")
        if report.retired:
            typer.echo(f"旧密钥 {'、'.join(report.retired)} 已从密钥文件中删除")

    @app.command("demo-seed")
    def demo_seed() -> None:
        """建立示范组织、用户、党员和几份处于不同阶段的档案（可重复执行）。"""
        from workflow.service_layer.demo import seed

        engine = open_store()
        try:
            report = seed(engine)
        except FazhanError as exc:
            raise fail(exc) from None
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
                                              confirmation_prompt=True, envvar="FAZHAN_NEW_PASSWORD"),
                 system_admin: bool = typer.Option(False, "--system-admin",
                                                   help="系统管理员：可录入全国统一的节假日安排")) -> None:
        """新建用户并授予角色（密码至少 10 位，不能与用户名相同，不能是常用密码）。"""
        from workflow.store import admin

        grants = []
        try:
            for item in role:
                org, _, what = item.partition(":")
                if not org.isdigit() or not what:
                    raise InputError(f"--role “{item}” 应为 组织编号:角色", code="VALUE_INVALID", field="--role")
                grants.append((int(org), what))
            with UnitOfWork(open_store()) as uow:
                user = admin.create_user(uow, None, login=login, display_name=name, password=password, grants=grants,
                                         system_admin=system_admin)
        except FazhanError as exc:
            raise fail(exc) from None
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
            with UnitOfWork(open_store()) as uow:
                org = admin.create_organisation(uow, None, name=name, level=level, parent_id=parent,
                                                rule_set=rule_set, overlay=overlay)
        except FazhanError as exc:
            raise fail(exc) from None
        typer.echo(f"已建立组织 {org['name']}，编号 {org['id']}")
