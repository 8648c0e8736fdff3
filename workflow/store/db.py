"""Engines and schema: SQLite file by default, PostgreSQL when `FAZHAN_DATABASE_URL` says so."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import SQLModel, create_engine

from workflow.errors import InputError
from workflow.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

ROOT = Path(__file__).resolve().parents[2]
INT64 = (-(2 ** 63), 2 ** 63 - 1)
BUSY_TIMEOUT_MS = 30_000
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE (not imported here: SQLite-only runs need no psycopg)


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


WROTE = "fazhan.wrote"
"""Key in a connection's `info`: the current transaction has written (or locked) something, so what it
reads may be its own uncommitted work and must not fill a cache shared by other requests."""
VERSION_SEEN = "fazhan.cache_version"
"""Key in a connection's `info`: the cache version read in the current transaction (workflow/store/cache.py)."""
SELF_CONTAINED = "fazhan_self_contained"
"""Execution option of a statement that is atomic on its own (one statement writing a dossier's
event, head and ledger line): on PostgreSQL it needs no BEGIN before it nor COMMIT after it."""
_PLAIN_READ = re.compile(r"\s*(SELECT|SHOW)\b", re.IGNORECASE)
_LOCKING = re.compile(r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b|pg_advisory", re.IGNORECASE)


def _plain_read(statement: str, context) -> bool:
    return (bool(_PLAIN_READ.match(statement)) and not _LOCKING.search(statement)
            and not (context is not None and (context.isinsert or context.isupdate or context.isdelete)))


_OPENS = re.compile(r"\s*BEGIN\b", re.IGNORECASE)  # SQLite's BEGIN IMMEDIATE: takes the lock, writes nothing


def _track_writes(conn: Connection, _cursor, statement, _parameters, context, _executemany) -> None:
    if WROTE not in conn.info and not _plain_read(statement, context) and not _OPENS.match(statement):
        conn.info[WROTE] = True


def _begin_before_writing(_conn, cursor, statement, _parameters, context, _executemany) -> None:
    """PostgreSQL connections run in autocommit until a statement needs a transaction: a write, a
    locking read, a server-side cursor. Then BEGIN is sent before it, and the unit of work's commit
    sends COMMIT. A use case that only reads costs no BEGIN and no COMMIT; one whose whole write is one
    statement (`SELF_CONTAINED`) costs neither either. Plain reads before the first write see what
    they would see inside the transaction anyway (READ COMMITTED: every statement its own snapshot)."""
    options = context.execution_options if context is not None else {}
    server_side = bool(options.get("stream_results")) or getattr(context, "_is_server_side", False)
    if _plain_read(statement, context) and not server_side:
        return
    if options.get(SELF_CONTAINED):
        return
    raw = cursor.connection
    if raw.info.transaction_status == _IDLE:
        raw.execute("BEGIN")


def _forget_writes(conn_or_dbapi, record=None, *_args) -> None:
    info = record.info if record is not None else conn_or_dbapi.info
    info.pop(WROTE, None)
    info.pop(VERSION_SEEN, None)


def wrote_in_transaction(connection: Connection) -> bool:
    """True once the connection's current transaction has written or locked anything."""
    return bool(connection.info.get(WROTE))


class _Context:
    """What the guards below read of an execution context, for `direct`."""

    isinsert = isupdate = isdelete = False
    compiled = None

    def __init__(self, self_contained: bool):
        self.execution_options = {SELF_CONTAINED: True} if self_contained else {}


_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_pyformat: dict[str, str] = {}


def direct(connection: Connection, statement: str, params: dict, *, self_contained: bool = False):
    """Runs one PostgreSQL statement (`:name` parameters) on the DBAPI cursor and returns the cursor,
    for the few statements every write runs (workflow/adapters/sql.py, cache.py): they cost about
    20 µs here instead of 130–200 µs through SQLAlchemy's compilation and result machinery, which
    builds metadata for every column of every row. The engine's guards still apply (no NUL, no integer
    past 64 bits, BEGIN before a write, the write mark), and a database error comes back as
    SQLAlchemy's (IntegrityError…), the connection invalidated if it was lost, as from any statement."""
    sql = _pyformat.get(statement)
    if sql is None:
        sql = _pyformat[statement] = _NAMED.sub(r"%(\1)s", statement)
    context = _Context(self_contained)
    _refuse_unstorable(connection, None, sql, params, context, False)
    _track_writes(connection, None, sql, params, context, False)
    cursor = connection.connection.cursor()
    dialect = connection.dialect
    try:
        _begin_before_writing(connection, cursor, sql, params, context, False)
        cursor.execute(sql, params)
    except dialect.loaded_dbapi.Error as exc:
        from sqlalchemy.exc import DBAPIError

        lost = dialect.is_disconnect(exc, connection.connection, cursor)
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(sql, params, exc, dialect.loaded_dbapi.Error, hide_parameters=True,
                                  dialect=dialect, connection_invalidated=lost) from exc
    return cursor


def _watch_transactions(engine: Engine) -> None:
    event.listen(engine, "before_cursor_execute", _track_writes)
    for name in ("commit", "rollback"):
        event.listen(engine, name, _forget_writes)
    for name in ("checkout", "checkin"):
        event.listen(engine.pool, name, _forget_writes)


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

        _watch_transactions(engine)
        return engine
    connect_args = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    # no pre-ping (it costs a round trip per request); stale connections are recycled instead
    engine = create_engine(url, connect_args=connect_args, pool_size=pool_size, max_overflow=pool_size,
                           pool_recycle=1800, hide_parameters=True)
    event.listen(engine, "before_cursor_execute", _refuse_unstorable)

    @event.listens_for(engine, "connect")
    def _autocommit_until_writing(dbapi_connection, _record):
        dbapi_connection.autocommit = True  # BEGIN is sent by _begin_before_writing, when needed

    event.listen(engine, "before_cursor_execute", _begin_before_writing)
    _watch_transactions(engine)
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
