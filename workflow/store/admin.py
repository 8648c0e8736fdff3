"""Use cases that shape the installation: organisations, members and users."""
from __future__ import annotations

from typing import Any

from sqlmodel import select

from checklists.errors import ChecklistError
from checklists.loader import default_catalogue
from checklists.step_fields import step_schema
from workflow.dossier import approving_body_types
from workflow.errors import InputError
from workflow.store.access import ADMIN_ROLES, READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.accounts import hash_password
from workflow.store.errors import Conflict, Forbidden
from workflow.store.passwords import check_password
from workflow.store.repository import UnitOfWork
from workflow.store.tables import (
    LEVELS,
    ROLES,
    Member,
    Organisation,
    RoleGrant,
    User,
)

MEMBER_STATUSES = step_schema().table("member_status").values  # checklists/data/step_fields.toml


APPROVAL_TYPES = tuple(approving_body_types())


def approval_type(org: Organisation) -> str | None:
    """The kind of approving body an organisation is (2026 第二十二条): recorded, else from its level."""
    return org.approval_type or {"committee": "committee", "general_branch": "general_branch"}.get(org.level)


def org_dict(org: Organisation) -> dict:
    return {"id": org.id, "name": org.name, "level": org.level, "parent_id": org.parent_id,
            "rule_set": org.rule_set, "overlay": org.overlay, "approval_type": approval_type(org)}


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


def _day(value: Any, field: str):
    """An optional YYYY-MM-DD date from a request, or a clear error naming the field."""
    import datetime as dt

    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(f"{field} 应为 YYYY-MM-DD 格式的日期", code="DATE_INVALID", field=field)


def bounded_text(value: Any, field: str, limit: int) -> str:
    """A required name or login, stripped, refused when empty or longer than `limit` (FIELD_REQUIRED / VALUE_INVALID)."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{field} 不能为空", code="FIELD_REQUIRED", field=field)
    if len(value) > limit:
        raise InputError(f"{field} 过长（最多 {limit} 字）", code="VALUE_INVALID", field=field)
    return value.strip()


def create_organisation(uow: UnitOfWork, actor: Actor | None, *, name: str, level: str, parent_id: int | None,
                        rule_set: str | None = None, overlay: str | None = None,
                        approval_type: str | None = None) -> dict:
    """A root (基层党委) only from the command line (`actor` None); below it, an admin of the parent."""
    tree = OrgTree.load(uow.session)
    name = bounded_text(name, "name", 200)
    if level not in LEVELS:
        raise InputError(f"组织层级应为 {'、'.join(LEVELS)} 之一", code="VALUE_INVALID", field="level")
    if parent_id is None:
        if level != "committee":  # a 党支部 or 党总支 always belongs to a 党委 (issue 11)
            raise InputError("党支部、党总支必须有上级组织；最上层只能是基层党委", code="PARENT_REQUIRED",
                             field="parent_id")
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
    if approval_type is not None and (approval_type not in APPROVAL_TYPES or level != "committee"):
        raise InputError(f"approval_type 只用于党委一级组织，应为 {'、'.join(APPROVAL_TYPES)} 之一",
                         code="VALUE_INVALID", field="approval_type")
    org = Organisation(name=name, level=level, parent_id=parent_id, rule_set=rule_set, overlay=overlay,
                       approval_type=approval_type)
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
            "status": member.status, "discipline": member.discipline,
            "discipline_until": member.discipline_until.isoformat() if member.discipline_until else None,
            "roles": sorted(filter(None, (member.roles or "").split(","))),
            **{key: getattr(member, key).isoformat() if getattr(member, key) else None  # the roster's dates (0009)
               for key in ("joined_on", "full_since", "discipline_from")}}


def create_member(uow: UnitOfWork, actor: Actor, *, organisation_id: int, name: str, status: str,
                  discipline: str | None = None, discipline_until: Any = None, roles: Any = None) -> dict:
    from workflow.store.pairing import roles_text  # role tags (teacher, student): checklist data

    tree = OrgTree.load(uow.session)
    tree.require_visible_org(actor, organisation_id)
    tree.require_role(actor, organisation_id, WRITE_ROLES, "登记党员")
    name = bounded_text(name, "name", 100)
    if status not in MEMBER_STATUSES:
        choices = "或".join(f"{value}（{word}）" for value, word in step_schema().words("member_status").items())
        raise InputError(f"status 应为 {choices}", code="VALUE_INVALID", field="status")
    if discipline is not None and not isinstance(discipline, str):
        raise InputError("discipline 应为文字或 null", code="VALUE_INVALID", field="discipline")
    if uow.session.exec(select(Member).where(Member.organisation_id == organisation_id, Member.name == name)).first():
        raise Conflict(f"本组织已登记党员“{name}”", code="MEMBER_EXISTS", field="name")
    until = _day(discipline_until, "discipline_until")
    if until is not None and not discipline:
        raise InputError("填写处分影响期须同时填写处分种类", code="VALUE_INVALID", field="discipline_until")
    member = Member(organisation_id=organisation_id, name=name, status=status, discipline=discipline or None,
                    discipline_until=until, roles=roles_text(roles))
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
                grants: list[tuple[int, str]], system_admin: bool = False) -> dict:
    """`actor` None is the command line; otherwise an admin may grant roles only inside their subtree.
    Only the command line or a system administrator makes a system administrator."""
    tree = OrgTree.load(uow.session)
    if system_admin and actor is not None and not actor.system_admin:
        raise Forbidden("只有系统管理员可以设立系统管理员", code="FORBIDDEN")
    login = bounded_text(login, "login", 64)
    display_name = bounded_text(display_name, "display_name", 100)
    check_password(password, login=login, name=display_name)
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
    user = User(login=login, display_name=display_name, password_hash=hash_password(password),
                system_admin=system_admin)
    uow.session.add(user)
    uow.session.flush()
    for org_id, role in sorted(set(grants)):
        uow.session.add(RoleGrant(user_id=user.id, organisation_id=org_id, role=role))
    uow.commit()
    return {"id": user.id, "login": user.login, "display_name": user.display_name, "system_admin": system_admin,
            "roles": [{"organisation_id": o, "role": r} for o, r in sorted(set(grants))]}
