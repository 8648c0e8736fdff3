"""Login (argon2-checked password → bearer token), logout, and who am I."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import CurrentActor, SettingsDep, TokenDep, UowDep
from workflow.store import accounts

router = APIRouter(tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


@router.post("/auth/login", response_model=TokenOut)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], uow: UowDep, settings: SettingsDep):
    user = accounts.authenticate(uow.session, form.username, form.password)
    token = accounts.issue_token(uow.session, user, settings.token_hours)
    uow.commit()
    return TokenOut(access_token=token)


@router.post("/auth/logout", status_code=204)
def logout(actor: CurrentActor, uow: UowDep, token: TokenDep):
    accounts.revoke_token(uow.session, token or "")
    uow.commit()


@router.get("/me")
def me(actor: CurrentActor):
    return {"id": actor.user_id, "login": actor.login, "display_name": actor.name,
            "roles": [{"organisation_id": o, "role": r} for o, r in actor.grants]}
