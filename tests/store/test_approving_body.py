"""2026 第二十二条 in the store: the approving body at s17/s24 comes from the organisation tree, never
typed; a 党总支 or 党组 as approver is refused by the engine's APPROVER_NOT_AUTHORISED. Members
carry their discipline's influence period, which the introducer rule reads."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from tests_support import cut_after, load_case

from workflow import engine
from workflow.dossier import parse_dossier
from workflow.errors import InputError, StepRefused
from workflow.service_layer.entries import fill_approving_body
from workflow.store import admin
from workflow.store.access import Actor, OrgTree


def _tree(u):
    if True:
        root = admin.create_organisation(u, None, name="护理学院党委", level="committee", parent_id=None)["id"]
        actor = Actor(user_id=None, login="t", name="管理员", grants=((root, "admin"),))
        general = admin.create_organisation(u, actor, name="护理学院学生党总支", level="general_branch",
                                            parent_id=root)["id"]
        group = admin.create_organisation(u, None, name="某局党组", level="committee", parent_id=None,
                                          approval_type="party_group")["id"]
        branch = admin.create_organisation(u, actor, name="护理学院学生党支部", level="branch",
                                           parent_id=general)["id"]
        member = admin.create_member(u, actor, organisation_id=branch, name="钱七", status="full",
                                     discipline="严重警告", discipline_until="2026-06-10")
        return OrgTree.load(u.session), SimpleNamespace(organisation_id=branch), root, general, group, member


def test_the_approving_body_comes_from_the_tree(uow):
    with uow() as u:
        tree, row, root, general, group, member = _tree(u)
        entry = fill_approving_body(tree, row, {"step": "s17_admission_approved", "date": "2026-09-10",
                                                 "approving_body": {"name": "伪造", "type": "committee"}})
        by_general = fill_approving_body(tree, row, {"step": "s17_admission_approved", "date": "2026-09-10",
                                                      "approving_organisation_id": general})
        with pytest.raises(InputError) as caught:
            fill_approving_body(tree, row, {"step": "s24_conversion_approved", "approving_organisation_id": group})
    assert entry["approving_body"] == {"name": "护理学院党委", "type": "committee"}
    assert by_general["approving_body"] == {"name": "护理学院学生党总支", "type": "general_branch"}
    assert caught.value.field == "approving_organisation_id"  # not above this branch
    assert member["discipline_until"] == "2026-06-10"

    data = load_case("02_valid_2026_to_oath")["dossier"]
    cut_after(data, "s16_committee_talk")
    data.pop("materials")
    dossier = parse_dossier(data)
    as_of = dt.date(2026, 9, 10)
    assert engine.record_step(dossier, {**entry, "recorded_by": "李书记"}, as_of).state == "probationary"
    with pytest.raises(StepRefused) as refused:
        engine.record_step(dossier, {**by_general, "recorded_by": "李书记"}, as_of)
    assert [d["code"] for d in refused.value.details] == ["APPROVER_NOT_AUTHORISED"]


def test_a_member_discipline_date_must_be_a_date(uow):
    with uow() as u:
        root = admin.create_organisation(u, None, name="某党委", level="committee", parent_id=None)["id"]
        actor = Actor(user_id=None, login="t", name="管理员", grants=((root, "admin"),))
        with pytest.raises(InputError) as caught:
            admin.create_member(u, actor, organisation_id=root, name="孙八", status="full", discipline="警告",
                                discipline_until="2026-13-01")
    assert caught.value.field == "discipline_until"


def test_approving_body_types_come_from_the_checklist(uow):
    from checklists.loader import default_catalogue
    from workflow.dossier import approving_body_types

    assert approving_body_types() == default_catalogue().get("2014").approving_bodies
    assert approving_body_types()["general_branch"] == "党总支"
    with uow() as u:
        with pytest.raises(InputError) as caught:
            admin.create_organisation(u, None, name="某党委", level="committee", parent_id=None,
                                      approval_type="branch")
    assert caught.value.field == "approval_type"
