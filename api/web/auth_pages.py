"""Signing in and out of the workspace with a cookie session over the API's bearer tokens."""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import UowDep, client_address
from api.error_table import status_for
from api.web import session as web_session
from api.web.common import page_router, posted_form, read_form, render, safe_next
from workflow.errors import FazhanError, InputError
from workflow.store import accounts

router = page_router()


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, uow: UowDep, next: str | None = None, changed: str | None = None):
    token = web_session.new_login_csrf()
    notice = "密码已修改，所有设备均已退出登录，请用新密码登录；日历订阅地址已更换。" if changed == "1" else None
    response = render(request, "login.html", uow, None, next=safe_next(next), login_csrf=token, form={},
                      notice=notice)
    response.set_cookie(web_session.LOGIN_CSRF_COOKIE, token, max_age=3600, **web_session.cookie_options(request))
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, uow: UowDep):
    form = await read_form(request)
    web_session.check_login_csrf(request, form.get("login_csrf"))
    username, password = form.get("username"), form.get("password")
    target = safe_next(form.get("next") if isinstance(form.get("next"), str) else None)
    try:
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            raise InputError("请输入用户名和密码", code="FIELD_REQUIRED")
        user = accounts.sign_in(uow.session, username[:64], password[:200], client_address(request))
        token = accounts.issue_token(uow.session, user, request.app.state.settings.token_hours)
        uow.commit()
    except FazhanError as exc:
        uow.session.rollback()
        csrf = web_session.new_login_csrf()
        response = render(request, "login.html", uow, None, status=status_for(exc),
                          next=target, login_csrf=csrf, error=exc.message,
                          form={"username": username if isinstance(username, str) else ""})
        response.set_cookie(web_session.LOGIN_CSRF_COOKIE, csrf, max_age=3600, **web_session.cookie_options(request))
        return response
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(web_session.SESSION_COOKIE, token, max_age=request.app.state.settings.token_hours * 3600,
                        **web_session.cookie_options(request))
    response.delete_cookie(web_session.LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, uow: UowDep):
    await posted_form(request)
    accounts.revoke_token(uow.session, web_session.session_token(request) or "")
    uow.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(web_session.SESSION_COOKIE, path="/")
    return response

