"""Record a step (through the engine's gate), review it (一步一审), correct it (a new event)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request
from pydantic import BaseModel, Field

from api.deps import CurrentActor, TodayDep, TokenDep, UowDep, in_one_thread
from api.request_bodies import ShownAs, StepEntryBody, StepRecordIn
from api.routes.dossiers import DossierId
from api.schemas import TYPED, PaperReviewsConfirmed, StepCorrected, StepRecorded, StepReviewed
from workflow.service_layer import reviews, steps

router = APIRouter(tags=["steps"])

StepIndex = Annotated[int, Path(ge=0, le=1000)]


def recording(dossier_id: str, entry: dict[str, Any]):
    """The work of recording `entry` (`in_one_thread`'s); `reason` (optional) is taken out of the entry.
    The route below and api/hot_routes.py (which answers a well-formed request before the router) run it."""
    entry = dict(entry)
    reason = entry.pop("reason", None)
    if reason is not None and not isinstance(reason, str):
        reason = str(reason)
    return lambda uow, actor, today: steps.record_step(uow, actor, dossier_id, entry, today=today, reason=reason)


def reviewing(dossier_id: str, index: int):
    """The work of reviewing step `index` (`in_one_thread`'s), for the route below and api/hot_routes.py."""
    return lambda uow, actor, today: reviews.review_step(uow, actor, dossier_id, index, today=today)


@router.post("/dossiers/{dossier_id}/steps", status_code=201, response_model=StepRecorded)
async def record_step(dossier_id: DossierId, entry: Annotated[dict[str, Any], ShownAs(StepRecordIn), Body()],
                      request: Request, token: TokenDep):
    """The body is a `dossier/1` step entry; `reason` (optional) explains warnings. `StepRecordIn` describes
    the body and the engine validates it (api/request_bodies.py); the answer is built in the writing thread
    (`in_one_thread`) and `StepRecorded` describes it."""
    return await in_one_thread(request, token, recording(dossier_id, entry), status_code=201, dossier_id=dossier_id)


@router.post("/dossiers/{dossier_id}/steps/{index}/review", response_model=StepReviewed)
async def review_step(dossier_id: DossierId, index: StepIndex, request: Request, token: TokenDep):
    return await in_one_thread(request, token, reviewing(dossier_id, index), dossier_id=dossier_id)


@router.post("/dossiers/{dossier_id}/paper-reviews/confirm", response_model=PaperReviewsConfirmed, **TYPED)
def confirm_paper_reviews(dossier_id: DossierId, actor: CurrentActor, uow: UowDep, today: TodayDep):
    """Confirms every paper review an import brought (a reviewer other than the importer): they then count."""
    return reviews.confirm_paper_reviews(uow, actor, dossier_id, today=today)


class CorrectionIn(BaseModel):
    entry: StepEntryBody  # described by StepEntryIn, validated by the engine (api/request_bodies.py)
    reason: str = Field(min_length=1, max_length=1000)
    warning_reason: str | None = Field(default=None, max_length=1000)


@router.post("/dossiers/{dossier_id}/steps/{index}/correction", status_code=201, response_model=StepCorrected,
             **TYPED)
def correct_step(dossier_id: DossierId, index: StepIndex, body: CorrectionIn, actor: CurrentActor, uow: UowDep,
                 today: TodayDep):
    return steps.correct_step(uow, actor, dossier_id, index, body.entry, reason=body.reason, today=today,
                              warning_reason=body.warning_reason)
