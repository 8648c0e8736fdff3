"""Users, argon2 password hashes and opaque bearer tokens (only their SHA-256 is stored).

Signing in goes through the lockout (workflow.store.lockout); changing a password and deactivating
a user both end every session of that user (the token rows are deleted) and move the user's
credentials version, which the calendar-feed links are keyed by, so those stop working too.
"""
from __future__ import annotations

import hashlib
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete
from sqlmodel import Session, select

from workflow.errors import InputError
from workflow.store import cache, lockout
from workflow.store.access import ADMIN_ROLES, READ_ROLES, Actor, OrgTree
from workflow.store.db import wrote_in_transaction
from workflow.store.errors import Forbidden, NotFound, Unauthorised
from workflow.store.passwords import check_password
from workflow.store.tables import ApiToken, RoleGrant, User

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("fazhan-dummy-password")
LOGIN_FAILED = "用户名或密码错误"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _now() -> int:
    return int(time.time())


def _verify(user: User | None, password: str) -> bool:
    """Checks the password against the user's hash, or a dummy one (the same time for an unknown login)."""
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


def authenticate(session: Session, login: str, password: str) -> User:
    user = session.exec(select(User).where(User.login == login)).first()
    if not _verify(user, password) or not user.active:
        raise Unauthorised(LOGIN_FAILED, code="LOGIN_FAILED")
    return user


def sign_in(session: Session, login: str, password: str, address: str | None) -> User:
    """`authenticate` behind the lockout: a locked login or address is refused before the password
    is looked at; a failure is counted (and committed) before the refusal is raised."""
    lockout.check(session, login, address)
    try:
        user = authenticate(session, login, password)
    except Unauthorised:
        session.rollback()
        lockout.record_failure(session, login, address)
        raise
    lockout.record_success(session, login)
    return user


def issue_token(session: Session, user: User, hours: int) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=hashlib.sha256(token.encode()).hexdigest(), user_id=user.id,
                         expires_at=_now() + hours * 3600))
    return token


def revoke_token(session: Session, token: str) -> None:
    row = session.get(ApiToken, hashlib.sha256(token.encode()).hexdigest())
    if row is not None:
        session.delete(row)


def revoke_everything(session: Session, user: User) -> None:
    """Ends every session and API token of the user and invalidates their calendar-feed links."""
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    user.credentials_version = (user.credentials_version or 0) + 1
    session.add(user)


def change_password(session: Session, actor: Actor, old_password: object, new_password: object,
                    address: str | None = None) -> User:
    """The user changes their own password, proving the old one (a wrong one counts as a failed sign-in)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.active:
        raise Unauthorised("未登录或登录已过期，请重新登录", code="UNAUTHORISED")
    lockout.check(session, user.login, address)
    if not isinstance(old_password, str) or not _verify(user, old_password):
        session.rollback()
        lockout.record_failure(session, user.login, address)
        raise InputError("原密码不正确", code="PASSWORD_WRONG", field="old_password")
    check_password(new_password, login=user.login, name=user.display_name)
    if new_password == old_password:
        raise InputError("新密码不能与原密码相同", code="PASSWORD_WEAK", field="password")
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    revoke_everything(session, user)
    return user


def require_own_password(actor: Actor) -> None:
    """A user holding a temporary password (reset by an administrator) may do nothing but replace it."""
    if actor.must_change_password:
        raise Forbidden("您正在使用管理员重置的临时密码，请先修改密码", code="PASSWORD_CHANGE_REQUIRED")


def _managed_user(session: Session, actor: Actor, user_id: int) -> User:
    """A user the actor administers: every role of theirs lies in the actor's admin reach.

    A user with no role anywhere the actor can see is as absent as one that does not exist."""
    tree = OrgTree.load(session)
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    grants = session.exec(select(RoleGrant.organisation_id).where(RoleGrant.user_id == user_id)).all() if user else []
    if user is None or not any(org in tree.reach(actor, READ_ROLES) for org in grants):
        raise NotFound("找不到该用户，或您无权查看", code="USER_NOT_FOUND", field="user_id")
    reach = tree.reach(actor, ADMIN_ROLES)
    if not any(org in reach for org in grants):
        raise Forbidden("您的角色不能停用或启用用户", code="FORBIDDEN")
    if not all(org in reach for org in grants):
        raise Forbidden("该用户在您管辖范围之外另有角色，请由上级管理员办理", code="FORBIDDEN")
    return user


def set_active(session: Session, actor: Actor | None, user_id: int, active: bool) -> User:
    """Deactivates (revoking every token and feed link) or reactivates a user; `actor` None is the command line."""
    user = session.get(User, user_id) if actor is None else _managed_user(session, actor, user_id)
    if user is None:
        raise NotFound("找不到该用户", code="USER_NOT_FOUND", field="user_id")
    if actor is not None and user.id == actor.user_id:
        raise InputError("不能停用或启用自己的账号", code="VALUE_INVALID", field="user_id")
    user.active = active
    revoke_everything(session, user)
    return user


def user_dict(user: User) -> dict:
    return {"id": user.id, "login": user.login, "display_name": user.display_name, "active": user.active}


def actor_for(session: Session, user: User) -> Actor:
    grants = session.exec(select(RoleGrant.organisation_id, RoleGrant.role).where(RoleGrant.user_id == user.id)).all()
    return Actor(user_id=user.id, login=user.login, name=user.display_name,
                 grants=tuple(sorted((g[0], g[1]) for g in grants)), system_admin=bool(user.system_admin),
                 must_change_password=bool(user.must_change_password))


def actor_for_token(session: Session, token: str) -> Actor:
    """The user behind a bearer token and their grants. It runs on every request, so the answer is
    kept in the process's cache (by the token's SHA-256) while the cache version has not moved: a
    revoked token, a changed grant, a deactivated user or a new password counts at the next request
    (workflow/store/cache.py). The expiry is checked every time."""
    digest = hashlib.sha256(token.encode()).hexdigest() if token else ""
    current = cache.version(session)
    known = cache.bounded(session, "tokens", 10_000) if current is not None else None
    hit = known.get(digest) if known is not None else None
    if hit is not None and hit[0] == current and hit[2] >= _now():
        return hit[1]
    rows = session.exec(
        select(User.id, User.login, User.display_name, User.active, ApiToken.expires_at,
               RoleGrant.organisation_id, RoleGrant.role, User.system_admin, User.must_change_password)
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
        .where(ApiToken.token_hash == digest)).all()
    if not rows or rows[0][4] < _now() or not rows[0][3]:
        raise Unauthorised("未登录或登录已过期，请重新登录", code="UNAUTHORISED")
    user_id, login, name = rows[0][0], rows[0][1], rows[0][2]
    grants = tuple(sorted((r[5], r[6]) for r in rows if r[5] is not None))
    actor = Actor(user_id=user_id, login=login, name=name, grants=grants, system_admin=bool(rows[0][7]),
                  must_change_password=bool(rows[0][8]))
    if known is not None and not wrote_in_transaction(session.connection()):
        known.put(digest, (current, actor, rows[0][4]))
    return actor
