"""Dependencies shared by the routes: the unit of work, the acting user, settings and today's date."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from workflow.dossier import Dossier
from workflow.store import services
from workflow.store.access import Actor
from workflow.store.accounts import actor_for_token
from workflow.store.calendar_admin import sync_calendar
from workflow.store.errors import Unauthorised
from workflow.store.repository import UnitOfWork
from workflow.store.settings import Settings

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    """The request's unit of work; first brings this process's working calendar to the database's
    version (one indexed query), so a calendar change made through any worker counts here at once."""
    with UnitOfWork(request.app.state.engine) as uow:
        sync_calendar(uow.session)
        yield uow


def client_address(request: Request) -> str | None:
    """The client's address as uvicorn reports it (behind a trusted proxy: from X-Forwarded-For,
    see uvicorn's --forwarded-allow-ips), for the sign-in lockout."""
    return request.client.host if request.client else None


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
TokenDep = Annotated[str | None, Depends(oauth2)]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_current_actor(uow: UowDep, token: TokenDep) -> Actor:
    if not token:
        raise Unauthorised("未登录或登录已过期，请重新登录", code="UNAUTHORISED")
    return actor_for_token(uow.session, token)


CurrentActor = Annotated[Actor, Depends(get_current_actor)]


def get_today() -> dt.date:
    return dt.date.today()


TodayDep = Annotated[dt.date, Depends(get_today)]


def scoped_dossier(dossier_id: str, uow: UowDep, actor: CurrentActor) -> Dossier:
    """The `Dossier` named in the path, if the user may read it in full (for forms and bundles)."""
    return services.load_dossier(uow, actor, dossier_id)


def scoped_material_files(dossier_id: str, uow: UowDep, actor: CurrentActor) -> dict[str, bytes]:
    """The dossier's uploaded files by SHA-256 (verified), for its archive bundle."""
    return services.material_files(uow, actor, dossier_id)
