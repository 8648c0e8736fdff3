"""What every `fazhan` command module shares: reading `--as-of`, opening the store, acting as the
operator, and turning an expected failure into one Chinese line with a stable code (exit status 2).

Public so that no command module reaches into another's private helpers. The store's libraries
(SQLAlchemy, SQLModel, pydantic-settings) cost about half a second to import; the helpers here import
them only when a store command runs, so `fazhan --help` and file audits start fast.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from workflow.errors import FazhanError, InputError

if TYPE_CHECKING:
    import typer
    from sqlalchemy.engine import Engine

    from workflow.store.access import Actor
    from workflow.store.repository import UnitOfWork as UnitOfWorkType

T = TypeVar("T")


def parse_as_of(value: str | None) -> dt.date:
    """`--as-of YYYY-MM-DD`, today when not given."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--as-of “{value}”不是 YYYY-MM-DD 格式的日期", code="DATE_INVALID",
                         field="--as-of") from None


def UnitOfWork(engine: Engine) -> UnitOfWorkType:  # noqa: N802 - stands for the unit-of-work class
    from workflow.store.repository import UnitOfWork as StoreUnitOfWork

    return StoreUnitOfWork(engine)


def select(*entities):
    from sqlmodel import select as sql_select

    return sql_select(*entities)


def fail(error: FazhanError) -> typer.Exit:
    """Prints `error` as the store commands do (`错误 [CODE] where：message`) and gives the exit to raise."""
    import typer  # here: a plain file audit (api/cli_audit.py) uses this module without typer

    typer.echo(f"错误 [{error.code}] {error.where() + '：' if error.where() else ''}{error.message}", err=True)
    return typer.Exit(2)


def open_store() -> Engine:
    """The database the settings name (FAZHAN_DATABASE_URL), brought to the newest migration first."""
    from workflow import bootstrap
    from workflow.store.db import make_engine, migrate

    url = bootstrap.settings().database_url
    try:
        migrate(url)
    except Exception as exc:  # an unreachable or unusable database is a user's problem, not a traceback
        raise fail(FazhanError(f"无法打开数据库：{type(exc).__name__}", code="DATABASE_UNAVAILABLE")) from None
    return make_engine(url)


def system_actor(engine: Engine, name: str) -> Actor:
    """The command line acts as an administrator of every top organisation, under the name given."""
    from workflow.store.access import Actor
    from workflow.store.tables import Organisation

    with UnitOfWork(engine) as uow:
        roots = uow.session.exec(select(Organisation.id).where(Organisation.parent_id.is_(None))).all()
    return Actor(user_id=None, login="cli", name=name, grants=tuple((r, "admin") for r in roots))


def run_as_operator(by: str, action: Callable[[UnitOfWorkType, Actor], T]) -> T:
    """Opens the store and runs `action(uow, actor)` as the operator named `by`; a refusal exits 2."""
    engine = open_store()
    actor = system_actor(engine, by)
    try:
        with UnitOfWork(engine) as uow:
            return action(uow, actor)
    except FazhanError as exc:
        raise fail(exc) from None
