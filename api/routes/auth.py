"""Login (argon2-checked password → bearer token, behind the lockout), logout, password change, who am I."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from api.deps import CurrentActor, SettingsDep, TokenDep, UowDep, client_address
from api.errors import error_body, status_for
from api.schemas import TYPED, Me
from workflow.store import accounts
from workflow.store.lockout import LoginLocked

router = APIRouter(tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


def locked_answer(exc: LoginLocked) -> JSONResponse:
    """429 with Retry-After: a client (or a script) knows when to try again."""
    return JSONResponse(error_body(exc), status_code=status_for(exc),
                        headers={"Retry-After": str(max(1, exc.retry_after))})


@router.post("/auth/login", response_model=TokenOut, responses={429: {"description": "登录失败次数过多，暂时锁定"}})
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, uow: UowDep,
          settings: SettingsDep):
    try:
        user = accounts.sign_in(uow.session, form.username, form.password, client_address(request))
    except LoginLocked as exc:
        return locked_answer(exc)
    token = accounts.issue_token(uow.session, user, settings.token_hours)
    uow.commit()
    return TokenOut(access_token=token)


@router.post("/auth/logout", status_code=204)
def logout(actor: CurrentActor, uow: UowDep, token: TokenDep):
    accounts.revoke_token(uow.session, token or "")
    uow.commit()


class PasswordIn(BaseModel):
    old_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


@router.post("/auth/password", status_code=204, responses={429: {"description": "登录失败次数过多，暂时锁定"}})
def change_password(body: PasswordIn, actor: CurrentActor, request: Request, uow: UowDep):
    """Changes the signed-in user's own password; every token and calendar-feed link of theirs stops working."""
    try:
        accounts.change_password(uow.session, actor, body.old_password, body.new_password, client_address(request))
    except LoginLocked as exc:
        return locked_answer(exc)
    uow.commit()


@router.get("/me", response_model=Me, **TYPED)
def me(actor: CurrentActor):
    return {"id": actor.user_id, "login": actor.login, "display_name": actor.name,
            "roles": [{"organisation_id": o, "role": r} for o, r in actor.grants],
            "system_admin": actor.system_admin}
