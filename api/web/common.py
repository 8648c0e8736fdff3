"""What every page module shares: the template environment, the signed-in actor, reading a posted
form, rendering with the session's context, and turning a refusal into the page that shows it.

Page modules (one per resource) hold no rule and no permission decision: they call a use case and
render its answer, or its refusal beside the field it concerns."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Callable, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.deps import UowDep
from api.error_table import answer_for, heading_for_status
from api.web import inbox_badge, views
from api.web import session as web_session
from workflow.dossier import Dossier, parse_dossier
from workflow.errors import FazhanError
from workflow.service_layer import dossiers
from workflow.store import accounts, admin
from workflow.store.access import WRITE_ROLES, Actor, OrgTree
from workflow.store.idnumber import redact_id_numbers

HERE = Path(__file__).resolve().parent.parent
T = TypeVar("T")

_env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True),
                   trim_blocks=True, lstrip_blocks=True)
_env.globals["v"] = views
templates = Jinja2Templates(env=_env)


class PageError(Exception):
    """A page that cannot be shown (not found, forbidden, malformed): rendered as the error page, under the
    heading the error table gives its status unless one is given."""

    def __init__(self, status: int, message: str, code: str = "ERROR", heading: str | None = None):
        self.status, self.message, self.code = status, message, code
        self.heading = heading or heading_for_status(status)


def sane_path(request: Request) -> None:
    """Ids no dossier can have (a NUL, over 64 characters) are absent, before any database sees them."""
    dossier_id = request.path_params.get("dossier_id")
    if dossier_id is not None and (len(dossier_id) > 64 or "\x00" in dossier_id):
        raise PageError(404, "找不到该档案，或您无权查看", "DOSSIER_NOT_FOUND")


def page_router() -> APIRouter:
    """A router for one resource's pages: hidden from the API schema, ids checked before use."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(sane_path)])


def fail(exc: FazhanError) -> PageError:
    """The error page of a refusal, with the status and heading of its row in the error table."""
    answer = answer_for(exc)
    return PageError(answer.status, exc.message, exc.code, answer.heading)


# ---------------------------------------------------------------- session and page context

class PasswordChangeRequired(Exception):
    """The user signed in with a temporary password: every page but the password page sends them there."""


OWN_PASSWORD_PAGES = ("/account/password", "/logout")


def web_actor(request: Request, uow: UowDep) -> Actor:
    actor = web_session.actor_from_cookie(uow.session, request)
    if request.url.path not in OWN_PASSWORD_PAGES:
        try:
            accounts.require_own_password(actor)
        except FazhanError:
            raise PasswordChangeRequired() from None
    return actor


ActorDep = Annotated[Actor, Depends(web_actor)]


def org_names(uow, actor: Actor) -> dict[int, str]:
    """The organisations the actor may see, by id."""
    return {o["id"]: o["name"] for o in admin.list_organisations(uow, actor)}


def write_orgs(uow, actor: Actor) -> dict[int, str]:
    """The organisations where the actor may create and record (organiser or admin on them or above):
    a reviewer on the committee who is organiser in one branch gets that branch only."""
    tree = OrgTree.load(uow.session)
    reach = tree.reach(actor, WRITE_ROLES)
    return {i: tree.orgs[i].name for i in sorted(reach)}


def grants(uow, actor: Actor) -> list[str]:
    names = org_names(uow, actor)
    return [f"{views.ROLE_NAMES.get(role, role)} · {names.get(org, '')}" for org, role in actor.grants]


ERROR_CONTEXT = ("error", "errors", "problems", "upload_errors", "fact_errors", "message")


def render(request: Request, template: str, uow, actor: Actor | None, status: int = 200, **context) -> HTMLResponse:
    for key in ERROR_CONTEXT:  # a refusal quoting what was typed must not show an ID number back
        if key in context:
            context[key] = redact_id_numbers(context[key])
    token = web_session.session_token(request)
    context.update(request=request, actor=actor, csrf=web_session.csrf_for(token) if token else "",
                   grants=grants(uow, actor) if actor else [], v=views, today=context.get("today"),
                   inbox_count=lambda: inbox_badge.header_count(request, uow, actor))  # base.html's 待办 count
    return templates.TemplateResponse(request, template, context, status_code=status)


def safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


async def read_form(request: Request) -> Any:
    """The posted form, refused as a whole when it cannot be read or carries control characters."""
    try:
        form = await request.form()
    except Exception as exc:  # malformed multipart or urlencoded body
        raise PageError(400, "提交的表单无法读取，请返回重试", "FORM_MALFORMED") from exc
    if any(isinstance(v, str) and "\x00" in v for _, v in form.multi_items()):
        raise PageError(400, "提交的内容含有不允许的控制字符，请返回重新填写", "FORM_MALFORMED")
    return form


async def posted_form(request: Request) -> Any:
    """The posted form of a signed-in page, after its CSRF token is checked."""
    form = await read_form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    return form


def form_values(form) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    out["nomination_list"] = [v for v in form.getlist("nomination") if isinstance(v, str)]
    return out


def parse_int(text: str | None) -> int | None:
    if text is None or not text.strip().isdigit() or len(text.strip()) > 9:
        return None
    return int(text.strip())


def attempt(uow, action: Callable[[], T], on_refusal: Callable[[FazhanError], Response],
            refusals: tuple[type[FazhanError], ...] = (FazhanError,),
            absent: tuple[str, ...] = ("DOSSIER_NOT_FOUND",)) -> tuple[T | None, Response | None]:
    """Run one use case of a form post. A refusal rolls back and returns the page that shows it next to
    what was typed; a missing dossier, an error not listed as a refusal and one the person cannot put
    right (the error table's `users_fault`: stored data that fails its check) become the error page.

    Returns (result, None) on success or (None, page) on refusal, so a post handler reads
    `result, page = attempt(...); if page: return page`."""
    try:
        return action(), None
    except refusals as exc:
        uow.session.rollback()
        if exc.code in absent or not answer_for(exc).users_fault:
            raise fail(exc) from None
        return None, on_refusal(exc)
    except FazhanError as exc:
        uow.session.rollback()
        raise fail(exc) from None


def load_dossier(uow, actor: Actor, dossier_id: str) -> tuple[dict, Dossier]:
    """The stored answer and the parsed dossier, or the not-found page."""
    try:
        answer = dossiers.get_dossier(uow, actor, dossier_id)
    except FazhanError as exc:
        raise fail(exc) from None
    return answer, parse_dossier(answer["dossier"], source=f"dossier:{dossier_id}")
