"""Users and their roles; an administrator grants roles only inside their own subtree."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentActor, UowDep
from workflow.store import admin

router = APIRouter(tags=["users"])


class GrantIn(BaseModel):
    organisation_id: int
    role: Literal["organiser", "reviewer", "auditor", "archivist", "admin"]


class UserIn(BaseModel):
    login: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=200)
    roles: list[GrantIn] = Field(min_length=1)


@router.post("/users", status_code=201)
def create_user(body: UserIn, actor: CurrentActor, uow: UowDep):
    return admin.create_user(uow, actor, login=body.login, display_name=body.display_name, password=body.password,
                             grants=[(g.organisation_id, g.role) for g in body.roles])
