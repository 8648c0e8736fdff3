"""Importing a dossier again, without a database: a file cannot sign steps off or rewrite what was signed."""
from __future__ import annotations

import copy

import pytest
from service_layer.fake_world import BRANCH, TODAY, an_applicant

from workflow.service_layer import dossiers, reviews
from workflow.store.errors import Conflict


@pytest.fixture
def exported(world) -> dict:
    an_applicant(world)
    with world.uow() as uow:
        return dossiers.export_dossier(uow, world.organiser, "D-1")


def _reimport(world, document) -> dict:
    with world.uow() as uow:
        return dossiers.import_or_update(uow, world.organiser, BRANCH, document, source="again.json", today=TODAY)


def test_an_unchanged_file_writes_nothing(world, exported):
    assert _reimport(world, exported)["outcome"] == "unchanged"
    assert [e.kind for e in world.store.tables.events["D-1"]] == ["created", "step_recorded"]


def test_a_forged_reviewer_arrives_as_an_unconfirmed_paper_review(world, exported):
    forged = copy.deepcopy(exported)
    forged["steps"][0].update(reviewed_by="王组织员", reviewed_on="2024-09-11")
    assert _reimport(world, forged)["outcome"] == "updated"
    with world.uow() as uow:
        [step] = dossiers.export_dossier(uow, world.organiser, "D-1")["steps"]
    assert "reviewed_by" not in step and step["review_source"] == "paper"
    assert step["paper_review"]["reviewed_by"] == "王组织员" and step["paper_review"]["imported_by"] == "李书记"
    assert world.store.tables.index["review"] == []  # nothing counts as reviewed
    with world.uow() as uow:  # a second person above the branch confirms it, in the system
        assert reviews.confirm_paper_reviews(uow, world.reviewer, "D-1", today=TODAY)["confirmed"] == [0]


def test_a_signed_off_step_cannot_be_rewritten_nor_case_events_added_by_a_file(world, exported):
    with world.uow() as uow:
        reviews.review_step(uow, world.reviewer, "D-1", 0, today=TODAY)
    with world.uow() as uow:
        signed = dossiers.export_dossier(uow, world.organiser, "D-1")
    version = world.store.tables.dossiers["D-1"].version
    moved = copy.deepcopy(signed)
    moved["steps"][0]["date"] = "2024-09-01"
    with pytest.raises(Conflict) as refused:
        _reimport(world, moved)
    assert refused.value.code == "REIMPORT_CHANGES_REVIEWED_STEP"
    withdrawn = copy.deepcopy(signed)
    withdrawn["case_events"] = [{"kind": "withdraw", "date": "2024-10-01"}]
    with pytest.raises(Conflict) as refused:
        _reimport(world, withdrawn)
    assert refused.value.code == "REIMPORT_CHANGES_CASE_EVENTS"
    assert world.store.tables.dossiers["D-1"].version == version


def test_a_dossier_of_another_tree_is_not_revealed_by_a_reimport(world, exported):
    with world.uow() as uow, pytest.raises(Conflict) as refused:
        dossiers.import_or_update(uow, world.outsider, 3, exported, today=TODAY)
    assert refused.value.code == "DOSSIER_EXISTS"  # the answer for any taken id, wherever it is kept
