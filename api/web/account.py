"""The account page: a signed-in user changes their own password (proving the old one).

On success every session of the user ends (this one too) and the calendar-feed link changes, so
the browser is sent to the sign-in page with a notice; the policy's refusal is shown at its field.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import UowDep, client_address
from api.error_table import status_for
from api.web import session as web_session
from api.web.common import ActorDep, read_form, render
from workflow.errors import FazhanError, InputError
from workflow.store import accounts

router = APIRouter(include_in_schema=False)


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, uow: UowDep, actor: ActorDep):
    return render(request, "account_password.html", uow, actor, errors={}, temporary=actor.must_change_password)


@router.post("/account/password", response_class=HTMLResponse)
async def change_password(request: Request, uow: UowDep, actor: ActorDep):
    form = await read_form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    old, new, again = form.get("old_password"), form.get("new_password"), form.get("new_password_again")
    try:
        if not isinstance(new, str) or new != again:
            raise InputError("两次输入的新密码不一致", code="PASSWORD_MISMATCH", field="new_password_again")
        accounts.change_password(uow.session, actor, old, new, client_address(request))
        uow.commit()
    except FazhanError as exc:
        uow.session.rollback()
        field = {"password": "new_password"}.get(exc.field or "", exc.field or "_general")
        return render(request, "account_password.html", uow, actor, status=status_for(exc), errors={field: exc.message},
                      temporary=actor.must_change_password)
    response = RedirectResponse("/login?changed=1", status_code=303)
    response.delete_cookie(web_session.SESSION_COOKIE, path="/")
    return response
