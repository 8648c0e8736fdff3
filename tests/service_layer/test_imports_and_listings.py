"""Importing a dossier/1 file and listing what a user sees, without a database: both reach storage only
through the unit of work (a failed import is rolled back with `uow.rollback()`, never a session)."""
from __future__ import annotations

import json

from service_layer.fake_world import BRANCH, OTHER_COMMITTEE, TODAY

from workflow.service_layer import dossiers, web_queries
from workflow.service_layer.imports import import_path

PAPER = {"format": "dossier/1", "id": "IMP-1", "person": {"name": "王五", "birth_date": "2003-05-05",
                                                          "id_number": "110105200305050041"},
         "steps": [{"step": "s01_application", "date": "2024-09-10", "reviewed_by": "王组织员",
                    "reviewed_on": "2024-09-11"}]}


def _import(world, path) -> dict:
    with world.uow() as uow:
        return import_path(uow, world.organiser, BRANCH, str(path), today=TODAY).to_dict()


def test_a_file_imported_twice_is_one_dossier_and_a_bad_one_writes_nothing(world, tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(PAPER, ensure_ascii=False), encoding="utf-8")
    bad.write_text(json.dumps({**PAPER, "id": "IMP-2", "steps": [{"step": "s99", "date": "2024-09-10"}]}),
                   encoding="utf-8")
    first = _import(world, good)
    assert [(r["id"], r["outcome"]) for r in first["imported"]] == [("IMP-1", "created")] and not first["errors"]
    assert [(r["id"], r["outcome"]) for r in _import(world, good)["imported"]] == [("IMP-1", "unchanged")]
    refused = _import(world, bad)
    assert refused["imported"] == [] and refused["errors"][0]["file"] == str(bad)
    assert sorted(world.store.tables.dossiers) == ["IMP-1"]
    [step] = json.loads(world.store.tables.dossiers["IMP-1"].snapshot)["steps"]
    assert "reviewed_by" not in step and step["review_source"] == "paper"  # a file never signs a step off


def test_the_workspace_lists_a_users_dossiers_with_the_id_number_masked(world, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(PAPER, ensure_ascii=False), encoding="utf-8")
    _import(world, good)
    with world.uow() as uow:
        dossiers.create_dossier(uow, world.outsider, OTHER_COMMITTEE, {"name": "赵七", "birth_date": "2002-02-02"},
                                dossier_id="X-1")
    with world.uow() as uow:
        [mine] = web_queries.visible_dossiers(uow, world.organiser)
        assert [v.summary["id"] for v in web_queries.visible_dossiers(uow, world.outsider)] == ["X-1"]
        waiting = web_queries.reviews_waiting(uow, world.reviewer, web_queries.visible_dossiers(uow, world.reviewer))
    assert mine.summary["id"] == "IMP-1" and mine.dossier.person.id_number == "1101**********0041"
    assert [(item.summary["id"], index) for item, index in waiting] == [("IMP-1", 0)]  # the paper review counts
    # only once confirmed, so the step waits for a reviewer above the branch
