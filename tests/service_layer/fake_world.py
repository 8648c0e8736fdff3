"""The world of the service-layer tests, without a database: an organisation tree held in memory and a
`FakeUnitOfWork` over a `FakeStore` (workflow/adapters/fake.py)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from workflow.adapters.fake import FakeStore, FakeUnitOfWork
from workflow.service_layer import dossiers, steps
from workflow.store.access import Actor, OrgInfo, OrgTree

TODAY = dt.date(2026, 11, 21)
COMMITTEE, BRANCH, OTHER_COMMITTEE = 1, 2, 3


def _org(org_id: int, name: str, level: str, parent_id: int | None) -> OrgInfo:
    values = {"id": org_id, "name": name, "level": level, "parent_id": parent_id, "root_id": None, "rule_set": None,
              "overlay": None, "approval_type": None}
    return OrgInfo(**{name_: values.get(name_) for name_ in OrgInfo._fields})


@dataclass
class World:
    store: FakeStore
    organiser: Actor
    reviewer: Actor
    both: Actor
    outsider: Actor

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)


@pytest.fixture
def world() -> World:
    tree = OrgTree({COMMITTEE: _org(COMMITTEE, "护理学院党委", "committee", None),
                    BRANCH: _org(BRANCH, "护理学院第一支部", "branch", COMMITTEE),
                    OTHER_COMMITTEE: _org(OTHER_COMMITTEE, "药学院党委", "committee", None)},
                   {COMMITTEE: [BRANCH]})
    return World(
        store=FakeStore(tree),
        organiser=Actor(user_id=1, login="o", name="李书记", grants=((BRANCH, "organiser"),)),
        reviewer=Actor(user_id=2, login="v", name="赵审核", grants=((COMMITTEE, "reviewer"),)),
        # organises the branch and reviews above it: may sign off others' records, never their own
        both=Actor(user_id=3, login="b", name="卫双岗", grants=((BRANCH, "organiser"), (COMMITTEE, "reviewer"))),
        outsider=Actor(user_id=4, login="x", name="外院书记",
                       grants=((OTHER_COMMITTEE, "organiser"), (OTHER_COMMITTEE, "reviewer"))),
    )


def an_applicant(world: World, dossier_id: str = "D-1") -> str:
    """A dossier in the branch with its application recorded by the organiser (not yet reviewed): where
    most use-case tests start."""
    with world.uow() as uow:
        dossiers.create_dossier(uow, world.organiser, BRANCH, {"name": "张三", "birth_date": "2004-03-02"},
                                dossier_id=dossier_id, track_materials=False)
    with world.uow() as uow:
        steps.record_step(uow, world.organiser, dossier_id, {"step": "s01_application", "date": "2024-09-10"},
                          today=TODAY)
    return dossier_id
