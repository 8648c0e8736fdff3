"""Engines and schema: SQLite file by default, PostgreSQL when `FAZHAN_DATABASE_URL` says so."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel, create_engine

from workflow.errors import InputError
from workflow.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

ROOT = Path(__file__).resolve().parents[2]
INT64 = (-(2 ** 63), 2 ** 63 - 1)
BUSY_TIMEOUT_MS = 30_000


def _problem(value) -> tuple[str, str] | None:
    if isinstance(value, str):
        return ("TEXT_NUL", "不能含有 NUL 字符（\\0）") if "\x00" in value else None
    if isinstance(value, int) and not isinstance(value, bool):
        return None if INT64[0] <= value <= INT64[1] else ("VALUE_OUT_OF_RANGE", "数值超出 64 位整数的范围")
    if isinstance(value, (list, tuple)):
        return next((p for p in map(_problem, value) if p), None)
    return None


def _refuse_unstorable(_conn, _cursor, _statement, parameters, context, _executemany) -> None:
    """No NUL character and no integer past 64 bits reaches the database, whatever carried it there.

    PostgreSQL cannot store NUL in text and its integers are 64 bits (SQLite's driver overflows the same
    way): either would fail inside the driver as a 500. Refused here instead, before the statement is
    sent, as the same 422 on both backends, naming the column or parameter.
    """
    many = isinstance(parameters, list) and parameters and isinstance(parameters[0], (dict, tuple, list))
    positions = getattr(getattr(context, "compiled", None), "positiontup", None)
    for row in parameters if many else (parameters,):
        pairs = row.items() if isinstance(row, dict) else enumerate(row or ())
        for key, value in pairs:
            problem = _problem(value)
            if problem is None:
                continue
            name = positions[key] if isinstance(key, int) and positions and key < len(positions) else key
            field = re.sub(r"_\d+$", "", name) if isinstance(name, str) else None
            raise InputError(f"{field + '：' if field else ''}{problem[1]}", code=problem[0], field=field)


def make_engine(url: str, *, schema: str | None = None, pool_size: int = 20) -> Engine:
    """An engine for `url`; `schema` (PostgreSQL only) isolates a test run in its own schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
                               hide_parameters=True)  # a failed statement's message must not carry a 身份证号
        event.listen(engine, "before_cursor_execute", _refuse_unstorable)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # a writer waits its turn, not fails
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # take the write lock at the start, so a lost race is a clean version conflict, not SQLITE_BUSY
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    connect_args = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    # no pre-ping (it costs a round trip per request); stale connections are recycled instead
    engine = create_engine(url, connect_args=connect_args, pool_size=pool_size, max_overflow=pool_size,
                           pool_recycle=1800, hide_parameters=True)
    event.listen(engine, "before_cursor_execute", _refuse_unstorable)
    return engine


def create_tables(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)


def drop_tables(engine: Engine) -> None:
    SQLModel.metadata.drop_all(engine)


def migrate(url: str, schema: str | None = None) -> None:
    """Brings the database at `url` (PostgreSQL: in `schema`, if given) to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["schema"] = schema
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
