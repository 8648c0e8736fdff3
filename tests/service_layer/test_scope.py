"""Scope in the use cases, without a database: a dossier outside the user's organisations is absent."""
from __future__ import annotations

import pytest
from service_layer.fake_world import BRANCH, TODAY, an_applicant

from workflow.service_layer import dossiers, queries, reviews, steps
from workflow.store.errors import NotFound


@pytest.fixture
def dossier(world) -> str:
    return an_applicant(world)


USE_CASES = {
    "get": lambda uow, actor, d: dossiers.get_dossier(uow, actor, d),
    "export": lambda uow, actor, d: dossiers.export_dossier(uow, actor, d),
    "events": lambda uow, actor, d: queries.events(uow, actor, d),
    "plan": lambda uow, actor, d: queries.plan_one(uow, actor, d, TODAY),
    "record": lambda uow, actor, d: steps.record_step(uow, actor, d, {"step": "s02_applicant_talk",
                                                                      "date": "2024-09-25"}, today=TODAY),
    "review": lambda uow, actor, d: reviews.review_step(uow, actor, d, 0, today=TODAY),
    "fact": lambda uow, actor, d: steps.add_fact(uow, actor, d, "thought_reports", {"date": "2024-10-01"}),
}


@pytest.mark.parametrize("use_case", sorted(USE_CASES))
def test_outside_the_organisation_a_dossier_is_not_found_like_an_absent_one(world, dossier, use_case):
    run = USE_CASES[use_case]
    with world.uow() as uow, pytest.raises(NotFound) as hidden:
        run(uow, world.outsider, dossier)
    with world.uow() as uow, pytest.raises(NotFound) as absent:
        run(uow, world.outsider, "NO-SUCH")
    assert (hidden.value.code, hidden.value.message) == (absent.value.code, absent.value.message) \
        == ("DOSSIER_NOT_FOUND", "找不到该档案，或您无权查看")
    assert world.store.tables.dossiers[dossier].version == 2  # nothing written


def test_the_outsider_cannot_create_in_the_organisation_either(world):
    with world.uow() as uow, pytest.raises(NotFound) as refused:
        dossiers.create_dossier(uow, world.outsider, BRANCH, {"name": "李四", "birth_date": "2003-01-01"})
    assert refused.value.code == "ORGANISATION_NOT_FOUND"
    with world.uow() as uow:
        assert dossiers.list_dossiers(uow, world.outsider) == []
