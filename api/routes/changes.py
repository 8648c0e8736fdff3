"""Reviewed changes over JSON: case events wait here for a second person (一事一审).

`POST /api/dossiers/{id}/events` only proposes a case event (202, the pending change); a reviewer above
the organisation lists what waits for them, reads one, approves it (the event is then written into the
dossier for its proposer, naming the approver) or returns it with a comment. The same use cases as the
web pages (workflow/service_layer/reviewed_changes.py), which decide who may propose and decide: never the
proposer. No logic here.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.deps import CurrentActor, TodayDep, UowDep
from api.routes.dossiers import DossierId
from api.schemas import TYPED, Change, ChangeApproved, ChangeView, WaitingChange
from workflow.service_layer import reviewed_changes

router = APIRouter(tags=["changes"])

ChangeId = Annotated[int, Path(ge=1, le=2**62)]


class ReturnIn(BaseModel):
    comment: str | None = Field(default=None, max_length=1000, description="退回意见（必填）")


@router.get("/changes", response_model=list[WaitingChange], **TYPED)
def waiting_changes(actor: CurrentActor, uow: UowDep, limit: Annotated[int, Query(ge=1, le=500)] = 200):
    """Pending proposals the caller may decide (a reviewer's queue; empty for everyone else)."""
    return reviewed_changes.waiting_for(uow, actor, limit=limit)


@router.get("/dossiers/{dossier_id}/changes", response_model=list[Change], **TYPED)
def dossier_changes(dossier_id: DossierId, actor: CurrentActor, uow: UowDep):
    """Every proposal on one dossier (pending, approved, returned), newest first."""
    return reviewed_changes.changes_of(uow, actor, dossier_id)


@router.get("/changes/{change_id}", response_model=ChangeView, **TYPED)
def read_change(change_id: ChangeId, actor: CurrentActor, uow: UowDep):
    """One proposal, for whoever may see its dossier or decide it; with the person's name and where the
    case is (a reviewer of a receiving tree decides a transfer in before the dossier is theirs to read)."""
    change, dossier, where = reviewed_changes.view_change(uow, actor, change_id)
    return {**change, "person_name": dossier.person.name, "where": where,
            "may_decide": reviewed_changes.may_decide(uow, actor, change, dossier)}


@router.post("/changes/{change_id}/approve", response_model=ChangeApproved, **TYPED)
def approve_change(change_id: ChangeId, actor: CurrentActor, uow: UowDep, today: TodayDep):
    """Signs the proposal off and applies it in one transaction (refused to its proposer: SELF_REVIEW)."""
    return reviewed_changes.approve_change(uow, actor, change_id, today=today)


@router.post("/changes/{change_id}/return", response_model=Change, **TYPED)
def return_change(change_id: ChangeId, body: ReturnIn, actor: CurrentActor, uow: UowDep, today: TodayDep):
    """Sends the proposal back with a comment; nothing in the dossier changes and it may be proposed again."""
    return reviewed_changes.return_change(uow, actor, change_id, body.comment, today=today)
