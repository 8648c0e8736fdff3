"""`fazhan keys rotate`: a new chain key, and every seal made again with it, after checking the old ones.

Rotation first verifies everything under the keys it has; if anything fails it refuses, because
re-sealing would turn tampered data into data that verifies. Dossiers written before the chain was
keyed carry only plain hashes and cannot be authenticated; they are sealed only when the
administrator asks for it (`--seal-unsealed`) after reading their list. Re-sealing goes dossier by
dossier, each in its own transaction, with every event naming the key that sealed it, so a rotation
cut short leaves data that still verifies; the old keys leave the key file only once nothing is
sealed with them any more. Run it while the service is stopped: a writer holding the old key in the
middle of a rotation is refused (CONFLICT) rather than allowed to break the chain.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from workflow.errors import FazhanError
from workflow.store import keys, ledger
from workflow.store.events import GENESIS, event_text
from workflow.store.tables import Dossier as DossierRow
from workflow.store.tables import Event, LedgerEntry
from workflow.store.verify import LEGACY_CODES, verify_all


class RotationRefused(FazhanError):
    code = "ROTATION_REFUSED"


@dataclass
class RotationReport:
    new_key: str
    old_keys: list[str]
    dossiers: int = 0
    events: int = 0
    sealed_unsealed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    created_key_file: bool = False


def _reseal(engine: Engine, ring: keys.KeyRing, kid: str, dossier_id: str) -> int:
    """Seals one dossier's events and ledger line again under `kid`; returns the number of events."""
    with Session(engine) as session:
        row = session.get(DossierRow, dossier_id)
        if row is None:
            return 0
        events = session.exec(select(Event).where(Event.dossier_id == dossier_id).order_by(Event.seq)).all()
        prev = GENESIS
        for event in events:
            event.prev_hash, event.key_id = prev, kid
            event.hash = ring.mac(event_text(event.dossier_id, event.seq, event.kind, event.actor, event.at,
                                             event.payload, prev, kid), kid)
            prev = event.hash
            session.add(event)
        moved = session.execute(update(DossierRow).where(DossierRow.id == dossier_id,
                                                         DossierRow.version == row.version)
                                .values(head_hash=prev).execution_options(synchronize_session=False))
        if moved.rowcount != 1:
            raise RotationRefused(f"档案 {dossier_id} 在重新签封时被修改，请停止服务后重新运行", code="CONFLICT")
        entry = session.get(LedgerEntry, dossier_id)
        last = events[-1].seq if events else 0
        if entry is None:
            ledger.open_entry(session, ring, dossier_id, last, prev, kid)
        else:
            entry.last_seq, entry.head_hash = last, prev
            ledger.reseal_entry(ring, entry, kid)
            session.add(entry)
        session.commit()
    return len(events)


def _reseal_seal(engine: Engine, ring: keys.KeyRing, kid: str) -> None:
    with Session(engine) as session:
        seal = ledger.locked_seal(session)
        if ledger.seal_ok(ring, seal) is not True:
            raise RotationRefused("档案账本的签封在轮换过程中不符，已停止", code="INTEGRITY_BROKEN")
        ledger.reseal_seal(ring, seal, kid)
        session.add(seal)
        session.commit()


def _left_behind(engine: Engine, kid: str) -> list[str]:
    """Dossiers with an event or ledger line sealed under another key (written during the rotation)."""
    with Session(engine) as session:
        stale = set(session.exec(select(Event.dossier_id).where(or_(Event.key_id != kid, Event.key_id.is_(None)))
                                 .distinct()).all())
        stale |= set(session.exec(select(LedgerEntry.dossier_id).where(LedgerEntry.key_id != kid)).all())
    return sorted(stale)


def _order(engine: Engine, unsealed: list[str]) -> list[str]:
    with Session(engine) as session:
        sealed = list(session.exec(select(LedgerEntry.dossier_id).order_by(LedgerEntry.number)).all())
        legacy = session.exec(select(DossierRow.id).where(DossierRow.id.in_(unsealed))
                              .order_by(DossierRow.created_at, DossierRow.id)).all() if unsealed else []
    return sealed + [d for d in legacy if d not in set(sealed)]


def rotate(engine: Engine, path: str | Path, *, seal_unsealed: bool = False) -> RotationReport:
    path = Path(path)
    created = False
    try:
        ring = keys.read(path)
    except keys.KeyFileError as exc:
        if exc.code != "KEY_FILE_MISSING":
            raise
        with Session(engine) as session:
            if session.exec(select(func.count()).select_from(Event).where(Event.key_id.is_not(None))).one():
                raise RotationRefused(f"数据库中已有密钥签封的记录，但找不到密钥文件 {path}：请先恢复密钥文件",
                                      code="KEY_FILE_MISSING") from None
        ring, created = keys.create(path), True
    with Session(engine) as session:
        _, problems = verify_all(session, ring)
    blocking = [p for p in problems if p.code not in LEGACY_CODES]
    if blocking:
        raise RotationRefused(f"校验发现 {len(blocking)} 处问题，不能轮换密钥（重新签封会掩盖被改动的数据）；"
                              "请先运行 fazhan verify 查明", details=[p.to_dict() for p in blocking[:100]])
    unsealed = sorted(p.dossier_id for p in problems if p.code in LEGACY_CODES)
    if unsealed and not seal_unsealed:
        raise RotationRefused(f"有 {len(unsealed)} 份档案写于密钥签封启用之前，其内容无法用密钥核对；确认无误后加 "
                              "--seal-unsealed 重新运行，将它们签封并登记入账本", code="UNSEALED_DOSSIERS",
                              details=[{"dossier_id": d, "message": f"档案 {d} 尚未签封"} for d in unsealed[:100]])
    old = sorted(ring.secrets)
    ring, kid = keys.add_key(path)
    report = RotationReport(new_key=kid, old_keys=old, sealed_unsealed=unsealed, created_key_file=created)
    for dossier_id in _order(engine, unsealed):
        report.events += _reseal(engine, ring, kid, dossier_id)
        report.dossiers += 1
    _reseal_seal(engine, ring, kid)
    ring = keys.make_current(path, kid)
    for dossier_id in _left_behind(engine, kid):  # sealed with the old key while the rotation ran
        _reseal(engine, ring, kid, dossier_id)
    _reseal_seal(engine, ring, kid)
    if not _left_behind(engine, kid):
        keys.make_current(path, kid, keep_only=True)
        report.retired = [k for k in old if k != kid]
    return report
