"""The FastAPI application: routes under /api, errors mapped once, one engine per app."""
from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from api import errors, web
from api.deps import scoped_dossier
from api.routes import (
    audit,
    auth,
    calendar,
    dossiers,
    imports,
    materials,
    members,
    organisations,
    steps,
    users,
)
from api.routes_documents import make_router as documents_router
from workflow.store.admin import load_calendar
from workflow.store.db import make_engine
from workflow.store.repository import UnitOfWork
from workflow.store.settings import Settings

PREFIX = "/api"


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="发展党员全程纪实 fazhan", version="0.1.0")
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)
    errors.install(app)
    for module in (auth, organisations, members, users, dossiers, imports, steps, materials, audit, calendar):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(documents_router(scoped_dossier), prefix=PREFIX)
    web.install(app)  # the organisers' web pages, /static
    with UnitOfWork(app.state.engine) as uow:
        load_calendar(uow)
    return app
