"""Users, argon2 password hashes and opaque bearer tokens (only their SHA-256 is stored)."""
from __future__ import annotations

import hashlib
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from workflow.store.access import Actor
from workflow.store.errors import Unauthorised
from workflow.store.tables import ApiToken, RoleGrant, User

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("fazhan-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _now() -> int:
    return int(time.time())


def authenticate(session: Session, login: str, password: str) -> User:
    user = session.exec(select(User).where(User.login == login)).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.active:
        raise Unauthorised("用户名或密码错误", code="LOGIN_FAILED")
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


def actor_for(session: Session, user: User) -> Actor:
    grants = session.exec(select(RoleGrant.organisation_id, RoleGrant.role).where(RoleGrant.user_id == user.id)).all()
    return Actor(user_id=user.id, login=user.login, name=user.display_name,
                 grants=tuple(sorted((g[0], g[1]) for g in grants)))


def actor_for_token(session: Session, token: str) -> Actor:
    """The user behind a bearer token and their grants, in one query (it runs on every request)."""
    digest = hashlib.sha256(token.encode()).hexdigest() if token else ""
    rows = session.exec(
        select(User.id, User.login, User.display_name, User.active, ApiToken.expires_at,
               RoleGrant.organisation_id, RoleGrant.role)
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
        .where(ApiToken.token_hash == digest)).all()
    if not rows or rows[0][4] < _now() or not rows[0][3]:
        raise Unauthorised("未登录或登录已过期，请重新登录", code="UNAUTHORISED")
    user_id, login, name = rows[0][0], rows[0][1], rows[0][2]
    grants = tuple(sorted((r[5], r[6]) for r in rows if r[5] is not None))
    return Actor(user_id=user_id, login=login, name=name, grants=grants)
