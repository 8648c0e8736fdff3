"""Users and their roles; an administrator grants roles, and deactivates users, only inside their own subtree."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentActor, UowDep
from api.schemas import TYPED, UserCreated, UserState
from workflow.store import accounts, admin

router = APIRouter(tags=["users"])


class GrantIn(BaseModel):
    organisation_id: int
    role: Literal["organiser", "reviewer", "auditor", "archivist", "admin"]


class UserIn(BaseModel):
    login: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(max_length=200)  # the policy (workflow.store.passwords) explains a refusal
    roles: list[GrantIn] = Field(min_length=1)


@router.post("/users", status_code=201, response_model=UserCreated, **TYPED)
def create_user(body: UserIn, actor: CurrentActor, uow: UowDep):
    return admin.create_user(uow, actor, login=body.login, display_name=body.display_name, password=body.password,
                             grants=[(g.organisation_id, g.role) for g in body.roles])


@router.post("/users/{user_id}/deactivate", response_model=UserState, **TYPED)
def deactivate_user(user_id: int, actor: CurrentActor, uow: UowDep):
    """Stops the user signing in; every token and calendar-feed link of theirs stops working at once."""
    user = accounts.set_active(uow.session, actor, user_id, False)
    uow.commit()
    return accounts.user_dict(user)


@router.post("/users/{user_id}/activate", response_model=UserState, **TYPED)
def activate_user(user_id: int, actor: CurrentActor, uow: UowDep):
    """Lets a deactivated user sign in again (old sessions and feed links stay revoked)."""
    user = accounts.set_active(uow.session, actor, user_id, True)
    uow.commit()
    return accounts.user_dict(user)
