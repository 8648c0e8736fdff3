"""Each user's inbox (issue 11): steps sent back to their recorder, steps waiting for a review this user
may sign, and deadlines in the next days or already passed; its count is shown in every page's header.

Cheap enough for every page: a dossier's part of everyone's inbox (its waiting steps, standing returns
and planned deadlines) depends only on its history, the day and the working-day calendar, so it is
computed once per (dossier, head of its event chain, day, calendar version) and kept in a bounded
in-process cache. A page then costs three small queries (the organisation tree, the ids and heads of
the visible dossiers, the calendar version) plus, for dossiers written since, their snapshots and the
few events that say who returned what. A step sent back waits for its recorder's correction, not in
the reviewers' lists.

Scope is the store's, as elsewhere: the visible dossiers are those `dossiers.list_dossiers` shows
(`tests/store/test_inbox.py` holds the two to the same answer), who may sign a step off is
`OrgTree.may_review` with the overlay's same-branch option, and deadlines go to the people who can act
on them (an organiser or administrator of the dossier's organisation).
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import or_
from sqlmodel import select

from workflow.adapters.sql import UnitOfWork
from workflow.audit import make_context
from workflow.dossier import parse_dossier
from workflow.machine import machine_for, procedure_machine
from workflow.plan import plan_dossier
from workflow.service_layer import reviewed_changes, reviews as review_cases
from workflow.store.access import READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.calendar_admin import calendar_version
from workflow.store.tables import Dossier as DossierRow
from workflow.store.tables import Event

MAX_DOSSIERS = 5000  # visible dossiers looked at per user; a larger tree reads its inbox by organisation
CACHE_SIZE = 20000
CHUNK = 500
RETURN_KINDS = ("step_recorded", "step_corrected", "step_reviewed", "step_returned")


@dataclass(frozen=True)
class Waiting:
    index: int
    step: str
    step_name: str
    date: dt.date
    recorded_by: str | None


@dataclass(frozen=True)
class Returned:
    index: int
    step: str
    step_name: str
    recorded_by: str | None
    by: str
    at: str
    comment: str


@dataclass(frozen=True)
class Deadline:
    step: str
    step_name: str
    deadline: dt.date
    earliest: dt.date
    rule: str
    blocked: bool


@dataclass(frozen=True)
class _Digest:
    """One dossier's part of everyone's inbox (nothing here depends on who asks)."""

    dossier_id: str
    name: str
    same_branch_review: bool
    waiting: tuple[Waiting, ...]
    returned: tuple[Returned, ...]
    deadlines: tuple[Deadline, ...]


@dataclass
class Item:
    dossier_id: str
    name: str
    kind: str  # returned | review | overdue | due
    step: str
    step_name: str
    index: int | None = None
    date: dt.date | None = None
    days: int | None = None
    by: str | None = None
    comment: str = ""
    rule: str = ""
    blocked: bool = False


@dataclass
class Inbox:
    returned: list[Item] = field(default_factory=list)
    reviews: list[Item] = field(default_factory=list)
    overdue: list[Item] = field(default_factory=list)
    due: list[Item] = field(default_factory=list)
    changes: list[Item] = field(default_factory=list)  # case events and fact corrections to decide

    @property
    def count(self) -> int:
        return len(self.returned) + len(self.reviews) + len(self.overdue) + len(self.due) + len(self.changes)

    def review_dossiers(self) -> list[str]:
        """The dossiers with steps waiting for this user's review, oldest waiting step first."""
        first: dict[str, tuple] = {}
        for item in self.reviews:
            key = (item.date, item.dossier_id)
            first[item.dossier_id] = min(first.get(item.dossier_id, key), key)
        return sorted(first, key=first.__getitem__)


# ---------------------------------------------------------------- the per-dossier digest and its cache

_cache: OrderedDict[tuple, _Digest] = OrderedDict()
_lock = threading.Lock()


def _cached(key: tuple) -> _Digest | None:
    with _lock:
        digest = _cache.get(key)
        if digest is not None:
            _cache.move_to_end(key)
        return digest


def _remember(key: tuple, digest: _Digest) -> None:
    with _lock:
        _cache[key] = digest
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _rule_label(dossier, day: dt.date, code: str | None) -> str:
    """"名称（规则集 条款）" as the dossier page shows it (api/web/views.rule_label)."""
    rs = make_context(dossier, day).ruleset_for(day)
    rule = rs.rule_by_code.get(code or "")
    if rule is None:
        return ""
    return f"{rule.name}（{rule.rule_set or rs.id}{' ' + rule.article if rule.article else ''}）"


def _standing_returns(events: list[tuple[int, str, str, str, dict]]) -> dict[int, list[tuple[str, str, str]]]:
    """Send-backs not yet answered: those after the step's latest recording, correction or review."""
    out: dict[int, list[tuple[str, str, str]]] = {}
    for _, kind, actor, at, info in sorted(events):
        index = info.get("index")
        if not isinstance(index, int):
            continue
        if kind == "step_returned":
            out.setdefault(index, []).append((actor, at[:10], str(info.get("comment", ""))))
        else:
            out.pop(index, None)
    return out


def _digest(row_id: str, snapshot: str, events: list, today: dt.date) -> _Digest:
    dossier = parse_dossier(snapshot, source=f"dossier:{row_id}")
    rs = machine_for(dossier, today).rule_set
    names = {s.id: s.name for s in rs.steps}
    waiting = tuple(Waiting(i, s.step, names.get(s.step, s.step), s.date, s.recorded_by)
                    for i, s in enumerate(dossier.steps) if not s.reviewed_by)
    returned = []
    for index, sends in _standing_returns(events).items():
        if index >= len(dossier.steps) or dossier.steps[index].reviewed_by:
            continue
        entry = dossier.steps[index]
        for by, at, comment in sends:
            returned.append(Returned(index, entry.step, names.get(entry.step, entry.step), entry.recorded_by,
                                     by, at, comment))
    deadlines = tuple(Deadline(n.step, n.name, n.deadline, n.earliest,
                               _rule_label(dossier, n.deadline, n.deadline_code), bool(n.blocked_by))
                      for n in plan_dossier(dossier, today).next if n.deadline is not None)
    return _Digest(row_id, dossier.person.name, review_cases.same_branch_review(dossier), waiting, tuple(returned),
                   deadlines)


def _digests(uow: UnitOfWork, rows: list, today: dt.date) -> dict[str, _Digest]:
    version = calendar_version(uow.session)
    out: dict[str, _Digest] = {}
    missing = []
    for row_id, head, *_ in rows:
        key = (row_id, head, today, version)
        digest = _cached(key)
        if digest is None:
            missing.append((row_id, key))
        else:
            out[row_id] = digest
    for start in range(0, len(missing), CHUNK):
        part = dict(missing[start:start + CHUNK])
        snapshots = dict(uow.session.exec(select(DossierRow.id, DossierRow.snapshot)
                                          .where(DossierRow.id.in_(list(part)))).all())
        events: dict[str, list] = {}
        for dossier_id, seq, kind, actor, at, payload in uow.session.exec(
                select(Event.dossier_id, Event.seq, Event.kind, Event.actor, Event.at, Event.payload)
                .where(Event.dossier_id.in_(list(part)), Event.kind.in_(RETURN_KINDS))).all():
            events.setdefault(dossier_id, []).append((seq, kind, actor, at, json.loads(payload).get("info") or {}))
        for row_id, key in part.items():
            if row_id not in snapshots:
                continue
            digest = _digest(row_id, snapshots[row_id], events.get(row_id, []), today)
            _remember(key, digest)
            out[row_id] = digest
    return out


# ---------------------------------------------------------------- one user's inbox

def visible_rows(uow: UnitOfWork, actor: Actor, tree: OrgTree) -> list:
    """(id, head hash, organisation, pending organisation) of what `dossiers.list_dossiers` shows."""
    read, write = tree.reach(actor, READ_ROLES), tree.reach(actor, WRITE_ROLES)
    return uow.session.exec(
        select(DossierRow.id, DossierRow.head_hash, DossierRow.organisation_id, DossierRow.pending_organisation_id)
        .where(or_(DossierRow.organisation_id.in_(read or {-1}), DossierRow.pending_organisation_id.in_(write or {-1})))
        .order_by(DossierRow.id).limit(MAX_DOSSIERS)).all()


def inbox_for(uow: UnitOfWork, actor: Actor, today: dt.date, due_days: int = 30) -> Inbox:
    tree = OrgTree.load(uow.session)
    rows = visible_rows(uow, actor, tree)
    digests = _digests(uow, rows, today)
    write = tree.reach(actor, WRITE_ROLES)
    box = Inbox()
    for row_id, _, org, pending in rows:
        digest = digests.get(row_id)
        if digest is None:
            continue
        if org in tree.orgs and tree.may_review(actor, org, digest.same_branch_review):
            sent_back = {r.index for r in digest.returned}  # waiting for their recorder, not for a reviewer
            box.reviews += [Item(row_id, digest.name, "review", w.step, w.step_name, index=w.index, date=w.date,
                                 by=w.recorded_by) for w in digest.waiting
                            if w.recorded_by != actor.name and w.index not in sent_back]
        box.returned += [Item(row_id, digest.name, "returned", r.step, r.step_name, index=r.index, by=r.by,
                              comment=r.comment, date=dt.date.fromisoformat(r.at) if _iso(r.at) else None)
                         for r in digest.returned if r.recorded_by == actor.name]
        if org in write or pending in write:
            for d in digest.deadlines:
                days = (d.deadline - today).days
                if days > due_days:
                    continue
                item = Item(row_id, digest.name, "overdue" if days < 0 else "due", d.step, d.step_name,
                            date=d.deadline, days=days, rule=d.rule, blocked=d.blocked)
                (box.overdue if days < 0 else box.due).append(item)
    box.changes = [_change_item(change) for change in reviewed_changes.waiting_for(uow, actor, tree=tree)]
    box.reviews.sort(key=lambda i: (i.date, i.dossier_id, i.index))
    box.returned.sort(key=lambda i: (i.date or today, i.dossier_id, i.index))
    box.overdue.sort(key=lambda i: (i.date, i.name))
    box.due.sort(key=lambda i: (i.date, i.name))
    return box


def _change_item(change: dict) -> Item:
    """A proposed case event or fact correction waiting for this reviewer, named as the checklist names it."""
    payload = change["payload"]
    if change["kind"] == "case_event":
        names = {e.id: e.name for e in procedure_machine().rule_set.case_events}
        what = names.get(payload.get("kind"), "案件事项")
    else:
        what = "更正考察、公示或思想汇报记录"
    return Item(change["dossier_id"], change.get("person_name", ""), "change", change["kind"], what,
                index=change["id"], date=change["proposed_on"], by=change["proposed_by"],
                comment=str(payload.get("reason") or ""))


def _iso(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
        return True
    except ValueError:
        return False
