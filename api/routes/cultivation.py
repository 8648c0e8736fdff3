"""Cultivation quality (issue 12) over JSON: pairing (结对: suggestion, assignment, replacement, activity,
history, the dashboard's overview), assessments that cite the pairing work and the period score,
the annual plan and its progress, the annual return, and the published ranking with its printed
notice (PDF/A-3b). No logic here: each route is one use case of workflow/store/{pairing,cultivation}.py,
which checks who may act where (the same checks as the command line and the web pages).
"""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import CurrentActor, TodayDep, UowDep
from api.routes.dossiers import DossierId
from api.schemas import (
    TYPED,
    AnnualReturn,
    AssessmentCited,
    Pairing,
    PairingActivity,
    PairingHistory,
    PairingOverview,
    PairingSuggestion,
    PairReplaced,
    PlanProgress,
    PlanSet,
    Ranking,
)
from workflow.store import cultivation, pairing

router = APIRouter(tags=["cultivation"])

Day = Annotated[str, Field(min_length=1, max_length=10, description="YYYY-MM-DD")]


class PairIn(BaseModel):
    dossier_id: str = Field(min_length=1, max_length=64)
    member_id: int


class AssignIn(BaseModel):
    organisation_id: int
    start: Day
    pairs: list[PairIn] = Field(min_length=1, max_length=500)


class ReplaceIn(BaseModel):
    member_id: int
    date: Day
    reason: str = Field(min_length=1, max_length=500)


class ActivityIn(BaseModel):
    kind: str = Field(min_length=1, max_length=20, description="谈心谈话 或 帮扶")
    date: Day
    note: str | None = Field(default=None, max_length=2000)


class AssessmentIn(BaseModel):
    date: Day
    period: Literal["activist", "probation"]
    result: str | None = Field(default=None, max_length=30, description="考察结果；引用考核结果时取其等次")
    score_id: int | None = Field(default=None, description="已审核的量化考核结果（仅入党积极分子）")


class PlanIn(BaseModel):
    organisation_id: int
    year: int = Field(ge=1949, le=9999)
    total: int = Field(ge=0, le=1_000_000)
    women: int | None = Field(default=None, ge=0, le=1_000_000)
    young: int | None = Field(default=None, ge=0, le=1_000_000)
    front_line: int | None = Field(default=None, ge=0, le=1_000_000)
    higher_education: int | None = Field(default=None, ge=0, le=1_000_000)


# ---------------------------------------------------------------- pairing

@router.get("/cultivation/pairings/suggestion", response_model=PairingSuggestion, **TYPED)
def suggest_pairs(organisation_id: int, actor: CurrentActor, uow: UowDep):
    """Contacts the branch's pairing policy would give its activists (nothing stored)."""
    return pairing.suggest_pairs(uow, actor, organisation_id)


@router.get("/cultivation/pairings", response_model=PairingOverview, **TYPED)
def pairing_overview(organisation_id: int, actor: CurrentActor, uow: UowDep, today: TodayDep):
    """Everyone with a pairing: today's contacts and the work since the last assessment."""
    return pairing.pairing_overview(uow, actor, organisation_id, today=today)


@router.post("/cultivation/pairings", status_code=201, response_model=list[Pairing], **TYPED)
def assign_pairs(body: AssignIn, actor: CurrentActor, uow: UowDep, today: TodayDep):
    """Stores the pairs (all or none) when they keep the policy."""
    return pairing.assign_pairs(uow, actor, body.organisation_id, [p.model_dump() for p in body.pairs],
                                start=body.start, today=today)


@router.post("/cultivation/pairings/{pairing_id}/replace", response_model=PairReplaced, **TYPED)
def replace_pair(pairing_id: int, body: ReplaceIn, actor: CurrentActor, uow: UowDep, today: TodayDep):
    """Closes the pairing on the day with the reason (kept in the history) and opens the new contact's."""
    return pairing.replace_pair(uow, actor, pairing_id, body.member_id, on=body.date, reason=body.reason, today=today)


@router.post("/cultivation/pairings/{pairing_id}/activities", status_code=201, response_model=PairingActivity,
             **TYPED)
def record_activity(pairing_id: int, body: ActivityIn, actor: CurrentActor, uow: UowDep, today: TodayDep):
    return pairing.record_activity(uow, actor, pairing_id, kind=body.kind, on=body.date, note=body.note, today=today)


@router.get("/dossiers/{dossier_id}/pairings", response_model=PairingHistory, **TYPED)
def pairing_history(dossier_id: DossierId, actor: CurrentActor, uow: UowDep,
                    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                    end: Annotated[str | None, Query(alias="to", max_length=10)] = None):
    """Every contact over time (replaced ones too) and the pairing work; counted over from–to when given."""
    window = None
    if start is not None or end is not None:
        window = (_day(start, "from"), _day(end, "to"))
    return pairing.pairing_history(uow, actor, dossier_id, window=window)


def _day(value: str | None, field: str):
    import datetime as dt

    from workflow.errors import InputError

    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InputError(f"{field} 应为 YYYY-MM-DD 格式的日期（from 与 to 须同时给出）", code="DATE_INVALID",
                         field=field) from None


@router.post("/dossiers/{dossier_id}/assessments/cited", status_code=201, response_model=AssessmentCited, **TYPED)
def record_assessment(dossier_id: DossierId, body: AssessmentIn, actor: CurrentActor, uow: UowDep, today: TodayDep):
    """A half-year (activist) or probation assessment citing the period's pairing work and, for an
    activist, a reviewed score; the forms print both."""
    return cultivation.record_assessment(uow, actor, dossier_id, on=body.date, period=body.period, result=body.result,
                                         score_id=body.score_id, today=today)


# ---------------------------------------------------------------- the annual plan, its progress, the return

@router.post("/cultivation/plans", status_code=201, response_model=PlanSet, **TYPED)
def set_plan(body: PlanIn, actor: CurrentActor, uow: UowDep, today: TodayDep):
    """A committee sets an organisation's development plan for the year (total and structure)."""
    targets = body.model_dump(exclude={"organisation_id", "year", "total"}, exclude_none=True)
    return cultivation.set_plan(uow, actor, body.organisation_id, body.year, body.total, today=today, **targets)


@router.get("/cultivation/plans/progress", response_model=PlanProgress, **TYPED)
def plan_progress(organisation_id: int, year: Annotated[int, Query(ge=1949, le=9999)], actor: CurrentActor,
                  uow: UowDep):
    return cultivation.plan_progress(uow, actor, organisation_id, year)


@router.get("/cultivation/returns", response_model=AnnualReturn, **TYPED)
def annual_return(organisation_id: int, actor: CurrentActor, uow: UowDep, today: TodayDep,
                  year: Annotated[int | None, Query(ge=1949, le=9999)] = None):
    """党内统计 for the year (default this year, as the dossiers stand today): each measure by the
    bulletin's dimensions, counted by the approval date."""
    return cultivation.annual_return_of(uow, actor, organisation_id, year or today.year, today=today)


# ---------------------------------------------------------------- the published ranking and its notice

@router.get("/cultivation/rankings/{ranking_id}", response_model=Ranking, **TYPED)
def get_ranking(ranking_id: int, actor: CurrentActor, uow: UowDep):
    """The ranking as published (`ranking/1`), its SHA-256, and the proposals made from it."""
    return cultivation.get_ranking(uow, actor, ranking_id)


@router.get("/cultivation/rankings/{ranking_id}/notice.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}},
            summary="量化考核结果公示（PDF/A-3b，内嵌排名文件）")
def ranking_notice(ranking_id: int, actor: CurrentActor, uow: UowDep):
    from api.routes_documents import disposition
    from documents.notice import render_ranking_notice

    known = cultivation.ranking_notice(uow, actor, ranking_id)
    rendered = render_ranking_notice(known.pop("scheme"), known.pop("document"), **known)
    return Response(rendered.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": disposition("inline", rendered.filename)})
