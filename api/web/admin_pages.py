"""Administration pages: the organisation tree, users and their roles, password resets, deactivation,
and (for a system administrator) the national holiday calendar.

Every decision (who administers what, who may be reset or deactivated, who edits the calendar) is
made in workflow/store/user_admin.py, calendar_edit.py and calendar_admin.py; a user who may not
is shown the 403 page. A temporary password is shown once, on the answer to the post that made it,
and never put into a URL or a log."""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web import views
from api.web.common import ActorDep, PageError, attempt, fail, form_values, page_router, parse_int, posted_form, \
    render
from api.web.page_kit import field_problems
from workflow.errors import FazhanError
from workflow.store import calendar_edit, user_admin
from workflow.store.tables import LEVELS, ROLES

router = page_router()
ORG_FIELDS = ("name", "level", "parent_id")
USER_FIELDS = ("login", "display_name", "organisation_id", "role")
GRANT_FIELDS = ("organisation_id", "role", "grant_id")
YEAR_FIELDS = ("year", "notice", "holidays", "workdays", "override")
DAY_FIELDS = ("day", "kind", "year")
NOTICES = {"org_added": "已建立组织。", "renamed": "已改名。", "granted": "已授予角色。", "revoked": "已撤销角色。",
           "deactivated": "已停用该用户：其所有会话、令牌和日历订阅地址已立即失效。", "activated": "已重新启用该用户。",
           "year": "已录入该年的节假日安排，各服务进程在下一个请求时生效。", "day_added": "已添加该日期。",
           "day_removed": "已删除该日期。"}


def _store(call):
    """A read for a page: a refusal (not an administrator, not visible) becomes the error page."""
    try:
        return call()
    except FazhanError as exc:
        raise fail(exc) from None


def _id(text: str, what: str = "USER_NOT_FOUND") -> int:
    value = parse_int(text)
    if value is None:
        raise PageError(404, "找不到该页面", what)
    return value


def _choices() -> dict:
    return {"levels": {lv: views.LEVEL_NAMES.get(lv, "") for lv in LEVELS},
            "roles": {r: views.ROLE_NAMES.get(r, "") for r in ROLES}}


@router.get("/admin", response_class=HTMLResponse)
def admin_index(request: Request, uow: UowDep, actor: ActorDep):
    offer = _store(lambda: user_admin.may_open_admin(uow, actor))
    return render(request, "admin_index.html", uow, actor, offer=offer)


# ---------------------------------------------------------------- organisations

def _orgs_page(request, uow, actor, *, form=None, problems=None, status=200, notice=None, rename=None):
    tree = _store(lambda: user_admin.organisation_tree(uow, actor))
    return render(request, "admin_orgs.html", uow, actor, status=status, tree=tree, form=form or {},
                  problems=problems or {}, notice=notice, rename=rename or {}, **_choices())


@router.get("/admin/organisations", response_class=HTMLResponse)
def organisations(request: Request, uow: UowDep, actor: ActorDep, done: str | None = None):
    return _orgs_page(request, uow, actor, notice=NOTICES.get(done or ""))


@router.post("/admin/organisations", response_class=HTMLResponse)
async def add_organisation(request: Request, uow: UowDep, actor: ActorDep):
    values = form_values(await posted_form(request))

    def refused(exc: FazhanError):
        return _orgs_page(request, uow, actor, form=values, problems=field_problems(exc, ORG_FIELDS),
                          status=status_for(exc))

    _, page = attempt(uow, lambda: user_admin.add_organisation(
        uow, actor, name=values.get("name"), level=values.get("level"),
        parent_id=parse_int(values.get("parent_id"))), refused)
    return page or RedirectResponse("/admin/organisations?done=org_added", status_code=303)


@router.post("/admin/organisations/{org}/rename", response_class=HTMLResponse)
async def rename_organisation(request: Request, org: str, uow: UowDep, actor: ActorDep):
    org_id = _id(org, "ORGANISATION_NOT_FOUND")
    values = form_values(await posted_form(request))

    def refused(exc: FazhanError):
        return _orgs_page(request, uow, actor, status=status_for(exc),
                          rename={"id": org_id, "name": values.get("name", ""),
                                  "problems": field_problems(exc, ("name",))})

    _, page = attempt(uow, lambda: user_admin.rename_organisation(uow, actor, org_id, values.get("name")), refused,
                      absent=("ORGANISATION_NOT_FOUND", "FORBIDDEN"))
    return page or RedirectResponse("/admin/organisations?done=renamed", status_code=303)


# ---------------------------------------------------------------- users and roles

def _users_page(request, uow, actor, *, form=None, problems=None, status=200, notice=None):
    users = _store(lambda: user_admin.list_users(uow, actor))
    tree = _store(lambda: user_admin.organisation_tree(uow, actor))
    return render(request, "admin_users.html", uow, actor, status=status, users=users, tree=tree, form=form or {},
                  problems=problems or {}, notice=notice, **_choices())


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, uow: UowDep, actor: ActorDep, done: str | None = None):
    return _users_page(request, uow, actor, notice=NOTICES.get(done or ""))


def _password_shown(request, uow, actor, user: dict, password: str, created: bool):
    response = render(request, "admin_password.html", uow, actor, user=user, password=password, created=created)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/users", response_class=HTMLResponse)
async def add_user(request: Request, uow: UowDep, actor: ActorDep):
    values = form_values(await posted_form(request))

    def refused(exc: FazhanError):
        return _users_page(request, uow, actor, form=values, problems=field_problems(exc, USER_FIELDS),
                           status=status_for(exc))

    made, page = attempt(uow, lambda: user_admin.add_user(
        uow, actor, login=values.get("login"), display_name=values.get("display_name"),
        organisation_id=parse_int(values.get("organisation_id")), role=values.get("role")), refused,
        absent=("FORBIDDEN",))
    if page:
        return page
    created, password = made
    user = _store(lambda: user_admin.get_user(uow, actor, created["id"]))
    return _password_shown(request, uow, actor, user, password, created=True)


def _user_page(request, uow, actor, user_id: int, *, problems=None, status=200, notice=None, form=None):
    user = _store(lambda: user_admin.get_user(uow, actor, user_id))
    tree = _store(lambda: user_admin.organisation_tree(uow, actor))
    return render(request, "admin_user.html", uow, actor, status=status, user=user, tree=tree,
                  problems=problems or {}, notice=notice, form=form or {}, **_choices())


@router.get("/admin/users/{user}", response_class=HTMLResponse)
def user_page(request: Request, user: str, uow: UowDep, actor: ActorDep, done: str | None = None):
    return _user_page(request, uow, actor, _id(user), notice=NOTICES.get(done or ""))


async def _user_action(request: Request, user: str, uow, actor, action, done: str, fields=GRANT_FIELDS):
    user_id = _id(user)
    values = form_values(await posted_form(request))

    def refused(exc: FazhanError):
        return _user_page(request, uow, actor, user_id, problems=field_problems(exc, fields), status=status_for(exc),
                          form=values)

    _, page = attempt(uow, lambda: action(user_id, values), refused, absent=("USER_NOT_FOUND",))
    return page or RedirectResponse(f"/admin/users/{user_id}?done={done}", status_code=303)


@router.post("/admin/users/{user}/roles", response_class=HTMLResponse)
async def grant(request: Request, user: str, uow: UowDep, actor: ActorDep):
    return await _user_action(request, user, uow, actor, lambda uid, v: user_admin.grant_role(
        uow, actor, uid, parse_int(v.get("organisation_id")), v.get("role")), "granted")


@router.post("/admin/users/{user}/roles/{grant_id}/revoke", response_class=HTMLResponse)
async def revoke(request: Request, user: str, grant_id: str, uow: UowDep, actor: ActorDep):
    user_id = _id(user)
    await posted_form(request)

    def refused(exc: FazhanError):
        return _user_page(request, uow, actor, user_id, problems=field_problems(exc, GRANT_FIELDS),
                          status=status_for(exc))

    left, page = attempt(uow, lambda: user_admin.revoke_role(uow, actor, parse_int(grant_id)), refused,
                         absent=("USER_NOT_FOUND",))
    if page:
        return page
    target = "/admin/users?done=revoked" if left.get("gone") else f"/admin/users/{user_id}?done=revoked"
    return RedirectResponse(target, status_code=303)


@router.post("/admin/users/{user}/password", response_class=HTMLResponse)
async def reset_password(request: Request, user: str, uow: UowDep, actor: ActorDep):
    user_id = _id(user)
    await posted_form(request)

    def refused(exc: FazhanError):
        return _user_page(request, uow, actor, user_id, problems=field_problems(exc, ("user_id",)),
                          status=status_for(exc))

    made, page = attempt(uow, lambda: user_admin.reset_password(uow, actor, user_id), refused,
                         absent=("USER_NOT_FOUND",))
    if page:
        return page
    shown, password = made
    return _password_shown(request, uow, actor, shown, password, created=False)


@router.post("/admin/users/{user}/active", response_class=HTMLResponse)
async def set_active(request: Request, user: str, uow: UowDep, actor: ActorDep):
    user_id = _id(user)
    values = form_values(await posted_form(request))
    active = values.get("action") == "activate"

    def refused(exc: FazhanError):
        return _user_page(request, uow, actor, user_id, problems=field_problems(exc, ("user_id",)),
                          status=status_for(exc))

    _, page = attempt(uow, lambda: user_admin.set_active(uow, actor, user_id, active), refused,
                      absent=("USER_NOT_FOUND",))
    return page or RedirectResponse(f"/admin/users/{user_id}?done={'activated' if active else 'deactivated'}",
                                    status_code=303)


# ---------------------------------------------------------------- the national holiday calendar

def _calendar_page(request, uow, actor, today, *, form=None, problems=None, day_form=None, status=200, notice=None):
    overview = _store(lambda: calendar_edit.overview(uow, actor, today))
    return render(request, "admin_calendar.html", uow, actor, status=status, overview=overview, form=form or {},
                  problems=problems or {}, day_form=day_form or {}, notice=notice, kinds=calendar_edit.DAY_KINDS,
                  today=today)


@router.get("/admin/calendar", response_class=HTMLResponse)
def calendar(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, done: str | None = None):
    return _calendar_page(request, uow, actor, today, notice=NOTICES.get(done or ""))


@router.post("/admin/calendar/years", response_class=HTMLResponse)
async def enter_year(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep):
    values = form_values(await posted_form(request))

    def refused(exc: FazhanError):
        return _calendar_page(request, uow, actor, today, form=values, problems=field_problems(exc, YEAR_FIELDS),
                              status=status_for(exc))

    _, page = attempt(uow, lambda: calendar_edit.enter_year(
        uow, actor, year=parse_int(values.get("year")), notice=values.get("notice"), holidays=values.get("holidays"),
        workdays=values.get("workdays"), override=values.get("override") == "1"), refused, absent=("FORBIDDEN",))
    return page or RedirectResponse("/admin/calendar?done=year", status_code=303)


@router.post("/admin/calendar/days", response_class=HTMLResponse)
async def change_day(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep):
    values = form_values(await posted_form(request))
    add = values.get("action") != "remove"

    def refused(exc: FazhanError):
        return _calendar_page(request, uow, actor, today, day_form=values,
                              problems={"day": field_problems(exc, DAY_FIELDS)}, status=status_for(exc))

    _, page = attempt(uow, lambda: calendar_edit.change_day(
        uow, actor, year=parse_int(values.get("year")), day=values.get("day"), kind=values.get("kind"), add=add),
        refused, absent=("FORBIDDEN",))
    return page or RedirectResponse(f"/admin/calendar?done={'day_added' if add else 'day_removed'}", status_code=303)
