"""Sign-in throttling: after too many failures a login name, or a client address, is locked for a while.

The counters live in the database (table `loginthrottle`), so every worker process of the server
counts the same failures and honours the same lock; a failure is committed at once, even though
the sign-in itself is refused. The request's own session is used (a second connection would wait
on SQLite for the write lock the request already holds). A login name is locked whether or not
such a user exists, so the lock tells nobody which names are real.

A client address gets a higher threshold than a login name: a campus or an office often reaches
the server through one address, and five typos by five people must not lock all of them out.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from workflow.errors import FazhanError
from workflow.store.tables import LoginThrottle

CHINA = dt.timezone(dt.timedelta(hours=8))
log = logging.getLogger("fazhan.security")


@dataclass(frozen=True)
class Policy:
    login_failures: int = 5
    address_failures: int = 20
    window_seconds: int = 15 * 60  # failures older than this are forgotten
    lock_seconds: int = 15 * 60


POLICY = Policy()


class LoginLocked(FazhanError):
    """Too many failed sign-ins; `retry_after` is the number of seconds until the lock ends."""

    code = "LOGIN_LOCKED"

    def __init__(self, until: int, now: int, *, by_address: bool):
        minutes = max(1, -(-(until - now) // 60))
        clock = dt.datetime.fromtimestamp(until, CHINA).strftime("%H:%M")
        what = "您所在网络地址的登录失败次数过多" if by_address else "该账号登录失败次数过多"
        super().__init__(f"{what}，已暂时锁定，请于 {clock}（约 {minutes} 分钟后）再试；"
                         "如忘记密码，请联系管理员重置", code="LOGIN_LOCKED")
        self.retry_after = until - now


def keys(login: str, address: str | None) -> list[tuple[str, int]]:
    """The throttle rows a sign-in touches, each with its threshold."""
    out = [(f"login:{login.strip().casefold()[:64]}", POLICY.login_failures)]
    if address:
        out.append((f"address:{address[:100]}", POLICY.address_failures))
    return out


def check(session: Session, login: str, address: str | None, now: int | None = None) -> None:
    """Raises LoginLocked while the login name or the address is locked (before any password is checked)."""
    now = int(time.time()) if now is None else now
    names = [k for k, _ in keys(login, address)]
    rows = session.exec(select(LoginThrottle).where(LoginThrottle.key.in_(names))).all()
    for row in sorted(rows, key=lambda r: r.key.startswith("address:")):
        if row.locked_until > now:
            raise LoginLocked(row.locked_until, now, by_address=row.key.startswith("address:"))


def record_failure(session: Session, login: str, address: str | None, now: int | None = None) -> None:
    """Counts one failure against the login name and the address, locks those that reach their
    threshold, and commits (the session must hold nothing else)."""
    now = int(time.time()) if now is None else now
    for attempt in range(3):
        try:
            # forget what no longer counts, so names an attacker tried do not pile up
            session.execute(delete(LoginThrottle).where(LoginThrottle.locked_until < now,
                                                        LoginThrottle.window_start < now - POLICY.window_seconds))
            for key, threshold in keys(login, address):
                row = session.exec(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).first()
                if row is None:
                    row = LoginThrottle(key=key, failures=0, window_start=now, locked_until=0)
                if now - row.window_start > POLICY.window_seconds:
                    row.failures, row.window_start = 0, now
                row.failures += 1
                if row.failures >= threshold:
                    row.locked_until, row.failures, row.window_start = now + POLICY.lock_seconds, 0, now
                    log.warning("sign-in locked for %d s after %d failures: %s", POLICY.lock_seconds, threshold, key)
                session.add(row)
            session.commit()
            return
        except (IntegrityError, OperationalError):  # two first failures inserted the same row at once
            session.rollback()
            if attempt == 2:
                raise


def record_success(session: Session, login: str) -> None:
    """A correct password clears the login name's failures, committed with the sign-in (never the
    address's: one valid account must not let a password sprayer start over)."""
    row = session.get(LoginThrottle, keys(login, None)[0][0])
    if row is not None:
        session.delete(row)
