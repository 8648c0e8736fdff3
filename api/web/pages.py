"""Page routes. Each one reads the cookie session, calls the same service the JSON route calls, and
renders the answer, or the refusal next to the field it concerns; no rule or permission lives here."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import TodayDep, UowDep, client_address
from api.errors import status_for
from api.routes_documents import make_router as make_documents_router
from api.web import session as web_session
from api.web import views
from api.web.ics import CalendarEvent, calendar
from api.web.session import CsrfFailed, LoginRequired
from workflow.dossier import Dossier, parse_dossier
from workflow.errors import FazhanError, InputError, ReasonRequired, StepRefused
from workflow.machine import procedure_machine
from workflow.plan import plan_dossier
from workflow.store import accounts, admin, services, web_queries
from workflow.store.access import Actor, OrgTree
from workflow.store.accounts import actor_for
from workflow.store.idnumber import redact_id_numbers
from workflow.store.returns import return_step
from workflow.store.tables import User

log = logging.getLogger("fazhan.web")
HERE = Path(__file__).resolve().parent.parent
DUE_SOON_DAYS = 30
ALLOWED_UPLOADS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}

_env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True),
                   trim_blocks=True, lstrip_blocks=True)
_env.globals["v"] = views
templates = Jinja2Templates(env=_env)
class PageError(Exception):
    def __init__(self, status: int, message: str, code: str = "ERROR"):
        self.status, self.message, self.code = status, message, code


def _sane_path(request: Request) -> None:
    """Ids no dossier can have (a NUL, over 64 characters) are absent, before any database sees them."""
    dossier_id = request.path_params.get("dossier_id")
    if dossier_id is not None and (len(dossier_id) > 64 or "\x00" in dossier_id):
        raise PageError(404, "找不到该档案，或您无权查看", "DOSSIER_NOT_FOUND")


router = APIRouter(include_in_schema=False, dependencies=[Depends(_sane_path)])


def _fail(exc: FazhanError) -> PageError:
    return PageError(status_for(exc), exc.message, exc.code)


# ---------------------------------------------------------------- session and page context

def web_actor(request: Request, uow: UowDep) -> Actor:
    return web_session.actor_from_cookie(uow.session, request)


ActorDep = Annotated[Actor, Depends(web_actor)]


def _org_names(uow, actor: Actor) -> dict[int, str]:
    return {o["id"]: o["name"] for o in admin.list_organisations(uow, actor)}


def _grants(uow, actor: Actor) -> list[str]:
    names = _org_names(uow, actor)
    return [f"{views.ROLE_NAMES.get(role, role)} · {names.get(org, '')}" for org, role in actor.grants]


ERROR_CONTEXT = ("error", "errors", "problems", "upload_errors", "fact_errors", "message")


def render(request: Request, template: str, uow, actor: Actor | None, status: int = 200, **context) -> HTMLResponse:
    for key in ERROR_CONTEXT:  # a refusal quoting what was typed must not show an ID number back
        if key in context:
            context[key] = redact_id_numbers(context[key])
    token = web_session.session_token(request)
    context.update(request=request, actor=actor, csrf=web_session.csrf_for(token) if token else "",
                   grants=_grants(uow, actor) if actor else [], v=views, today=context.get("today"))
    return templates.TemplateResponse(request, template, context, status_code=status)


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


async def _form(request: Request) -> Any:
    try:
        form = await request.form()
    except Exception as exc:  # malformed multipart or urlencoded body
        raise PageError(400, "提交的表单无法读取，请返回重试", "FORM_MALFORMED") from exc
    if any(isinstance(v, str) and "\x00" in v for _, v in form.multi_items()):
        raise PageError(400, "提交的内容含有不允许的控制字符，请返回重新填写", "FORM_MALFORMED")
    return form


def _values(form) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    out["nomination_list"] = [v for v in form.getlist("nomination") if isinstance(v, str)]
    return out


def _int(text: str | None) -> int | None:
    if text is None or not text.strip().isdigit() or len(text.strip()) > 9:
        return None
    return int(text.strip())


# ---------------------------------------------------------------- sign in and out

@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, uow: UowDep, next: str | None = None, changed: str | None = None):
    token = web_session.new_login_csrf()
    notice = "密码已修改，所有设备均已退出登录，请用新密码登录；日历订阅地址已更换。" if changed == "1" else None
    response = render(request, "login.html", uow, None, next=_safe_next(next), login_csrf=token, form={},
                      notice=notice)
    response.set_cookie(web_session.LOGIN_CSRF_COOKIE, token, max_age=3600, **web_session.cookie_options(request))
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, uow: UowDep):
    form = await _form(request)
    web_session.check_login_csrf(request, form.get("login_csrf"))
    username, password = form.get("username"), form.get("password")
    target = _safe_next(form.get("next") if isinstance(form.get("next"), str) else None)
    try:
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            raise InputError("请输入用户名和密码", code="FIELD_REQUIRED")
        user = accounts.sign_in(uow.session, username[:64], password[:200], client_address(request))
        token = accounts.issue_token(uow.session, user, request.app.state.settings.token_hours)
        uow.commit()
    except FazhanError as exc:
        uow.session.rollback()
        csrf = web_session.new_login_csrf()
        status = {"LOGIN_FAILED": 401, "LOGIN_LOCKED": 429}.get(exc.code, 422)
        response = render(request, "login.html", uow, None, status=status,
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
    form = await _form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    accounts.revoke_token(uow.session, web_session.session_token(request) or "")
    uow.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(web_session.SESSION_COOKIE, path="/")
    return response


# ---------------------------------------------------------------- dashboard

def _deadline_rows(item: web_queries.Visible, today: dt.date) -> tuple[list[dict], Any]:
    plan = plan_dossier(item.dossier, today)
    rows = []
    for n in plan.next:
        if n.deadline is None or (n.deadline - today).days > DUE_SOON_DAYS:
            continue
        rule = views.rule_label(views.rules_for(item.dossier, n.deadline), n.deadline_code)
        rows.append({"dossier": item.summary, "name": item.dossier.person.name, "step": n.step, "step_name": n.name,
                     "deadline": n.deadline, "days": (n.deadline - today).days, "overdue": n.deadline < today,
                     "rule": rule, "blocked": bool(n.blocked_by)})
    return rows, plan


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, stage: str | None = None,
              org: str | None = None):
    org_names = _org_names(uow, actor)
    org_id = _int(org)
    if org and org_id not in org_names:
        raise PageError(404, "找不到该组织，或您无权查看", "ORGANISATION_NOT_FOUND")
    stage_no = _int(stage)
    stage_no = stage_no if stage_no in range(1, 6) else None
    try:
        visible = web_queries.visible_dossiers(uow, actor, org_id)
    except FazhanError as exc:
        raise _fail(exc) from None
    machine = procedure_machine()
    rs = machine.rule_set
    by_stage: dict[int, list[dict]] = {s.number: [] for s in rs.stages}
    due: list[dict] = []
    for item in visible:
        rows, plan = _deadline_rows(item, today)
        number = views.current_stage(item.dossier)
        if stage_no is not None and number != stage_no:
            continue
        due += rows
        by_stage[number].append({"summary": item.summary, "person": item.dossier.person,
                                 "state": machine.names.get(item.summary["state"], item.summary["state"]),
                                 "org": org_names.get(item.summary["organisation_id"], ""),
                                 "next": [(n, views.rule_names(item.dossier, n.blocked_by, today))
                                          for n in plan.next]})
    due.sort(key=lambda r: (r["deadline"], r["name"]))
    waiting = [{"summary": v.summary, "name": v.dossier.person.name, "index": i, "entry": v.dossier.steps[i],
                "step_name": rs.step_by_id[v.dossier.steps[i].step].name}
               for v, i in web_queries.reviews_waiting(uow, actor, visible)
               if stage_no is None or views.current_stage(v.dossier) == stage_no]
    user = uow.session.get(User, actor.user_id)
    feed = f"{str(request.base_url).rstrip('/')}/calendar/{web_session.feed_token(user)}.ics" if user else ""
    writable = any(role in ("organiser", "admin") for _, role in actor.grants)
    return render(request, "dashboard.html", uow, actor, today=today, stages=rs.stages, by_stage=by_stage, due=due,
                  waiting=waiting, orgs=org_names, stage=stage_no, org=org_id, feed=feed, writable=writable,
                  total=sum(len(v) for v in by_stage.values()))


# ---------------------------------------------------------------- creating a dossier

PERSON_FIELDS = ("name", "gender", "birth_date", "id_number", "ethnicity", "education", "expected_leave_date")


def _write_orgs(uow, actor: Actor) -> dict[int, str]:
    return {o["id"]: o["name"] for o in admin.list_organisations(uow, actor)
            if any(role in ("organiser", "admin") for _, role in actor.grants)}


@router.get("/dossiers/new", response_class=HTMLResponse)
def new_dossier_page(request: Request, uow: UowDep, actor: ActorDep):
    return render(request, "new_dossier.html", uow, actor, orgs=_write_orgs(uow, actor),
                  form={"track_materials": "on"}, errors={})


@router.post("/dossiers/new", response_class=HTMLResponse)
async def create_dossier(request: Request, uow: UowDep, actor: ActorDep):
    form = await _form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    values = _values(form)
    person: dict[str, Any] = {k: values.get(k, "").strip() for k in PERSON_FIELDS if values.get(k, "").strip()}
    if values.get("league_member") in ("yes", "no"):
        person["league_member"] = values["league_member"] == "yes"
    dossier_id = values.get("dossier_id", "").strip() or None
    errors: dict[str, list[str]] = {}
    org_id = _int(values.get("organisation_id"))
    try:
        if org_id is None:
            raise InputError("请选择所在党组织", code="FIELD_REQUIRED", field="organisation_id")
        if dossier_id is not None and (len(dossier_id) > 64 or not all(c.isascii() and (c.isalnum() or c in "_.-")
                                                                       for c in dossier_id)):
            raise InputError("档案编号只能由字母、数字、下划线、点和连字符组成（最多 64 个）", code="VALUE_INVALID",
                             field="id")
        created = services.create_dossier(uow, actor, org_id, person, dossier_id=dossier_id,
                                          track_materials=values.get("track_materials") == "on")
    except FazhanError as exc:
        uow.session.rollback()
        for detail in exc.details or [{"field": exc.field, "reason": exc.message}]:
            field = detail.get("field") or ""
            if field in ("id_number", "name", "birth_date", "organisation_id", "gender", "expected_leave_date"):
                key = field
            elif field == "id" or (detail.get("path") or "") == "$.id":
                key = "dossier_id"
            else:
                key = "_general"
            errors.setdefault(key, []).append(detail.get("reason") or detail.get("message") or exc.message)
        if not errors:
            errors["_general"] = [exc.message]
        return render(request, "new_dossier.html", uow, actor, status=status_for(exc),
                      orgs=_write_orgs(uow, actor), form=values, errors=errors)
    return RedirectResponse(f"/dossiers/{quote(created['id'])}?done=created", status_code=303)


# ---------------------------------------------------------------- the dossier page

def _load(uow, actor: Actor, dossier_id: str) -> tuple[dict, Dossier]:
    try:
        answer = services.get_dossier(uow, actor, dossier_id)
    except FazhanError as exc:
        raise _fail(exc) from None
    return answer, parse_dossier(answer["dossier"], source=f"dossier:{dossier_id}")


def _events(uow, actor: Actor, dossier_id: str) -> list[dict]:
    try:
        return services.events(uow, actor, dossier_id)
    except FazhanError as exc:
        raise _fail(exc) from None


MESSAGES = {"created": "档案已建立。", "recorded": "步骤已记录，等待审核。", "reviewed": "已审核通过。",
            "returned": "已退回，并通知记录人更正。", "corrected": "更正已记录，等待重新审核。", "uploaded": "材料已上传。",
            "fact": "已记录。", "confirmed": "导入的纸质审核记录已确认。"}


def _dossier_context(uow, actor: Actor, dossier_id: str, today: dt.date) -> dict:
    answer, dossier = _load(uow, actor, dossier_id)
    events = _events(uow, actor, dossier_id)
    plan = plan_dossier(dossier, today)
    rs = views.ruleset(dossier, today)
    names = _org_names(uow, actor)
    machine = procedure_machine(rs.id)
    materials_by_step: dict[str, list[dict]] = {}
    for m in answer["dossier"].get("materials") or []:
        materials_by_step.setdefault(m["step"], []).append(m)
    forms = {}
    for f in rs.forms:
        forms.setdefault(f.stage, []).append(f)
    return {"answer": answer, "dossier": dossier, "doc": answer["dossier"], "events": events, "plan": plan,
            "timeline": views.timeline(dossier, plan, today, events), "rs": rs,
            "org_name": names.get(answer["organisation_id"], ""), "state_name": machine.names.get(answer["state"], ""),
            "materials_by_step": materials_by_step, "forms": forms, "tracks": answer["dossier"].get("materials") is not None,
            "may_review": web_queries.may_review(uow, actor, answer["organisation_id"], dossier),
            "catalogue_materials": [m for m in rules_materials(dossier, today)]}


def rules_materials(dossier: Dossier, today: dt.date):
    return views.rules_for(dossier, today).materials


@router.get("/dossiers/{dossier_id}", response_class=HTMLResponse)
def dossier_page(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep,
                 done: str | None = None):
    context = _dossier_context(uow, actor, dossier_id, today)
    return render(request, "dossier.html", uow, actor, today=today, message=MESSAGES.get(done or ""),
                  upload_errors=[], upload_form={}, fact_errors=[], fact_form={}, **context)


# ---------------------------------------------------------------- recording and correcting a step

def _step_or_404(step_id: str):
    step = views.ruleset().step_by_id.get(step_id)
    if step is None:
        raise PageError(404, f"没有这个步骤：{step_id[:40]}", "STEP_UNKNOWN")
    return step


def _step_page(request, uow, actor, today, dossier_id: str, step, *, mode: str, form: dict, index: int | None = None,
               problems: dict | None = None, status: int = 200, warnings: bool = False):
    answer, dossier = _load(uow, actor, dossier_id)
    step = views.ruleset(dossier, today).step_by_id[step.id]  # its name in the order this dossier follows
    plan = plan_dossier(dossier, today)
    planned = next((n for n in plan.next if n.step == step.id), None)
    members = []
    if "people" in views.step_slots(step.id):
        try:
            members = admin.list_members(uow, actor, None)
        except FazhanError:
            members = []
    approvers = []
    if "approving_organisation_id" in views.step_slots(step.id):
        # the bodies that may be named as approver: the dossier's organisation and those above it (not a
        # 党支部), the nearest 党委 first; their type comes from the tree (2026 第二十二条)
        tree = OrgTree.load(uow.session)
        chain = [answer["organisation_id"], *tree.ancestors(answer["organisation_id"])]
        approvers = sorted((tree.orgs[i] for i in chain if tree.orgs[i].level != "branch"),
                           key=lambda org: (org.level != "committee", chain.index(org.id)))
    return render(request, "step_form.html", uow, actor, status=status, today=today, answer=answer, dossier=dossier,
                  step=step, mode=mode, form=form, index=index, problems=problems or {}, slots=views.step_slots(step.id),
                  planned=planned, members=members, warnings=warnings, approvers=approvers,
                  deadline_rule=views.rule_label(views.rules_for(dossier, planned.deadline), planned.deadline_code)
                  if planned and planned.deadline else "")


@router.get("/dossiers/{dossier_id}/steps/{step_id}/record", response_class=HTMLResponse)
def record_page(request: Request, dossier_id: str, step_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    step = _step_or_404(step_id)
    return _step_page(request, uow, actor, today, dossier_id, step, mode="record", form={})


def _refusal(exc: FazhanError, step_id: str, dossier: Dossier, day: dt.date | None):
    return views.problems_by_slot(exc, step_id, views.step_slots(step_id) + ["reason"], dossier, day)


def _entry_day(entry: dict) -> dt.date | None:
    try:
        return dt.date.fromisoformat(entry.get("date", ""))
    except (TypeError, ValueError):
        return None


@router.post("/dossiers/{dossier_id}/steps/{step_id}/record", response_class=HTMLResponse)
async def record(request: Request, dossier_id: str, step_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    step = _step_or_404(step_id)
    form = await _form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    values = _values(form)
    entry = views.entry_from_form(step.id, values)
    reason = values.get("reason", "").strip() or None
    try:
        services.record_step(uow, actor, dossier_id, entry, today=today, reason=reason)
    except (StepRefused, ReasonRequired, InputError) as exc:
        uow.session.rollback()
        _, dossier = _load(uow, actor, dossier_id)
        return _step_page(request, uow, actor, today, dossier_id, step, mode="record", form=values,
                          problems=_refusal(exc, step.id, dossier, _entry_day(entry)), status=status_for(exc),
                          warnings=isinstance(exc, ReasonRequired))
    except FazhanError as exc:
        raise _fail(exc) from None
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=recorded#{step.id}", status_code=303)


def _index_or_404(dossier: Dossier, index: str) -> int:
    value = _int(index)
    if value is None or value >= len(dossier.steps):
        raise PageError(404, "该档案没有这条步骤记录", "STEP_NOT_FOUND")
    return value


@router.get("/dossiers/{dossier_id}/steps/{index}/correct", response_class=HTMLResponse)
def correct_page(request: Request, dossier_id: str, index: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    answer, dossier = _load(uow, actor, dossier_id)
    i = _index_or_404(dossier, index)
    entry = answer["dossier"]["steps"][i]
    return _step_page(request, uow, actor, today, dossier_id, _step_or_404(entry["step"]), mode="correct",
                      form=views.form_from_entry(entry), index=i)


@router.post("/dossiers/{dossier_id}/steps/{index}/correct", response_class=HTMLResponse)
async def correct(request: Request, dossier_id: str, index: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = await _form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    _, dossier = _load(uow, actor, dossier_id)
    i = _index_or_404(dossier, index)
    step = _step_or_404(dossier.steps[i].step)
    values = _values(form)
    entry = views.entry_from_form(step.id, values)
    correction = values.get("correction_reason", "").strip()
    try:
        if not correction:
            raise InputError("更正记录必须说明理由", code="REASON_REQUIRED", field="correction_reason")
        services.correct_step(uow, actor, dossier_id, i, entry, reason=correction, today=today,
                              warning_reason=values.get("reason", "").strip() or None)
    except (StepRefused, ReasonRequired, InputError) as exc:
        uow.session.rollback()
        problems = views.problems_by_slot(exc, step.id, views.step_slots(step.id) + ["reason", "correction_reason"],
                                          dossier, _entry_day(entry))
        return _step_page(request, uow, actor, today, dossier_id, step, mode="correct", form=values, index=i,
                          problems=problems, status=status_for(exc), warnings=isinstance(exc, ReasonRequired))
    except FazhanError as exc:
        raise _fail(exc) from None
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=corrected#{step.id}", status_code=303)


# ---------------------------------------------------------------- reviewing (sign off or send back)

def _review_page(request, uow, actor, today, dossier_id, index: str, *, errors=None, comment="", status=200):
    context = _dossier_context(uow, actor, dossier_id, today)
    i = _index_or_404(context["dossier"], index)
    entry = context["doc"]["steps"][i]
    step = _step_or_404(entry["step"])
    returned = views.returns_by_index(context["events"]).get(i, [])
    return render(request, "review.html", uow, actor, status=status, today=today, index=i, entry=entry, step=step,
                  step_materials=context["materials_by_step"].get(step.id, []), errors=errors or [], comment=comment,
                  returned=returned, **context)


@router.get("/dossiers/{dossier_id}/steps/{index}/review", response_class=HTMLResponse)
def review_page(request: Request, dossier_id: str, index: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    return _review_page(request, uow, actor, today, dossier_id, index)


@router.post("/dossiers/{dossier_id}/paper-reviews/confirm", response_class=HTMLResponse)
async def confirm_paper_reviews(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    """The review of an import: a reviewer confirms every paper sign-off it brought (services decide who may)."""
    form = await _form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    try:
        services.confirm_paper_reviews(uow, actor, dossier_id, today=today)
    except FazhanError as exc:
        uow.session.rollback()
        raise _fail(exc) from None
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=confirmed", status_code=303)


@router.post("/dossiers/{dossier_id}/steps/{index}/review", response_class=HTMLResponse)
async def review(request: Request, dossier_id: str, index: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = await _form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    _, dossier = _load(uow, actor, dossier_id)
    i = _index_or_404(dossier, index)
    action = form.get("action")
    comment = form.get("comment") if isinstance(form.get("comment"), str) else ""
    try:
        if action == "approve":
            services.review_step(uow, actor, dossier_id, i, today=today)
            done = "reviewed"
        elif action == "return":
            return_step(uow, actor, dossier_id, i, comment)
            done = "returned"
        else:
            raise InputError("请选择审核通过或退回", code="VALUE_INVALID", field="action")
    except FazhanError as exc:
        uow.session.rollback()
        problems = [d.get("message") or d.get("reason") or exc.message for d in exc.details] or [exc.message]
        return _review_page(request, uow, actor, today, dossier_id, str(i), errors=problems, comment=comment,
                            status=status_for(exc))
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done={done}#{dossier.steps[i].step}", status_code=303)


# ---------------------------------------------------------------- materials and facts

@router.post("/dossiers/{dossier_id}/materials", response_class=HTMLResponse)
async def upload(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = await _form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    values = _values(form)
    settings = request.app.state.settings
    file = form.get("file")
    try:
        _, dossier = _load(uow, actor, dossier_id)
        material = views.rules_for(dossier, today).material_by_id.get(values.get("material_id", ""))
        if material is None:
            raise InputError("请选择材料类别", code="FIELD_REQUIRED", field="material_id")
        if not isinstance(file, UploadFile) or not file.filename:
            raise InputError("请选择要上传的文件", code="FIELD_REQUIRED", field="file")
        data = await file.read(settings.max_upload_bytes + 1)
        signers = [s.strip() for s in values.get("signed_by", "").replace("，", ",").split(",") if s.strip()]
        meta = {"id": material.id, "step": material.step, "signed_by": signers}
        if values.get("date", "").strip():
            meta["date"] = values["date"].strip()
        services.attach_material(uow, actor, dossier_id, meta, data, declared_type=file.content_type,
                                 filename=file.filename, max_bytes=settings.max_upload_bytes)
    except FazhanError as exc:
        uow.session.rollback()
        if exc.code in ("DOSSIER_NOT_FOUND",):
            raise _fail(exc) from None
        reasons = [d.get("reason") or d.get("message") for d in exc.details if d.get("reason") or d.get("message")]
        context = _dossier_context(uow, actor, dossier_id, today)
        return render(request, "dossier.html", uow, actor, status=status_for(exc), today=today, message=None,
                      upload_errors=reasons or [exc.message], upload_form=values, fact_errors=[], fact_form={},
                      **context)
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=uploaded#materials", status_code=303)


@router.get("/dossiers/{dossier_id}/materials/{sha256}")
def material(dossier_id: str, sha256: str, uow: UowDep, actor: ActorDep):
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise PageError(404, "该档案没有这份材料", "MATERIAL_NOT_FOUND")
    try:
        data, media_type, filename = services.read_material(uow, actor, dossier_id, sha256)
    except FazhanError as exc:
        raise _fail(exc) from None
    name = filename or f"{sha256[:12]}"
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; img-src 'self'; "
        "plugin-types application/pdf; sandbox"})


@router.post("/dossiers/{dossier_id}/facts", response_class=HTMLResponse)
async def add_fact(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = await _form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    values = _values(form)
    kind = values.get("kind", "")
    try:
        if kind == "assessment":
            item = {"date": values.get("date", "").strip(), "period": values.get("period", "")}
            for key in ("by", "result"):
                if values.get(key, "").strip():
                    item[key] = values[key].strip()
            services.add_fact(uow, actor, dossier_id, "assessments", item)
        elif kind == "publicity":
            services.add_fact(uow, actor, dossier_id, "publicity", {
                "kind": values.get("publicity_kind", ""), "start": values.get("start", "").strip(),
                "end": values.get("end", "").strip()})
        elif kind == "thought_report":
            services.add_fact(uow, actor, dossier_id, "thought_reports", {"date": values.get("date", "").strip()})
        else:
            raise InputError("请选择要记录的事项", code="VALUE_INVALID", field="kind")
    except FazhanError as exc:
        uow.session.rollback()
        if exc.code == "DOSSIER_NOT_FOUND":
            raise _fail(exc) from None
        labels = {"date": "日期", "period": "考察阶段", "kind": "公示类别", "start": "开始日期", "end": "结束日期"}
        reasons = [f"{labels.get(d.get('field'), d.get('field') or '')}：{d.get('reason')}" if d.get("reason")
                   else d.get("message", exc.message) for d in exc.details] or [exc.message]
        context = _dossier_context(uow, actor, dossier_id, today)
        return render(request, "dossier.html", uow, actor, status=status_for(exc), today=today, message=None,
                      upload_errors=[], upload_form={}, fact_errors=reasons, fact_form=values, **context)
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=fact#facts", status_code=303)


# ---------------------------------------------------------------- the calendar feed

@router.get("/calendar/{token}.ics")
def calendar_feed(request: Request, token: str, uow: UowDep, today: TodayDep):
    user = web_session.user_for_feed(uow.session, token[:80])
    if user is None:
        raise PageError(404, "订阅地址无效或已失效（修改密码后需重新订阅）", "FEED_NOT_FOUND")
    actor = actor_for(uow.session, user)
    base = str(request.base_url).rstrip("/")
    events = []
    for item in web_queries.visible_dossiers(uow, actor):
        for n in plan_dossier(item.dossier, today).next:
            if n.deadline is None:
                continue
            rs = views.rules_for(item.dossier, n.deadline)
            label = views.rule_label(rs, n.deadline_code)
            late = "（已超期）" if n.deadline < today else ""
            events.append(CalendarEvent(
                uid=f"{item.summary['id']}-{n.step}-{n.deadline.isoformat()}@fazhan",
                day=n.deadline, summary=f"{item.dossier.person.name}：{n.name}截止{late}",
                description=f"档案 {item.summary['id']}，{n.name}最迟于 {n.deadline.isoformat()} 完成；"
                            f"依据：{label}。最早可办理日期 {n.earliest.isoformat()}。",
                url=f"{base}/dossiers/{quote(item.summary['id'])}"))
    body = calendar(f"发展党员工作期限 · {user.display_name}", events, dt.datetime.now(dt.UTC))
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": "inline; filename=\"fazhan.ics\"", "Cache-Control": "no-store"})


# ---------------------------------------------------------------- wiring

def _documents_router():
    """The forms and bundle routes of `api/routes_documents.py`, scoped to the cookie session's user."""
    def web_dossier(dossier_id: str, request: Request, uow: UowDep) -> Dossier:
        actor = web_session.actor_from_cookie(uow.session, request)
        try:
            return services.load_dossier(uow, actor, dossier_id)
        except FazhanError as exc:
            raise _fail(exc) from None

    def web_files(dossier_id: str, request: Request, uow: UowDep) -> dict[str, bytes]:
        actor = web_session.actor_from_cookie(uow.session, request)
        try:
            return services.material_files(uow, actor, dossier_id)
        except FazhanError as exc:
            raise _fail(exc) from None

    return make_documents_router(web_dossier, web_files)


def install(app: FastAPI) -> None:
    # these pages render with this module's helpers, so they are imported once it is loaded
    from api.web import account, cultivation_pages

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(router)
    app.include_router(account.router)
    app.include_router(cultivation_pages.router)
    app.include_router(_documents_router(), include_in_schema=False)
    api_http_handler = app.exception_handlers.get(StarletteHTTPException)

    def _page_error(request: Request, status: int, message: str) -> HTMLResponse:
        actor = None
        try:
            from workflow.store.repository import UnitOfWork
            with UnitOfWork(request.app.state.engine) as uow:
                actor = web_session.actor_from_cookie(uow.session, request)
                return render(request, "error.html", uow, actor, status=status, message=message)
        except Exception:  # noqa: BLE001 (no session, or a failed database: the plain page still shows)
            return templates.TemplateResponse(request, "error.html", {"request": request, "actor": None,
                                              "grants": [], "csrf": "", "v": views, "message": message},
                                              status_code=status)

    @app.exception_handler(PageError)
    async def _page(request: Request, exc: PageError):
        return _page_error(request, exc.status, exc.message)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        response.delete_cookie(web_session.SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed):
        return _page_error(request, 403, "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交。")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if api_http_handler is not None and request.url.path.startswith(("/api/", "/docs", "/openapi", "/redoc")):
            return await api_http_handler(request, exc)
        messages = {404: "找不到该页面", 405: "该页面不支持此操作"}
        return _page_error(request, exc.status_code, messages.get(exc.status_code, "请求无法处理"))
