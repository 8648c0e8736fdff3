"""The dossier repository and the unit of work: one use case, one transaction.

A write to a dossier appends event `version + 1` and moves the dossier's version with a conditional
UPDATE; if another transaction moved it first, nothing is written and `Conflict` is raised. Each
event is sealed with the chain key (workflow/store/keys.py) and moves the dossier's ledger line
(workflow/store/ledger.py) in the same transaction.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from workflow.dossier import Dossier, parse_dossier
from workflow.store import keys, ledger
from workflow.store.errors import Conflict
from workflow.store.events import GENESIS, canonical, diff, event_text
from workflow.store.tables import Dossier as DossierRow
from workflow.store.tables import Event

CONFLICT_MESSAGE = "该档案刚被其他操作修改，本次操作未保存，请刷新后重试"


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


class DossierRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, dossier_id: str) -> DossierRow | None:
        return self.session.get(DossierRow, dossier_id)

    @staticmethod
    def document(row: DossierRow) -> Dossier:
        return parse_dossier(row.snapshot, source=f"dossier:{row.id}")

    def _event(self, ring: keys.KeyRing, dossier_id: str, seq: int, kind: str, actor: str, payload: dict,
               prev: str) -> Event:
        """The event sealed with the current chain key (HMAC; workflow/store/keys.py)."""
        text, at = canonical(payload), _now_iso()
        seal = ring.mac(event_text(dossier_id, seq, kind, actor, at, text, prev, ring.current))
        return Event(dossier_id=dossier_id, seq=seq, kind=kind, actor=actor, at=at, payload=text, prev_hash=prev,
                     hash=seal, key_id=ring.current)

    def create(self, row: DossierRow, document: Dossier, *, kind: str, actor: str, info: dict) -> Event:
        after = document.to_json_dict()
        ring = keys.active()
        event = self._event(ring, row.id, 1, kind, actor, {"info": info, "patch": diff({}, after)}, GENESIS)
        row.version, row.head_hash, row.snapshot = 1, event.hash, canonical(after)
        self.session.add(row)
        self.session.flush()
        self.session.add(event)
        self.session.flush()
        ledger.open_entry(self.session, ring, row.id, event.seq, event.hash)
        return event

    def append(self, row: DossierRow, before: Dossier, after: Dossier, *, kind: str, actor: str, info: dict,
               state: str, **columns) -> Event:
        """Appends one event; `columns` (organisation moves) change the dossier row in the same UPDATE."""
        new = after.to_json_dict()
        payload = {"info": info, "patch": diff(before.to_json_dict(), new)}
        ring = keys.active()
        event = self._event(ring, row.id, row.version + 1, kind, actor, payload, row.head_hash)
        result = self.session.execute(
            update(DossierRow).where(DossierRow.id == row.id, DossierRow.version == row.version,
                                     DossierRow.head_hash == row.head_hash)  # a re-seal moves the head too
            .values(version=event.seq, head_hash=event.hash, snapshot=canonical(new), state=state, **columns)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT")
        self.session.add(event)
        try:
            self.session.flush()
        except IntegrityError:
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT") from None
        ledger.advance(self.session, ring, row.id, event)
        return event


class UnitOfWork:
    """A session whose changes are written only by `commit()`; leaving without it rolls back."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def __enter__(self) -> "UnitOfWork":
        self.session = Session(self.engine, expire_on_commit=False)
        self.dossiers = DossierRepository(self.session)
        return self

    def __exit__(self, *exc) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError as exc:
            self.session.rollback()
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT") from exc
        except OperationalError as exc:  # serialisation failure / lock timeout
            self.session.rollback()
            raise Conflict(CONFLICT_MESSAGE, code="CONFLICT") from exc


def loads(text: str) -> dict:
    return json.loads(text)
