"""Recording, correcting and reviewing one step: the step's form, and the reviewer's sign-off or return."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web import views
from api.web.common import (ActorDep, PageError, attempt, form_values, load_dossier, page_router, parse_int,
                            posted_form, render)
from api.web.dossier_pages import dossier_context
from workflow.dossier import Dossier
from workflow.errors import FazhanError, InputError, ReasonRequired, StepRefused
from workflow.plan import plan_dossier
from workflow.store import admin, services
from workflow.store.access import OrgTree
from workflow.store.returns import return_step

router = page_router()
STEP_REFUSALS = (StepRefused, ReasonRequired, InputError)


def step_or_404(step_id: str):
    step = views.ruleset().step_by_id.get(step_id)
    if step is None:
        raise PageError(404, f"没有这个步骤：{step_id[:40]}", "STEP_UNKNOWN")
    return step


def index_or_404(dossier: Dossier, index: str) -> int:
    value = parse_int(index)
    if value is None or value >= len(dossier.steps):
        raise PageError(404, "该档案没有这条步骤记录", "STEP_NOT_FOUND")
    return value


def _approving_bodies(uow, organisation_id: int) -> list:
    """The bodies that may be named as approver: the dossier's organisation and those above it (not a
    党支部), the nearest 党委 first; their type comes from the tree (2026 第二十二条)."""
    tree = OrgTree.load(uow.session)
    chain = [organisation_id, *tree.ancestors(organisation_id)]
    return sorted((tree.orgs[i] for i in chain if tree.orgs[i].level != "branch"),
                  key=lambda org: (org.level != "committee", chain.index(org.id)))


def step_page(request, uow, actor, today, dossier_id: str, step, *, mode: str, form: dict, index: int | None = None,
              problems: dict | None = None, status: int = 200, warnings: bool = False):
    answer, dossier = load_dossier(uow, actor, dossier_id)
    step = views.ruleset(dossier, today).step_by_id[step.id]  # its name in the order this dossier follows
    plan = plan_dossier(dossier, today)
    planned = next((n for n in plan.next if n.step == step.id), None)
    slots = views.step_slots(step.id)
    members = []
    if "people" in slots:
        try:
            members = admin.list_members(uow, actor, None)
        except FazhanError:
            members = []
    approvers = _approving_bodies(uow, answer["organisation_id"]) if "approving_organisation_id" in slots else []
    return render(request, "step_form.html", uow, actor, status=status, today=today, answer=answer, dossier=dossier,
                  step=step, mode=mode, form=form, index=index, problems=problems or {}, slots=slots,
                  planned=planned, members=members, warnings=warnings, approvers=approvers,
                  deadline_rule=views.rule_label(views.rules_for(dossier, planned.deadline), planned.deadline_code)
                  if planned and planned.deadline else "")


def _entry_day(entry: dict) -> dt.date | None:
    try:
        return dt.date.fromisoformat(entry.get("date", ""))
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- recording and correcting

@router.get("/dossiers/{dossier_id}/steps/{step_id}/record", response_class=HTMLResponse)
def record_page(request: Request, dossier_id: str, step_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    return step_page(request, uow, actor, today, dossier_id, step_or_404(step_id), mode="record", form={})


@router.post("/dossiers/{dossier_id}/steps/{step_id}/record", response_class=HTMLResponse)
async def record(request: Request, dossier_id: str, step_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    step = step_or_404(step_id)
    values = form_values(await posted_form(request))
    entry = views.entry_from_form(step.id, values)
    reason = values.get("reason", "").strip() or None

    def refused(exc: FazhanError):
        _, dossier = load_dossier(uow, actor, dossier_id)
        problems = views.problems_by_slot(exc, step.id, views.step_slots(step.id) + ["reason"], dossier,
                                          _entry_day(entry))
        return step_page(request, uow, actor, today, dossier_id, step, mode="record", form=values, problems=problems,
                         status=status_for(exc), warnings=isinstance(exc, ReasonRequired))

    _, page = attempt(uow, lambda: services.record_step(uow, actor, dossier_id, entry, today=today, reason=reason),
                      refused, STEP_REFUSALS)
    if page:
        return page
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=recorded#{step.id}", status_code=303)


@router.get("/dossiers/{dossier_id}/steps/{index}/correct", response_class=HTMLResponse)
def correct_page(request: Request, dossier_id: str, index: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    answer, dossier = load_dossier(uow, actor, dossier_id)
    i = index_or_404(dossier, index)
    entry = answer["dossier"]["steps"][i]
    return step_page(request, uow, actor, today, dossier_id, step_or_404(entry["step"]), mode="correct",
                     form=views.form_from_entry(entry), index=i)


@router.post("/dossiers/{dossier_id}/steps/{index}/correct", response_class=HTMLResponse)
async def correct(request: Request, dossier_id: str, index: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = await posted_form(request)
    _, dossier = load_dossier(uow, actor, dossier_id)
    i = index_or_404(dossier, index)
    step = step_or_404(dossier.steps[i].step)
    values = form_values(form)
    entry = views.entry_from_form(step.id, values)
    correction = values.get("correction_reason", "").strip()

    def correct_it() -> None:
        if not correction:
            raise InputError("更正记录必须说明理由", code="REASON_REQUIRED", field="correction_reason")
        services.correct_step(uow, actor, dossier_id, i, entry, reason=correction, today=today,
                              warning_reason=values.get("reason", "").strip() or None)

    def refused(exc: FazhanError):
        problems = views.problems_by_slot(exc, step.id, views.step_slots(step.id) + ["reason", "correction_reason"],
                                          dossier, _entry_day(entry))
        return step_page(request, uow, actor, today, dossier_id, step, mode="correct", form=values, index=i,
                         problems=problems, status=status_for(exc), warnings=isinstance(exc, ReasonRequired))

    _, page = attempt(uow, correct_it, refused, STEP_REFUSALS)
    if page:
        return page
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=corrected#{step.id}", status_code=303)


# ---------------------------------------------------------------- reviewing (sign off or send back)

def review_page_with(request, uow, actor, today, dossier_id, index: str, *, errors=None, comment="", status=200):
    context = dossier_context(uow, actor, dossier_id, today)
    i = index_or_404(context["dossier"], index)
    entry = context["doc"]["steps"][i]
    step = step_or_404(entry["step"])
    returned = views.returns_by_index(context["events"]).get(i, [])
    return render(request, "review.html", uow, actor, status=status, today=today, index=i, entry=entry, step=step,
                  step_materials=context["materials_by_step"].get(step.id, []), errors=errors or [], comment=comment,
                  returned=returned, **context)


@router.get("/dossiers/{dossier_id}/steps/{index}/review", response_class=HTMLResponse)
def review_page(request: Request, dossier_id: str, index: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    return review_page_with(request, uow, actor, today, dossier_id, index)


@router.post("/dossiers/{dossier_id}/steps/{index}/review", response_class=HTMLResponse)
async def review(request: Request, dossier_id: str, index: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = await posted_form(request)
    _, dossier = load_dossier(uow, actor, dossier_id)
    i = index_or_404(dossier, index)
    action = form.get("action")
    comment = form.get("comment") if isinstance(form.get("comment"), str) else ""

    def decide() -> str:
        if action == "approve":
            services.review_step(uow, actor, dossier_id, i, today=today)
            return "reviewed"
        if action == "return":
            return_step(uow, actor, dossier_id, i, comment)
            return "returned"
        raise InputError("请选择审核通过或退回", code="VALUE_INVALID", field="action")

    def refused(exc: FazhanError):
        problems = [d.get("message") or d.get("reason") or exc.message for d in exc.details] or [exc.message]
        return review_page_with(request, uow, actor, today, dossier_id, str(i), errors=problems, comment=comment,
                                status=status_for(exc))

    done, page = attempt(uow, decide, refused, absent=())
    if page:
        return page
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}?done={done}#{dossier.steps[i].step}", status_code=303)
