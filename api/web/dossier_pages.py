"""Creating a dossier and the dossier page: timeline, plan, materials, forms and events of one case."""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web import labels, views
from api.web.common import (
    ActorDep,
    attempt,
    fail,
    form_values,
    load_dossier,
    org_names,
    page_router,
    parse_int,
    posted_form,
    render,
    write_orgs,
)
from workflow.dossier import Dossier
from workflow.errors import FazhanError, InputError
from workflow.machine import procedure_machine
from workflow.plan import plan_dossier
from workflow.service_layer import dossiers, queries, reviewed_changes, reviews, step_materials, web_queries
from workflow.store.access import Actor

router = page_router()

PERSON_FIELDS = ("name", "gender", "birth_date", "id_number", "ethnicity", "education", "expected_leave_date")
PERSON_ERROR_FIELDS = ("id_number", "name", "birth_date", "organisation_id", "gender", "expected_leave_date")
MESSAGES = {"created": "档案已建立。", "recorded": "步骤已记录，等待审核。", "reviewed": "已审核通过。",
            "returned": "已退回，并通知记录人更正。", "corrected": "更正已记录，等待重新审核。", "uploaded": "材料已上传。",
            "fact": "已记录。", "confirmed": "导入的纸质审核记录已确认。",
            "proposed": "已提出，等待上级审核人审核；审核通过后才生效。", "change_approved": "该事项已审核通过并生效。",
            "change_returned": "该事项已退回提出人。"}


# ---------------------------------------------------------------- creating a dossier

@router.get("/dossiers/new", response_class=HTMLResponse)
def new_dossier_page(request: Request, uow: UowDep, actor: ActorDep):
    return render(request, "new_dossier.html", uow, actor, orgs=write_orgs(uow, actor),
                  form={"track_materials": "on"}, errors={})


def _dossier_id_checked(dossier_id: str | None) -> str | None:
    if dossier_id is not None and (len(dossier_id) > 64 or not all(c.isascii() and (c.isalnum() or c in "_.-")
                                                                   for c in dossier_id)):
        raise InputError("档案编号只能由字母、数字、下划线、点和连字符组成（最多 64 个）", code="VALUE_INVALID",
                         field="id")
    return dossier_id


def _errors_by_field(exc: FazhanError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for detail in exc.details or [{"field": exc.field, "reason": exc.message}]:
        field = detail.get("field") or ""
        if field in PERSON_ERROR_FIELDS:
            key = field
        elif field == "id" or (detail.get("path") or "") == "$.id":
            key = "dossier_id"
        else:
            key = "_general"
        errors.setdefault(key, []).append(detail.get("reason") or detail.get("message") or exc.message)
    return errors or {"_general": [exc.message]}


@router.post("/dossiers/new", response_class=HTMLResponse)
async def create_dossier(request: Request, uow: UowDep, actor: ActorDep):
    values = form_values(await posted_form(request))
    person: dict[str, Any] = {k: values.get(k, "").strip() for k in PERSON_FIELDS if values.get(k, "").strip()}
    if values.get("league_member") in ("yes", "no"):
        person["league_member"] = values["league_member"] == "yes"
    org_id = parse_int(values.get("organisation_id"))

    def create() -> dict:
        if org_id is None:
            raise InputError("请选择所在党组织", code="FIELD_REQUIRED", field="organisation_id")
        dossier_id = _dossier_id_checked(values.get("dossier_id", "").strip() or None)
        return dossiers.create_dossier(uow, actor, org_id, person, dossier_id=dossier_id,
                                       track_materials=values.get("track_materials") == "on")

    created, page = attempt(uow, create, lambda exc: render(
        request, "new_dossier.html", uow, actor, status=status_for(exc), orgs=write_orgs(uow, actor), form=values,
        errors=_errors_by_field(exc)), absent=())
    if page:
        return page
    return RedirectResponse(f"/dossiers/{quote(created['id'])}?done=created", status_code=303)


# ---------------------------------------------------------------- the dossier page

def dossier_events(uow, actor: Actor, dossier_id: str) -> list[dict]:
    try:
        return queries.events(uow, actor, dossier_id)
    except FazhanError as exc:
        raise fail(exc) from None


def dossier_context(uow, actor: Actor, dossier_id: str, today: dt.date) -> dict:
    """Everything the dossier page (and the review page drawn over it) shows about one case."""
    answer, dossier = load_dossier(uow, actor, dossier_id)
    events = dossier_events(uow, actor, dossier_id)
    plan = plan_dossier(dossier, today)
    rs = views.ruleset(dossier, today)
    names = org_names(uow, actor)
    machine = procedure_machine(rs.id)
    materials_by_step: dict[str, list[dict]] = {}
    for m in answer["dossier"].get("materials") or []:
        materials_by_step.setdefault(m["step"], []).append(m)
    forms: dict[int, list] = {}
    for f in rs.forms:
        forms.setdefault(f.stage, []).append(f)
    timeline = views.timeline(dossier, plan, today, events)
    gate = step_materials.missing_by_index(dossier, today)
    from api.web.case_pages import STATUS_NAMES, case_actions, change_line
    try:
        changes = reviewed_changes.changes_of(uow, actor, dossier_id)
    except FazhanError:
        changes = []
    for change in changes:
        change.update(line=change_line(change, dossier, names), status_name=STATUS_NAMES[change["status"]],
                      may_decide=reviewed_changes.may_decide(uow, actor, change, dossier))
    return {"answer": answer, "dossier": dossier, "doc": answer["dossier"], "events": events, "plan": plan,
            "timeline": timeline, "rs": rs, "gate": gate, "missing_total": step_materials.missing_count(dossier),
            "open_stages": open_stages(timeline, plan, rs), "changes": changes,
            "case_actions": case_actions(uow, actor, answer, dossier, today),
            "dates": labels.key_dates(dossier, today), "closed": is_closed(machine, answer["state"], plan),
            "v_labels": labels, "may_write": answer["organisation_id"] in write_orgs(uow, actor),
            "org_name": names.get(answer["organisation_id"], ""), "state_name": machine.names.get(answer["state"], ""),
            "materials_by_step": materials_by_step, "forms": forms, "tracks": answer["dossier"].get("materials") is not None,
            "may_review": web_queries.may_review(uow, actor, answer["organisation_id"], dossier),
            "catalogue_materials": list(rules_materials(dossier, today))}


def is_closed(machine, state: str, plan) -> bool:
    """Ended or moved away: a state the machine does not call live, with nothing left to do in the plan
    (a 正式党员 whose archiving is still to come is not closed)."""
    return state not in machine.live and not plan.next


def open_stages(timeline, plan, rs) -> set[int]:
    """The stages shown open: those with something to do or waiting (a step available, blocked,
    unreviewed or sent back), else the stage of the next planned step, else the last one reached.
    Finished stages are collapsed, so the page is read from where the case stands."""
    busy = {stage.number for stage in timeline
            if any(item.status in ("waiting", "available", "blocked") or item.returned
                   for step in stage.steps for item in step.items)}
    if busy:
        return busy
    reached = [stage.number for stage in timeline if any(item.entry for step in stage.steps for item in step.items)]
    nxt = [rs.step_by_id[n.step].stage for n in plan.next if n.step in rs.step_by_id]
    return {min(nxt)} if nxt else ({max(reached)} if reached else {1})


def rules_materials(dossier: Dossier, today: dt.date):
    return views.rules_for(dossier, today).materials


def dossier_page_with(request: Request, uow, actor: Actor, dossier_id: str, today: dt.date, *, status: int = 200,
                      message: str | None = None, **forms) -> HTMLResponse:
    """The dossier page, optionally with one of its side forms showing a refusal (upload, fact)."""
    context = dossier_context(uow, actor, dossier_id, today)
    page_forms = {"upload_errors": [], "upload_form": {}, "fact_errors": [], "fact_form": {}} | forms
    return render(request, "dossier.html", uow, actor, status=status, today=today, message=message,
                  **page_forms, **context)


@router.get("/dossiers/{dossier_id}", response_class=HTMLResponse)
def dossier_page(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep,
                 done: str | None = None):
    return dossier_page_with(request, uow, actor, dossier_id, today, message=MESSAGES.get(done or ""))


@router.post("/dossiers/{dossier_id}/paper-reviews/confirm", response_class=HTMLResponse)
async def confirm_paper_reviews(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    """The review of an import: a reviewer confirms every paper sign-off it brought (services decide who may)."""
    await posted_form(request)
    try:
        reviews.confirm_paper_reviews(uow, actor, dossier_id, today=today)
    except FazhanError as exc:
        uow.session.rollback()
        raise fail(exc) from None
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=confirmed", status_code=303)
