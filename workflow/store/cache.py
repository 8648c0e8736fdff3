"""Per-process caches of what nearly every request needs and seldom changes: the user behind a bearer
token, the organisation tree, the working calendar, and parsed dossier snapshots.

They are trusted only while `cache_version` (one row, moved by database triggers on every change to
organisations, role grants, users, revoked tokens and the calendar; migration 0011) still has the number
they were filled at. A request reads that number once, in its first statement; when it has not moved,
nothing else is loaded. A change made through any worker process, the command line or plain SQL moves
it in the same transaction, so the next request anywhere sees the change.

Two guards keep a cache from holding what was never committed: the number is read once per
transaction, before its first write, and a transaction that has written (workflow.store.db tracks it)
neither reads nor fills a cache. When the triggers are missing (a database built without the
migrations, or a later migration that rebuilt a watched SQLite table without them) nothing is cached.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlmodel import Session as ModelSession

from workflow.store.db import VERSION_SEEN, direct, wrote_in_transaction

# table → the changes whose triggers move the version (the same as migration 0011 creates; a test compares)
WATCHED = {
    "organisation": ("INSERT", "UPDATE", "DELETE"),
    "rolegrant": ("INSERT", "UPDATE", "DELETE"),
    "app_user": ("UPDATE", "DELETE"),
    "apitoken": ("UPDATE", "DELETE"),
    "calendarchange": ("INSERT", "UPDATE", "DELETE"),
    "calendaroverride": ("INSERT", "UPDATE", "DELETE"),
}
REQUEST = "fazhan.request"  # Session.info key: a request's unit of work (freshness is checked on first use)
FIRST = "fazhan.first_statement"
"""Session.info key of a request's unit of work: `read(connection)` giving the cache version, run as the
request's first statement instead of reading the version alone, when the database has the counter; it
may read what the request needs next in the same statement (workflow/adapters/sql.py reads the dossier
the request names: one round trip less). It answers None when it read no version; the version is then
read alone, as without it."""
_CHECKED = "fazhan.request_checked"

_VERSION_SQL = "SELECT version FROM cache_version WHERE id = 1"
_TRIGGERS_SQL = {
    "postgresql": "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                  "WHERE c.relnamespace = to_regnamespace(current_schema())::oid "
                  "AND starts_with(t.tgname, 'cache_version')",
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, 13) = 'cache_version'",
}

_lock = threading.Lock()
_usable: "weakref.WeakKeyDictionary[Engine, bool]" = weakref.WeakKeyDictionary()
_slots: "weakref.WeakKeyDictionary[Engine, dict[str, Any]]" = weakref.WeakKeyDictionary()


def expected_triggers(dialect: str) -> set[str]:
    if dialect == "postgresql":
        return {f"cache_version_{table}" for table in WATCHED}
    return {f"cache_version_{table}_{change.lower()}" for table, changes in WATCHED.items() for change in changes}


def _engine(connection: Connection) -> Engine:
    return connection.engine


def _usable_on(connection: Connection) -> bool:
    """Whether this database has the counter and every trigger that moves it (checked once per engine)."""
    engine = _engine(connection)
    known = _usable.get(engine)
    if known is not None:
        return known
    dialect = engine.dialect.name
    found: set[str] = set()
    if dialect in _TRIGGERS_SQL:
        found = {row[0] for row in connection.exec_driver_sql(_TRIGGERS_SQL[dialect])}
    usable = bool(found) and expected_triggers(dialect) <= found
    if usable:
        usable = connection.exec_driver_sql(_VERSION_SQL).scalar() is not None
    _usable[engine] = usable
    return usable


def version_on(connection: Connection) -> int | None:
    """The cache version for this connection's transaction, or None when no cache may be used: no
    triggers, or the transaction has written (what it sees may not be committed)."""
    if wrote_in_transaction(connection):
        return None
    seen = connection.info.get(VERSION_SEEN)
    if seen is not None:
        return seen
    if not _usable_on(connection):
        return None
    if connection.dialect.name == "postgresql":
        seen = direct(connection, _VERSION_SQL, {}).fetchone()[0]
    else:
        seen = connection.exec_driver_sql(_VERSION_SQL).scalar()
    connection.info[VERSION_SEEN] = seen
    return seen


def version(session: Session) -> int | None:
    return version_on(session.connection())


def slots(session: Session) -> dict[str, Any]:
    """This database's caches in this process (per engine: two databases never share an entry)."""
    engine = _engine(session.connection())
    found = _slots.get(engine)
    if found is None:
        with _lock:
            found = _slots.setdefault(engine, {})
    return found


def cached(session: Session, name: str, load: Callable[[Session], Any]) -> Any:
    """The value `load(session)` would give, from the cache while the version has not moved."""
    current = version(session)
    if current is None:
        return load(session)
    box = slots(session)
    hit = box.get(name)
    if hit is not None and hit[0] == current:
        return hit[1]
    value = load(session)
    if not wrote_in_transaction(session.connection()):
        box[name] = (current, value)
    return value


class Bounded:
    """A small thread-safe LRU map: the least recently used entries go once `limit` is reached."""

    def __init__(self, limit: int):
        self.limit = limit
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            value = self._items.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


_MISSING = object()


def bounded(session: Session, name: str, limit: int) -> Bounded:
    """A named LRU map among this database's caches."""
    box = slots(session)
    found = box.get(name)
    if found is None:
        with _lock:
            found = box.setdefault(name, Bounded(limit))
    return found


# ---------------------------------------------------------------- the request's first statement

def _fresh_calendar(connection: Connection) -> None:
    """Brings this process's working calendar to the database's, as before every request; skipped
    when the cache version has not moved since this process last did it (the calendar's tables move it)."""
    from workflow.dates import default_calendar
    from workflow.store.calendar_admin import sync_calendar

    current = version_on(connection)
    calendar = default_calendar()
    key = ("calendar", weakref.ref(calendar))
    box = _slots.setdefault(_engine(connection), {}) if current is not None else None
    if box is not None and box.get(key) == current:
        return
    # the request's session is still opening this connection: read through a session joined to it
    # (a second connection would wait for SQLite's write lock, which this one holds)
    joined = ModelSession(bind=connection, join_transaction_mode="rollback_only")
    try:
        sync_calendar(joined, calendar)
    finally:
        joined.close()
    if box is not None:
        box[key] = current


@event.listens_for(Session, "after_begin")
def _on_begin(session: Session, _transaction, connection: Connection) -> None:
    if session.info.get(REQUEST) and not session.info.get(_CHECKED):
        session.info[_CHECKED] = True
        first = session.info.pop(FIRST, None)
        if (first is not None and connection.info.get(VERSION_SEEN) is None and not wrote_in_transaction(connection)
                and _usable_on(connection)):
            seen = first(connection)
            if seen is not None:
                connection.info[VERSION_SEEN] = seen
        _fresh_calendar(connection)
