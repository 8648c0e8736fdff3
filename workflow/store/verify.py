"""`fazhan verify`: walks every dossier's event chain and names each place the data no longer matches."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from workflow.store.events import GENESIS, canonical, event_hash, project
from workflow.store.tables import Dossier as DossierRow
from workflow.store.tables import Event


@dataclass(frozen=True)
class Problem:
    dossier_id: str
    seq: int | None
    code: str
    message: str

    def to_dict(self) -> dict:
        return {"dossier_id": self.dossier_id, "seq": self.seq, "code": self.code, "message": self.message}


def verify_dossier(session: Session, row: DossierRow) -> list[Problem]:
    problems: list[Problem] = []
    events = session.exec(select(Event).where(Event.dossier_id == row.id).order_by(Event.seq)).all()
    prev, payloads = GENESIS, []
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(Problem(row.id, event.seq, "EVENT_SEQUENCE_GAP",
                                    f"事件序号应为 {expected_seq}，实为 {event.seq}（有事件被删除或插入）"))
        if event.prev_hash != prev:
            problems.append(Problem(row.id, event.seq, "EVENT_CHAIN_BROKEN", "事件记载的前一事件哈希与实际不符"))
        actual = event_hash(event.dossier_id, event.seq, event.kind, event.actor, event.at, event.payload,
                            event.prev_hash)
        if actual != event.hash:
            problems.append(Problem(row.id, event.seq, "EVENT_TAMPERED", "事件内容与其哈希不符（数据被直接改动）"))
        prev = event.hash
        try:
            payloads.append(json.loads(event.payload))
        except json.JSONDecodeError:
            problems.append(Problem(row.id, event.seq, "EVENT_UNREADABLE", "事件内容不是有效的 JSON"))
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
    return problems


def verify_all(session: Session) -> tuple[int, list[Problem]]:
    rows = session.exec(select(DossierRow).order_by(DossierRow.id)).all()
    problems: list[Problem] = []
    for row in rows:
        problems.extend(verify_dossier(session, row))
    return len(rows), problems
