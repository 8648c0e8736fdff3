"""An in-memory unit of work with the SQL one's repositories, so the use cases are tested without a database.

A `FakeStore` is what a database would hold (the organisation tree, dossier rows, events, index rows,
files, proposals; roster members, 推优 records and active users, those three put there by the test); each `FakeUnitOfWork` works on a copy of it and hands its copy back only on `commit()`, so a
refused use case leaves the store as it was, as a rolled-back transaction does. A write on top of a
version another unit of work has committed since is a Conflict, as the SQL conditional UPDATE makes
it. Events are chained with plain SHA-256 (no key ring, no ledger) and carry the same
`{"info", "patch"}` payload as the real ones.
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from workflow.adapters.sql import CONFLICT_MESSAGE
from workflow.dossier import Dossier, parse_dossier
from workflow.store.access import Actor, OrgTree
from workflow.store.errors import Conflict, MaterialCorrupt
from workflow.store.events import GENESIS, canonical, diff, event_hash

INDEX_NAMES = ("step_record", "review", "material")


@dataclass
class FakeTables:
    dossiers: dict[str, SimpleNamespace] = field(default_factory=dict)
    events: dict[str, list[SimpleNamespace]] = field(default_factory=dict)
    index: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in INDEX_NAMES})
    blobs: dict[str, SimpleNamespace] = field(default_factory=dict)
    members: dict[int, SimpleNamespace] = field(default_factory=dict)  # the roster, by member id
    league: dict[int, SimpleNamespace] = field(default_factory=dict)  # 推优 records, by id
    changes: dict[int, SimpleNamespace] = field(default_factory=dict)  # proposals waiting for a second person
    users: dict[int, Actor] = field(default_factory=dict)  # the active accounts, as the actors they act as


@dataclass
class FakeStore:
    """The committed state, shared by the units of work of one test."""

    tree: OrgTree
    tables: FakeTables = field(default_factory=FakeTables)


def _copy(row: SimpleNamespace) -> SimpleNamespace:
    """A row as read: a record of its own, as `load` gives on SQL (writing it back is `append`'s job)."""
    return SimpleNamespace(**vars(row))


class FakeDossiers:
    def __init__(self, tables: FakeTables, store: FakeStore, written: dict[str, int]):
        self.tables, self.store = tables, store
        self.written = written  # dossier id → the committed version this unit of work wrote on top of

    def get(self, dossier_id: str) -> SimpleNamespace | None:
        row = self.tables.dossiers.get(dossier_id)
        return None if row is None else _copy(row)

    load = get

    def prefetch(self, dossier_id: str) -> None:
        """Nothing to read ahead: the SQL repository reads the dossier with the request's first statement
        (PostgreSQL), here every `load` is a look-up in memory."""

    @staticmethod
    def document(row: Any) -> Dossier:
        return parse_dossier(row.snapshot, source=f"dossier:{row.id}")

    @staticmethod
    def document_dict(row: Any, dossier: Dossier) -> dict:
        return dossier.to_json_dict()

    def by_id_number(self, root_organisation_id: int, id_number: str) -> str | None:
        return next((r.id for r in self.tables.dossiers.values()
                     if r.root_organisation_id == root_organisation_id and r.id_number == id_number), None)

    def by_person(self, root_organisation_id: int, name: str, birth_date: dt.date) -> str | None:
        return next((r.id for r in self.tables.dossiers.values() if r.root_organisation_id == root_organisation_id
                     and r.person_name == name and r.birth_date == birth_date), None)

    def listing(self, organisations: set[int], pending_organisations: set[int], *, state: str | None = None,
                limit: int = 100, offset: int = 0) -> list[SimpleNamespace]:
        rows = [r for _, r in sorted(self.tables.dossiers.items())
                if (r.organisation_id in organisations or r.pending_organisation_id in pending_organisations)
                and (not state or r.state == state)]
        return [_copy(r) for r in rows[offset:offset + limit]]

    def by_ids(self, dossier_ids: list[str]) -> list[SimpleNamespace]:
        return [_copy(self.tables.dossiers[i]) for i in dict.fromkeys(dossier_ids) if i in self.tables.dossiers]

    def in_organisations(self, organisations: set[int]) -> list[SimpleNamespace]:
        return [_copy(r) for _, r in sorted(self.tables.dossiers.items()) if r.organisation_id in organisations]

    def first_by_organisation(self, organisations: set[int], limit: int) -> list[SimpleNamespace]:
        rows = sorted((r for r in self.tables.dossiers.values() if r.organisation_id in organisations),
                      key=lambda r: (r.organisation_id, r.id))
        return [_copy(r) for r in rows[:limit]]

    def history(self, dossier_id: str) -> list[SimpleNamespace]:
        return [_copy(e) for e in self.tables.events.get(dossier_id, [])]

    def last_step_record(self, dossier_id: str, step_index: int) -> int | None:
        found = [r["event_seq"] for r in self.tables.index["step_record"]
                 if r["dossier_id"] == dossier_id and r["step_index"] == step_index]
        return found[-1] if found else None

    def index_rows(self, name: str, dossier_id: str | None = None) -> list[dict]:
        """For tests: the index rows ("step_record", "review", "material") written so far."""
        return [r for r in self.tables.index[name] if dossier_id is None or r["dossier_id"] == dossier_id]

    def _event(self, dossier_id: str, seq: int, kind: str, actor: str, payload: dict, prev: str) -> SimpleNamespace:
        text, at = canonical(payload), dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        event = SimpleNamespace(id=None, dossier_id=dossier_id, seq=seq, kind=kind, actor=actor, at=at, payload=text,
                                prev_hash=prev, hash=event_hash(dossier_id, seq, kind, actor, at, text, prev),
                                key_id=None)
        self.tables.events.setdefault(dossier_id, []).append(event)
        return event

    def create(self, document: Dossier, *, organisation_id: int, root_organisation_id: int, id_number: str | None,
               state: str, kind: str, actor: str, info: dict) -> SimpleNamespace:
        if document.id in self.tables.dossiers:  # the primary key
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT")
        after = document.to_json_dict()
        event = self._event(document.id, 1, kind, actor, {"info": info, "patch": diff({}, after)}, GENESIS)
        row = SimpleNamespace(id=document.id, organisation_id=organisation_id,
                              root_organisation_id=root_organisation_id, pending_organisation_id=None,
                              person_name=document.person.name, birth_date=document.person.birth_date,
                              id_number=id_number, state=state, version=1, head_hash=event.hash,
                              snapshot=canonical(after))
        self.tables.dossiers[row.id] = row
        return _copy(row)

    def append(self, row: Any, before: Dossier, after: Dossier, *, kind: str, actor: str, info: dict, state: str,
               index: tuple = (), complete: bool = False, **columns) -> SimpleNamespace:
        stored = self.tables.dossiers.get(row.id)
        committed = self.store.tables.dossiers.get(row.id)
        if stored is None or stored.version != row.version or stored.head_hash != row.head_hash \
                or (row.id not in self.written and committed is not None and committed.version != row.version):
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT")  # another unit of work moved it first
        self.written.setdefault(row.id, row.version)
        new = after.to_json_dict()
        seq = row.version + 1
        event = self._event(row.id, seq, kind, actor, {"info": info, "patch": diff(before.to_json_dict(), new)},
                            row.head_hash)
        for name, values in index:
            self.tables.index[name].append({**values, "dossier_id": row.id, "event_seq": seq})
        moved = {"version": seq, "head_hash": event.hash, "snapshot": canonical(new), "state": state, **columns}
        for target in (stored, row):
            for name, value in moved.items():
                setattr(target, name, value)
        return _copy(event)


class FakeOrgs:
    def __init__(self, tree: OrgTree):
        self._tree = tree

    def tree(self) -> OrgTree:
        return self._tree


class FakeMaterials:
    def __init__(self, tables: FakeTables):
        self.tables = tables

    def find(self, dossier_id: str, sha256: str) -> SimpleNamespace | None:
        return next((SimpleNamespace(**r) for r in self.tables.index["material"]
                     if r["dossier_id"] == dossier_id and r["sha256"] == sha256), None)


class FakeBlobs:
    def __init__(self, tables: FakeTables):
        self.tables = tables

    def store(self, data: bytes, media_type: str) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.tables.blobs.setdefault(digest, SimpleNamespace(sha256=digest, media_type=media_type, size=len(data),
                                                             data=data))
        return digest

    def exists(self, sha256: str) -> bool:
        return sha256 in self.tables.blobs

    def read(self, sha256: str) -> SimpleNamespace:
        blob = self.tables.blobs.get(sha256)
        if blob is None:
            raise MaterialCorrupt("材料文件丢失", code="MATERIAL_MISSING_FILE")
        if hashlib.sha256(blob.data).hexdigest() != sha256:
            raise MaterialCorrupt("材料文件内容与其 SHA-256 不符，可能已被篡改", code="MATERIAL_CORRUPT")
        return blob


class FakeMembers:
    def __init__(self, tables: FakeTables):
        self.tables = tables

    def get(self, member_id: int) -> SimpleNamespace | None:
        row = self.tables.members.get(member_id)
        return None if row is None else _copy(row)


class FakeLeague:
    def __init__(self, tables: FakeTables):
        self.tables = tables

    def get(self, nomination_id: int) -> SimpleNamespace | None:
        row = self.tables.league.get(nomination_id)
        return None if row is None else _copy(row)


class FakeChanges:
    """Proposals as `pending_change` rows; a row got here is this unit of work's own, so a decision set on
    its attributes is kept by `commit()` (and thrown away without it), as the SQL session does."""

    def __init__(self, tables: FakeTables):
        self.tables = tables

    def get(self, change_id: int) -> SimpleNamespace | None:
        return self.tables.changes.get(change_id)

    def of_dossier(self, dossier_id: str) -> list[SimpleNamespace]:
        return [c for _, c in sorted(self.tables.changes.items(), reverse=True) if c.dossier_id == dossier_id]

    def pending(self, limit: int) -> list[SimpleNamespace]:
        return [c for _, c in sorted(self.tables.changes.items()) if c.status == "pending"][:limit]

    def pending_of(self, dossier_id: str, kind: str) -> list[SimpleNamespace]:
        return [c for _, c in sorted(self.tables.changes.items())
                if c.dossier_id == dossier_id and c.kind == kind and c.status == "pending"]

    def add(self, **values) -> SimpleNamespace:
        change_id = max(self.tables.changes, default=0) + 1
        change = SimpleNamespace(id=change_id, status="pending", decided_by_user_id=None, decided_by=None,
                                 decided_on=None, comment=None, applied_event_seq=None, **values)
        self.tables.changes[change_id] = change
        return change


class FakeUsers:
    def __init__(self, tables: FakeTables):
        self.tables = tables

    def active_actor(self, user_id: int) -> Actor | None:
        return self.tables.users.get(user_id)


class FakeUnitOfWork:
    """`with FakeUnitOfWork(store) as uow:` works on a copy of the store; `commit()` hands it back.

    `commits` counts the commits, `rolled_back` says the last exit threw the uncommitted work away."""

    def __init__(self, store: FakeStore):
        self.store = store
        self.commits = 0
        self.rolled_back = False

    @property
    def committed(self) -> bool:
        return self.commits > 0

    def _open(self) -> None:
        self.tables = copy.deepcopy(self.store.tables)
        self.written: dict[str, int] = {}
        self.dossiers = FakeDossiers(self.tables, self.store, self.written)
        self.orgs = FakeOrgs(self.store.tree)
        self.materials = FakeMaterials(self.tables)
        self.blobs = FakeBlobs(self.tables)
        self.members = FakeMembers(self.tables)
        self.league = FakeLeague(self.tables)
        self.changes = FakeChanges(self.tables)
        self.users = FakeUsers(self.tables)

    def __enter__(self) -> "FakeUnitOfWork":
        self.rolled_back = False
        self._open()
        return self

    def __exit__(self, *exc) -> None:
        self.rollback()

    def commit(self) -> None:
        for dossier_id, base in self.written.items():  # the conditional UPDATE of the SQL unit of work
            committed = self.store.tables.dossiers.get(dossier_id)
            if committed is not None and committed.version != base:
                self.rollback()
                raise Conflict(CONFLICT_MESSAGE, code="CONFLICT")
        self.store.tables = self.tables
        self.commits += 1
        self._open()  # what follows in this unit of work is not written until the next commit

    def rollback(self) -> None:
        self.rolled_back = True
        self._open()
