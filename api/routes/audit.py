"""Audit (`audit/1`) and plan (`plan/1`, "what next") of one dossier or an organisation's subtree."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter

from api.deps import CurrentActor, TodayDep, UowDep
from api.routes.dossiers import DossierId
from api.schemas import TYPED, AuditDocument, PlanDocument
from workflow.service_layer import queries

router = APIRouter(tags=["audit"])


@router.get("/dossiers/{dossier_id}/audit", response_model=AuditDocument, **TYPED)
def audit_dossier(dossier_id: DossierId, actor: CurrentActor, uow: UowDep, today: TodayDep,
                  as_of: dt.date | None = None):
    return queries.audit_one(uow, actor, dossier_id, as_of or today)


@router.get("/dossiers/{dossier_id}/plan", response_model=PlanDocument, **TYPED)
def plan_dossier(dossier_id: DossierId, actor: CurrentActor, uow: UowDep, today: TodayDep,
                 as_of: dt.date | None = None):
    return queries.plan_one(uow, actor, dossier_id, as_of or today)


@router.get("/audit", response_model=AuditDocument, **TYPED)
def audit_subtree(actor: CurrentActor, uow: UowDep, today: TodayDep, organisation_id: int | None = None,
                  as_of: dt.date | None = None):
    return queries.audit_subtree(uow, actor, organisation_id, as_of or today)


@router.get("/plan", response_model=PlanDocument, **TYPED)
def plan_subtree(actor: CurrentActor, uow: UowDep, today: TodayDep, organisation_id: int | None = None,
                 as_of: dt.date | None = None):
    return queries.plan_subtree(uow, actor, organisation_id, as_of or today)
