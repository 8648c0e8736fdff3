"""Pairing (结对, 细则第九条) in the store, each use case one transaction: suggest contacts for a
branch's activists, assign them, replace a contact (the old pairing is closed and kept), and record
the pairing work (谈心谈话, 帮扶) that the half-year assessments cite.

The judgement is workflow.cultivation.pairing's (`suggest`, `check`, `replace`) under the branch's
pairing policy (checklists/pairing.py: the common practice as the organisation's overlay's
`[pairing]` table sets it); this layer adds who may act where, the day the server vouches for, and
persistence.
Activists are dossiers of the organisation's subtree; contacts are members registered there.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from checklists.pairing import member_roles, policy_for_overlay
from workflow.cultivation import pairing as domain
from workflow.errors import InputError
from workflow.store.access import READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.cultivation_tables import CultivationPairing, CultivationPairingActivity
from workflow.store.errors import Conflict, NotFound
from workflow.store.repository import UnitOfWork
from workflow.store.tables import Dossier as DossierRow
from workflow.store.tables import Member

ACTIVIST_STATE = "activist"


def roles_text(roles: Any) -> str | None:
    """Role tags as stored (sorted, comma-separated); refuses a tag member_roles.toml does not list."""
    if roles is None or roles == []:
        return None
    known = member_roles()
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InputError("roles 应为身份标签列表，如 [\"teacher\"]", code="VALUE_INVALID", field="roles")
    unknown = sorted(set(roles) - set(known))
    if unknown:
        raise InputError(f"未知的党员身份标签：{'、'.join(unknown)}（可用：{'、'.join(f'{k}（{v}）' for k, v in known.items())}）",
                         code="MEMBER_ROLE_UNKNOWN", field="roles")
    return ",".join(sorted(set(roles)))


def roles_of(row: Member) -> frozenset[str]:
    return frozenset(filter(None, (row.roles or "").split(",")))


def set_member_roles(uow: UnitOfWork, actor: Actor, member_id: Any, roles: Any) -> dict:
    """Replaces a registered member's role tags (the teacher scheme asks for `teacher`)."""
    from workflow.store.admin import member_dict

    tree = OrgTree.load(uow.session)
    row = uow.session.get(Member, member_id) if isinstance(member_id, int) and not isinstance(member_id, bool) else None
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该党员，或您无权查看", code="MEMBER_NOT_FOUND", field="member_id")
    tree.require_role(actor, row.organisation_id, WRITE_ROLES, "修改党员身份标签")
    row.roles = roles_text(roles)
    uow.session.add(row)
    uow.commit()
    return member_dict(row)


def policy_for(tree: OrgTree, organisation_id: int):
    """The branch's pairing policy: its overlay's (the nearest pinned above it) `[pairing]` choice, else
    the plain reading of 第九条 (checklists/pairing.py)."""
    _, overlay = tree.pinned(organisation_id)
    return policy_for_overlay(overlay)


def _activist(row: DossierRow, uow: UnitOfWork) -> domain.Activist:
    person = uow.dossiers.document(row).person.model_dump()
    klass = person.get("class") or person.get("klass")
    return domain.Activist(_label(row), klass if isinstance(klass, str) and klass else None)


def _label(row: DossierRow) -> str:
    return f"{row.person_name}（{row.id}）"


class _Names:
    """Members as the pairing functions see them: by name, with the organisation added where two
    members of the tree share a name, so their loads are never added together."""

    def __init__(self, uow: UnitOfWork, tree: OrgTree, organisation_id: int):
        self.tree = tree
        rows = uow.session.exec(select(Member).where(
            Member.organisation_id.in_(tree.subtree(tree.root(organisation_id))))).all()
        seen: dict[str, int] = {}
        for m in rows:
            seen[m.name] = seen.get(m.name, 0) + 1
        self.shared = {name for name, n in seen.items() if n > 1}

    def label(self, row: Member) -> str:
        return f"{row.name}（{self.tree.orgs[row.organisation_id].name}）" if row.name in self.shared else row.name

    def member(self, row: Member) -> domain.Member:
        return domain.Member(self.label(row), row.status, roles_of(row))


def _members(uow: UnitOfWork, tree: OrgTree, organisation_id: int) -> list[Member]:
    return list(uow.session.exec(select(Member).where(Member.organisation_id.in_(tree.subtree(organisation_id)))
                                 .order_by(Member.id)))


def _open(uow: UnitOfWork, tree: OrgTree, organisation_id: int) -> list[CultivationPairing]:
    return list(uow.session.exec(select(CultivationPairing).where(
        CultivationPairing.organisation_id.in_(tree.subtree(organisation_id)),
        CultivationPairing.end.is_(None)).order_by(CultivationPairing.id)))


def _assignments(uow: UnitOfWork, names: _Names, rows: list[CultivationPairing]) -> list[domain.Assignment]:
    out = []
    for p in rows:
        dossier = uow.dossiers.get(p.dossier_id)
        out.append(domain.Assignment(_activist(dossier, uow), names.member(uow.session.get(Member, p.member_id))))
    return out


def _day(value: Any, field: str, today: dt.date) -> dt.date:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise InputError(f"{field} 应为 YYYY-MM-DD 格式的日期", code="DATE_INVALID", field=field) from None
    if day > today:
        raise InputError(f"{field} 日期 {day} 晚于今天", code="DATE_IN_FUTURE", field=field)
    return day


def _pairing_dict(row: CultivationPairing, uow: UnitOfWork) -> dict:
    member = uow.session.get(Member, row.member_id)
    return {"id": row.id, "dossier_id": row.dossier_id, "member_id": row.member_id, "member": member.name,
            "start": row.start.isoformat(), "end": row.end.isoformat() if row.end else None,
            "end_reason": row.end_reason, "replaces_id": row.replaces_id, "policy": row.policy,
            "assigned_by": row.assigned_by}


def _refuse_violations(violations: list[domain.Violation], involved: set[str]) -> None:
    """Refuses with every finding about the people this change touches (others' old findings stay theirs)."""
    mine = [v for v in violations if v.who in involved]
    if mine:
        raise InputError("结对不符合规则：" + "；".join(v.message for v in mine), code=mine[0].code,
                         field="pairs", details=[{"code": v.code, "reason": v.message} for v in mine])


# ---------------------------------------------------------------- suggest and assign

def suggest_pairs(uow: UnitOfWork, actor: Actor, organisation_id: int) -> dict:
    """Contacts for the organisation's activists still short of them, least-loaded members first; those
    who cannot be served are listed with the reason. Nothing is stored."""
    tree = OrgTree.load(uow.session)
    tree.require_visible_org(actor, organisation_id)
    tree.require_role(actor, organisation_id, READ_ROLES, "查看结对建议")
    policy = policy_for(tree, organisation_id)
    rows = list(uow.session.exec(select(DossierRow).where(
        DossierRow.organisation_id.in_(tree.subtree(organisation_id)), DossierRow.state == ACTIVIST_STATE)
        .order_by(DossierRow.id)))
    by_label = {_label(r): r for r in rows}
    names = _Names(uow, tree, organisation_id)
    members = _members(uow, tree, organisation_id)
    by_name = {names.label(m): m for m in members}
    result = domain.suggest([_activist(r, uow) for r in rows], [names.member(m) for m in members], policy,
                            _assignments(uow, names, _open(uow, tree, tree.root(organisation_id))))
    return {"policy": policy.id, "policy_words": policy.words(),
            "pairs": [{"dossier_id": by_label[a.activist.name].id, "name": by_label[a.activist.name].person_name,
                       "member_id": by_name[a.member.name].id, "member": by_name[a.member.name].name} for a in result.assignments],
            "unserved": [{"dossier_id": by_label[u.activist.name].id, "name": by_label[u.activist.name].person_name,
                          "reason": u.reason} for u in result.unserved]}


def assign_pairs(uow: UnitOfWork, actor: Actor, organisation_id: int, pairs: Any, *, start: Any,
                 today: dt.date) -> list[dict]:
    """Stores new pairings (all or none) once the whole set of open pairings still keeps the policy for
    every activist and member they touch."""
    tree = OrgTree.load(uow.session)
    tree.require_visible_org(actor, organisation_id)
    tree.require_role(actor, organisation_id, WRITE_ROLES, "安排培养联系人")
    day = _day(start, "start", today)
    if not isinstance(pairs, list) or not pairs:
        raise InputError("结对应为非空列表，每项含 dossier_id 与 member_id", code="VALUE_INVALID", field="pairs")
    policy = policy_for(tree, organisation_id)
    names = _Names(uow, tree, organisation_id)
    current = _open(uow, tree, tree.root(organisation_id))
    taken = {(p.dossier_id, p.member_id) for p in current}
    new, involved = [], set()
    for i, pair in enumerate(pairs):
        if not isinstance(pair, dict):
            raise InputError("每项结对应为含 dossier_id 与 member_id 的对象", code="VALUE_INVALID", path=f"$[{i}]",
                             field="pairs")
        dossier = uow.dossiers.get(pair.get("dossier_id")) if isinstance(pair.get("dossier_id"), str) else None
        if dossier is None or dossier.organisation_id not in tree.subtree(organisation_id):
            raise NotFound(f"本组织没有档案 {pair.get('dossier_id')}", code="DOSSIER_NOT_FOUND",
                           path=f"$[{i}].dossier_id", field="dossier_id")
        member_id = pair.get("member_id")
        member = uow.session.get(Member, member_id) \
            if isinstance(member_id, int) and not isinstance(member_id, bool) else None
        if member is None or member.organisation_id not in tree.subtree(organisation_id):
            raise NotFound(f"本组织没有登记党员 {member_id}", code="MEMBER_NOT_FOUND", path=f"$[{i}].member_id",
                           field="member_id")
        if (dossier.id, member.id) in taken:
            raise Conflict(f"{member.name} 已是 {_label(dossier)} 的培养联系人", code="PAIRING_DUPLICATE",
                           path=f"$[{i}]", field="member_id")
        taken.add((dossier.id, member.id))
        involved |= {_label(dossier), names.label(member)}
        new.append(CultivationPairing(organisation_id=dossier.organisation_id, dossier_id=dossier.id,
                                      member_id=member.id, start=day, policy=policy.id,
                                      assigned_by_user_id=actor.user_id, assigned_by=actor.name))
    _refuse_violations(domain.check(_assignments(uow, names, [*current, *new]), policy), involved)
    uow.session.add_all(new)
    uow.commit()
    return [_pairing_dict(p, uow) for p in new]


# ---------------------------------------------------------------- replace, history, activity

def _pairing(uow: UnitOfWork, tree: OrgTree, actor: Actor, pairing_id: Any) -> CultivationPairing:
    row = uow.session.get(CultivationPairing, pairing_id) \
        if isinstance(pairing_id, int) and not isinstance(pairing_id, bool) else None
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该结对记录", code="PAIRING_NOT_FOUND", field="pairing_id")
    return row


def replace_pair(uow: UnitOfWork, actor: Actor, pairing_id: int, member_id: Any, *, on: Any, reason: Any,
                 today: dt.date) -> dict:
    """Replaces the contact of an open pairing from `on`: the old pairing is closed that day with the
    reason and kept; the new one names it. The new contact must keep the policy."""
    tree = OrgTree.load(uow.session)
    old = _pairing(uow, tree, actor, pairing_id)
    tree.require_role(actor, old.organisation_id, WRITE_ROLES, "更换培养联系人")
    day = _day(on, "date", today)
    member = uow.session.get(Member, member_id) \
        if isinstance(member_id, int) and not isinstance(member_id, bool) else None
    if member is None or tree.root(member.organisation_id) != tree.root(old.organisation_id):
        raise NotFound(f"找不到登记党员 {member_id}", code="MEMBER_NOT_FOUND", field="member_id")
    if old.end is not None:
        raise Conflict(f"该结对已于 {old.end} 结束，无从更换", code="PAIRING_ENDED", field="pairing_id")
    dossier = uow.dossiers.get(old.dossier_id)
    rows = list(uow.session.exec(select(CultivationPairing).where(CultivationPairing.dossier_id == old.dossier_id)))
    names = _Names(uow, tree, old.organisation_id)
    label = {r.id: names.label(uow.session.get(Member, r.member_id)) for r in rows}
    history = tuple(domain.Pairing(_label(dossier), label[r.id], r.start, r.end, r.end_reason) for r in rows)
    domain.replace(history, _label(dossier), label[old.id], names.label(member), day,
                   reason if isinstance(reason, str) else "")  # refuses a missing reason, a duplicate, a bad day
    policy = policy_for(tree, old.organisation_id)
    new = CultivationPairing(organisation_id=old.organisation_id, dossier_id=old.dossier_id, member_id=member.id,
                             start=day, replaces_id=old.id, policy=policy.id, assigned_by_user_id=actor.user_id,
                             assigned_by=actor.name)
    others = [p for p in _open(uow, tree, tree.root(old.organisation_id)) if p.id != old.id]
    _refuse_violations(domain.check(_assignments(uow, names, [*others, new]), policy),
                       {_label(dossier), names.label(member)})
    old.end, old.end_reason, old.ended_by_user_id = day, reason.strip(), actor.user_id
    uow.session.add_all([old, new])
    uow.commit()
    return {"closed": _pairing_dict(old, uow), "opened": _pairing_dict(new, uow)}


def record_activity(uow: UnitOfWork, actor: Actor, pairing_id: int, *, kind: Any, on: Any, note: Any = None,
                    today: dt.date) -> dict:
    """A 谈心谈话 or 帮扶 on a day within the pairing's time (a replaced contact's work stays before the change)."""
    tree = OrgTree.load(uow.session)
    row = _pairing(uow, tree, actor, pairing_id)
    tree.require_role(actor, row.organisation_id, WRITE_ROLES, "记录结对活动")
    if kind not in domain.ACTIVITY_KINDS:
        raise InputError(f"未知的结对活动“{kind}”，应为：{'、'.join(domain.ACTIVITY_KINDS)}",
                         code="PAIRING_ACTIVITY_KIND", field="kind")
    day = _day(on, "date", today)
    if day < row.start or (row.end is not None and day >= row.end):
        until = f"至 {row.end} 前" if row.end else "起"
        raise InputError(f"活动日期 {day} 不在该结对的时间内（{row.start}{until}）", code="PAIRING_DATE_INVALID",
                         field="date")
    if note is not None and (not isinstance(note, str) or len(note) > 2000):
        raise InputError("备注应为不超过 2000 字的文字", code="VALUE_INVALID", field="note")
    item = CultivationPairingActivity(pairing_id=row.id, kind=kind, happened_on=day, note=note or None,
                                      recorded_by_user_id=actor.user_id, recorded_by=actor.name)
    uow.session.add(item)
    uow.commit()
    return {"id": item.id, "pairing_id": row.id, "kind": kind, "date": day.isoformat(), "note": item.note,
            "recorded_by": actor.name}


def pairing_history(uow: UnitOfWork, actor: Actor, dossier_id: str, *, window: tuple[dt.date, dt.date] | None = None
                    ) -> dict:
    """A person's contacts over time (closed ones too) and the pairing work, counted over `window` when
    given (a half-year assessment's period)."""
    tree = OrgTree.load(uow.session)
    row = uow.dossiers.get(dossier_id) if isinstance(dossier_id, str) else None
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该档案，或您无权查看", code="DOSSIER_NOT_FOUND", field="dossier_id")
    pairings = list(uow.session.exec(select(CultivationPairing).where(CultivationPairing.dossier_id == dossier_id)
                                     .order_by(CultivationPairing.start, CultivationPairing.id)))
    ids = [p.id for p in pairings]
    items = list(uow.session.exec(select(CultivationPairingActivity).where(
        CultivationPairingActivity.pairing_id.in_(ids or [-1])).order_by(CultivationPairingActivity.happened_on)))
    member_of = {p.id: uow.session.get(Member, p.member_id).name for p in pairings}
    out = {"dossier_id": dossier_id, "pairings": [_pairing_dict(p, uow) for p in pairings],
           "activities": [{"id": a.id, "pairing_id": a.pairing_id, "member": member_of[a.pairing_id], "kind": a.kind,
                           "date": a.happened_on.isoformat(), "note": a.note} for a in items]}
    if window is not None:
        activities = [domain.Activity(dossier_id, member_of[a.pairing_id], a.kind, a.happened_on) for a in items]
        counted = domain.activity_summary(activities, *window).get(dossier_id, domain.ActivityCount())
        out["summary"] = {"talks": counted.talks, "help": counted.help}
    return out


# ---------------------------------------------------------------- what the assessments and the dashboard cite

MAX_CITED_ACTIVITIES = 40  # listed one by one on the form; the counts always cover the whole window


def pairing_citation(uow: UnitOfWork, dossier_id: str, start: dt.date, end: dt.date) -> dict:
    """The pairing work of one person from `start` to `end` (both included), as an assessment cites it:
    who was a contact at any time in the window (a replaced one too, for the days before the change),
    the 谈心谈话 and 帮扶 counted, and the dated items. No permission check: callers have made it."""
    pairings = list(uow.session.exec(select(CultivationPairing).where(CultivationPairing.dossier_id == dossier_id)
                                     .order_by(CultivationPairing.start, CultivationPairing.id)))
    names = {p.id: uow.session.get(Member, p.member_id).name for p in pairings}
    contacts = list(dict.fromkeys(names[p.id] for p in pairings
                                  if p.start <= end and (p.end is None or p.end > start)))
    items = list(uow.session.exec(select(CultivationPairingActivity).where(
        CultivationPairingActivity.pairing_id.in_([p.id for p in pairings] or [-1]),
        CultivationPairingActivity.happened_on >= start, CultivationPairingActivity.happened_on <= end)
        .order_by(CultivationPairingActivity.happened_on, CultivationPairingActivity.id)))
    counted = domain.activity_summary([domain.Activity(dossier_id, names[a.pairing_id], a.kind, a.happened_on)
                                       for a in items], start, end).get(dossier_id, domain.ActivityCount())
    listed = [{"date": a.happened_on.isoformat(), "kind": a.kind, "member": names[a.pairing_id]}
              for a in items[-MAX_CITED_ACTIVITIES:]]
    return {"from": start.isoformat(), "to": end.isoformat(), "contacts": contacts, "talks": counted.talks,
            "help": counted.help, "activities": listed, "not_listed": len(items) - len(listed)}


def pairing_overview(uow: UnitOfWork, actor: Actor, organisation_id: int, *, today: dt.date) -> dict:
    """For the dashboard: every person of the subtree with a pairing, the contacts now, and the work
    since the last assessment of the person's current kind (activist or probation), with its counts."""
    tree = OrgTree.load(uow.session)
    tree.require_visible_org(actor, organisation_id)
    tree.require_role(actor, organisation_id, READ_ROLES, "查看结对情况")
    rows = list(uow.session.exec(select(CultivationPairing).where(
        CultivationPairing.organisation_id.in_(tree.subtree(organisation_id)))
        .order_by(CultivationPairing.dossier_id, CultivationPairing.start)))
    people = []
    for dossier_id in dict.fromkeys(p.dossier_id for p in rows):
        row = uow.dossiers.get(dossier_id)
        dossier = uow.dossiers.document(row)
        period = "probation" if row.state == "probationary" else "activist"
        try:
            start, end = domain.assessment_window(dossier, period, today)
        except InputError:
            start, end = min(p.start for p in rows if p.dossier_id == dossier_id), today
        cited = pairing_citation(uow, dossier_id, start, end)
        current = [uow.session.get(Member, p.member_id).name for p in rows if p.dossier_id == dossier_id and p.end is None]
        people.append({"dossier_id": dossier_id, "name": row.person_name, "state": row.state, "period": period,
                       "contacts": current, "since": cited["from"], "talks": cited["talks"], "help": cited["help"],
                       "last_activity": cited["activities"][-1]["date"] if cited["activities"] else None})
    return {"organisation_id": organisation_id, "as_of": today.isoformat(), "people": people}
