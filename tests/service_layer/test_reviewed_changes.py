"""一事一审 for case events and fact corrections, without a database: the proposal is a row of
`uow.changes` and a `change_proposed` event; a second person approves it and it is applied for the
proposer (`uow.users`), or returns it with a comment."""
from __future__ import annotations

import pytest
from service_layer.fake_world import BRANCH, TODAY, an_applicant

from workflow.service_layer import reviewed_changes
from workflow.store.errors import Conflict, Forbidden, NotFound

WITHDRAW = {"kind": "withdraw", "date": "2024-10-01", "reason": "本人申请撤回"}


@pytest.fixture
def dossier(world) -> str:
    world.store.tables.users[world.organiser.user_id] = world.organiser  # the proposer's account is active
    return an_applicant(world)


def _propose(world, dossier: str) -> dict:
    with world.uow() as uow:
        return reviewed_changes.propose_case_event(uow, world.organiser, dossier, WITHDRAW, today=TODAY)


def test_a_proposal_changes_nothing_until_a_second_person_approves_it(world, dossier):
    proposed = _propose(world, dossier)
    assert (proposed["status"], proposed["proposed_by"]) == ("pending", "李书记")
    assert world.store.tables.changes[proposed["id"]].proposed_event_seq == 3
    assert [e.kind for e in world.store.tables.events[dossier]][-1] == "change_proposed"
    assert world.store.tables.dossiers[dossier].state == "applicant"
    with world.uow() as uow, pytest.raises(Conflict) as twice:
        reviewed_changes.propose_case_event(uow, world.organiser, dossier, WITHDRAW, today=TODAY)
    assert twice.value.code == "CHANGE_PENDING"
    with world.uow() as uow:
        assert [c["id"] for c in reviewed_changes.waiting_for(uow, world.reviewer)] == [proposed["id"]]
        assert reviewed_changes.waiting_for(uow, world.organiser) == []  # not a reviewer
        assert len(reviewed_changes.waiting_for(uow, world.both)) == 1  # a reviewer above who did not propose it

    with world.uow() as uow:
        approved = reviewed_changes.approve_change(uow, world.reviewer, proposed["id"], today=TODAY)
    assert approved["status"] == "approved" and approved["decided_by"] == "赵审核"
    row = world.store.tables.dossiers[dossier]
    [last] = world.store.tables.events[dossier][-1:]
    assert (last.kind, last.actor, last.seq) == ("case_withdraw", "李书记", 4)  # applied for the proposer
    assert world.store.tables.changes[proposed["id"]].applied_event_seq == row.version == 4
    with world.uow() as uow:
        assert reviewed_changes.waiting_for(uow, world.reviewer) == []
        [seen] = reviewed_changes.changes_of(uow, world.organiser, dossier)
    assert seen["status"] == "approved"


def test_the_proposer_may_not_approve_and_a_returned_proposal_leaves_the_case(world, dossier):
    world.store.tables.users[world.both.user_id] = world.both
    with world.uow() as uow:
        proposed = reviewed_changes.propose_case_event(uow, world.both, dossier, WITHDRAW, today=TODAY)
    with world.uow() as uow, pytest.raises(Forbidden) as own:
        reviewed_changes.approve_change(uow, world.both, proposed["id"], today=TODAY)
    assert own.value.code == "SELF_REVIEW"
    with world.uow() as uow, pytest.raises(NotFound):  # outside the tree the proposal is not there
        reviewed_changes.approve_change(uow, world.outsider, proposed["id"], today=TODAY)
    assert world.store.tables.changes[proposed["id"]].status == "pending"
    with world.uow() as uow:
        returned = reviewed_changes.return_change(uow, world.reviewer, proposed["id"], "日期有误", today=TODAY)
    assert (returned["status"], returned["comment"]) == ("returned", "日期有误")
    assert world.store.tables.dossiers[dossier].state == "applicant"
    assert [e.kind for e in world.store.tables.events[dossier]][-2:] == ["change_proposed", "change_returned"]


def test_a_proposal_whose_proposer_left_cannot_be_approved(world, dossier):
    proposed = _propose(world, dossier)
    del world.store.tables.users[world.organiser.user_id]  # the account was deactivated since
    version = world.store.tables.dossiers[dossier].version
    with world.uow() as uow, pytest.raises(Conflict) as refused:
        reviewed_changes.approve_change(uow, world.reviewer, proposed["id"], today=TODAY)
    assert refused.value.code == "PROPOSER_INACTIVE"
    assert world.store.tables.changes[proposed["id"]].status == "pending"  # the refused decision was not kept
    assert world.store.tables.dossiers[dossier].version == version
