"""Pairing (结对) in the store: a branch's activists get two full members each, least-loaded first; a
probationary member, a duplicate or an overloaded member is refused with the policy's words; a
replaced contact is closed on the day with the reason and kept, and the pairing work is dated within
each contact's own time."""
from __future__ import annotations

import datetime as dt

import pytest

from workflow.errors import InputError
from workflow.service_layer import dossiers
from workflow.store import admin
from workflow.store import pairing as store
from workflow.store.access import Actor
from workflow.store.errors import Conflict, Forbidden, NotFound

D = dt.date.fromisoformat
PASSWORD = "Lantern-Orchid-Quarry-91"
TODAY = D("2026-09-01")


def _actor(user, grants):
    return Actor(user_id=user["id"], login=user["login"], name=user["display_name"], grants=tuple(grants))


def _activist(dossier_id: str, name: str) -> dict:
    return {"format": "dossier/1", "id": dossier_id, "person": {"name": name, "birth_date": "2005-03-01"},
            "steps": [{"step": "s01_application", "date": "2025-09-10"},
                      {"step": "s02_applicant_talk", "date": "2025-09-20"},
                      {"step": "s03_activist_determined", "date": "2026-01-10", "nomination": ["league"]}]}


@pytest.fixture
def world(uow):
    with uow() as u:
        root = admin.create_organisation(u, None, name="公共卫生学院党委", level="committee", parent_id=None)["id"]
    with uow() as u:
        boss = admin.create_user(u, None, login="zuzhi", display_name="王组织员", password=PASSWORD,
                                 grants=[(root, "admin")])
    committee = _actor(boss, [(root, "admin")])
    with uow() as u:
        branch = admin.create_organisation(u, committee, name="学生第一党支部", level="branch", parent_id=root)["id"]
    with uow() as u:
        other = admin.create_organisation(u, committee, name="学生第二党支部", level="branch", parent_id=root)["id"]
    with uow() as u:
        sec = admin.create_user(u, None, login="shuji", display_name="李书记", password=PASSWORD,
                                grants=[(branch, "organiser")])
    with uow() as u:
        aud = admin.create_user(u, None, login="shenji", display_name="审计员", password=PASSWORD,
                                grants=[(branch, "auditor")])
    secretary = _actor(sec, [(branch, "organiser")])
    members = {}
    for name, status in (("党员甲", "full"), ("党员乙", "full"), ("党员丙", "full"), ("党员丁", "full"),
                         ("党员戊", "probationary")):
        with uow() as u:
            members[name] = admin.create_member(u, secretary, organisation_id=branch, name=name, status=status)["id"]
    for i in range(3):
        with uow() as u:
            dossiers.import_dossier(u, secretary, branch, _activist(f"A{i + 1}", f"积极分子{i + 1}"), today=TODAY)
    with uow() as u:
        dossiers.import_dossier(u, committee, other, _activist("B1", "别支部的人"), today=TODAY)
    return {"branch": branch, "secretary": secretary, "committee": committee, "members": members,
            "auditor": _actor(aud, [(branch, "auditor")])}


def test_suggested_pairs_are_assigned_and_a_replacement_keeps_the_history(uow, world):
    branch, secretary, members = world["branch"], world["secretary"], world["members"]
    with uow() as u:
        suggestion = store.suggest_pairs(u, secretary, branch)
    assert suggestion["policy"] == "default" and suggestion["unserved"] == []
    per_activist = {}
    for pair in suggestion["pairs"]:
        per_activist.setdefault(pair["dossier_id"], set()).add(pair["member"])
    assert {k: len(v) for k, v in per_activist.items()} == {"A1": 2, "A2": 2, "A3": 2}
    assert all("党员戊" not in v for v in per_activist.values())  # a probationary member is never a contact
    with uow() as u, pytest.raises(Forbidden):
        store.assign_pairs(u, world["auditor"], branch, [{"dossier_id": "A1", "member_id": members["党员甲"]}],
                           start="2026-03-01", today=TODAY)
    with uow() as u:
        chosen = [{k: p[k] for k in ("dossier_id", "member_id")} for p in suggestion["pairs"]]
        saved = store.assign_pairs(u, secretary, branch, chosen, start="2026-03-01", today=TODAY)
    assert len(saved) == 6 and {p["assigned_by"] for p in saved} == {"李书记"}
    with uow() as u:
        assert store.suggest_pairs(u, secretary, branch)["pairs"] == []

    first = next(p for p in saved if p["dossier_id"] == "A1")
    with uow() as u, pytest.raises(Conflict) as caught:
        store.assign_pairs(u, secretary, branch, [{"dossier_id": "A1", "member_id": first["member_id"]}],
                           start="2026-03-02", today=TODAY)
    assert caught.value.code == "PAIRING_DUPLICATE"
    with uow() as u, pytest.raises(InputError) as caught:
        store.assign_pairs(u, secretary, branch, [{"dossier_id": "A1", "member_id": members["党员戊"]}],
                           start="2026-03-02", today=TODAY)
    assert caught.value.code == "PAIRING_NOT_FULL" and "党员戊 不是正式党员" in caught.value.message
    assert "PAIRING_COUNT" in {d["code"] for d in caught.value.details}  # a third contact breaks the policy too
    with uow() as u, pytest.raises(NotFound) as caught:
        store.assign_pairs(u, secretary, branch, [{"dossier_id": "B1", "member_id": members["党员甲"]}],
                           start="2026-03-02", today=TODAY)
    assert caught.value.code == "DOSSIER_NOT_FOUND"

    free = next(m for name, m in members.items() if name != "党员戊"
                and all(p["member_id"] != m for p in saved if p["dossier_id"] == "A1"))
    with uow() as u, pytest.raises(InputError) as caught:
        store.replace_pair(u, secretary, first["id"], free, on="2026-06-01", reason=" ", today=TODAY)
    assert caught.value.code == "PAIRING_REASON_MISSING"
    with uow() as u, pytest.raises(InputError) as caught:
        store.replace_pair(u, secretary, first["id"], members["党员戊"], on="2026-06-01", reason="工作调动", today=TODAY)
    assert caught.value.code == "PAIRING_NOT_FULL"
    with uow() as u:
        changed = store.replace_pair(u, secretary, first["id"], free, on="2026-06-01", reason="工作调动", today=TODAY)
    assert changed["closed"]["end"] == "2026-06-01" and changed["closed"]["end_reason"] == "工作调动"
    assert changed["opened"]["replaces_id"] == first["id"] and changed["opened"]["start"] == "2026-06-01"
    with uow() as u, pytest.raises(Conflict) as caught:
        store.replace_pair(u, secretary, first["id"], free, on="2026-06-02", reason="再换", today=TODAY)
    assert caught.value.code == "PAIRING_ENDED"

    with uow() as u:
        store.record_activity(u, secretary, first["id"], kind="谈心谈话", on="2026-04-01", note="学习情况", today=TODAY)
    with uow() as u, pytest.raises(InputError) as caught:  # the old contact's time ended on the change
        store.record_activity(u, secretary, first["id"], kind="帮扶", on="2026-06-02", today=TODAY)
    assert caught.value.code == "PAIRING_DATE_INVALID"
    with uow() as u, pytest.raises(InputError) as caught:
        store.record_activity(u, secretary, changed["opened"]["id"], kind="聊天", on="2026-06-10", today=TODAY)
    assert caught.value.code == "PAIRING_ACTIVITY_KIND"
    with uow() as u, pytest.raises(InputError) as caught:
        store.record_activity(u, secretary, changed["opened"]["id"], kind="帮扶", on="2026-09-02", today=TODAY)
    assert caught.value.code == "DATE_IN_FUTURE"
    with uow() as u:
        store.record_activity(u, secretary, changed["opened"]["id"], kind="帮扶", on="2026-06-10", today=TODAY)
    with uow() as u:
        history = store.pairing_history(u, secretary, "A1", window=(D("2026-03-01"), D("2026-08-31")))
    assert len(history["pairings"]) == 3 and [p["end"] for p in history["pairings"]].count("2026-06-01") == 1
    assert history["summary"] == {"talks": 1, "help": 1}
    assert [a["member"] for a in history["activities"]] == [first["member"], changed["opened"]["member"]]


def test_a_member_at_the_load_limit_is_not_given_another_activist(uow, world):
    branch, secretary, members = world["branch"], world["secretary"], world["members"]
    for i in range(4, 6):
        with uow() as u:
            dossiers.import_dossier(u, secretary, branch, _activist(f"A{i}", f"积极分子{i}"), today=TODAY)
    pairs = [{"dossier_id": f"A{i}", "member_id": members[name]} for i in (1, 2, 3) for name in ("党员甲", "党员乙")]
    with uow() as u:
        store.assign_pairs(u, secretary, branch, pairs, start="2026-03-01", today=TODAY)
    with uow() as u, pytest.raises(InputError) as caught:
        store.assign_pairs(u, secretary, branch, [{"dossier_id": "A4", "member_id": members["党员甲"]},
                                                  {"dossier_id": "A4", "member_id": members["党员丙"]}],
                           start="2026-03-01", today=TODAY)
    assert caught.value.code == "PAIRING_OVERLOAD" and "超过上限 3" in caught.value.message
    with uow() as u:
        suggestion = store.suggest_pairs(u, secretary, branch)
    assert {p["member"] for p in suggestion["pairs"]} == {"党员丙", "党员丁"}  # 甲 and 乙 are full
    assert sorted(p["dossier_id"] for p in suggestion["pairs"]) == ["A4", "A4", "A5", "A5"]
    assert suggestion["unserved"] == []
    with uow() as u:
        store.assign_pairs(u, secretary, branch, [{k: p[k] for k in ("dossier_id", "member_id")}
                                                  for p in suggestion["pairs"]], start="2026-03-01", today=TODAY)
    for i in (6, 7):
        with uow() as u:
            dossiers.import_dossier(u, secretary, branch, _activist(f"A{i}", f"积极分子{i}"), today=TODAY)
    with uow() as u:
        suggestion = store.suggest_pairs(u, secretary, branch)
    assert sorted(p["dossier_id"] for p in suggestion["pairs"]) == ["A6", "A6"]
    assert [u["dossier_id"] for u in suggestion["unserved"]] == ["A7"]
    assert "已达联系上限 3" in suggestion["unserved"][0]["reason"]
