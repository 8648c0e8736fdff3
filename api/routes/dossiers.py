"""Dossiers: open, list, read (ID number masked), import and export `dossier/1`, case events (proposed,
for review: api/routes/changes.py), facts."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, Field

from api.deps import CurrentActor, TodayDep, UowDep, json_answer
from api.request_bodies import Assessment, CaseEventIn, Person, Publicity, ShownAs, ThoughtReport
from api.schemas import TYPED, Change, Dossier, DossierEvent, DossierRead, DossierSummary, FactAdded
from workflow.service_layer import dossiers, queries, reviewed_changes, steps

router = APIRouter(tags=["dossiers"])

DossierId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]


class DossierIn(BaseModel):
    organisation_id: int
    person: Annotated[dict[str, Any], ShownAs(Person)]  # validated by the dossier/1 parser, with its messages
    id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    track_materials: bool = True


@router.get("/dossiers", response_model=list[DossierSummary], **TYPED)
def list_dossiers(actor: CurrentActor, uow: UowDep, organisation_id: int | None = None, state: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Annotated[int, Query(ge=0)] = 0):
    return dossiers.list_dossiers(uow, actor, organisation_id=organisation_id, state=state, limit=limit,
                                  offset=offset)


@router.post("/dossiers", status_code=201, response_model=DossierSummary, **TYPED)
def create_dossier(body: DossierIn, actor: CurrentActor, uow: UowDep):
    return dossiers.create_dossier(uow, actor, body.organisation_id, body.person, dossier_id=body.id,
                                   track_materials=body.track_materials)


@router.post("/dossiers/import", status_code=201, response_model=DossierSummary, **TYPED)
def import_dossier(document: Annotated[dict[str, Any], ShownAs(Dossier), Body()], organisation_id: int,
                   actor: CurrentActor, uow: UowDep, today: TodayDep):
    """Takes in one `dossier/1` document as it stands (audited, not gated; shown as `Dossier`, parsed by the
    format's own parser); sign-offs it claims arrive as paper reviews awaiting a reviewer's confirmation
    (`review_source: "paper"`), never as sign-offs."""
    return dossiers.import_dossier(uow, actor, organisation_id, document, today=today)


@router.get("/dossiers/{dossier_id}", response_model=DossierRead)
def get_dossier(dossier_id: DossierId, actor: CurrentActor, uow: UowDep):
    """The document answers as built (api/schemas.py: it was validated as it entered)."""
    return json_answer(dossiers.get_dossier(uow, actor, dossier_id))


@router.get("/dossiers/{dossier_id}/export", response_model=Dossier)
def export_dossier(dossier_id: DossierId, actor: CurrentActor, uow: UowDep):
    """The lossless `dossier/1` document (with the full ID number: export roles only)."""
    return json_answer(dossiers.export_dossier(uow, actor, dossier_id))


@router.get("/dossiers/{dossier_id}/events", response_model=list[DossierEvent], **TYPED)
def list_events(dossier_id: DossierId, actor: CurrentActor, uow: UowDep):
    return queries.events(uow, actor, dossier_id)


@router.post("/dossiers/{dossier_id}/events", status_code=202, response_model=Change, **TYPED)
def case_event(dossier_id: DossierId, event: Annotated[dict[str, Any], ShownAs(CaseEventIn), Body()],
               actor: CurrentActor, uow: UowDep, today: TodayDep):
    """Proposes `withdraw`, `not_admitted`, `transfer_out` (`to_organisation_id` or `organisation`) or
    `transfer_in`, each with `date` and `reason`: 202 with the pending change. Nothing in the dossier moves
    until a second person, a reviewer above, approves it (`POST /api/changes/{id}/approve`): one step, one
    review, as in the web workspace."""
    return reviewed_changes.propose_case_event(uow, actor, dossier_id, event, today=today)


@router.post("/dossiers/{dossier_id}/assessments", status_code=201, response_model=FactAdded, **TYPED)
def add_assessment(dossier_id: DossierId, item: Annotated[dict[str, Any], ShownAs(Assessment), Body()],
                   actor: CurrentActor, uow: UowDep):
    return steps.add_fact(uow, actor, dossier_id, "assessments", item)


@router.post("/dossiers/{dossier_id}/publicity", status_code=201, response_model=FactAdded, **TYPED)
def add_publicity(dossier_id: DossierId, item: Annotated[dict[str, Any], ShownAs(Publicity), Body()],
                  actor: CurrentActor, uow: UowDep):
    return steps.add_fact(uow, actor, dossier_id, "publicity", item)


@router.post("/dossiers/{dossier_id}/thought-reports", status_code=201, response_model=FactAdded, **TYPED)
def add_thought_report(dossier_id: DossierId, item: Annotated[dict[str, Any], ShownAs(ThoughtReport), Body()],
                       actor: CurrentActor, uow: UowDep):
    return steps.add_fact(uow, actor, dossier_id, "thought_reports", item)
