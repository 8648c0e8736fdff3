"""Recording, correcting and reviewing one step: the step's form (with the step's materials, uploaded in
the same post), and the reviewer's sign-off or return.

After a step is recorded the organiser lands on the form of the next step the plan offers (`/next`);
after a decision the reviewer lands on the next thing of the dossier waiting for them (`/review`): one
page load each instead of going back through the dossier page and a link."""
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
    org_names,
    page_router,
    parse_int,
    posted_form,
    render,
)
from api.web.dossier_pages import MESSAGES, dossier_page_with
from api.web.material_pages import (
    material_context,
    material_errors,
    read_uploads,
    step_materials_page,
)
from workflow.dossier import Dossier
from workflow.errors import FazhanError, InputError, ReasonRequired, StepRefused
from workflow.plan import plan_dossier
from workflow.service_layer import queries, reviews, step_materials, steps, web_queries
from workflow.service_layer.returns import return_step
from workflow.store import league_choices, roster
from workflow.store.access import OrgTree

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
              problems: dict | None = None, status: int = 200, warnings: bool = False, flash: str | None = None,
              upload_errors: dict | None = None, follows: bool = False):
    answer, dossier = load_dossier(uow, actor, dossier_id)
    step = views.ruleset(dossier, today).step_by_id[step.id]  # its name in the order this dossier follows
    plan = plan_dossier(dossier, today)
    planned = next((n for n in plan.next if n.step == step.id), None)
    slots = views.step_slots(step.id)
    form = dict(form)
    if mode == "record" and "party_standing_from" in slots and not form.get("party_standing_from"):
        end = labels.key_dates(dossier, today)["probation_end"]  # the engine's probation end (党龄 counts from it)
        form["party_standing_from"] = end.isoformat() if end else ""
    # the materials (and figures) follow the rules in force on the step's day: the day typed, else a past
    # earliest day the plan allows, else that of the last step (a case recorded in arrears stays in its
    # years); changing the date on the page asks for the list again (htmx)
    latest = max((s.date for s in dossier.steps), default=None)
    on = _entry_day(form) or (planned.earliest if planned and not planned.blocked_by and planned.earliest < today
                              else latest and min(latest, today))
    mats = material_context(uow, dossier, answer["organisation_id"], step.id, today,
                            index=index if mode == "correct" else None, on=on)
    blocked = views.blocked_reasons(dossier, planned, today) if follows and planned and planned.blocked_by else []
    upload_errors = dict(upload_errors or {})
    shown = {line.id for line in mats.lines}
    for material, messages in list(upload_errors.items()):  # a file for a material this day's list lacks
        if material != "_general" and material not in shown:
            upload_errors.setdefault("_general", []).extend(upload_errors.pop(material))
    rules = views.rules_for(dossier, on or today)  # figures on the form are the rules' own (overlay included)
    figures = views.form_figures(rules, step.id)
    # contacts and introducers are chosen from the rosters of the dossier's organisation and those above it
    members = roster.choosable_members(uow, actor, answer["organisation_id"], today) if "people" in slots else []
    approvers = _approving_bodies(uow, answer["organisation_id"]) if "approving_organisation_id" in slots else []
    league = _league_records(uow, actor, dossier_id, dossier, mode, index, today) if "nomination" in slots else []
    return render(request, "step_form.html", uow, actor, status=status, today=today, answer=answer, dossier=dossier,
                  step=step, mode=mode, form=form, index=index, problems=problems or {}, slots=slots,
                  planned=planned, members=members, warnings=warnings, approvers=approvers, mats=mats,
                  league_records=league,
                  material_errors=upload_errors, flash=flash, blocked=blocked, follows=follows, figures=figures,
                  org_name=org_names(uow, actor).get(answer["organisation_id"], ""),
                  deadline_rule=views.rule_label(views.rules_for(dossier, planned.deadline), planned.deadline_code)
                  if planned and planned.deadline else "")


def _league_records(uow, actor, dossier_id: str, dossier: Dossier, mode: str, index: int | None,
                    today: dt.date) -> list[dict]:
    """The 推优 records s03 may name: valid on some day from the previous step's date to today (the store
    judges the day typed when the step is saved)."""
    before = dossier.steps[:index] if mode == "correct" and index is not None else dossier.steps
    since = max((s.date for s in before), default=None)
    return league_choices.s03_choices(uow, actor, dossier_id, since=since, until=today)


def _posted_values(form, step_id: str) -> dict:
    """The posted form's text values, and every value ticked of a step's multiple-choice fields."""
    values = form_values(form)
    for spec in views.step_fields(step_id):
        if spec.type == "choices":
            values[f"{spec.key}_list"] = [v for v in form.getlist(spec.key) if isinstance(v, str)]
    return values


def _entry_day(entry: dict) -> dt.date | None:
    try:
        return dt.date.fromisoformat(entry.get("date", ""))
    except (TypeError, ValueError):
        return None


def _split_refusal(exc: FazhanError, step_id: str, slots: list[str], dossier: Dossier, day: dt.date | None):
    """(problems by form slot, upload problems by material) of one refusal."""
    if any((d.get("field") or "").startswith("material:") for d in exc.details) or \
            (exc.field or "").startswith("material:") or exc.code == "TOO_MANY_FILES":
        uploads = material_errors(exc)
        return {"_general": [views.Problem("所选文件有问题，见下方“本步骤材料”；请重新选择文件。", exc.code)]}, uploads
    return views.problems_by_slot(exc, step_id, slots, dossier, day), {}


# ---------------------------------------------------------------- recording and correcting

@router.get("/dossiers/{dossier_id}/steps/{step_id}/record", response_class=HTMLResponse)
def record_page(request: Request, dossier_id: str, step_id: str, uow: UowDep, actor: ActorDep, today: TodayDep,
                outcome: str | None = None, date: str | None = None):
    """`outcome` preselects the meeting's result (the dossier page's 延长预备期 / 取消预备党员资格 links);
    `date` the step's date (the form asks again for its materials when the date is changed: the list is
    that of the rules in force on the day)."""
    offered = next((views.choices(spec) for spec in views.step_fields(step_id) if spec.key == "outcome"), [])
    form = {"outcome": outcome} if outcome in dict(offered) else {}
    if date and _entry_day({"date": date[:10]}):
        form["date"] = date[:10]
    return step_page(request, uow, actor, today, dossier_id, step_or_404(step_id), mode="record", form=form)


@router.post("/dossiers/{dossier_id}/steps/{step_id}/record", response_class=HTMLResponse)
async def record(request: Request, dossier_id: str, step_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    step = step_or_404(step_id)
    form = await posted_form(request)
    values = _posted_values(form, step.id)
    entry = views.entry_from_form(step.id, values)
    reason = values.get("reason", "").strip() or None
    _, dossier = load_dossier(uow, actor, dossier_id)
    day = _entry_day(entry) or today
    max_bytes = request.app.state.settings.max_upload_bytes
    uploads = await read_uploads(form, dossier, step.id, day, max_bytes)

    def record_it() -> dict:
        if uploads:  # every file is checked before the step is written: a bad file saves nothing
            step_materials.check_uploads(dossier, step.id, uploads, max_bytes=max_bytes, day=day)
        return steps.record_step(uow, actor, dossier_id, entry, today=today, reason=reason)

    def refused(exc: FazhanError):
        problems, upload_errors = _split_refusal(exc, step.id, views.step_slots(step.id) + ["reason"], dossier,
                                                 _entry_day(entry))
        return step_page(request, uow, actor, today, dossier_id, step, mode="record", form=values, problems=problems,
                         status=status_for(exc), warnings=isinstance(exc, ReasonRequired),
                         upload_errors=upload_errors)

    recorded, page = attempt(uow, record_it, refused, STEP_REFUSALS + (FazhanError,))
    if page:
        return page
    page = _attach_after(request, uow, actor, today, dossier_id, step.id, recorded["index"], uploads, day, max_bytes)
    return page or RedirectResponse(f"/dossiers/{quote(dossier_id)}/next?done=recorded", status_code=303)


def _attach_after(request, uow, actor, today, dossier_id: str, step_id: str, index: int, uploads, day, max_bytes):
    """The files of a step just written; if one is refused now, the step's materials page says which."""
    if not uploads:
        return None
    _, page = attempt(uow, lambda: step_materials.attach_all(uow, actor, dossier_id, step_id, uploads,
                                                              max_bytes=max_bytes, day=day),
                      lambda exc: step_materials_page(request, uow, actor, today, dossier_id, index,
                                                      errors=material_errors(exc), status=status_for(exc),
                                                      message="步骤已保存，但以下材料未能上传，请重新选择文件。"))
    return page


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
    values = _posted_values(form, step.id)
    entry = views.entry_from_form(step.id, values)
    correction = values.get("correction_reason", "").strip()
    day = _entry_day(entry) or dossier.steps[i].date
    max_bytes = request.app.state.settings.max_upload_bytes
    uploads = await read_uploads(form, dossier, step.id, day, max_bytes)

    def correct_it() -> None:
        if not correction:
            raise InputError("更正记录必须说明理由", code="REASON_REQUIRED", field="correction_reason")
        if uploads:
            step_materials.check_uploads(dossier, step.id, uploads, max_bytes=max_bytes, day=day)
        steps.correct_step(uow, actor, dossier_id, i, entry, reason=correction, today=today,
                           warning_reason=values.get("reason", "").strip() or None)

    def refused(exc: FazhanError):
        problems, upload_errors = _split_refusal(exc, step.id, views.step_slots(step.id) +
                                                 ["reason", "correction_reason"], dossier, _entry_day(entry))
        return step_page(request, uow, actor, today, dossier_id, step, mode="correct", form=values, index=i,
                         problems=problems, status=status_for(exc), warnings=isinstance(exc, ReasonRequired),
                         upload_errors=upload_errors)

    _, page = attempt(uow, correct_it, refused, STEP_REFUSALS + (FazhanError,))
    if page:
        return page
    page = _attach_after(request, uow, actor, today, dossier_id, step.id, i, uploads, day, max_bytes)
    return page or RedirectResponse(f"/dossiers/{quote(dossier_id)}?done=corrected#{step.id}", status_code=303)


# ---------------------------------------------------------------- reviewing (sign off or send back)

def review_page_with(request, uow, actor, today, dossier_id, index: str, *, errors=None, comment="", status=200,
                     message: str | None = None):
    answer, dossier = load_dossier(uow, actor, dossier_id)
    i = index_or_404(dossier, index)
    entry = answer["dossier"]["steps"][i]
    step = views.ruleset(dossier, today).step_by_id.get(entry["step"]) or step_or_404(entry["step"])
    try:
        events = queries.events(uow, actor, dossier_id)
    except FazhanError as exc:
        raise fail(exc) from None
    returned = views.returns_by_index(events).get(i, [])
    waiting = _waiting_steps(uow, actor, answer, dossier)
    return render(request, "review.html", uow, actor, status=status, today=today, index=i, entry=entry, step=step,
                  answer=answer, doc=answer["dossier"], dossier=dossier, errors=errors or [], comment=comment,
                  returned=returned, message=message, rows=labels.entry_rows(entry, dossier),
                  mats=material_context(uow, dossier, answer["organisation_id"], entry["step"], today, index=i),
                  org_name=org_names(uow, actor).get(answer["organisation_id"], ""),
                  others=[w for w in waiting if w != i])


def _waiting_steps(uow, actor, answer: dict, dossier: Dossier) -> list[int]:
    """The step indices of this dossier this reviewer could sign off now (not their own records)."""
    if not web_queries.may_review(uow, actor, answer["organisation_id"], dossier):
        return []
    return [i for i, s in enumerate(dossier.steps) if not s.reviewed_by and s.recorded_by != actor.name]


@router.get("/dossiers/{dossier_id}/review", response_class=HTMLResponse)
def review_next(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep,
                done: str | None = None):
    """What of this dossier waits for this reviewer, first to last: its steps, then its case events and
    corrections; when nothing does, the dossier page. A decision lands here, so a reviewer goes on."""
    answer, dossier = load_dossier(uow, actor, dossier_id)
    message = MESSAGES.get(done or "")
    waiting = _waiting_steps(uow, actor, answer, dossier)
    if waiting:
        return review_page_with(request, uow, actor, today, dossier_id, str(waiting[0]), message=message)
    from api.web.case_pages import change_page, decidable_changes
    changes = decidable_changes(uow, actor, dossier_id, dossier)
    if changes:
        return change_page(request, uow, actor, today, changes[0]["id"], message=message)
    return dossier_page_with(request, uow, actor, dossier_id, today,
                             message=f"{message or ''}本档案没有等待您审核的事项。")


@router.get("/dossiers/{dossier_id}/next", response_class=HTMLResponse)
def next_step(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep,
              done: str | None = None):
    """The form of the next step the plan offers (one that can be recorded now first); the page a
    recording lands on, so the organiser goes on from it, or reloads it once the review is done."""
    _, dossier = load_dossier(uow, actor, dossier_id)
    rs = views.ruleset(dossier, today)
    order = {s.id: n for n, s in enumerate(rs.steps_in_order)}
    offered = sorted(plan_dossier(dossier, today).next, key=lambda n: (bool(n.blocked_by), order.get(n.step, 99)))
    message = MESSAGES.get(done or "")
    if not offered:
        return dossier_page_with(request, uow, actor, dossier_id, today, message=message)
    return step_page(request, uow, actor, today, dossier_id, step_or_404(offered[0].step), mode="record", form={},
                     flash=message, follows=True)


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
            reviews.review_step(uow, actor, dossier_id, i, today=today)
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
    return RedirectResponse(f"/dossiers/{quote(dossier_id)}/review?done={done}", status_code=303)
