"""Dependencies shared by the routes: the unit of work, the acting user, settings and today's date."""
from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from fastapi.security import OAuth2PasswordBearer

from workflow.dossier import Dossier
from workflow.service_layer import dossiers, materials
from workflow.store import cache
from workflow.store.access import Actor
from workflow.store.accounts import actor_for_token, require_own_password
from workflow.store.errors import Unauthorised
from workflow.store.repository import UnitOfWork
from workflow.store.settings import Settings

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """The request's unit of work. Its first statement brings this process's working calendar and
    caches to the database's version (one indexed query, workflow/store/cache.py), so a change made
    through any worker counts here at once.

    An async dependency (a sync one costs two thread hand-offs per request): opening a unit of work
    does no I/O, and closing one waits for the database only after a failed write (its ROLLBACK; a
    PostgreSQL connection otherwise holds no transaction by then, workflow/store/db.py)."""
    uow = UnitOfWork(request.app.state.engine).__enter__()
    uow.session.info[cache.REQUEST] = True
    try:
        yield uow
    finally:
        uow.__exit__(None, None, None)


def client_address(request: Request) -> str | None:
    """The client's address as uvicorn reports it (behind a trusted proxy: from X-Forwarded-For,
    see uvicorn's --forwarded-allow-ips), for the sign-in lockout."""
    return request.client.host if request.client else None


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
TokenDep = Annotated[str | None, Depends(oauth2)]


async def get_settings(request: Request) -> Settings:  # async: no thread hand-off for a lookup
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


# what a user holding a temporary password may still reach (workflow.store.accounts.require_own_password)
OWN_PASSWORD_PATHS = ("/api/auth/password", "/api/auth/logout", "/api/me")


def current_actor(request: Request, uow: UnitOfWork, token: str | None) -> Actor:
    """The user behind the bearer token (workflow.store.accounts.actor_for_token)."""
    if not token:
        raise Unauthorised("未登录或登录已过期，请重新登录", code="UNAUTHORISED")
    actor = actor_for_token(uow.session, token)
    if request.url.path not in OWN_PASSWORD_PATHS:
        require_own_password(actor)
    return actor


def get_current_actor(request: Request, uow: UowDep, token: TokenDep) -> Actor:
    return current_actor(request, uow, token)


CurrentActor = Annotated[Actor, Depends(get_current_actor)]


def get_today() -> dt.date:
    return dt.date.today()


async def _today(request: Request) -> dt.date:
    """`get_today()`, or what replaces it in `app.dependency_overrides` (tests); async, so asking the
    date costs no thread hand-off (a sync dependency runs in the thread pool)."""
    return request.app.dependency_overrides.get(get_today, get_today)()


TodayDep = Annotated[dt.date, Depends(_today)]


WRITE_THREADS = 8  # per worker process: enough to overlap the round trips of a database on another machine
_writers: ThreadPoolExecutor | None = None


def _writer_pool() -> ThreadPoolExecutor:
    global _writers
    if _writers is None:
        _writers = ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="fazhan-write")
    return _writers


async def in_one_thread(request: Request, token: str | None, work: Callable[[UnitOfWork, Actor, dt.date], Any],
                        status_code: int = 200, *, dossier_id: str | None = None) -> Response:
    """Opens the request's unit of work, finds the user behind the token, runs `work(uow, actor, today)`,
    closes the unit of work and answers its result as JSON, all in one hand-off to a thread.

    For the routes clients call all day (recording and reviewing steps): as dependencies (`UowDep`,
    `CurrentActor`) and a sync route, the same cost two hand-offs, FastAPI's solving of four dependencies
    and its generic encoder, together more than half of the server's CPU per write (bench/api_load.py).
    The same checks run in the same order. The threads are a pool of their own (`WRITE_THREADS` per
    process, FastAPI's shared one has forty), taken in order of arrival: under load a request waits its
    turn rather than adding one more thread contending for the GIL. `dossier_id`: the dossier the work
    loads, read with the request's first statement (`DossierRepository.prefetch`: one round trip less)."""
    today = await _today(request)
    engine = request.app.state.engine

    def run() -> Response:
        with UnitOfWork(engine) as uow:
            uow.session.info[cache.REQUEST] = True
            if dossier_id is not None:
                uow.dossiers.prefetch(dossier_id)
            return json_answer(work(uow, current_actor(request, uow, token), today), status_code)

    call = contextvars.copy_context().run
    return await asyncio.get_running_loop().run_in_executor(_writer_pool(), call, run)


def json_answer(content: Any, status_code: int = 200) -> Response:
    """`content` as JSON, as FastAPI would answer it; plain data skips its recursive encoder."""
    try:
        body = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    except (TypeError, ValueError):
        return JSONResponse(jsonable_encoder(content), status_code=status_code)
    return Response(body, status_code=status_code, media_type="application/json")


def scoped_dossier(dossier_id: str, uow: UowDep, actor: CurrentActor) -> Dossier:
    """The `Dossier` named in the path, if the user may read it in full (for forms and bundles)."""
    return dossiers.load_dossier(uow, actor, dossier_id)


def scoped_material_files(dossier_id: str, uow: UowDep, actor: CurrentActor) -> dict[str, bytes]:
    """The dossier's uploaded files by SHA-256 (verified), for its archive bundle."""
    return materials.material_files(uow, actor, dossier_id)
