"""Creating and listing dossiers against the fake unit of work: no database."""
from __future__ import annotations

import json

import pytest
from service_layer.fake_world import BRANCH, OTHER_COMMITTEE

from workflow.service_layer import dossiers, queries
from workflow.store.errors import Conflict, Forbidden

PERSON = {"name": "张三", "birth_date": "2004-03-02"}


def test_creating_a_dossier_commits_one_created_event(world):
    with world.uow() as uow:
        made = dossiers.create_dossier(uow, world.organiser, BRANCH, PERSON, dossier_id="D-1", track_materials=False)
    assert uow.commits == 1
    assert made == {"id": "D-1", "name": "张三", "birth_date": "2004-03-02", "id_number": None,
                    "organisation_id": BRANCH, "pending_organisation_id": None, "state": made["state"], "version": 1}
    row = world.store.tables.dossiers["D-1"]
    assert (row.organisation_id, row.root_organisation_id, row.version) == (BRANCH, 1, 1)
    [event] = world.store.tables.events["D-1"]
    assert (event.seq, event.kind, event.actor) == (1, "created", "李书记")
    assert json.loads(event.payload)["info"] == {"organisation_id": BRANCH}
    with world.uow() as uow:
        assert [e["kind"] for e in queries.events(uow, world.organiser, "D-1")] == ["created"]
        assert dossiers.get_dossier(uow, world.organiser, "D-1")["dossier"]["person"]["name"] == "张三"


def test_a_refused_creation_writes_nothing(world):
    with world.uow() as uow, pytest.raises(Forbidden):
        dossiers.create_dossier(uow, world.reviewer, BRANCH, PERSON, dossier_id="D-1")  # reviewers do not create
    assert uow.commits == 0 and uow.rolled_back
    assert world.store.tables.dossiers == {} and world.store.tables.events == {}


def test_one_person_one_dossier_within_a_tree_only(world):
    with world.uow() as uow:
        dossiers.create_dossier(uow, world.organiser, BRANCH, PERSON, dossier_id="D-1")
    with world.uow() as uow, pytest.raises(Conflict) as twice:
        dossiers.create_dossier(uow, world.organiser, BRANCH, PERSON, dossier_id="D-2")
    assert twice.value.code == "DUPLICATE_PERSON"
    with world.uow() as uow, pytest.raises(Conflict) as same_id:
        dossiers.create_dossier(uow, world.organiser, BRANCH, {"name": "李四", "birth_date": "2003-01-01"},
                                dossier_id="D-1")
    assert same_id.value.code == "DOSSIER_EXISTS"
    with world.uow() as uow:  # another Party committee keeps its own dossier on the same person
        dossiers.create_dossier(uow, world.outsider, OTHER_COMMITTEE, PERSON, dossier_id="X-1")
    assert sorted(world.store.tables.dossiers) == ["D-1", "X-1"]


def test_a_listing_shows_only_the_users_organisations(world):
    with world.uow() as uow:
        dossiers.create_dossier(uow, world.organiser, BRANCH, PERSON, dossier_id="D-1")
        dossiers.create_dossier(uow, world.outsider, OTHER_COMMITTEE, {"name": "王五", "birth_date": "2002-05-05"},
                                dossier_id="X-1")
    with world.uow() as uow:
        assert [d["id"] for d in dossiers.list_dossiers(uow, world.organiser)] == ["D-1"]
        assert [d["id"] for d in dossiers.list_dossiers(uow, world.reviewer)] == ["D-1"]
        assert [d["id"] for d in dossiers.list_dossiers(uow, world.outsider)] == ["X-1"]
