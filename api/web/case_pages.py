"""Case events and fact corrections in the browser, each reviewed like a step.

An organiser proposes 本人撤回, 决定不予发展, 组织关系转出 or 转入 (with its date and reason), or the
correction or withdrawal of an assessment, a publicity notice or a thought report; a reviewer signs it
off or returns it with a comment. Which events the case can take now is the machine's answer; who may
propose and decide, and every check, are the store's (workflow/service_layer/reviewed_changes.py). 延长预备期 and
取消预备党员资格 are the conversion meeting's result: the dossier page links to that step's form with the
result chosen, and it is recorded and reviewed as that step.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web import labels, views
from api.web.common import (
    ActorDep,
    PageError,
    attempt,
    fail,
    form_values,
    load_dossier,
    page_router,
    parse_int,
    posted_form,
    render,
    write_orgs,
)
from checklists.step_fields import step_schema
from workflow.dossier import Dossier
from workflow.errors import FazhanError
from workflow.machine import machine_for
from workflow.service_layer import dossiers, reviewed_changes
from workflow.store.access import Actor
from workflow.store.errors import NotFound

router = page_router()
CASE_FIELDS = ("kind", "date", "reason", "to_organisation_id")
FACT_KEYS = ("assessments", "publicity", "thought_reports")
MESSAGES = {"proposed": "已提出，等待上级审核人审核；审核通过后才生效。"}


# ---------------------------------------------------------------- reading for other pages

def decidable_changes(uow, actor: Actor, dossier_id: str, dossier: Dossier) -> list[dict]:
    """Pending proposals on this dossier the actor may decide."""
    try:
        changes = reviewed_changes.changes_of(uow, actor, dossier_id)
    except FazhanError:
        return []
    return [c for c in changes if reviewed_changes.may_decide(uow, actor, c, dossier)]


def change_line(change: dict, dossier: Dossier | None, org_names: dict[int, str] | None = None) -> str:
    """One proposal in words: what, when, why (never a code)."""
    payload = change["payload"]
    if change["kind"] == "case_event":
        what = labels.case_event_name(dossier, payload.get("kind"))
        target = payload.get("organisation") or (org_names or {}).get(payload.get("to_organisation_id"), "")
        return f"{what} · {payload.get('date')}{' · 转入 ' + target if target else ''} · 理由：{payload.get('reason')}"
    name = labels.FACT_NAMES.get(payload.get("list"), "记录")
    if payload.get("new") is None:
        return f"撤销{name}：{labels.fact(payload.get('list'), payload.get('old'))} · 理由：{payload.get('reason')}"
    return (f"更正{name}：{labels.fact(payload.get('list'), payload.get('old'))} → "
            f"{labels.fact(payload.get('list'), payload.get('new'))} · 理由：{payload.get('reason')}")


STATUS_NAMES = step_schema().words("change_status")  # checklists/data/step_fields.toml


def case_actions(uow, actor: Actor, answer: dict, dossier: Dossier, today: dt.date) -> list[dict]:
    """The case events the machine allows from the dossier's state now, each a link to its form."""
    machine = machine_for(dossier, today)
    state = answer["state"]
    writable = write_orgs(uow, actor)  # offered to those who may propose (the store checks again)
    try:
        pending = any(c["kind"] == "case_event" and c["status"] == "pending"
                      for c in reviewed_changes.changes_of(uow, actor, answer["dossier"]["id"]))
    except FazhanError:
        pending = False
    out = []
    for event in machine.rule_set.case_events:
        if event.id not in reviewed_changes.WEB_CASE_EVENTS or pending:
            continue
        where = answer.get("pending_organisation_id") if event.id == "transfer_in" else answer["organisation_id"]
        if where is None or where not in writable:
            continue
        if machine.allowed(state, event.id):
            out.append({"kind": event.id, "name": event.name, "article": event.article or ""})
    return out


# ---------------------------------------------------------------- proposing a case event

def _event_page(request, uow, actor, today, dossier_id: str, *, form: dict, errors: dict | None = None,
                status: int = 200):
    answer, dossier = load_dossier(uow, actor, dossier_id)
    actions = case_actions(uow, actor, answer, dossier, today)
    try:
        targets = reviewed_changes.transfer_targets(uow, actor, dossier_id)
    except FazhanError:
        targets = []
    return render(request, "case_event.html", uow, actor, status=status, today=today, answer=answer, doc=answer["dossier"],
                  dossier=dossier, actions=actions, targets=targets, form=form, errors=errors or {})


@router.get("/dossiers/{dossier_id}/case-events/new", response_class=HTMLResponse)
def new_event(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep,
              kind: str | None = None):
    return _event_page(request, uow, actor, today, dossier_id,
                       form={"kind": kind if kind in reviewed_changes.WEB_CASE_EVENTS else ""})


def _errors(exc: FazhanError, fields: tuple[str, ...]) -> dict[str, list[views.Problem]]:
    """A refusal's problems by the field they concern, each with its stable code."""
    out: dict[str, list[views.Problem]] = {}
    for detail in exc.details or [{"field": exc.field, "reason": exc.message, "code": exc.code}]:
        field = detail.get("field") if detail.get("field") in fields else "_general"
        out.setdefault(field, []).append(views.Problem(detail.get("reason") or detail.get("message") or exc.message,
                                                       detail.get("code") or exc.code))
    return out


@router.post("/dossiers/{dossier_id}/case-events", response_class=HTMLResponse)
async def propose_event(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    values = form_values(await posted_form(request))
    event = {k: values.get(k, "").strip() for k in ("kind", "date", "reason")}
    target = values.get("to_organisation_id", "").strip()
    if event["kind"] == "transfer_out":
        if target == "other":
            event["organisation"] = values.get("organisation", "").strip()
        elif target:
            event["to_organisation_id"] = parse_int(target) if parse_int(target) is not None else target

    _, page = attempt(uow, lambda: reviewed_changes.propose_case_event(uow, actor, dossier_id, event, today=today),
                      lambda exc: _event_page(request, uow, actor, today, dossier_id, form=values,
                                              errors=_errors(exc, CASE_FIELDS + ("organisation",)),
                                              status=status_for(exc)))
    if page:
        return page
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=proposed#case", status_code=303)


# ---------------------------------------------------------------- correcting a fact

def _fact_or_404(dossier: Dossier, key: str, index: str) -> tuple[int, dict]:
    i = parse_int(index)
    items = getattr(dossier, key) if key in FACT_KEYS else []
    if i is None or i >= len(items):
        raise PageError(404, "该档案没有这条记录", "FACT_NOT_FOUND")
    return i, items[i].model_dump(mode="json", exclude_none=True)


def _fact_page(request, uow, actor, today, dossier_id, key, index, *, form=None, errors=None, status=200):
    answer, dossier = load_dossier(uow, actor, dossier_id)
    i, item = _fact_or_404(dossier, key, index)
    return render(request, "fact_correct.html", uow, actor, status=status, today=today, answer=answer,
                  doc=answer["dossier"], dossier=dossier, key=key, index=i, item=item,
                  form=form if form is not None else dict(item), errors=errors or {},
                  what=labels.FACT_NAMES[key], line=labels.fact(key, item))


@router.get("/dossiers/{dossier_id}/facts/{key}/{index}/correct", response_class=HTMLResponse)
def fact_correct_page(request: Request, dossier_id: str, key: str, index: str, uow: UowDep, actor: ActorDep,
                      today: TodayDep):
    return _fact_page(request, uow, actor, today, dossier_id, key, index)


@router.post("/dossiers/{dossier_id}/facts/{key}/{index}/correct", response_class=HTMLResponse)
async def fact_correct(request: Request, dossier_id: str, key: str, index: str, uow: UowDep, actor: ActorDep,
                       today: TodayDep):
    values = form_values(await posted_form(request))
    _, dossier = load_dossier(uow, actor, dossier_id)
    i, old = _fact_or_404(dossier, key, index)
    if values.get("action") == "withdraw":
        item = None
    else:
        # what a record is (an assessment's period, a notice's kind) is not changed by a correction
        item = {k: old[k] for k in ("period", "kind", "place") if k in old}
        for k in ("date", "start", "end", "by", "result"):
            typed = values.get(k, "").strip()
            if typed or (k in old and k in ("date", "start", "end")):
                item[k] = typed

    _, page = attempt(uow, lambda: reviewed_changes.propose_fact_change(uow, actor, dossier_id, key, i, item,
                                                                        reason=values.get("reason"), today=today),
                      lambda exc: _fact_page(request, uow, actor, today, dossier_id, key, index, form=values,
                                             errors=_errors(exc, ("date", "start", "end", "reason", "period", "kind")),
                                             status=status_for(exc)))
    if page:
        return page
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=proposed#facts", status_code=303)


# ---------------------------------------------------------------- deciding

def change_page(request, uow, actor, today, change_id: int, *, errors=None, comment="", status=200,
                message: str | None = None):
    try:
        change, dossier, where = reviewed_changes.view_change(uow, actor, change_id)
    except FazhanError as exc:
        raise fail(exc) from None
    may = reviewed_changes.may_decide(uow, actor, change, dossier)
    from api.web.common import org_names
    return render(request, "change_review.html", uow, actor, status=status, today=today, change=change,
                  dossier=dossier, where=where, may=may, errors=errors or [], comment=comment, message=message,
                  line=change_line(change, dossier, org_names(uow, actor)), status_name=STATUS_NAMES[change["status"]],
                  dates=labels.key_dates(dossier, today))


@router.get("/changes/{change_id}", response_class=HTMLResponse)
def change_get(request: Request, change_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    number = parse_int(change_id)
    if number is None:
        raise PageError(404, "找不到该事项，或您无权查看", "CHANGE_NOT_FOUND")
    return change_page(request, uow, actor, today, number)


@router.post("/changes/{change_id}", response_class=HTMLResponse)
async def change_post(request: Request, change_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = await posted_form(request)
    number = parse_int(change_id)
    if number is None:
        raise PageError(404, "找不到该事项，或您无权查看", "CHANGE_NOT_FOUND")
    action = form.get("action")
    comment = form.get("comment") if isinstance(form.get("comment"), str) else ""

    def decide() -> dict:
        if action == "approve":
            return reviewed_changes.approve_change(uow, actor, number, today=today)
        if action == "return":
            return reviewed_changes.return_change(uow, actor, number, comment, today=today)
        from workflow.errors import InputError
        raise InputError("请选择审核通过或退回", code="VALUE_INVALID", field="action")

    def refused(exc: FazhanError):
        problems = [views.Problem(d.get("message") or d.get("reason") or exc.message, d.get("code") or exc.code)
                    for d in exc.details] or [views.Problem(exc.message, exc.code)]
        return change_page(request, uow, actor, today, number, errors=problems, comment=comment,
                           status=status_for(exc))

    done, page = attempt(uow, decide, refused, absent=("CHANGE_NOT_FOUND",))
    if page:
        return page
    try:  # the dossier's next item for this reviewer; a transfer in they returned is not theirs to see
        dossiers.get_dossier(uow, actor, done["dossier_id"])
    except NotFound:
        return RedirectResponse("/?done=change_returned", status_code=303)
    outcome = "change_approved" if done["status"] == "approved" else "change_returned"
    return RedirectResponse(f"/dossiers/{quote(done['dossier_id'])}/review?done={outcome}", status_code=303)
