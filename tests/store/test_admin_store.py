"""Administration in the store: the organisation tree (a branch needs a parent), users and roles within
an administrator's reach, temporary passwords that must be replaced, deactivation ending sessions,
and the national holiday calendar for a system administrator only."""
from __future__ import annotations

import datetime as dt

import pytest

from workflow.errors import InputError
from workflow.store import accounts, admin, calendar_edit, user_admin
from workflow.store.access import Actor
from workflow.store.errors import Conflict, Forbidden, NotFound, Unauthorised
from workflow.store.tables import User

PASSWORD = "correct-horse-1"
TODAY = dt.date(2026, 11, 21)


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _world(uow) -> dict:
    with uow() as u:
        root = admin.create_organisation(u, None, name="甲大学党委", level="committee", parent_id=None)["id"]
        cli = Actor(None, "cli", "命令行", ((root, "admin"),))
        general = admin.create_organisation(u, cli, name="甲学院党总支", level="general_branch", parent_id=root)["id"]
        one = admin.create_organisation(u, cli, name="第一支部", level="branch", parent_id=general)["id"]
        two = admin.create_organisation(u, cli, name="第二支部", level="branch", parent_id=general)["id"]
        other = admin.create_organisation(u, None, name="乙大学党委", level="committee", parent_id=None)["id"]
    orgs = {"root": root, "general": general, "one": one, "two": two, "other": other}
    people = {"chief": [(root, "admin")], "deputy": [(general, "admin")], "organiser": [(one, "organiser")],
              "both": [(one, "organiser"), (other, "reviewer")], "stranger": [(other, "admin")],
              "sysadmin": []}
    ids = {}
    for login, grants in people.items():
        with uow() as u:
            ids[login] = admin.create_user(u, None, login=login, display_name=f"用户{login}", password=PASSWORD,
                                           grants=grants, system_admin=login == "sysadmin")["id"]
    return {"orgs": orgs, "ids": ids}


def _actor(uow, world, login) -> Actor:
    with uow() as u:
        return accounts.actor_for(u.session, u.session.get(User, world["ids"][login]))


def test_a_branch_cannot_be_created_without_a_parent(uow):
    with uow() as u:
        for level in ("branch", "general_branch"):
            with pytest.raises(InputError) as caught:
                admin.create_organisation(u, None, name="孤立的支部", level=level, parent_id=None)
            assert (caught.value.code, caught.value.field) == ("PARENT_REQUIRED", "parent_id")
        root = admin.create_organisation(u, None, name="党委", level="committee", parent_id=None)["id"]
        actor = Actor(None, "a", "管理员", ((root, "admin"),))
        with pytest.raises(InputError) as caught:
            user_admin.add_organisation(u, actor, name="支部", level="branch", parent_id=None)
        assert caught.value.code == "PARENT_REQUIRED"
        with pytest.raises(InputError):  # a committee below a branch's level is refused too
            user_admin.add_organisation(u, actor, name="支部", level="committee", parent_id=root)
        made = user_admin.add_organisation(u, actor, name="支部", level="branch", parent_id=root)
        assert made["parent_id"] == root


def test_the_tree_and_users_stay_within_the_administrators_reach(uow):
    world = _world(uow)
    orgs = world["orgs"]
    deputy, chief, organiser = (_actor(uow, world, who) for who in ("deputy", "chief", "organiser"))
    with uow() as u:
        tree = user_admin.organisation_tree(u, deputy)
        assert [(o["name"], o["depth"]) for o in tree] == [("甲学院党总支", 0), ("第一支部", 1), ("第二支部", 1)]
        assert tree[1]["child_levels"] == []  # nothing below a branch
        users = {x["display_name"]: x for x in user_admin.list_users(u, deputy)}
    assert set(users) == {"用户deputy", "用户organiser", "用户both"}  # not the chief above, not the stranger
    assert users["用户both"]["roles_elsewhere"] == 1
    with pytest.raises(Forbidden):  # a non-administrator opens no administration at all
        with uow() as u:
            user_admin.may_open_admin(u, organiser)
    with uow() as u:
        with pytest.raises(NotFound):
            user_admin.get_user(u, deputy, world["ids"]["stranger"])
        with pytest.raises(NotFound):  # another tree's organisation is not even there
            user_admin.rename_organisation(u, deputy, orgs["other"], "改名")
        with pytest.raises(NotFound):
            user_admin.rename_organisation(u, chief, orgs["other"], "改名")
    with uow() as u:
        assert user_admin.rename_organisation(u, deputy, orgs["one"], "第一党支部")["name"] == "第一党支部"
    with uow() as u:
        with pytest.raises(Conflict):
            user_admin.rename_organisation(u, deputy, orgs["two"], "第一党支部")


def test_roles_are_granted_and_revoked_inside_the_reach_only(uow):
    world = _world(uow)
    orgs, ids = world["orgs"], world["ids"]
    deputy = _actor(uow, world, "deputy")
    with uow() as u:
        seen = user_admin.grant_role(u, deputy, ids["organiser"], orgs["two"], "reviewer")
    assert {(r["organisation"], r["role"]) for r in seen["roles"]} == {("第一支部", "organiser"), ("第二支部", "reviewer")}
    with uow() as u:
        with pytest.raises(InputError):  # not an organisation the deputy administers
            user_admin.grant_role(u, deputy, ids["organiser"], orgs["root"], "admin")
        with pytest.raises(Conflict):
            user_admin.grant_role(u, deputy, ids["organiser"], orgs["two"], "reviewer")
        with pytest.raises(Forbidden):
            user_admin.grant_role(u, deputy, ids["deputy"], orgs["one"], "organiser")  # not to oneself
        own = user_admin.get_user(u, deputy, ids["deputy"])["roles"][0]["id"]
        with pytest.raises(Forbidden):
            user_admin.revoke_role(u, deputy, own)
        only = user_admin.get_user(u, deputy, ids["both"])["roles"][0]["id"]
    with uow() as u:
        user_admin.revoke_role(u, deputy, only)  # the reviewer role elsewhere remains; deputy sees them no more
    with uow() as u:
        with pytest.raises(NotFound):
            user_admin.get_user(u, deputy, ids["both"])
        grant = [r for r in user_admin.get_user(u, deputy, ids["organiser"])["roles"] if r["role"] == "reviewer"][0]
    with uow() as u:
        user_admin.revoke_role(u, deputy, grant["id"])
    with uow() as u:
        last = user_admin.get_user(u, deputy, ids["organiser"])["roles"][0]["id"]
        with pytest.raises(InputError) as caught:
            user_admin.revoke_role(u, deputy, last)
    assert caught.value.code == "LAST_ROLE"
    assert _actor(uow, world, "organiser").grants == ((orgs["one"], "organiser"),)  # read afresh per request


def test_a_reset_password_is_temporary_and_ends_every_session(uow):
    world = _world(uow)
    ids = world["ids"]
    deputy = _actor(uow, world, "deputy")
    with uow() as u:
        user = accounts.sign_in(u.session, "organiser", PASSWORD, None)
        token = accounts.issue_token(u.session, user, 12)
        u.commit()
    with uow() as u:
        with pytest.raises(Forbidden):  # a role outside the deputy's reach: the administrator above must do it
            user_admin.reset_password(u, deputy, ids["both"])
        with pytest.raises(InputError):
            user_admin.reset_password(u, deputy, ids["deputy"])
        shown, temporary = user_admin.reset_password(u, deputy, ids["organiser"])
    assert shown["must_change_password"] and len(temporary) == 14
    with uow() as u:
        with pytest.raises(Unauthorised):  # the old session ended at once
            accounts.actor_for_token(u.session, token)
        with pytest.raises(Unauthorised):
            accounts.sign_in(u.session, "organiser", PASSWORD, None)
    with uow() as u:
        user = accounts.sign_in(u.session, "organiser", temporary, None)
        token = accounts.issue_token(u.session, user, 12)
        u.commit()
    with uow() as u:
        actor = accounts.actor_for_token(u.session, token)
        with pytest.raises(Forbidden) as caught:
            accounts.require_own_password(actor)
        assert caught.value.code == "PASSWORD_CHANGE_REQUIRED"
        accounts.change_password(u.session, actor, temporary, "a-new-long-passphrase-9", None)
        u.commit()
    with uow() as u:
        user = accounts.sign_in(u.session, "organiser", "a-new-long-passphrase-9", None)
        accounts.require_own_password(accounts.actor_for(u.session, user))  # no longer temporary


def test_deactivation_ends_sessions_at_once_and_a_new_user_starts_temporary(uow):
    world = _world(uow)
    orgs, ids = world["orgs"], world["ids"]
    deputy = _actor(uow, world, "deputy")
    with uow() as u:
        token = accounts.issue_token(u.session, u.session.get(User, ids["organiser"]), 12)
        u.commit()
    with uow() as u:
        assert not user_admin.set_active(u, deputy, ids["organiser"], False)["active"]
    with uow() as u:
        with pytest.raises(Unauthorised):
            accounts.actor_for_token(u.session, token)
        with pytest.raises(InputError):  # a deactivated account is re-enabled before a reset
            user_admin.reset_password(u, deputy, ids["organiser"])
        with pytest.raises(Forbidden):
            user_admin.set_active(u, deputy, ids["both"], False)
    with uow() as u:
        created, temporary = user_admin.add_user(u, deputy, login="newbie", display_name="新同志",
                                                 organisation_id=orgs["two"], role="organiser")
    with uow() as u:
        user = accounts.sign_in(u.session, "newbie", temporary, None)
        assert accounts.actor_for(u.session, user).must_change_password
        with pytest.raises(InputError):  # only organisations the deputy administers
            user_admin.add_user(u, deputy, login="x2", display_name="外人", organisation_id=orgs["root"],
                                role="organiser")


def test_the_holiday_calendar_is_for_the_system_administrator_only(uow):
    world = _world(uow)
    sysadmin, chief = _actor(uow, world, "sysadmin"), _actor(uow, world, "chief")
    with uow() as u:
        assert user_admin.may_open_admin(u, sysadmin) == {"organisations": False, "users": False, "calendar": True}
        with pytest.raises(Forbidden):
            calendar_edit.overview(u, chief, TODAY)
        with pytest.raises(Forbidden):
            calendar_edit.enter_year(u, chief, year=2031, notice="国办发明电〔2030〕1号", holidays="", workdays="",
                                     override=False)
        entered = calendar_edit.enter_year(u, sysadmin, year=2031, notice="国办发明电〔2030〕1号",
                                           holidays="2031-01-01\n2031-10-01, 2031-10-02", workdays="2031-09-28",
                                           override=False)
    assert entered["holidays"] == ["2031-01-01", "2031-10-01", "2031-10-02"]
    with uow() as u:
        calendar_edit.change_day(u, sysadmin, year=2031, day="2031-10-03", kind="holidays", add=True)
    with uow() as u:
        after = calendar_edit.change_day(u, sysadmin, year=2031, day="2031-01-01", kind="holidays", add=False)
    assert after["holidays"] == ["2031-10-01", "2031-10-02", "2031-10-03"]
    with uow() as u:
        with pytest.raises(InputError):
            calendar_edit.change_day(u, sysadmin, year=2031, day="2031-09-28", kind="holidays", add=True)
        with pytest.raises(InputError):  # a day of another year
            calendar_edit.change_day(u, sysadmin, year=2031, day="2032-01-01", kind="holidays", add=True)
        with pytest.raises(NotFound):
            calendar_edit.change_day(u, sysadmin, year=2040, day="2040-01-01", kind="holidays", add=True)
        with pytest.raises(Conflict):  # a year the package knows needs an explicit override with a 文号
            calendar_edit.enter_year(u, sysadmin, year=2024, notice="国办发明电〔2023〕7号", holidays="", workdays="",
                                     override=False)
        view = calendar_edit.overview(u, sysadmin, dt.date(2031, 3, 1))
    assert [c["entered_by"] for c in view["changes"]] == ["用户sysadmin"] * 3
    assert {y["year"]: y["stored"] for y in view["around"]}[2031]
    from workflow.dates import default_calendar

    assert not default_calendar().is_workday(dt.date(2031, 10, 3)).workday
