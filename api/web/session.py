"""Cookie sessions for the web pages, reusing the API's bearer tokens; CSRF tokens; calendar feed tokens.

The cookie holds the same opaque token `/api/auth/login` hands out (HttpOnly, SameSite=Lax), so a
session is revoked exactly like an API token. Each POST form carries a CSRF token derived from the
session token (a page of another site can read neither); the login form, which has no session yet,
uses a random double-submit cookie.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from sqlmodel import Session

from workflow.store.access import Actor
from workflow.store.accounts import actor_for_token
from workflow.store.errors import Unauthorised
from workflow.store.tables import User

SESSION_COOKIE = "fazhan_session"
LOGIN_CSRF_COOKIE = "fazhan_login_csrf"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """No valid session: the page handler sends the browser to the sign-in page."""


class CsrfFailed(Exception):
    """A POST without the form's CSRF token (another site's form, or a stale page)."""


def session_token(request: Request) -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
    return token if token and len(token) <= 200 else None


def actor_from_cookie(session: Session, request: Request) -> Actor:
    token = session_token(request)
    if not token:
        raise LoginRequired()
    try:
        return actor_for_token(session, token)
    except Unauthorised:
        raise LoginRequired() from None


def csrf_for(token: str) -> str:
    return hashlib.sha256(b"fazhan-web-csrf\x00" + token.encode()).hexdigest()


def check_csrf(request: Request, submitted: object) -> None:
    token = session_token(request)
    if not token or not isinstance(submitted, str) or not hmac.compare_digest(csrf_for(token), submitted):
        raise CsrfFailed()


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def check_login_csrf(request: Request, submitted: object) -> None:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not cookie or not isinstance(submitted, str) or not hmac.compare_digest(cookie, submitted):
        raise CsrfFailed()


def cookie_options(request: Request) -> dict:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/"}


# ---------------------------------------------------------------- calendar subscription tokens

def feed_token(user: User) -> str:
    """A per-user secret for the .ics URL, keyed by the user's password hash and credentials version:
    changing the password, or deactivating the account (even if it is reactivated later), revokes
    every subscription link at once. The access log never shows it (api/log_config.py)."""
    message = f"fazhan-ics:{user.id}:{user.credentials_version or 0}".encode()
    mac = hmac.new(user.password_hash.encode(), message, hashlib.sha256).hexdigest()
    return f"{user.id}-{mac[:40]}"


def user_for_feed(session: Session, token: str) -> User | None:
    user_id, _, _ = token.partition("-")
    if not user_id.isdigit() or len(user_id) > 12:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(feed_token(user), token):
        return None
    return user
