"""The FastAPI application: routes under /api, errors mapped once, one engine per app."""
from __future__ import annotations

import importlib

from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine

from api import errors
from api.deps import scoped_dossier
from api.routes import audit, auth, calendar, dossiers, imports, materials, members, organisations, steps, users
from workflow.store.admin import load_calendar
from workflow.store.db import make_engine
from workflow.store.repository import UnitOfWork
from workflow.store.settings import Settings

PREFIX = "/api"


def _documents_router() -> APIRouter | None:
    """The documents engineer's forms and bundles, when that module is present."""
    try:
        module = importlib.import_module("api.routes_documents")
    except ModuleNotFoundError as exc:
        if exc.name == "api.routes_documents":
            return None
        raise
    return module.make_router(scoped_dossier)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="发展党员全程纪实 fazhan", version="0.1.0")
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)
    errors.install(app)
    for module in (auth, organisations, members, users, dossiers, imports, steps, materials, audit, calendar):
        app.include_router(module.router, prefix=PREFIX)
    documents = _documents_router()
    if documents is not None:
        app.include_router(documents, prefix=PREFIX)
    importlib.import_module("api.web").install(app)  # the organisers' web pages, /static
    with UnitOfWork(app.state.engine) as uow:
        load_calendar(uow)
    return app
