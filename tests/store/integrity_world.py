"""A small store for the integrity tests, and the hands of someone who edits the database directly.

Three dossiers (D0, D1, D2, created in that order) of seven events each: created, s01 recorded, the
application letter uploaded, s01 reviewed, three thought reports. The tamperer knows the code (the
plain hash, the projection, the table layout) but not the chain key.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import text

from workflow.service_layer import dossiers, materials, reviews, steps
from workflow.store import admin
from workflow.store.access import Actor
from workflow.store.events import GENESIS, canonical, diff, event_hash, event_text, project

TODAY = dt.date(2026, 11, 21)
DOSSIERS = ("D0", "D1", "D2")


def scan(n: int) -> bytes:
    return b"%PDF-1.4\n% scan of dossier " + str(n).encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    root: int
    branch: int
    other_branch: int
    recorder: Actor
    reviewer: Actor


def build(uow) -> World:
    with uow() as u:
        root = admin.create_organisation(u, None, name="党委", level="committee", parent_id=None)["id"]
    with uow() as u:
        branch = admin.create_organisation(u, None, name="第一支部", level="branch", parent_id=root)["id"]
    with uow() as u:
        other = admin.create_organisation(u, None, name="第二支部", level="branch", parent_id=root)["id"]
    recorder = Actor(user_id=None, login="r", name="李书记", grants=((branch, "organiser"),))
    reviewer = Actor(user_id=None, login="v", name="王组织员", grants=((root, "reviewer"),))
    for n, (dossier_id, name) in enumerate(zip(DOSSIERS, ("张三", "李四", "王五"))):
        with uow() as u:
            dossiers.create_dossier(u, recorder, branch, {"name": name, "birth_date": f"2004-03-0{n + 1}"},
                                    dossier_id=dossier_id)
        with uow() as u:
            steps.record_step(u, recorder, dossier_id, {"step": "s01_application", "date": "2024-09-10"},
                              today=TODAY)
        with uow() as u:
            materials.attach_material(u, recorder, dossier_id, {"id": "application_letter", "step": "s01_application",
                                                                "signed_by": [name]}, scan(n),
                                      declared_type="application/pdf", filename=f"letter{n}.pdf", max_bytes=1 << 20)
        with uow() as u:
            reviews.review_step(u, reviewer, dossier_id, 0, today=TODAY)
        for day in ("2024-10-10", "2024-11-10", "2024-12-10"):
            with uow() as u:
                steps.add_fact(u, recorder, dossier_id, "thought_reports", {"date": day})
    return World(root, branch, other, recorder, reviewer)


# ---------------------------------------------------------------- the tamperer's tools (plain SQL)

def events(conn, dossier_id: str) -> list:
    return conn.execute(text('SELECT id, seq, kind, actor, "at", payload, prev_hash, hash, key_id FROM event '
                             "WHERE dossier_id = :d ORDER BY seq"), {"d": dossier_id}).all()


def rewrite(conn, dossier_id: str, edit=None, *, keep: int | None = None, strip_key: bool = False,
            forge_ring=None) -> None:
    """Edits a dossier's events with `edit(row) -> (actor, payload)` and makes everything consistent
    again the way the code does it: plain hashes (or a seal under the tamperer's own key), head,
    version and snapshot. `keep` cuts the history after that many events."""
    rows = events(conn, dossier_id)
    if keep is not None:
        conn.execute(text("DELETE FROM event WHERE dossier_id = :d AND seq > :k"), {"d": dossier_id, "k": keep})
        rows = rows[:keep]
    prev, payloads = GENESIS, []
    for row in rows:
        actor, payload = edit(row) if edit else (row.actor, row.payload)
        if forge_ring is not None:
            kid = forge_ring.current
            seal = forge_ring.mac(event_text(dossier_id, row.seq, row.kind, actor, row.at, payload, prev, kid))
        else:
            kid = None if strip_key else row.key_id
            seal = event_hash(dossier_id, row.seq, row.kind, actor, row.at, payload, prev)
        conn.execute(text("UPDATE event SET actor = :a, payload = :p, prev_hash = :ph, hash = :h, key_id = :k "
                          "WHERE id = :id"), {"a": actor, "p": payload, "ph": prev, "h": seal, "k": kid, "id": row.id})
        prev = seal
        payloads.append(json.loads(payload))
    conn.execute(text("UPDATE dossier SET head_hash = :h, version = :v, snapshot = :s WHERE id = :d"),
                 {"h": prev, "v": len(rows), "s": canonical(project(payloads)), "d": dossier_id})


def delete_dossier(conn, dossier_id: str, *, ledger_line: bool = False) -> None:
    for table in ("material", "steprecord", "review", "event"):
        conn.execute(text(f"DELETE FROM {table} WHERE dossier_id = :d"), {"d": dossier_id})
    conn.execute(text("DELETE FROM dossier WHERE id = :d"), {"d": dossier_id})
    if ledger_line:
        conn.execute(text("DELETE FROM ledger_entry WHERE dossier_id = :d"), {"d": dossier_id})


def insert_fabricated(conn, world: World, dossier_id: str) -> None:
    """A whole dossier written straight into the tables, with correct plain hashes and snapshot."""
    document = {"format": "dossier/1", "id": dossier_id, "rule_set": None, "overlay": None,
                "person": {"name": "赵六", "birth_date": "2003-01-01"},
                "steps": [{"step": "s01_application", "date": "2024-09-10", "recorded_by": "李书记",
                           "reviewed_by": "王组织员", "reviewed_on": "2024-09-11", "review_source": "system"}]}
    payload = canonical({"info": {"organisation_id": world.branch}, "patch": diff({}, document)})
    at = "2026-11-21T08:00:00.000000+00:00"
    seal = event_hash(dossier_id, 1, "created", "李书记", at, payload, GENESIS)
    conn.execute(text("INSERT INTO dossier (id, organisation_id, root_organisation_id, person_name, birth_date, "
                      "state, version, head_hash, snapshot, created_at) VALUES (:id, :o, :r, '赵六', :b, "
                      "'applicant', 1, :h, :s, :at)"),
                 {"id": dossier_id, "o": world.branch, "r": world.root, "b": dt.date(2003, 1, 1), "h": seal,
                  "s": canonical(document), "at": at})
    conn.execute(text('INSERT INTO event (dossier_id, seq, kind, actor, "at", payload, prev_hash, hash) '
                      "VALUES (:d, 1, 'created', '李书记', :at, :p, :g, :h)"),
                 {"d": dossier_id, "at": at, "p": payload, "g": GENESIS, "h": seal})
