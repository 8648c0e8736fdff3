"""The ledger of dossier heads: one sealed line per dossier ever created, and one sealed count.

A dossier's own chain proves its events were not edited, but not that the chain is complete or still
there: someone with database access could drop the last events, or the whole dossier. The ledger
records, for each dossier, its creation number, the dossier created just before it, and its last
event (sequence and seal); the seal row records how many dossiers exist and which came last. Every
line and the seal row are HMACs under the chain key, so `fazhan verify` names a dossier that is
missing, truncated or rewritten, even if its ledger line was deleted too (the next line, or the
seal row, still names it).

Writers check the line before moving it: a write onto a dossier whose history no longer matches
its ledger line is refused (IntegrityBroken), so normal use never seals over tampering.
"""
from __future__ import annotations

from sqlmodel import Session, select

from workflow.store.errors import Conflict
from workflow.store.events import canonical
from workflow.store.keys import KeyRing
from workflow.store.tables import Event, LedgerEntry, LedgerSeal

BROKEN_MESSAGE = "该档案的历史与档案账本不符（数据可能被绕过系统改动），已停止写入；请管理员运行 fazhan verify 查明"


class IntegrityBroken(Conflict):
    """The stored history does not match its seal; nothing more is written on top of it."""

    code = "INTEGRITY_BROKEN"


def entry_text(dossier_id: str, number: int, prev: str | None, last_seq: int, head: str, key_id: str) -> str:
    return canonical({"ledger": dossier_id, "number": number, "prev": prev, "last_seq": last_seq,
                      "head": head, "key_id": key_id})


def seal_text(count: int, last: str | None, key_id: str | None) -> str:
    return canonical({"ledger_seal": count, "last": last, "key_id": key_id})


def entry_ok(ring: KeyRing, entry: LedgerEntry) -> bool | None:
    text = entry_text(entry.dossier_id, entry.number, entry.prev_dossier_id, entry.last_seq, entry.head_hash,
                      entry.key_id)
    return ring.verify(text, entry.key_id, entry.mac)


def seal_ok(ring: KeyRing, seal: LedgerSeal) -> bool | None:
    """An empty, never sealed ledger is fine; otherwise the HMAC must hold."""
    if seal.count == 0 and seal.last_dossier_id is None and not seal.mac:
        return True
    return ring.verify(seal_text(seal.count, seal.last_dossier_id, seal.key_id), seal.key_id, seal.mac)


def reseal_entry(ring: KeyRing, entry: LedgerEntry, kid: str | None = None) -> None:
    entry.key_id = kid or ring.current
    entry.mac = ring.mac(entry_text(entry.dossier_id, entry.number, entry.prev_dossier_id, entry.last_seq,
                                    entry.head_hash, entry.key_id), entry.key_id)


def reseal_seal(ring: KeyRing, seal: LedgerSeal, kid: str | None = None) -> None:
    seal.key_id = kid or ring.current
    seal.mac = ring.mac(seal_text(seal.count, seal.last_dossier_id, seal.key_id), seal.key_id)


def locked_seal(session: Session) -> LedgerSeal:
    """The seal row, locked for this transaction (PostgreSQL; SQLite writers are serialised anyway)."""
    seal = session.exec(select(LedgerSeal).where(LedgerSeal.id == 1).with_for_update()).first()
    if seal is None:  # a database built without the migrations
        seal = LedgerSeal(id=1, count=0, mac="")
        session.add(seal)
    return seal


def _trusted(verdict: bool | None, ring: KeyRing, kid: str | None, message: str) -> None:
    """Raises unless the seal held; a key missing from the file is named as such (a lost or wrong key
    file stops every write, loudly, instead of sealing new data next to unverifiable old data)."""
    if verdict is True:
        return
    if verdict is None:
        raise IntegrityBroken(f"记录以密钥 {kid} 签封，但密钥文件 {ring.path} 中没有这把密钥（密钥文件丢失或不对），"
                              "已停止写入；请管理员恢复原密钥文件", code="KEY_UNKNOWN")
    raise IntegrityBroken(message, code="INTEGRITY_BROKEN")


def open_entry(session: Session, ring: KeyRing, dossier_id: str, last_seq: int, head: str,
               kid: str | None = None) -> LedgerEntry:
    """Adds the ledger line of a new dossier and moves the seal row on, in the caller's transaction."""
    seal = locked_seal(session)
    _trusted(seal_ok(ring, seal), ring, seal.key_id,
             "档案账本的签封不符（数据可能被绕过系统改动），不能再建立档案；请管理员运行 fazhan verify 查明")
    entry = LedgerEntry(dossier_id=dossier_id, number=seal.count + 1, prev_dossier_id=seal.last_dossier_id,
                        last_seq=last_seq, head_hash=head, key_id=kid or ring.current, mac="")
    reseal_entry(ring, entry, kid)
    seal.count, seal.last_dossier_id = seal.count + 1, dossier_id
    reseal_seal(ring, seal, kid)
    session.add(entry)
    session.add(seal)
    return entry


def check_fits(ring: KeyRing, entry, last_seq: int, head: str) -> None:
    """Raises unless the line's seal holds and it names `last_seq` and `head` as the dossier's last event:
    a write never seals over a history that no longer fits its line."""
    _trusted(entry_ok(ring, entry), ring, entry.key_id, BROKEN_MESSAGE)
    if entry.last_seq != last_seq or entry.head_hash != head:
        raise IntegrityBroken(BROKEN_MESSAGE, code="INTEGRITY_BROKEN")


def advance(session: Session, ring: KeyRing, dossier_id: str, event: Event) -> None:
    """Moves a dossier's line to its new last event, after checking the line still fits the chain."""
    entry = session.get(LedgerEntry, dossier_id)
    if entry is None:
        keyed = session.exec(select(Event.id).where(Event.dossier_id == dossier_id, Event.key_id.is_not(None),
                                                    Event.seq < event.seq).limit(1)).first()
        if keyed is not None:  # a sealed dossier without its line: the line was removed
            raise IntegrityBroken(BROKEN_MESSAGE, code="INTEGRITY_BROKEN")
        open_entry(session, ring, dossier_id, event.seq, event.hash)  # written before the chain was keyed
        return
    check_fits(ring, entry, event.seq - 1, event.prev_hash)
    entry.last_seq, entry.head_hash = event.seq, event.hash
    reseal_entry(ring, entry)
    session.add(entry)
