"""The roster (党员名册) pages: an organisation's members with their standing, adding and changing a
member, and importing the roster spreadsheet (all rows or none, every bad cell listed).

Who may see or change which roster is decided in workflow/store/roster.py; these handlers render
its answers and show each refusal beside its field."""
from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web.common import ActorDep, PageError, attempt, fail, form_values, org_names, page_router, parse_int, \
    posted_form, render
from api.web.page_kit import download, field_problems, held, size_words, upload_bytes
from checklists.disciplines import discipline_kinds
from workflow.errors import FazhanError
from workflow.spreadsheet.limits import MAX_FILE_BYTES
from workflow.store import roster

router = page_router()
MEMBER_FIELDS = ("name", "status", "joined_on", "full_since", "discipline", "discipline_from", "discipline_until",
                 "id_number")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _org_id(text: str) -> int:
    value = parse_int(text)
    if value is None:
        raise PageError(404, "找不到该组织，或您无权查看", "ORGANISATION_NOT_FOUND")
    return value


def _roster(uow, actor, org_id: int, today):
    try:
        return roster.roster(uow, actor, org_id, today)
    except FazhanError as exc:
        raise fail(exc) from None


@router.get("/roster", response_class=HTMLResponse)
def roster_index(request: Request, uow: UowDep, actor: ActorDep):
    return render(request, "roster_index.html", uow, actor, orgs=org_names(uow, actor))


@router.get("/roster/template.xlsx")
def roster_template(actor: ActorDep):
    from workflow.spreadsheet.roster import write_roster_template

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.xlsx"
        write_roster_template(path)
        return download(path.read_bytes(), "党员名册模板.xlsx", XLSX)


@router.get("/roster/{org}", response_class=HTMLResponse)
def roster_page(request: Request, org: str, uow: UowDep, actor: ActorDep, today: TodayDep, done: str | None = None):
    answer = _roster(uow, actor, _org_id(org), today)
    notice = {"added": "已登记党员。", "saved": "已保存。"}.get(done or "")
    return render(request, "roster.html", uow, actor, today=today, roster=answer, notice=notice)


# ---------------------------------------------------------------- adding and changing a member

def _member_form(request, uow, actor, today, *, org: dict, form: dict, member: dict | None = None,
                 problems: dict | None = None, status: int = 200):
    return render(request, "member_form.html", uow, actor, status=status, today=today, org=org, member=member,
                  form=form, problems=problems or {}, disciplines=discipline_kinds(), statuses=roster.STATUSES)


@router.get("/roster/{org}/members/new", response_class=HTMLResponse)
def new_member_page(request: Request, org: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    answer = _roster(uow, actor, _org_id(org), today)
    if not answer["may_edit"]:
        raise PageError(403, "您的角色不能修改该组织的党员名册", "FORBIDDEN")
    return _member_form(request, uow, actor, today, org=answer["organisation"], form={"status": "full"})


@router.post("/roster/{org}/members/new", response_class=HTMLResponse)
async def new_member(request: Request, org: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    org_id = _org_id(org)
    values = form_values(await posted_form(request))

    def refused(exc: FazhanError):
        answer = _roster(uow, actor, org_id, today)
        return _member_form(request, uow, actor, today, org=answer["organisation"], form=values,
                            problems=field_problems(exc, MEMBER_FIELDS), status=status_for(exc))

    _, page = attempt(uow, lambda: roster.save_member(uow, actor, values, today=today, organisation_id=org_id),
                      refused, absent=("ORGANISATION_NOT_FOUND", "FORBIDDEN"))
    if page:
        return page
    return RedirectResponse(f"/roster/{org_id}?done=added", status_code=303)


def _member(uow, actor, member_id: str, today) -> dict:
    value = parse_int(member_id)
    try:
        if value is None:
            raise PageError(404, "找不到该党员，或您无权查看", "MEMBER_NOT_FOUND")
        return roster.get_member(uow, actor, value, today)
    except FazhanError as exc:
        raise fail(exc) from None


@router.get("/roster/members/{member_id}", response_class=HTMLResponse)
def member_page(request: Request, member_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    member = _member(uow, actor, member_id, today)
    form = {key: member[key] for key in MEMBER_FIELDS if key != "id_number"}
    org = {"id": member["organisation_id"], "name": member["organisation"]}
    return _member_form(request, uow, actor, today, org=org, form=form, member=member)


@router.post("/roster/members/{member_id}", response_class=HTMLResponse)
async def save_member(request: Request, member_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    member = _member(uow, actor, member_id, today)
    values = form_values(await posted_form(request))

    def refused(exc: FazhanError):
        current = _member(uow, actor, member_id, today)
        org = {"id": current["organisation_id"], "name": current["organisation"]}
        return _member_form(request, uow, actor, today, org=org, form=values, member=current,
                            problems=field_problems(exc, MEMBER_FIELDS), status=status_for(exc))

    _, page = attempt(uow, lambda: roster.save_member(uow, actor, values, today=today, member_id=member["id"]),
                      refused, absent=("MEMBER_NOT_FOUND", "FORBIDDEN"))
    if page:
        return page
    return RedirectResponse(f"/roster/{member['organisation_id']}?done=saved", status_code=303)


# ---------------------------------------------------------------- importing the roster spreadsheet

@router.get("/roster/{org}/import", response_class=HTMLResponse)
def import_page(request: Request, org: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    answer = _roster(uow, actor, _org_id(org), today)
    if not answer["may_edit"]:
        raise PageError(403, "您的角色不能导入该组织的党员名册", "FORBIDDEN")
    return render(request, "roster_import.html", uow, actor, org=answer["organisation"], result=None, problems={},
                  limit=size_words(_limit(request)))


def _limit(request: Request) -> int:
    return min(request.app.state.settings.max_upload_bytes, MAX_FILE_BYTES)


@router.post("/roster/{org}/import", response_class=HTMLResponse)
async def import_roster(request: Request, org: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    org_id = _org_id(org)
    form = await posted_form(request)
    answer = _roster(uow, actor, org_id, today)
    try:
        roster.require_roster_rights(uow, actor, org_id)
        data, suffix = await upload_bytes(form.get("file"), _limit(request), (".xlsx", ".csv"))
    except FazhanError as exc:
        uow.session.rollback()
        if exc.code in ("FORBIDDEN", "ORGANISATION_NOT_FOUND"):
            raise fail(exc) from None
        return render(request, "roster_import.html", uow, actor, status=status_for(exc), org=answer["organisation"],
                      result=None, problems=field_problems(exc, ("file",)),
                      limit=size_words(_limit(request)))
    with held(data, suffix, getattr(form.get("file"), "filename", None)) as path:
        result = roster.import_roster(uow, actor, org_id, path, today=today)
    if result.ok:
        return RedirectResponse(f"/roster/{org_id}/import/done?created={result.created}&updated={result.updated}"
                                f"&unchanged={result.unchanged}", status_code=303)
    return render(request, "roster_import.html", uow, actor, status=422, org=answer["organisation"], result=result,
                  errors=result.errors, problems={}, limit=size_words(_limit(request)))


@router.get("/roster/{org}/import/done", response_class=HTMLResponse)
def import_done(request: Request, org: str, uow: UowDep, actor: ActorDep, today: TodayDep, created: str = "0",
                updated: str = "0", unchanged: str = "0"):
    org_id = _org_id(org)
    answer = _roster(uow, actor, org_id, today)
    counts = {k: parse_int(v) or 0 for k, v in (("created", created), ("updated", updated), ("unchanged", unchanged))}
    notice = f"名册已导入：新增 {counts['created']} 人，更新 {counts['updated']} 人，无变化 {counts['unchanged']} 人。"
    return render(request, "roster.html", uow, actor, today=today, roster=answer, notice=notice,
                  back=f"/roster/{quote(str(org_id))}")
