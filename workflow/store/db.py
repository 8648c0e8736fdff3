"""Engines and schema: SQLite file by default, PostgreSQL when `FAZHAN_DATABASE_URL` says so."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel, create_engine

from workflow.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

ROOT = Path(__file__).resolve().parents[2]


def make_engine(url: str, *, schema: str | None = None, pool_size: int = 20) -> Engine:
    """An engine for `url`; `schema` (PostgreSQL only) isolates a test run in its own schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
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
    return create_engine(url, connect_args=connect_args, pool_size=pool_size, max_overflow=pool_size,
                         pool_recycle=1800)


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
