"""The FastAPI application: routes under /api, errors mapped once, one engine per app.

Settings, catalogue and calendar come from `workflow.bootstrap` (kept on `app.state.wiring`); a test
passes its own `Settings(...)` and engine.
"""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from api import errors, heap, web
from api.deps import scoped_dossier, scoped_material_files
from api.edge import FazhanAPI
from api.hot_routes import HotRoutes
from api.log_config import install_redaction
from api.request_limits import RequestLimits
from api.routes import (
    audit,
    auth,
    calendar,
    changes,
    cultivation,
    dossiers,
    imports,
    materials,
    members,
    organisations,
    steps,
    users,
)
from api.routes_documents import make_router as documents_router
from api.schemas import ERROR_RESPONSES
from workflow import bootstrap, scratch
from workflow.lifetime import die_with_spawning_parent
from workflow.store.calendar_admin import sync_calendar
from workflow.store.db import make_engine
from workflow.store.repository import UnitOfWork
from workflow.store.settings import Settings

PREFIX = "/api"


@asynccontextmanager
async def _served(_app):
    """Run by uvicorn (not by most tests): long-lived objects out of full collections (api/heap.py)."""
    heap.settle()
    yield


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    wiring = bootstrap.wire(settings)
    settings = wiring.settings
    install_redaction()  # no ID number, feed secret or snapshot in any log line (uvicorn's included)
    die_with_spawning_parent()  # a server worker (`--workers N`) does not outlive `fazhan serve`
    scratch.claim()  # temporary files with personal data: private, and swept of killed runs' at start
    app = FazhanAPI(title="发展党员全程纪实 fazhan", version="0.1.0",  # security headers on every answer
                    lifespan=_served)
    app.state.wiring = wiring
    app.state.settings = settings  # what api/deps.py's SettingsDep answers
    app.state.engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)
    errors.install(app)
    app.add_middleware(HotRoutes)  # recording and reviewing a step without the router (inside RequestLimits)
    app.add_middleware(RequestLimits, max_upload_bytes=settings.max_upload_bytes)  # 413 / 422 before any route
    for module in (auth, organisations, members, users, dossiers, imports, steps, materials, audit, calendar,
                   cultivation, changes):
        app.include_router(module.router, prefix=PREFIX, responses=ERROR_RESPONSES)
    app.include_router(documents_router(scoped_dossier, scoped_material_files), prefix=PREFIX,
                       responses=ERROR_RESPONSES)
    web.install(app)  # the organisers' web pages, /static
    with UnitOfWork(app.state.engine) as uow:
        sync_calendar(uow.session, wiring.calendar)
    return app
