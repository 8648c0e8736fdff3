"""Administration in the browser: the organisation tree, users and their roles, password resets.

Who: an administrator (`admin` role) of an organisation administers it and everything below it,
and nothing else. They see the users who hold a role there; they grant and revoke roles only on
organisations they administer; they reset the password of, or deactivate, only a user all of whose
roles lie within their reach (accounts._managed_user: otherwise the administrator above must do it).
Nobody changes their own roles or resets their own password here (the account page is for that),
so an administrator cannot lock themselves out by accident or raise themselves.

A reset password is temporary: shown once to the administrator, good for one sign-in, after which
every page but the password page sends the user to choose their own (`must_change_password`). A
reset and a deactivation end every session, token and calendar-feed link of the user at once.
"""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from workflow.errors import InputError
from workflow.store import accounts, admin
from workflow.store.access import ADMIN_ROLES, Actor, OrgTree
from workflow.store.errors import Conflict, Forbidden, NotFound
from workflow.store.repository import UnitOfWork
from workflow.store.tables import LEVELS, ROLES, Organisation, RoleGrant, User

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no 0/O, 1/l/I to misread


def temporary_password() -> str:
    """Three groups of four from an unambiguous alphabet (about 71 bits): read out or copied once."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def admin_reach(uow: UnitOfWork, actor: Actor) -> tuple[OrgTree, set[int]]:
    """The organisations the actor administers; refused for a user who administers none."""
    tree = OrgTree.load(uow.session)
    reach = tree.reach(actor, ADMIN_ROLES)
    if not reach:
        raise Forbidden("只有管理员可以打开管理页面", code="FORBIDDEN")
    return tree, reach


def may_open_admin(uow: UnitOfWork, actor: Actor) -> dict:
    """What the administration index offers this user: organisations and users (an administrator),
    the national holiday calendar (a system administrator); refused when neither."""
    tree = OrgTree.load(uow.session)
    manages = bool(tree.reach(actor, ADMIN_ROLES))
    if not manages and not actor.system_admin:
        raise Forbidden("只有管理员可以打开管理页面", code="FORBIDDEN")
    return {"organisations": manages, "users": manages, "calendar": actor.system_admin}


# ---------------------------------------------------------------- the organisation tree

def organisation_tree(uow: UnitOfWork, actor: Actor) -> list[dict]:
    """The administered organisations depth first, each with its level, parent and the levels it may add."""
    tree, reach = admin_reach(uow, actor)
    counts = dict(uow.session.exec(select(RoleGrant.organisation_id, func.count(RoleGrant.id))
                                   .where(RoleGrant.organisation_id.in_(reach))
                                   .group_by(RoleGrant.organisation_id)).all())
    out: list[dict] = []

    def walk(org_id: int, depth: int) -> None:
        org = tree.orgs[org_id]
        below = [lv for lv in LEVELS if LEVELS.index(lv) > LEVELS.index(org.level)]
        out.append({**admin.org_dict(org), "depth": depth, "child_levels": below, "roles": counts.get(org_id, 0),
                    "parent": tree.orgs[org.parent_id].name if org.parent_id in tree.orgs else ""})
        for child in sorted(tree.children.get(org_id, [])):  # in the order they were made (第一, 第二 …)
            if child in reach:
                walk(child, depth + 1)

    for top in sorted((i for i in reach if tree.orgs[i].parent_id not in reach), key=lambda i: tree.orgs[i].name):
        walk(top, 0)
    return out


def add_organisation(uow: UnitOfWork, actor: Actor, *, name: Any, level: Any, parent_id: Any) -> dict:
    """A new organisation under one the actor administers (admin.create_organisation decides the rest:
    the parent exists and is visible, the level is below the parent's, the name is free there)."""
    parent = _int(parent_id)
    if parent is None:
        raise InputError("请选择上级组织（党支部、党总支必须有上级组织）", code="PARENT_REQUIRED", field="parent_id")
    return admin.create_organisation(uow, actor, name=name if isinstance(name, str) else "",
                                     level=level if isinstance(level, str) else "", parent_id=parent)


def rename_organisation(uow: UnitOfWork, actor: Actor, organisation_id: Any, name: Any) -> dict:
    tree, reach = admin_reach(uow, actor)
    org_id = _int(organisation_id)
    if org_id is None or org_id not in reach:
        tree.require_visible_org(actor, org_id)  # not visible: NotFound; visible: not administered
        raise Forbidden("您的角色不能修改该组织", code="FORBIDDEN")
    new_name = admin.bounded_text(name, "name", 200)
    org = uow.session.get(Organisation, org_id)  # the row itself (the loaded tree is shared, read-only)
    clash = uow.session.exec(select(Organisation).where(Organisation.parent_id == org.parent_id,
                                                        Organisation.name == new_name,
                                                        Organisation.id != org_id)).first()
    if clash is not None:
        raise Conflict(f"已有名为“{new_name}”的组织", code="ORGANISATION_EXISTS", field="name")
    org.name = new_name
    uow.session.add(org)
    uow.commit()
    return admin.org_dict(org)


# ---------------------------------------------------------------- users and roles

def _user_view(user: User, grants: list[RoleGrant], tree: OrgTree, reach: set[int]) -> dict:
    inside = [g for g in grants if g.organisation_id in reach]
    return {"id": user.id, "login": user.login, "display_name": user.display_name, "active": user.active,
            "must_change_password": bool(user.must_change_password),
            "roles": [{"id": g.id, "organisation_id": g.organisation_id, "role": g.role,
                       "organisation": tree.orgs[g.organisation_id].name}
                      for g in sorted(inside, key=lambda g: (tree.orgs[g.organisation_id].name, ROLES.index(g.role)
                                                             if g.role in ROLES else 99))],
            "roles_elsewhere": len(grants) - len(inside)}


def list_users(uow: UnitOfWork, actor: Actor) -> list[dict]:
    """Every user holding a role on an organisation the actor administers (only those roles shown)."""
    tree, reach = admin_reach(uow, actor)
    grants = uow.session.exec(select(RoleGrant).where(RoleGrant.organisation_id.in_(reach))).all()
    user_ids = sorted({g.user_id for g in grants})
    users = uow.session.exec(select(User).where(User.id.in_(user_ids or [-1]))).all()
    every = uow.session.exec(select(RoleGrant).where(RoleGrant.user_id.in_(user_ids or [-1]))).all()
    by_user: dict[int, list[RoleGrant]] = {}
    for g in every:
        by_user.setdefault(g.user_id, []).append(g)
    return sorted((_user_view(u, by_user.get(u.id, []), tree, reach) for u in users),
                  key=lambda u: (not u["active"], u["display_name"]))


def _visible_user(uow: UnitOfWork, tree: OrgTree, reach: set[int], user_id: Any) -> tuple[User, list[RoleGrant]]:
    user = uow.session.get(User, user_id) if _int(user_id) is not None else None
    grants = list(uow.session.exec(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()) if user else []
    if user is None or not any(g.organisation_id in reach for g in grants):
        raise NotFound("找不到该用户，或您无权查看", code="USER_NOT_FOUND", field="user_id")
    return user, grants


def get_user(uow: UnitOfWork, actor: Actor, user_id: Any) -> dict:
    tree, reach = admin_reach(uow, actor)
    user, grants = _visible_user(uow, tree, reach, user_id)
    view = _user_view(user, grants, tree, reach)
    view["managed"] = view["roles_elsewhere"] == 0  # reset and deactivate need every role within reach
    view["self"] = user.id == actor.user_id
    return view


def add_user(uow: UnitOfWork, actor: Actor, *, login: Any, display_name: Any, organisation_id: Any,
             role: Any) -> tuple[dict, str]:
    """A new user with one role, and their temporary password (to be changed at the first sign-in)."""
    _, reach = admin_reach(uow, actor)
    org_id = _int(organisation_id)
    if org_id is None or org_id not in reach:
        raise InputError("请选择您管理的组织", code="VALUE_INVALID", field="organisation_id")
    if role not in ROLES:
        raise InputError(f"角色应为 {'、'.join(ROLES)} 之一", code="VALUE_INVALID", field="role")
    password = temporary_password()
    created = admin.create_user(uow, actor, login=login if isinstance(login, str) else "",
                                display_name=display_name if isinstance(display_name, str) else "",
                                password=password, grants=[(org_id, role)])
    user = uow.session.get(User, created["id"])
    user.must_change_password = True
    uow.session.add(user)
    uow.commit()
    return created, password


def grant_role(uow: UnitOfWork, actor: Actor, user_id: Any, organisation_id: Any, role: Any) -> dict:
    tree, reach = admin_reach(uow, actor)
    user, grants = _visible_user(uow, tree, reach, user_id)
    if user.id == actor.user_id:
        raise Forbidden("不能给自己授予角色，请由其他管理员办理", code="FORBIDDEN")
    org_id = _int(organisation_id)
    if org_id is None or org_id not in reach:
        raise InputError("请选择您管理的组织", code="VALUE_INVALID", field="organisation_id")
    if role not in ROLES:
        raise InputError(f"角色应为 {'、'.join(ROLES)} 之一", code="VALUE_INVALID", field="role")
    if any(g.organisation_id == org_id and g.role == role for g in grants):
        raise Conflict("该用户在该组织已有这个角色", code="ROLE_EXISTS", field="role")
    uow.session.add(RoleGrant(user_id=user.id, organisation_id=org_id, role=role))
    uow.commit()
    return get_user(uow, actor, user.id)


def revoke_role(uow: UnitOfWork, actor: Actor, grant_id: Any) -> dict:
    """Takes one role away; the user's next request already runs without it (grants are read per request)."""
    tree, reach = admin_reach(uow, actor)
    grant = uow.session.get(RoleGrant, grant_id) if _int(grant_id) is not None else None
    if grant is None or grant.organisation_id not in reach:
        raise NotFound("找不到该角色，或您无权查看", code="ROLE_NOT_FOUND", field="grant_id")
    if grant.user_id == actor.user_id:
        raise Forbidden("不能撤销自己的角色，请由其他管理员办理", code="FORBIDDEN")
    others = uow.session.exec(select(RoleGrant.id).where(RoleGrant.user_id == grant.user_id,
                                                         RoleGrant.id != grant.id)).all()
    if not others:
        raise InputError("这是该用户唯一的角色；不再使用的账号请停用", code="LAST_ROLE", field="grant_id")
    user_id = grant.user_id
    uow.session.delete(grant)
    uow.commit()
    try:
        return get_user(uow, actor, user_id)
    except NotFound:  # their last role within the reach: the administrator sees them no more
        return {"id": user_id, "gone": True}


def reset_password(uow: UnitOfWork, actor: Actor, user_id: Any) -> tuple[dict, str]:
    """A temporary password for a user the actor fully administers; every session of theirs ends."""
    tree, reach = admin_reach(uow, actor)
    user, grants = _visible_user(uow, tree, reach, user_id)
    if user.id == actor.user_id:
        raise InputError("不能在这里重置自己的密码，请用“修改密码”", code="VALUE_INVALID", field="user_id")
    if not all(g.organisation_id in reach for g in grants):
        raise Forbidden("该用户在您管辖范围之外另有角色，请由上级管理员办理", code="FORBIDDEN")
    if not user.active:
        raise InputError("该用户已停用；请先启用再重置密码", code="USER_INACTIVE", field="user_id")
    password = temporary_password()
    user.password_hash = accounts.hash_password(password)
    user.must_change_password = True
    accounts.revoke_everything(uow.session, user)
    uow.commit()
    return get_user(uow, actor, user.id), password


def set_active(uow: UnitOfWork, actor: Actor, user_id: Any, active: bool) -> dict:
    """Deactivation ends every session, token and feed link at once (accounts.set_active)."""
    accounts.set_active(uow.session, actor, _int(user_id) if _int(user_id) is not None else -1, active)
    uow.commit()
    return get_user(uow, actor, user_id)
