"""Party members who can act as contacts (培养联系人) and introducers (入党介绍人)."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentActor, UowDep
from api.schemas import TYPED, Member
from workflow.store import admin

router = APIRouter(tags=["members"])


class MemberIn(BaseModel):
    organisation_id: int
    name: str = Field(min_length=1, max_length=100)
    status: Literal["full", "probationary"]
    discipline: str | None = Field(default=None, max_length=50)
    discipline_until: str | None = Field(default=None, max_length=10, description="处分影响期截止日 YYYY-MM-DD")
    roles: list[str] = Field(default=[], max_length=10, description="身份标签（teacher 教工党员、student 学生党员…）")


class RolesIn(BaseModel):
    roles: list[str] = Field(max_length=10, description="身份标签，见 checklists/data/member_roles.toml")


@router.get("/members", response_model=list[Member], **TYPED)
def list_members(actor: CurrentActor, uow: UowDep, organisation_id: int | None = None):
    return admin.list_members(uow, actor, organisation_id)


@router.post("/members", status_code=201, response_model=Member, **TYPED)
def create_member(body: MemberIn, actor: CurrentActor, uow: UowDep):
    return admin.create_member(uow, actor, **body.model_dump())


@router.get("/members/{member_id}", response_model=Member, **TYPED)
def get_member(member_id: int, actor: CurrentActor, uow: UowDep):
    return admin.get_member(uow, actor, member_id)


@router.put("/members/{member_id}/roles", response_model=Member, **TYPED)
def set_member_roles(member_id: int, body: RolesIn, actor: CurrentActor, uow: UowDep):
    """Replaces the member's role tags (the one-teacher-per-activist pairing scheme reads `teacher`)."""
    from workflow.store.pairing import set_member_roles as store_set

    return store_set(uow, actor, member_id, body.roles)
