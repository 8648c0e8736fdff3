"""Use cases that shape the installation: organisations, members, users and the calendar table."""
from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from checklists.calendar import parse_overrides
from checklists.errors import ChecklistError
from checklists.loader import default_catalogue
from workflow.dates import default_calendar
from workflow.errors import InputError
from workflow.store.access import ADMIN_ROLES, READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.accounts import hash_password
from workflow.store.errors import Conflict, Forbidden
from workflow.store.repository import UnitOfWork
from workflow.store.tables import (
    LEVELS,
    ROLES,
    CalendarOverride,
    Member,
    Organisation,
    RoleGrant,
    User,
)

MEMBER_STATUSES = ("full", "probationary")


def org_dict(org: Organisation) -> dict:
    return {"id": org.id, "name": org.name, "level": org.level, "parent_id": org.parent_id,
            "rule_set": org.rule_set, "overlay": org.overlay}


def _check_pins(rule_set: str | None, overlay: str | None) -> None:
    catalogue = default_catalogue()
    if rule_set is not None and rule_set not in catalogue.national:
        raise InputError(f"未知的规则集“{rule_set}”，可用：{'、'.join(catalogue.national)}", code="RULESET_UNKNOWN",
                         field="rule_set")
    if overlay is not None:
        try:
            catalogue.register_overlay(overlay)
        except ChecklistError as exc:
            raise InputError(exc.message, code=exc.code, field="overlay") from None


def _text(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{field} 不能为空", code="FIELD_REQUIRED", field=field)
    if len(value) > limit:
        raise InputError(f"{field} 过长（最多 {limit} 字）", code="VALUE_INVALID", field=field)
    return value.strip()


def create_organisation(uow: UnitOfWork, actor: Actor | None, *, name: str, level: str, parent_id: int | None,
                        rule_set: str | None = None, overlay: str | None = None) -> dict:
    """A root (基层党委) only from the command line (`actor` None); below it, an admin of the parent."""
    tree = OrgTree.load(uow.session)
    name = _text(name, "name", 200)
    if level not in LEVELS:
        raise InputError(f"组织层级应为 {'、'.join(LEVELS)} 之一", code="VALUE_INVALID", field="level")
    if parent_id is None:
        if actor is not None:
            raise Forbidden("只能在命令行建立最上层组织", code="FORBIDDEN")
    else:
        tree.require_visible_org(actor, parent_id) if actor else None
        if parent_id not in tree.orgs:
            raise InputError("上级组织不存在", code="ORGANISATION_NOT_FOUND", field="parent_id")
        if actor is not None:
            tree.require_role(actor, parent_id, ADMIN_ROLES, "建立下级组织")
        if LEVELS.index(level) <= LEVELS.index(tree.orgs[parent_id].level):
            raise InputError("下级组织的层级必须低于上级组织", code="VALUE_INVALID", field="level")
    _check_pins(rule_set, overlay)
    if uow.session.exec(select(Organisation).where(Organisation.parent_id == parent_id,
                                                   Organisation.name == name)).first():
        raise Conflict(f"已有名为“{name}”的组织", code="ORGANISATION_EXISTS", field="name")
    org = Organisation(name=name, level=level, parent_id=parent_id, rule_set=rule_set, overlay=overlay)
    uow.session.add(org)
    uow.session.flush()
    org.root_id = tree.root(parent_id) if parent_id is not None else org.id
    uow.commit()
    return org_dict(org)


def list_organisations(uow: UnitOfWork, actor: Actor) -> list[dict]:
    tree = OrgTree.load(uow.session)
    reach = tree.reach(actor, READ_ROLES)
    return [org_dict(tree.orgs[i]) for i in sorted(reach)]


def get_organisation(uow: UnitOfWork, actor: Actor, org_id: int) -> dict:
    tree = OrgTree.load(uow.session)
    return org_dict(tree.require_visible_org(actor, org_id))


def member_dict(member: Member) -> dict:
    return {"id": member.id, "organisation_id": member.organisation_id, "name": member.name,
            "status": member.status, "discipline": member.discipline}


def create_member(uow: UnitOfWork, actor: Actor, *, organisation_id: int, name: str, status: str,
                  discipline: str | None = None) -> dict:
    tree = OrgTree.load(uow.session)
    tree.require_visible_org(actor, organisation_id)
    tree.require_role(actor, organisation_id, WRITE_ROLES, "登记党员")
    name = _text(name, "name", 100)
    if status not in MEMBER_STATUSES:
        raise InputError("status 应为 full（正式党员）或 probationary（预备党员）", code="VALUE_INVALID",
                         field="status")
    if discipline is not None and not isinstance(discipline, str):
        raise InputError("discipline 应为文字或 null", code="VALUE_INVALID", field="discipline")
    if uow.session.exec(select(Member).where(Member.organisation_id == organisation_id, Member.name == name)).first():
        raise Conflict(f"本组织已登记党员“{name}”", code="MEMBER_EXISTS", field="name")
    member = Member(organisation_id=organisation_id, name=name, status=status, discipline=discipline or None)
    uow.session.add(member)
    uow.commit()
    return member_dict(member)


def list_members(uow: UnitOfWork, actor: Actor, organisation_id: int | None = None) -> list[dict]:
    tree = OrgTree.load(uow.session)
    reach = tree.reach(actor, READ_ROLES)
    if organisation_id is not None:
        tree.require_visible_org(actor, organisation_id)
        reach &= tree.subtree(organisation_id)
    rows = uow.session.exec(select(Member).where(Member.organisation_id.in_(reach or {-1})).order_by(Member.id)).all()
    return [member_dict(m) for m in rows]


def get_member(uow: UnitOfWork, actor: Actor, member_id: int) -> dict:
    from workflow.store.errors import NotFound

    tree = OrgTree.load(uow.session)
    member = uow.session.get(Member, member_id)
    if member is None or member.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该党员，或您无权查看", code="MEMBER_NOT_FOUND", field="member_id")
    return member_dict(member)


def create_user(uow: UnitOfWork, actor: Actor | None, *, login: str, display_name: str, password: str,
                grants: list[tuple[int, str]]) -> dict:
    """`actor` None is the command line; otherwise an admin may grant roles only inside their subtree."""
    tree = OrgTree.load(uow.session)
    login = _text(login, "login", 64)
    display_name = _text(display_name, "display_name", 100)
    if not isinstance(password, str) or len(password) < 8:
        raise InputError("密码至少 8 位", code="PASSWORD_WEAK", field="password")
    for org_id, role in grants:
        if role not in ROLES:
            raise InputError(f"角色应为 {'、'.join(ROLES)} 之一", code="VALUE_INVALID", field="role")
        if org_id not in tree.orgs:
            raise InputError("组织不存在", code="ORGANISATION_NOT_FOUND", field="organisation_id")
        if actor is not None:
            tree.require_role(actor, org_id, ADMIN_ROLES, "授予该角色")
    if uow.session.exec(select(User).where(User.login == login)).first():
        raise Conflict(f"用户名“{login}”已存在", code="USER_EXISTS", field="login")
    if uow.session.exec(select(User).where(User.display_name == display_name)).first():
        raise Conflict(f"姓名“{display_name}”已被其他用户使用（审核记录按姓名区分记录人）", code="USER_EXISTS",
                       field="display_name")
    user = User(login=login, display_name=display_name, password_hash=hash_password(password))
    uow.session.add(user)
    uow.session.flush()
    for org_id, role in sorted(set(grants)):
        uow.session.add(RoleGrant(user_id=user.id, organisation_id=org_id, role=role))
    uow.commit()
    return {"id": user.id, "login": user.login, "display_name": user.display_name,
            "roles": [{"organisation_id": o, "role": r} for o, r in sorted(set(grants))]}


def set_calendar_year(uow: UnitOfWork, actor: Actor | None, entry: dict) -> dict:
    """Enters the official working-day calendar of a year (an administrator of a top organisation)."""
    if actor is not None:
        tree = OrgTree.load(uow.session)
        roots = {o.id for o in tree.orgs.values() if o.parent_id is None}
        if not any(role == "admin" and org in roots for org, role in actor.grants):
            raise Forbidden("只有最上层组织的管理员可以录入节假日安排", code="FORBIDDEN")
    try:
        parsed = parse_overrides({"years": [entry]}, file="<request>")
    except ChecklistError as exc:
        raise InputError(exc.message, code=exc.code, path="$", details=exc.details) from None
    year = next(iter(parsed.values()))
    row = uow.session.get(CalendarOverride, year.year) or CalendarOverride(year=year.year, notice="", holidays="",
                                                                             workdays="", entered_by="")
    row.notice = year.notice
    row.holidays = json.dumps(sorted(d.isoformat() for d in year.holidays))
    row.workdays = json.dumps(sorted(d.isoformat() for d in year.workdays))
    row.entered_by = actor.name if actor else "命令行"
    uow.session.add(row)
    uow.commit()
    default_calendar().set_year(year)
    return calendar_dict(row)


def calendar_dict(row: CalendarOverride) -> dict:
    return {"year": row.year, "notice": row.notice, "holidays": json.loads(row.holidays),
            "workdays": json.loads(row.workdays), "entered_by": row.entered_by}


def list_calendar(uow: UnitOfWork) -> list[dict]:
    return [calendar_dict(r) for r in uow.session.exec(select(CalendarOverride).order_by(CalendarOverride.year))]


def load_calendar(uow: UnitOfWork) -> None:
    """Enters every stored year into the working calendar (at start-up)."""
    for row in uow.session.exec(select(CalendarOverride)).all():
        parsed = parse_overrides({"years": [{"year": row.year, "notice": row.notice,
                                             "holidays": json.loads(row.holidays),
                                             "workdays": json.loads(row.workdays)}]})
        default_calendar().set_year(parsed[row.year])
