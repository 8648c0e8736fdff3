"""Mounting the workspace on the application: each resource's page router, the static files, the
forms routes under the cookie session, and the error pages (a refusal never shows a traceback)."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import UowDep
from api.error_table import heading_for_status, page_message
from api.routes_documents import make_router as make_documents_router
from api.web import session as web_session
from api.web import views
from api.web.common import HERE, PageError, PasswordChangeRequired, fail, render, templates
from api.web.session import CsrfFailed, LoginRequired
from workflow.dossier import Dossier
from workflow.errors import FazhanError
from workflow.service_layer import dossiers, materials

PAGE_MODULES = ("auth_pages", "dashboard_pages", "dossier_pages", "step_pages", "material_pages", "feed_pages",
                "account", "cultivation_pages", "roster_pages", "admin_pages", "audit_pages", "search_pages",
                "plan_pages", "league_pages", "pairing_pages", "cohort_pages", "correction_pages", "notice_pages",
                "batch_pages", "inbox_pages", "case_pages")


def _documents_router():
    """The forms and bundle routes of `api/routes_documents.py`, scoped to the cookie session's user."""
    def web_dossier(dossier_id: str, request: Request, uow: UowDep) -> Dossier:
        actor = web_session.actor_from_cookie(uow.session, request)
        try:
            return dossiers.load_dossier(uow, actor, dossier_id)
        except FazhanError as exc:
            raise fail(exc) from None

    def web_files(dossier_id: str, request: Request, uow: UowDep) -> dict[str, bytes]:
        actor = web_session.actor_from_cookie(uow.session, request)
        try:
            return materials.material_files(uow, actor, dossier_id)
        except FazhanError as exc:
            raise fail(exc) from None

    return make_documents_router(web_dossier, web_files)


def _page_error(request: Request, status: int, message: str, heading: str | None = None) -> HTMLResponse:
    heading = heading or heading_for_status(status)  # api/error_table.py
    try:
        from workflow.store.repository import UnitOfWork
        with UnitOfWork(request.app.state.engine) as uow:
            actor = web_session.actor_from_cookie(uow.session, request)
            return render(request, "error.html", uow, actor, status=status, message=message, heading=heading)
    except Exception:  # noqa: BLE001 (no session, or a failed database: the plain page still shows)
        return templates.TemplateResponse(request, "error.html", {"request": request, "actor": None,
                                          "grants": [], "csrf": "", "v": views, "message": message,
                                          "heading": heading},
                                          status_code=status)


def install(app: FastAPI) -> None:
    import importlib

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for name in PAGE_MODULES:
        app.include_router(importlib.import_module(f"api.web.{name}").router)
    app.include_router(_documents_router(), include_in_schema=False)
    api_http_handler = app.exception_handlers.get(StarletteHTTPException)

    @app.exception_handler(PageError)
    async def _page(request: Request, exc: PageError):
        return _page_error(request, exc.status, exc.message, exc.heading)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        response.delete_cookie(web_session.SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(PasswordChangeRequired)
    async def _own_password(_request: Request, _exc: PasswordChangeRequired):
        return RedirectResponse("/account/password?required=1", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed):
        return _page_error(request, 403, "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交。")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if api_http_handler is not None and request.url.path.startswith(("/api/", "/docs", "/openapi", "/redoc")):
            return await api_http_handler(request, exc)
        return _page_error(request, exc.status_code, page_message(exc.status_code))
