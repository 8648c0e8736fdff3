"""Record a step (through the engine's gate), review it (一步一审), correct it (a new event)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request
from pydantic import BaseModel, Field

from api.deps import CurrentActor, TodayDep, TokenDep, UowDep, in_one_thread
from api.routes.dossiers import DossierId
from workflow.store import services

router = APIRouter(tags=["steps"])

StepIndex = Annotated[int, Path(ge=0, le=1000)]


@router.post("/dossiers/{dossier_id}/steps", status_code=201)
async def record_step(dossier_id: DossierId, entry: Annotated[dict[str, Any], Body()], request: Request,
                      token: TokenDep):
    """The body is a `dossier/1` step entry; `reason` (optional) explains warnings."""
    entry = dict(entry)
    reason = entry.pop("reason", None)
    if reason is not None and not isinstance(reason, str):
        reason = str(reason)
    return await in_one_thread(request, token, lambda uow, actor, today: services.record_step(
        uow, actor, dossier_id, entry, today=today, reason=reason), status_code=201)


@router.post("/dossiers/{dossier_id}/steps/{index}/review")
async def review_step(dossier_id: DossierId, index: StepIndex, request: Request, token: TokenDep):
    return await in_one_thread(request, token, lambda uow, actor, today: services.review_step(
        uow, actor, dossier_id, index, today=today))


@router.post("/dossiers/{dossier_id}/paper-reviews/confirm")
def confirm_paper_reviews(dossier_id: DossierId, actor: CurrentActor, uow: UowDep, today: TodayDep):
    """Confirms every paper review an import brought (a reviewer other than the importer): they then count."""
    return services.confirm_paper_reviews(uow, actor, dossier_id, today=today)


class CorrectionIn(BaseModel):
    entry: dict[str, Any]
    reason: str = Field(min_length=1, max_length=1000)
    warning_reason: str | None = Field(default=None, max_length=1000)


@router.post("/dossiers/{dossier_id}/steps/{index}/correction", status_code=201)
def correct_step(dossier_id: DossierId, index: StepIndex, body: CorrectionIn, actor: CurrentActor, uow: UowDep,
                 today: TodayDep):
    return services.correct_step(uow, actor, dossier_id, index, body.entry, reason=body.reason, today=today,
                                 warning_reason=body.warning_reason)
