"""Issue 9: sign-in lockout (per login and per address, shared by every process through the database),
the password policy, password change and deactivation (both revoke tokens and feed links), and the
security headers on every kind of answer."""
from __future__ import annotations

import json
import re

import pytest
from api_world import PASSWORD
from fastapi.testclient import TestClient
from sqlmodel import select
from web.webkit import Page, csrf_of

from api.app import create_app
from api.web.session import feed_token
from workflow.store import lockout
from workflow.store.db import make_engine
from workflow.store.repository import UnitOfWork
from workflow.store.settings import Settings
from workflow.store.tables import User

NEW_PASSWORD = "quiet-lantern-47"


def _login(client: TestClient, who: str, password: str):
    return client.post("/api/auth/login", data={"username": who, "password": password})


def _feed(world, login: str) -> str:
    with UnitOfWork(world.engine) as uow:
        return f"/calendar/{feed_token(uow.session.exec(select(User).where(User.login == login)).one())}.ics"


class _Clock:
    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


# ---------------------------------------------------------------- lockout

def test_five_failures_lock_the_login_for_fifteen_minutes(world, monkeypatch):
    import time

    clock = _Clock(time.time())
    monkeypatch.setattr(lockout, "time", clock)
    client = world.client()
    for _ in range(4):
        assert _login(client, "auditor", "wrong-password-0").status_code == 401
    assert _login(client, "auditor", PASSWORD).status_code == 200  # a success forgets the failures
    for _ in range(5):
        assert _login(client, "auditor", "wrong-password-0").status_code == 401
    locked = _login(client, "auditor", PASSWORD)  # even the right password, while locked
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "LOGIN_LOCKED"
    assert "锁定" in locked.json()["error"]["message"] and "15 分钟" in locked.json()["error"]["message"]
    assert int(locked.headers["Retry-After"]) == 900
    assert _login(client, "archivist", PASSWORD).status_code == 200  # other logins are not affected
    clock.now += 15 * 60 + 1
    assert _login(client, "auditor", PASSWORD).status_code == 200


def test_an_unknown_login_locks_exactly_like_a_real_one(world):
    client = world.client()
    answers = {}
    for login in ("auditor", "nobody-here"):
        for _ in range(5):
            _login(client, login, "wrong-password-0")
        answers[login] = _login(client, login, "wrong-password-0")
    assert answers["auditor"].status_code == answers["nobody-here"].status_code == 429
    # the same answer, but for the clock time the lock ends (the two logins may straddle a minute)
    same = [re.sub(r"\d{1,2}:\d{2}", "HH:MM", json.dumps(answers[k].json(), ensure_ascii=False))
            for k in ("auditor", "nobody-here")]
    assert same[0] == same[1]


def test_the_lock_is_kept_in_the_database_for_every_process(world, db_url):
    """Two app instances with their own engines on one database count the same failures."""
    url, schema = db_url
    other_engine = make_engine(url, schema=schema)
    try:
        other = TestClient(create_app(Settings(database_url="sqlite://"), engine=other_engine),
                           raise_server_exceptions=False)
        first = world.client()
        for client in (first, other, first, other, first):
            assert _login(client, "auditor", "wrong-password-0").status_code == 401
        assert _login(other, "auditor", PASSWORD).status_code == 429
        assert _login(first, "auditor", PASSWORD).status_code == 429
    finally:
        other_engine.dispose()


def test_an_address_spraying_many_logins_is_locked(world):
    sprayer = TestClient(world.app, raise_server_exceptions=False, client=("203.0.113.9", 40000))
    for n in range(lockout.POLICY.address_failures):
        assert _login(sprayer, f"guess{n % 4}", "wrong-password-0").status_code == 401
    locked = _login(sprayer, "auditor", PASSWORD)
    assert locked.status_code == 429 and "网络地址" in locked.json()["error"]["message"]
    elsewhere = TestClient(world.app, raise_server_exceptions=False, client=("198.51.100.7", 40000))
    assert _login(elsewhere, "auditor", PASSWORD).status_code == 200


def test_the_sign_in_page_shows_the_lock_in_chinese(world):
    page = Page(world.app, None)
    for _ in range(6):
        form = page.get("/login")
        answer = page.client.post("/login", data={"username": "auditor", "password": "wrong-password-0",
                                                  "login_csrf": csrf_of(form.text), "next": "/"})
    assert answer.status_code == 429
    assert re.search(r'id="login-error">该账号登录失败次数过多，已暂时锁定，请于 \d\d:\d\d（约 15 分钟后）再试', answer.text)


# ---------------------------------------------------------------- password policy

@pytest.mark.parametrize("password, words", [
    ("short-1", "至少 10 位"), ("newcomer-1", "不能与用户名相同"), ("1234567890", "太常见"), ("woaini1314", "太常见"),
    ("qwertyuiop", "太常见"), ("newcomer-12", "用户名或姓名"),
])
def test_weak_passwords_are_refused_with_the_reason(world, password, words):
    answer = world.client("admin").post("/api/users", json={
        "login": "newcomer-1", "display_name": "新人", "password": password,
        "roles": [{"organisation_id": world.orgs["A1"], "role": "auditor"}]})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "PASSWORD_WEAK", answer.text
    assert words in answer.json()["error"]["message"] and password not in answer.text


def test_a_strong_password_is_taken(world):
    answer = world.client("admin").post("/api/users", json={
        "login": "newcomer-1", "display_name": "新人", "password": NEW_PASSWORD,
        "roles": [{"organisation_id": world.orgs["A1"], "role": "auditor"}]})
    assert answer.status_code == 201, answer.text


# ---------------------------------------------------------------- password change and deactivation

def test_changing_the_password_ends_every_session_and_feed_link(world):
    feed = _feed(world, "auditor")
    second = _login(world.client(), "auditor", PASSWORD).json()["access_token"]
    me = world.client("auditor")
    assert me.get(feed).status_code == 200
    wrong = me.post("/api/auth/password", json={"old_password": "not-my-password", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "PASSWORD_WRONG"
    weak = me.post("/api/auth/password", json={"old_password": PASSWORD, "new_password": "auditor123"})
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "PASSWORD_WEAK"
    assert me.get("/api/me").status_code == 200  # refusals change nothing
    done = me.post("/api/auth/password", json={"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert done.status_code == 204, done.text
    assert me.get("/api/me").status_code == 401
    assert world.client().get("/api/me", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    assert world.client().get(feed).status_code == 404
    assert _login(world.client(), "auditor", PASSWORD).status_code == 401
    assert _login(world.client(), "auditor", NEW_PASSWORD).status_code == 200
    assert world.client().get(_feed(world, "auditor")).status_code == 200  # the new link works


def test_a_wrong_old_password_counts_towards_the_lock(world):
    me = world.client("auditor")
    for _ in range(5):
        me.post("/api/auth/password", json={"old_password": "guess-guess-1", "new_password": NEW_PASSWORD})
    right = me.post("/api/auth/password", json={"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert right.status_code == 429
    assert _login(world.client(), "auditor", PASSWORD).status_code == 429


def test_deactivation_ends_sessions_and_feed_links_and_reactivation_does_not_revive_them(world):
    target = world.users["branch_organiser"]
    feed = _feed(world, "branch_organiser")
    victim = world.client("branch_organiser")
    assert victim.get(feed).status_code == 200
    assert world.client("foreign_organiser").post(f"/api/users/{target}/deactivate").status_code == 404
    assert world.client("organiser").post(f"/api/users/{target}/deactivate").status_code == 403
    assert world.client("admin").post(f"/api/users/{world.users['admin']}/deactivate").status_code == 422
    done = world.client("admin").post(f"/api/users/{target}/deactivate")
    assert done.status_code == 200 and done.json()["active"] is False
    assert victim.get("/api/me").status_code == 401
    assert world.client().get(feed).status_code == 404
    assert _login(world.client(), "branch_organiser", PASSWORD).status_code == 401
    assert world.client("admin").post(f"/api/users/{target}/activate").json()["active"] is True
    assert _login(world.client(), "branch_organiser", PASSWORD).status_code == 200
    assert world.client().get(feed).status_code == 404  # the old link stays dead


def test_a_user_with_a_role_beyond_the_admins_reach_is_left_to_a_higher_admin(world):
    from workflow.store import admin

    with UnitOfWork(world.engine) as uow:
        both = admin.create_user(uow, None, login="two-trees", display_name="两棵树", password=PASSWORD,
                                 grants=[(world.orgs["A1"], "auditor"), (world.orgs["X1"], "auditor")])["id"]
    answer = world.client("admin").post(f"/api/users/{both}/deactivate")
    assert answer.status_code == 403 and "管辖范围之外" in answer.json()["error"]["message"]


def test_the_password_page_changes_the_password_and_signs_out(world):
    page = Page(world.app, "auditor")
    form = page.get("/account/password")
    assert form.status_code == 200 and 'name="new_password"' in form.text
    mismatch = page.post("/account/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD,
                                               "new_password_again": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.text
    weak = page.post("/account/password", {"old_password": PASSWORD, "new_password": "1234567890",
                                           "new_password_again": "1234567890"})
    assert weak.status_code == 422 and re.search(r'id="e-new_password".*太常见', weak.text, re.S)
    done = page.post("/account/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD,
                                           "new_password_again": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/login?changed=1"
    assert "密码已修改" in page.get("/login?changed=1").text
    assert page.get("/").status_code == 303  # the session is gone
    assert Page(world.app, None).client.post("/api/auth/login", data={
        "username": "auditor", "password": NEW_PASSWORD}).status_code == 200


# ---------------------------------------------------------------- security headers

def _check_headers(answer, path):
    policy = answer.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, (path, answer.status_code, dict(answer.headers))
    assert answer.headers.get("x-content-type-options") == "nosniff", path
    assert answer.headers.get("referrer-policy") == "no-referrer", path


def test_every_kind_of_answer_carries_the_security_headers(world):
    @world.app.get("/api/boom-for-test")
    def boom():
        raise RuntimeError("unexpected")

    world.app.middleware_stack = None  # rebuild with the route added
    page = Page(world.app, "branch_organiser")
    anonymous = TestClient(world.app, raise_server_exceptions=False, follow_redirects=False)
    answers = {
        "page": page.get("/"), "login": anonymous.get("/login"), "redirect": anonymous.get("/"),
        "static": anonymous.get("/static/htmx.min.js"), "api": world.client("auditor").get("/api/me"),
        "api 401": anonymous.get("/api/me"), "api 404": world.client("auditor").get("/api/dossiers/NONE"),
        "page 404": page.get("/no/such/page"), "api 422": world.client("admin").post("/api/users", json={}),
        "feed": anonymous.get(_feed(world, "auditor")), "500": world.client("auditor").get("/api/boom-for-test"),
        "docs": anonymous.get("/docs"), "openapi": anonymous.get("/openapi.json"),
    }
    assert answers["500"].status_code == 500 and answers["redirect"].status_code == 303
    for path, answer in answers.items():
        _check_headers(answer, path)
    page_policy = answers["page"].headers["content-security-policy"]
    assert "script-src 'self';" in page_policy and "unsafe-inline" not in page_policy
    assert "cdn.jsdelivr.net" in answers["docs"].headers["content-security-policy"]
    # the pages need nothing the policy forbids: no inline script, style or event handler
    for html in (answers["page"].text, answers["login"].text):
        assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", html)
