"""The SQL unit of work and its repositories: the only code of the use cases that speaks SQL.

The use cases (workflow/service_layer/) ask `uow.dossiers`, `uow.orgs`, `uow.materials`, `uow.blobs`,
`uow.members` (the roster), `uow.league` (推优 records), `uow.changes` (proposals waiting for a second
person) and `uow.users` (a proposer acting again); workflow/adapters/fake.py answers the same
questions from memory, so they are tested without a database. One use case, one transaction: nothing
is written until `commit()`.

A write to a dossier appends event `version + 1` and moves the dossier's version with a conditional
UPDATE; if another transaction moved it first, nothing is written and `Conflict` is raised. Each
event is sealed with the chain key (workflow/store/keys.py) and moves the dossier's ledger line
(workflow/store/ledger.py) in the same transaction.

The write path costs two round trips to the database: `load` reads the dossier and its ledger line
in one statement (for a request that named the dossier beforehand, `prefetch`, that statement is its
first and reads the cache version too), and `append` writes the head, the event, the ledger line and
the insert-only index rows in one more (on PostgreSQL one statement with data-modifying CTEs, atomic by
itself; on SQLite, where round trips cost nothing, the same statements one after the other in the
transaction).
"""
from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, or_, update
from sqlalchemy import select as select_columns  # rows of a table and labelled columns
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlmodel import Session, select

from workflow.dossier import Dossier, parse_dossier
from workflow.store import blobs, keys, ledger
from workflow.store.access import Actor, OrgTree
from workflow.store.accounts import actor_for
from workflow.store.cache import FIRST, Bounded
from workflow.store.change_tables import PendingChange
from workflow.store.cultivation_tables import LeagueNomination
from workflow.store.db import direct
from workflow.store.errors import Conflict
from workflow.store.events import GENESIS, canonical, diff, event_text
from workflow.store.tables import Dossier as DossierRow
from workflow.store.tables import Blob, Event, LedgerEntry, Material, Member, Review, StepRecord, User

CONFLICT_MESSAGE = "该档案刚被其他操作修改，本次操作未保存，请刷新后重试"
_PG_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE

_DOSSIER = DossierRow.__table__
_EVENT = Event.__table__
_LEDGER = LedgerEntry.__table__
_LINE = ("number", "prev_dossier_id", "last_seq", "head_hash", "key_id", "mac")
_LOAD = (select_columns(_DOSSIER, *(_LEDGER.c[name].label(f"ledger__{name}") for name in _LINE))
         .outerjoin(_LEDGER, _LEDGER.c.dossier_id == _DOSSIER.c.id))
_EVENT_COLUMNS = ("dossier_id", "seq", "kind", "actor", "at", "payload", "prev_hash", "hash", "key_id")

# The insert-only index rows an event may carry, by the name the use cases give them (`append(index=…)`).
INDEX_TABLES = {"step_record": StepRecord, "review": Review, "material": Material}

# Parsed snapshots by their text: the same text always parses to the same dossier, so a dossier read
# again (the review after the record, any reader) is not validated again. Shared: never change one in
# place (the engine's functions return new dossiers).
_parsed = Bounded(256)


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def _remember(snapshot: str, dossier: Dossier, document: dict | None) -> None:
    _parsed.put(snapshot, (dossier, document))


def _settle(row, **values) -> None:
    """The row as written: a plain record is updated, a session row told without a second UPDATE."""
    if hasattr(row, "_sa_instance_state"):
        from sqlalchemy.orm.attributes import set_committed_value

        for name, value in values.items():
            set_committed_value(row, name, value)
    else:
        for name, value in values.items():
            setattr(row, name, value)


def _q(name: str) -> str:
    return f'"{name}"'


def _cast(column) -> str:
    """The type a parameter is cast to in a SELECT list: the column's, but text for strings (a cast to
    VARCHAR(n) would cut a longer value silently; inserting text into the column refuses it instead)."""
    name = column.type.compile(dialect=_postgresql_dialect())
    return "TEXT" if name.startswith(("VARCHAR", "CHAR", "TEXT")) else name


@lru_cache(maxsize=1)
def _postgresql_dialect():
    from sqlalchemy.dialects.postgresql.base import PGDialect

    return PGDialect()


_statements: dict[tuple, str] = {}
_COLUMNS = tuple(column.name for column in _DOSSIER.columns)
_PG_LOAD = (f"SELECT {', '.join(f'd.{_q(c)}' for c in _COLUMNS)}, {', '.join(f'l.{_q(c)}' for c in _LINE)} "
            f"FROM {_DOSSIER.name} d LEFT JOIN {_LEDGER.name} l ON l.dossier_id = d.id WHERE d.id = :id")
# the cache version (workflow/store/cache.py) and the same dossier with its ledger line, in one statement;
# a dossier that does not exist comes back as NULLs beside the version
_PG_FIRST = (f"SELECT v.version, {', '.join(f'd.{_q(c)}' for c in _COLUMNS)}, "
             f"{', '.join(f'l.{_q(c)}' for c in _LINE)} FROM cache_version v "
             f"LEFT JOIN {_DOSSIER.name} d ON d.id = :id LEFT JOIN {_LEDGER.name} l ON l.dossier_id = d.id "
             f"WHERE v.id = 1")


def _pg_write(columns: tuple[str, ...], index: tuple[tuple[Any, tuple[str, ...]], ...]) -> str:
    """One PostgreSQL statement moving the head, adding the event, moving the ledger line (only if it
    is still the line that was read and checked) and adding the index rows. A lost race moves nothing
    (the dossier's version no longer matches): the first column is then NULL. A ledger line changed
    since it was read (only tampering can) aborts the whole statement (division by zero)."""
    key = (columns, tuple((table.name, cols) for table, cols in index))
    found = _statements.get(key)
    if found is not None:
        return found
    sets = ", ".join(f"{c} = :set_{c}" for c in ("version", "head_hash", "snapshot", "state", *columns))
    values = ", ".join(f"CAST(:ev_{c} AS {_cast(_EVENT.c[c])})" for c in _EVENT_COLUMNS[1:])
    sql = (f"WITH moved AS (UPDATE {_DOSSIER.name} SET {sets} WHERE id = :id AND version = :old_version "
           f"AND head_hash = :old_head RETURNING id), "
           f"written AS (INSERT INTO {_EVENT.name} ({', '.join(_EVENT_COLUMNS)}) SELECT id, {values} FROM moved "
           f"RETURNING id), "
           f"line AS (UPDATE {_LEDGER.name} SET last_seq = :ev_seq, head_hash = :ev_hash, key_id = :line_key, "
           f"mac = :line_mac WHERE dossier_id = (SELECT id FROM moved) AND last_seq = :old_version "
           f"AND head_hash = :old_head AND key_id = :old_line_key AND mac = :old_line_mac RETURNING dossier_id)")
    for i, (table, cols) in enumerate(index):
        picked = ", ".join(f"CAST(:ix{i}_{c} AS {_cast(table.c[c])})" for c in cols)
        sql += f", index_{i} AS (INSERT INTO {table.name} ({', '.join(cols)}) SELECT {picked} FROM moved)"
    sql += (" SELECT (SELECT id FROM written), "
            "1 / (1 + (SELECT count(*) FROM line) - (SELECT count(*) FROM moved))")
    found = _statements[key] = sql
    return found


def _index_table(table):
    """A table named by the use cases ("step_record", "review", "material"), or given as the table class."""
    return INDEX_TABLES[table] if isinstance(table, str) else table


class DossierRepository:
    """Dossier rows, their sealed events and the insert-only index rows written with them."""

    def __init__(self, session: Session):
        self.session = session
        self.lines: dict[str, SimpleNamespace | None] = {}
        self.prefetched: dict[str, tuple | None] = {}  # read with the request's first statement, for `load`

    def prefetch(self, dossier_id: str) -> None:
        """Asks for the dossier (with its ledger line) to be read by the request's first statement, with
        the cache version (workflow/store/cache.py `FIRST`), on PostgreSQL: the next `load` of it costs no
        round trip. Call it before the unit of work's first statement; elsewhere it does nothing."""
        if not isinstance(dossier_id, str) or self.session.get_bind().dialect.name != "postgresql":
            return

        def first(connection) -> int | None:
            found = direct(connection, _PG_FIRST, {"id": dossier_id}).fetchone()
            if found is None:  # no cache version row: read alone, as without this
                return None
            self.prefetched[dossier_id] = found[1:] if found[1] is not None else None
            return found[0]

        self.session.info[FIRST] = first

    def get(self, dossier_id: str) -> DossierRow | None:
        return self.session.get(DossierRow, dossier_id)

    def by_id_number(self, root_organisation_id: int, id_number: str) -> str | None:
        """The id of a dossier of the organisation tree kept on this ID number, if any."""
        return self.session.exec(select(DossierRow.id).where(DossierRow.root_organisation_id == root_organisation_id,
                                                             DossierRow.id_number == id_number)).first()

    def by_person(self, root_organisation_id: int, name: str, birth_date: dt.date) -> str | None:
        """The id of a dossier of the organisation tree on a person of this name and birth date, if any."""
        return self.session.exec(select(DossierRow.id).where(
            DossierRow.root_organisation_id == root_organisation_id, DossierRow.person_name == name,
            DossierRow.birth_date == birth_date)).first()

    def listing(self, organisations: set[int], pending_organisations: set[int], *, state: str | None = None,
                limit: int = 100, offset: int = 0) -> list[DossierRow]:
        """Dossiers kept in `organisations` or on their way to one of `pending_organisations`, by id."""
        query = select(DossierRow).where(or_(DossierRow.organisation_id.in_(organisations or {-1}),
                                             DossierRow.pending_organisation_id.in_(pending_organisations or {-1})))
        if state:
            query = query.where(DossierRow.state == state)
        return list(self.session.exec(query.order_by(DossierRow.id).offset(offset).limit(limit)).all())

    def by_ids(self, dossier_ids: list[str]) -> list[DossierRow]:
        """The dossiers of these ids that exist, in no particular order."""
        return list(self.session.exec(select(DossierRow).where(DossierRow.id.in_(dossier_ids or ["-"]))).all())

    def in_organisations(self, organisations: set[int]) -> list[DossierRow]:
        """Every dossier kept in one of `organisations`, by id."""
        return list(self.session.exec(select(DossierRow).where(DossierRow.organisation_id.in_(organisations or {-1}))
                                      .order_by(DossierRow.id)).all())

    def first_by_organisation(self, organisations: set[int], limit: int) -> list[DossierRow]:
        """Up to `limit` dossiers kept in `organisations`, by organisation, then id (an audit page)."""
        return list(self.session.exec(select(DossierRow).where(DossierRow.organisation_id.in_(organisations or {-1}))
                                      .order_by(DossierRow.organisation_id, DossierRow.id).limit(limit)).all())

    def history(self, dossier_id: str) -> list[Event]:
        """The dossier's events in order."""
        return list(self.session.exec(select(Event).where(Event.dossier_id == dossier_id).order_by(Event.seq)).all())

    def last_step_record(self, dossier_id: str, step_index: int) -> int | None:
        """The event that last recorded (or corrected) the step at `step_index`."""
        return self.session.exec(select(StepRecord.event_seq).where(
            StepRecord.dossier_id == dossier_id, StepRecord.step_index == step_index)
            .order_by(StepRecord.id.desc())).first()

    def load(self, dossier_id: str) -> SimpleNamespace | None:
        """The dossier's row (every column, as attributes) and, remembered for `append`, its ledger
        line: one statement. The row is a plain record, not in the session: change a dossier through
        `append`, never by setting its attributes."""
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":  # one round trip, without SQLAlchemy's result machinery
            if dossier_id in self.prefetched:  # read already, with the request's first statement
                found = self.prefetched.pop(dossier_id)
            else:
                found = direct(connection, _PG_LOAD, {"id": dossier_id}).fetchone()
            if found is None:
                return None
            values = dict(zip(_COLUMNS, found))
            line = dict(zip(_LINE, found[len(_COLUMNS):]))
        else:
            found = connection.execute(_LOAD.where(_DOSSIER.c.id == dossier_id)).first()
            if found is None:
                return None
            values = found._asdict()
            line = {name: values.pop(f"ledger__{name}") for name in _LINE}
        row = SimpleNamespace(**values)
        self.lines[row.id] = (SimpleNamespace(dossier_id=row.id, **line) if line["number"] is not None else None)
        return row

    @staticmethod
    def document(row: DossierRow | SimpleNamespace) -> Dossier:
        """The dossier's `dossier/1` document (parsed once per snapshot text in this process)."""
        hit = _parsed.get(row.snapshot)
        if hit is not None:
            return hit[0]
        dossier = parse_dossier(row.snapshot, source=f"dossier:{row.id}")
        _remember(row.snapshot, dossier, None)
        return dossier

    @staticmethod
    def document_dict(row: DossierRow | SimpleNamespace, dossier: Dossier) -> dict:
        """`dossier.to_json_dict()` for the dossier `document(row)` gave (remembered with it)."""
        hit = _parsed.get(row.snapshot)
        if hit is not None and hit[0] is dossier and hit[1] is not None:
            return hit[1]
        document = dossier.to_json_dict()
        if hit is not None and hit[0] is dossier:
            _remember(row.snapshot, dossier, document)
        return document

    def _event(self, ring: keys.KeyRing, dossier_id: str, seq: int, kind: str, actor: str, payload: dict,
               prev: str) -> Event:
        """The event sealed with the current chain key (HMAC; workflow/store/keys.py)."""
        text_, at = canonical(payload), _now_iso()
        seal = ring.mac(event_text(dossier_id, seq, kind, actor, at, text_, prev, ring.current))
        return Event(dossier_id=dossier_id, seq=seq, kind=kind, actor=actor, at=at, payload=text_, prev_hash=prev,
                     hash=seal, key_id=ring.current)

    def create(self, document: Dossier, *, organisation_id: int, root_organisation_id: int, id_number: str | None,
               state: str, kind: str, actor: str, info: dict) -> DossierRow:
        """The new dossier's row with its first event and its ledger line. The same id or person
        committed by a racing request is a Conflict, never a 500 quoting the row."""
        after = document.to_json_dict()
        row = DossierRow(id=document.id, organisation_id=organisation_id, root_organisation_id=root_organisation_id,
                         person_name=document.person.name, birth_date=document.person.birth_date,
                         id_number=id_number, state=state, head_hash="", snapshot="")
        ring = keys.active()
        event = self._event(ring, row.id, 1, kind, actor, {"info": info, "patch": diff({}, after)}, GENESIS)
        row.version, row.head_hash, row.snapshot = 1, event.hash, canonical(after)
        try:
            self.session.add(row)
            self.session.flush()
            self.session.add(event)
            self.session.flush()
            ledger.open_entry(self.session, ring, row.id, event.seq, event.hash)
        except IntegrityError:
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT") from None
        return row

    def _line(self, dossier_id: str) -> SimpleNamespace | None:
        if dossier_id in self.lines:
            return self.lines.pop(dossier_id)
        entry = self.session.get(LedgerEntry, dossier_id)
        return None if entry is None else SimpleNamespace(**{n: getattr(entry, n) for n in ("dossier_id", *_LINE)})

    def append(self, row: DossierRow | SimpleNamespace, before: Dossier, after: Dossier, *, kind: str, actor: str,
               info: dict, state: str, index: tuple[tuple[Any, dict], ...] = (), complete: bool = False,
               **columns) -> SimpleNamespace:
        """Appends one event; `columns` (organisation moves) change the dossier row in the same write and
        `index` adds insert-only index rows (a name of `INDEX_TABLES` or a table class, values;
        `dossier_id` and `event_seq` are filled in).

        `complete`: nothing else of this use case will be written after it, so on PostgreSQL, with no
        transaction open yet, the one statement needs no BEGIN and no COMMIT."""
        new = after.to_json_dict()
        old = self.document_dict(row, before) if isinstance(row, SimpleNamespace) else before.to_json_dict()
        payload = {"info": info, "patch": diff(old, new)}
        ring = keys.active()
        seq = row.version + 1
        text_, at = canonical(payload), _now_iso()
        seal = ring.mac(event_text(row.id, seq, kind, actor, at, text_, row.head_hash, ring.current))
        event = SimpleNamespace(id=None, dossier_id=row.id, seq=seq, kind=kind, actor=actor, at=at, payload=text_,
                                prev_hash=row.head_hash, hash=seal, key_id=ring.current)
        snapshot = canonical(new)
        rows = tuple((_index_table(table), {**values, "dossier_id": row.id, "event_seq": seq})
                     for table, values in index)
        line = self._line(row.id)
        if line is not None:  # the line must still fit the chain before it is moved
            ledger.check_fits(ring, line, row.version, row.head_hash)
        if line is not None and self.session.get_bind().dialect.name == "postgresql":
            self._write_postgresql(row, event, snapshot, state, line, ring, rows, complete, columns)
        else:
            self._write_each(row, event, snapshot, state, line, ring, rows, columns)
        _settle(row, version=seq, head_hash=seal, snapshot=snapshot, state=state, **columns)
        _remember(snapshot, after, new)
        return event

    def _write_postgresql(self, row, event, snapshot, state, line, ring, rows, complete, columns) -> None:
        old_key, old_mac = line.key_id, line.mac
        line.last_seq, line.head_hash = event.seq, event.hash
        ledger.reseal_entry(ring, line)
        params = {"id": row.id, "old_version": row.version, "old_head": row.head_hash,
                  "set_version": event.seq, "set_head_hash": event.hash, "set_snapshot": snapshot, "set_state": state,
                  **{f"set_{c}": v for c, v in columns.items()},
                  **{f"ev_{c}": getattr(event, c) for c in _EVENT_COLUMNS[1:]},
                  "line_key": line.key_id, "line_mac": line.mac, "old_line_key": old_key, "old_line_mac": old_mac}
        shape = []
        for i, (table, values) in enumerate(rows):
            shape.append((table.__table__, tuple(values)))
            params.update({f"ix{i}_{c}": v for c, v in values.items()})
        statement = _pg_write(tuple(columns), tuple(shape))
        if self.session.new or self.session.dirty or self.session.deleted:
            self.session.flush()  # what the use case added before goes first, in the same transaction
        try:
            result = direct(self.session.connection(), statement, params, self_contained=complete).fetchone()
        except IntegrityError:
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT") from None
        except DataError as exc:
            if type(exc.orig).__name__ != "DivisionByZero":
                raise
            # the ledger line changed after it was read and checked: nothing was written
            raise ledger.IntegrityBroken(ledger.BROKEN_MESSAGE, code="INTEGRITY_BROKEN") from None
        if result is None or result[0] is None:
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT")
        event.id = result[0]

    def _write_each(self, row, event, snapshot, state, line, ring, rows, columns) -> None:
        result = self.session.execute(
            update(_DOSSIER).where(_DOSSIER.c.id == row.id, _DOSSIER.c.version == row.version,
                                   _DOSSIER.c.head_hash == row.head_hash)  # a re-seal moves the head too
            .values(version=event.seq, head_hash=event.hash, snapshot=snapshot, state=state, **columns))
        if result.rowcount != 1:
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT")
        try:
            event.id = self.session.execute(
                insert(_EVENT).values({c: getattr(event, c) for c in _EVENT_COLUMNS})).inserted_primary_key[0]
        except IntegrityError:
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT") from None
        if line is None:  # written before the chain was keyed: the ledger's own way (it may open the line)
            ledger.advance(self.session, ring, row.id, event)
        else:
            old_key, old_mac = line.key_id, line.mac
            line.last_seq, line.head_hash = event.seq, event.hash
            ledger.reseal_entry(ring, line)
            moved = self.session.execute(
                update(_LEDGER).where(_LEDGER.c.dossier_id == row.id, _LEDGER.c.last_seq == row.version,
                                      _LEDGER.c.head_hash == row.head_hash, _LEDGER.c.key_id == old_key,
                                      _LEDGER.c.mac == old_mac)
                .values(last_seq=line.last_seq, head_hash=line.head_hash, key_id=line.key_id, mac=line.mac))
            if moved.rowcount != 1:
                raise ledger.IntegrityBroken(ledger.BROKEN_MESSAGE, code="INTEGRITY_BROKEN")
        for table, values in rows:
            self.session.execute(insert(table.__table__).values(values))


class OrgRepository:
    """The organisation tree (cached while the database's cache version has not moved)."""

    def __init__(self, session: Session):
        self.session = session

    def tree(self) -> OrgTree:
        return OrgTree.load(self.session)


class MaterialRepository:
    """The index of the files attached to dossiers (the entries themselves live in the document)."""

    def __init__(self, session: Session):
        self.session = session

    def find(self, dossier_id: str, sha256: str) -> Material | None:
        return self.session.exec(select(Material).where(Material.dossier_id == dossier_id,
                                                        Material.sha256 == sha256)).first()


class BlobRepository:
    """Material files by SHA-256 (workflow/store/blobs.py checks them on the way in and out)."""

    def __init__(self, session: Session):
        self.session = session

    def store(self, data: bytes, media_type: str) -> str:
        return blobs.store(self.session, data, media_type)

    def exists(self, sha256: str) -> bool:
        return blobs.exists(self.session, sha256)

    def read(self, sha256: str) -> Blob:
        return blobs.read(self.session, sha256)


class MemberRepository:
    """The roster's members, as a step entry naming one by `member_id` needs them (workflow/store/roster.py)."""

    def __init__(self, session: Session):
        self.session = session

    def get(self, member_id: int) -> Member | None:
        return self.session.get(Member, member_id)


class LeagueRepository:
    """推优 records, as an s03 entry citing one by `league_recommendation_id` needs them
    (workflow/store/cultivation.py)."""

    def __init__(self, session: Session):
        self.session = session

    def get(self, nomination_id: int) -> LeagueNomination | None:
        return self.session.get(LeagueNomination, nomination_id)


class ChangeRepository:
    """Case events and fact corrections waiting for a second person (workflow/store/change_tables.py). A row
    read here is in the session: a decision set on its attributes is written by the next `commit()`."""

    def __init__(self, session: Session):
        self.session = session

    def get(self, change_id: int) -> PendingChange | None:
        return self.session.get(PendingChange, change_id)

    def of_dossier(self, dossier_id: str) -> list[PendingChange]:
        """Every proposal on the dossier, newest first."""
        return list(self.session.exec(select(PendingChange).where(PendingChange.dossier_id == dossier_id)
                                      .order_by(PendingChange.id.desc())).all())

    def pending(self, limit: int) -> list[PendingChange]:
        """The oldest `limit` proposals still waiting, anywhere (the caller keeps those its user may decide)."""
        return list(self.session.exec(select(PendingChange).where(PendingChange.status == "pending")
                                      .order_by(PendingChange.id).limit(limit)).all())

    def pending_of(self, dossier_id: str, kind: str) -> list[PendingChange]:
        """The dossier's proposals of this kind still waiting."""
        return list(self.session.exec(select(PendingChange).where(
            PendingChange.dossier_id == dossier_id, PendingChange.kind == kind,
            PendingChange.status == "pending")).all())

    def add(self, **values) -> PendingChange:
        """A new proposal (the columns of `PendingChange`), with its id."""
        change = PendingChange(**values)
        self.session.add(change)
        self.session.flush()
        return change


class UserRepository:
    """Accounts, as a use case acting for another user (an approved proposal, for its proposer) needs them."""

    def __init__(self, session: Session):
        self.session = session

    def active_actor(self, user_id: int) -> Actor | None:
        """The user with their grants, if the account exists and is active."""
        user = self.session.get(User, user_id)
        return actor_for(self.session, user) if user is not None and user.active else None


class UnitOfWork:
    """A session whose changes are written only by `commit()`; leaving without it rolls back."""

    def _nothing_to_commit(self) -> bool:
        """Nothing pending in the session and no transaction open on a PostgreSQL connection (it runs in
        autocommit until it writes, workflow/store/db.py; a write of one statement is committed already):
        committing would cost the session's machinery and no round trip, so it is skipped."""
        session = self.session
        if session.new or session.dirty or session.deleted:
            return False
        if not session.in_transaction():
            return True
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            return False
        return connection.connection.driver_connection.info.transaction_status == _PG_IDLE

    def __init__(self, engine: Engine):
        self.engine = engine

    def __enter__(self) -> "UnitOfWork":
        self.session = Session(self.engine, expire_on_commit=False)
        self.dossiers = DossierRepository(self.session)
        self.orgs = OrgRepository(self.session)
        self.materials = MaterialRepository(self.session)
        self.blobs = BlobRepository(self.session)
        self.members = MemberRepository(self.session)
        self.league = LeagueRepository(self.session)
        self.changes = ChangeRepository(self.session)
        self.users = UserRepository(self.session)
        return self

    def __exit__(self, *exc) -> None:
        self.session.rollback()
        self.session.close()

    def rollback(self) -> None:
        """Throws away what is not committed and ends the transaction (a long parse holds no lock)."""
        self.session.rollback()

    def commit(self) -> None:
        if self._nothing_to_commit():
            return
        try:
            self.session.commit()
        except IntegrityError as exc:
            self.session.rollback()
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT") from exc
        except OperationalError as exc:  # serialisation failure / lock timeout
            self.session.rollback()
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT") from exc


def loads(text_: str) -> dict:
    return json.loads(text_)
