"""Organisations (基层党委 → 党总支 → 党支部), each with its rule-set pin and overlay."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentActor, UowDep
from api.schemas import TYPED, Organisation
from workflow.store import admin

router = APIRouter(tags=["organisations"])


class OrganisationIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    level: Literal["committee", "general_branch", "branch"]
    parent_id: int
    rule_set: str | None = None
    overlay: str | None = None
    approval_type: str | None = Field(
        default=None, max_length=30,
        description="党委一级组织作为审批机关的类型（checklists 数据中的 approving_bodies，2026 第二十二条）；不填按层级")


@router.get("/organisations", response_model=list[Organisation], **TYPED)
def list_organisations(actor: CurrentActor, uow: UowDep):
    return admin.list_organisations(uow, actor)


@router.post("/organisations", status_code=201, response_model=Organisation, **TYPED)
def create_organisation(body: OrganisationIn, actor: CurrentActor, uow: UowDep):
    return admin.create_organisation(uow, actor, **body.model_dump())


@router.get("/organisations/{organisation_id}", response_model=Organisation, **TYPED)
def get_organisation(organisation_id: int, actor: CurrentActor, uow: UowDep):
    return admin.get_organisation(uow, actor, organisation_id)
