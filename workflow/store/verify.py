"""`fazhan verify`: walks every dossier's sealed chain and the ledger, and names each place the data
no longer matches, including dossiers that are missing, truncated or rewritten.

What is checked, and why each check is needed:
- each event's seal (HMAC under the chain key): an edited row, or a chain recomputed with plain
  hashes by someone without the key, fails here;
- sequence numbers and links: a deleted, inserted or reordered event;
- the dossier row (version, head, snapshot) against its events: a row edited on its own;
- the dossier's ledger line (last event and seal): a chain cut short or replaced wholesale;
- the ledger's numbering, links and seal row: a dossier deleted together with its ledger line;
- the uploaded files the events name: a scan replaced or removed in the blob table.
A key id the key file does not hold is reported once per key (a wrong key file), not per event.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, select

from workflow.store import keys, ledger
from workflow.store.events import GENESIS, canonical, event_hash, event_text, project
from workflow.store.keys import KeyRing
from workflow.store.tables import Blob, Event, LedgerEntry, LedgerSeal
from workflow.store.tables import Dossier as DossierRow

LEGACY_CODES = frozenset({"DOSSIER_UNSEALED"})
"""Problems of data written before the chain was keyed, which `fazhan keys rotate` seals after checking."""


@dataclass(frozen=True)
class Problem:
    dossier_id: str | None
    seq: int | None
    code: str
    message: str

    def to_dict(self) -> dict:
        return {"dossier_id": self.dossier_id, "seq": self.seq, "code": self.code, "message": self.message}


@dataclass
class _Walk:
    ring: KeyRing | None
    unknown_keys: Counter = field(default_factory=Counter)
    files: dict[str, str] = field(default_factory=dict)  # sha256 of every uploaded file -> a dossier naming it


def _check_seal(walk: _Walk, event: Event, after_keyed: bool, row_id: str, problems: list[Problem]) -> bool:
    """Checks one event's seal; returns False for an event without a key.

    Unkeyed events are history written before the chain was keyed: their plain hashes are checked,
    and they may only come first (a keyed event's seal covers the last one's hash, which binds them
    all); an unkeyed event after a keyed one had its seal removed."""
    if event.key_id is None:
        if after_keyed:
            problems.append(Problem(row_id, event.seq, "EVENT_UNSEALED",
                                    "事件没有密钥签封，却排在已签封的事件之后（签封被去除，内容可能被改写）"))
        elif event_hash(event.dossier_id, event.seq, event.kind, event.actor, event.at, event.payload,
                        event.prev_hash) != event.hash:
            problems.append(Problem(row_id, event.seq, "EVENT_TAMPERED", "事件内容与其哈希不符（数据被直接改动）"))
        return False
    if walk.ring is None:
        walk.unknown_keys[event.key_id] += 1
        return True
    text = event_text(event.dossier_id, event.seq, event.kind, event.actor, event.at, event.payload,
                      event.prev_hash, event.key_id)
    verdict = walk.ring.verify(text, event.key_id, event.hash)
    if verdict is None:
        walk.unknown_keys[event.key_id] += 1
    elif not verdict:
        problems.append(Problem(row_id, event.seq, "EVENT_TAMPERED", "事件内容与其密钥签封不符（数据被直接改动）"))
    return True


def _placement(row: DossierRow, events: list[Event], payloads: list[dict]) -> list[Problem]:
    """The organisation columns replayed from the events (creation, then each transfer names its ids).

    History written before transfers recorded their ids cannot be replayed; it is left unjudged."""
    placed: dict[str, int | None] = {}
    pending_known = True
    for event, payload in zip(events, payloads):
        info = payload.get("info") if isinstance(payload, dict) else None
        if not isinstance(info, dict):
            return []
        if event.kind in ("created", "imported"):
            placed = {"organisation_id": info.get("organisation_id"), "pending_organisation_id": None}
            continue
        if event.kind == "case_transfer_in" and "organisation_id" not in info:
            return []
        if event.kind == "case_transfer_out" and "pending_organisation_id" not in info:
            pending_known = False  # out of the system, or written before transfers named their target
        for key in ("organisation_id", "pending_organisation_id"):
            if key in info:
                placed[key] = info[key]
    if not placed or placed.get("organisation_id") is None:
        return []
    stored = (row.organisation_id, row.pending_organisation_id if pending_known else None)
    if (placed["organisation_id"], placed.get("pending_organisation_id") if pending_known else None) != stored:
        return [Problem(row.id, None, "PLACEMENT_MISMATCH",
                        f"档案所属组织（{row.organisation_id}，待转入 {row.pending_organisation_id}）与事件记录"
                        f"（{placed['organisation_id']}，待转入 {placed.get('pending_organisation_id')}）不符")]
    return []


def verify_dossier(session: Session, row: DossierRow, walk: _Walk | None = None,
                   entry: LedgerEntry | None = None) -> list[Problem]:
    walk = walk or _Walk(ring=None)
    problems: list[Problem] = []
    events = session.exec(select(Event).where(Event.dossier_id == row.id).order_by(Event.seq)).all()
    prev, payloads, unkeyed = GENESIS, [], 0
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(Problem(row.id, event.seq, "EVENT_SEQUENCE_GAP",
                                    f"事件序号应为 {expected_seq}，实为 {event.seq}（有事件被删除或插入）"))
        if event.prev_hash != prev:
            problems.append(Problem(row.id, event.seq, "EVENT_CHAIN_BROKEN", "事件记载的前一事件哈希与实际不符"))
        if not _check_seal(walk, event, unkeyed < expected_seq - 1, row.id, problems):
            unkeyed += 1
        prev = event.hash
        try:
            payload = json.loads(event.payload)
            payloads.append(payload)
        except json.JSONDecodeError:
            problems.append(Problem(row.id, event.seq, "EVENT_UNREADABLE", "事件内容不是有效的 JSON"))
            continue
        if event.kind == "material_attached" and isinstance(payload, dict):
            digest = (payload.get("info") or {}).get("sha256")
            if isinstance(digest, str):
                walk.files.setdefault(digest, row.id)
    problems.extend(_placement(row, events, payloads))
    if not events:
        problems.append(Problem(row.id, None, "EVENTS_MISSING", "档案没有任何事件记录"))
        return problems
    if row.version != len(events) or row.head_hash != prev:
        problems.append(Problem(row.id, None, "HEAD_MISMATCH", "档案的版本号或最新哈希与事件记录不符"))
    try:
        replayed = canonical(project(payloads))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        replayed = None  # a history with holes may not even replay
    if replayed != row.snapshot:
        problems.append(Problem(row.id, None, "SNAPSHOT_MISMATCH", "档案当前内容与事件记录推演的结果不符"))
    if entry is None:
        if unkeyed == len(events):
            problems.append(Problem(row.id, None, "DOSSIER_UNSEALED",
                                    f"档案的 {unkeyed} 个事件写于密钥签封启用之前，尚未签封、未登记在账本中"
                                    "（请运行 fazhan keys rotate）"))
        else:
            problems.append(Problem(row.id, None, "DOSSIER_NOT_IN_LEDGER",
                                    "档案不在档案账本中（账本记录被删除，或档案是绕过系统写入的）"))
    elif unkeyed == len(events):
        problems.append(Problem(row.id, None, "EVENT_UNSEALED",
                                "档案已登记在账本中，但它的事件都没有密钥签封（签封被去除，内容可能被改写）"))
    if entry is not None and (entry.last_seq != events[-1].seq or entry.head_hash != events[-1].hash):
        problems.append(Problem(row.id, None, "LEDGER_HEAD_MISMATCH",
                                f"账本登记该档案的最后一个事件为第 {entry.last_seq} 号，实际为第 {events[-1].seq} 号"
                                "或其签封不同（事件被截断、追加或整条改写）"))
    return problems


def _ledger_problems(walk: _Walk, entries: dict[str, LedgerEntry], seal: LedgerSeal | None,
                     present: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    ring = walk.ring
    by_number = {e.number: e for e in entries.values()}
    for entry in sorted(entries.values(), key=lambda e: e.number):
        verdict = ledger.entry_ok(ring, entry) if ring is not None else None
        if verdict is None:
            walk.unknown_keys[entry.key_id] += 1
        elif not verdict:
            problems.append(Problem(entry.dossier_id, None, "LEDGER_TAMPERED", "账本中该档案的登记与其签封不符（账本被直接改动）"))
        if entry.dossier_id not in present:
            problems.append(Problem(entry.dossier_id, None, "DOSSIER_MISSING",
                                    f"账本第 {entry.number} 号登记的档案（最后事件第 {entry.last_seq} 号）已不存在："
                                    "整份档案被删除"))
        before = by_number.get(entry.number - 1)
        if before is not None and entry.prev_dossier_id != before.dossier_id:
            problems.append(Problem(entry.dossier_id, None, "LEDGER_CHAIN_BROKEN",
                                    f"账本第 {entry.number} 号记载的前一份档案为 {entry.prev_dossier_id}，"
                                    f"实为 {before.dossier_id}"))
    count = seal.count if seal is not None else 0
    highest = max(by_number, default=0)
    for number in range(1, max(count, highest) + 1):
        if number in by_number:
            continue
        after = by_number.get(number + 1)
        named = after.prev_dossier_id if after is not None else (seal.last_dossier_id if number == count and seal
                                                                  else None)
        who = f"档案 {named}" if named else "一份档案"
        what = "档案本身仍在，但已脱离账本" if named in present else "该档案连同其账本记录一起被删除"
        problems.append(Problem(named, None, "LEDGER_ENTRY_MISSING", f"账本第 {number} 号记录（{who}）被删除：{what}"))
    if seal is None:
        if entries:
            problems.append(Problem(None, None, "LEDGER_SEAL_MISSING", "档案账本的签封行不存在（被删除）"))
        return problems
    verdict = ledger.seal_ok(ring, seal) if ring is not None else None
    if verdict is None and seal.key_id is not None:
        walk.unknown_keys[seal.key_id] += 1
    elif verdict is False:
        problems.append(Problem(None, None, "LEDGER_SEAL_TAMPERED", "档案账本的签封行与其签封不符（被直接改动）"))
    last = by_number.get(highest)
    if highest > count or (last is not None and highest == count and seal.last_dossier_id != last.dossier_id):
        problems.append(Problem(None, None, "LEDGER_SEAL_MISMATCH",
                                f"账本签封记载 {count} 份档案（最后一份为 {seal.last_dossier_id}），"
                                f"账本中最大编号为 {highest}"))
    return problems


def _file_problems(session: Session, walk: _Walk) -> list[Problem]:
    problems = []
    for digest, dossier_id in sorted(walk.files.items()):
        blob = session.get(Blob, digest)
        if blob is None:
            problems.append(Problem(dossier_id, None, "MATERIAL_FILE_MISSING", f"上传的材料文件 {digest[:12]}… 已不存在"))
        elif hashlib.sha256(blob.data).hexdigest() != digest or len(blob.data) != blob.size:
            problems.append(Problem(dossier_id, None, "MATERIAL_CORRUPT",
                                    f"上传的材料文件 {digest[:12]}… 的内容与其 SHA-256 不符（文件被替换或改动）"))
        if blob is not None:
            session.expunge(blob)  # keep memory flat over many files
    return problems


_CONFIGURED = object()


def configured_ring() -> KeyRing | None:
    """The ring of the configured key file, or None when there is none (verify never creates one)."""
    try:
        return keys.read(keys.key_path())
    except keys.KeyFileError as exc:
        if exc.code == "KEY_FILE_MISSING":
            return None
        raise


def verify_all(session: Session, ring: KeyRing | None | object = _CONFIGURED) -> tuple[int, list[Problem]]:
    """(dossiers checked, problems). By default the configured key file is used; a ring of None
    (no key file) still checks everything but the seals, and says so."""
    if ring is _CONFIGURED:
        ring = configured_ring()
    walk = _Walk(ring=ring)
    entries = {e.dossier_id: e for e in session.exec(select(LedgerEntry)).all()}
    seal = session.get(LedgerSeal, 1)
    rows = session.exec(select(DossierRow).order_by(DossierRow.id)).all()
    problems: list[Problem] = []
    for row in rows:
        problems.extend(verify_dossier(session, row, walk, entries.get(row.id)))
    problems.extend(_ledger_problems(walk, entries, seal, {r.id for r in rows}))
    problems.extend(_file_problems(session, walk))
    where = ring.path if ring is not None else "（未找到密钥文件）"
    for kid, count in sorted(walk.unknown_keys.items()):
        problems.insert(0, Problem(None, None, "KEY_UNKNOWN",
                                   f"有 {count} 条记录以密钥 {kid} 签封，但密钥文件 {where} 中没有这把密钥："
                                   "密钥文件不对，或这些记录是伪造的；这些签封无法核对"))
    return len(rows), problems
