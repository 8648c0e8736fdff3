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
    row = session.get(ApiToken, hashlib.sha256(token.encode()).hexdigest()) if token else None
    if row is None or row.expires_at < _now():
        raise Unauthorised("未登录或登录已过期，请重新登录", code="UNAUTHORISED")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorised("未登录或登录已过期，请重新登录", code="UNAUTHORISED")
    return actor_for(session, user)
