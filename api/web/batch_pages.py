"""Pages for work in batches (issue 11): one branch meeting voting on several candidates (逐个表决), and
one sheet of half-year assessments for a branch's activists and probationary members.

Every decision is the store's (`workflow.service_layer.batches`: which cases may be voted on, the engine's gate
for each candidate, all or nothing); this module turns the form into its arguments and shows each
refusal next to the candidate or row it concerns, and what concerns the whole meeting (E, P, the date,
a quorum every candidate lacks) next to the meeting's own fields.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web import views
from api.web.common import (
    ActorDep,
    PageError,
    attempt,
    fail,
    org_names,
    page_router,
    parse_int,
    posted_form,
    render,
    write_orgs,
)
from checklists.loader import default_catalogue
from checklists.step_fields import step_schema
from workflow.errors import FazhanError
from workflow.service_layer import batches

router = page_router()
OUTCOMES = {step: list(values) for step, values in step_schema().choice_values("outcome").items()}  # step_fields.toml
MEETING_FIELDS = ("date", "expected", "present")
RECORDED = "会议已记录：每名表决对象的步骤已分别记录，等待逐一审核。"


def _count(text: Any) -> Any:
    """A whole number as typed; anything else is passed on for the parser to name what is wrong."""
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) <= 9 else text


def _meeting_step(step_id: str | None, today: dt.date) -> dict:
    """The meeting step's names under the rule set in force today (党支部党员大会 under 2026.05)."""
    steps = batches.meeting_steps()
    step_id = step_id or steps[0]
    rs = default_catalogue().in_force(today)
    if step_id not in steps or step_id not in rs.step_by_id:
        raise PageError(404, "没有这个支部大会步骤", "STEP_UNKNOWN")
    step = rs.step_by_id[step_id]
    stage = next(s for s in rs.stages if s.number == step.stage)
    return {"id": step.id, "name": step.name, "number": step.number, "stage": stage.name, "stage_number": stage.number,
            "article": step.article, "meeting": rs.words.get("branch_meeting", "支部大会"),
            "voting": rs.words.get("voting_members", "有表决权的正式党员"), "outcomes": OUTCOMES.get(step.id, [])}


def _org_or_only(uow, actor, org: str | None) -> tuple[int | None, dict[int, str]]:
    orgs = write_orgs(uow, actor)
    org_id = parse_int(org)
    if org_id is None and len(orgs) == 1:
        org_id = next(iter(orgs))
    return org_id, orgs


# ---------------------------------------------------------------- the meetings

@router.get("/meetings", response_class=HTMLResponse)
def meetings(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep):
    steps = [_meeting_step(s, today) for s in batches.meeting_steps()]
    try:
        listed = batches.list_meetings(uow, actor)
    except FazhanError as exc:
        raise fail(exc) from None
    return render(request, "meetings.html", uow, actor, today=today, steps=steps, meetings=listed,
                  orgs=write_orgs(uow, actor), names=org_names(uow, actor),
                  step_names={s["id"]: s for s in steps})


def _meeting_form(request, uow, actor, today, org_id: int, step: dict, *, form: dict, problems: dict | None = None,
                  rows: dict | None = None, status: int = 200):
    try:
        candidates = batches.meeting_candidates(uow, actor, org_id, step["id"], today)
    except FazhanError as exc:
        raise fail(exc) from None
    for c in candidates:
        c["blocked"] = views.rule_names(c["dossier"], c["blocked_by"], today)
    return render(request, "meeting_form.html", uow, actor, status=status, today=today, step=step, org_id=org_id,
                  org_name=org_names(uow, actor).get(org_id, ""), candidates=candidates, form=form,
                  problems=problems or {}, rows=rows or {}, max_candidates=batches.MAX_CANDIDATES)


@router.get("/meetings/new", response_class=HTMLResponse)
def new_meeting(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
                step: str | None = None):
    meeting = _meeting_step(step, today)
    org_id, _ = _org_or_only(uow, actor, org)
    if org_id is None:  # several organisations: chosen on the meetings page
        return RedirectResponse("/meetings", status_code=303)
    return _meeting_form(request, uow, actor, today, org_id, meeting, form={})


def _candidates_from(form: dict[str, Any], step: dict) -> tuple[list[dict], list[int]]:
    """The ticked candidates, and for each the row of the page it came from."""
    out, rows = [], []
    count = min(parse_int(form.get("rows")) or 0, batches.MAX_CANDIDATES + 1)
    for i in range(count):
        dossier_id = form.get(f"c-{i}-id", "")
        if not dossier_id or form.get(f"c-{i}-include") != "on":
            continue
        votes = {k: v for k in batches.VOTE_NUMBERS if (v := _count(form.get(f"c-{i}-{k}"))) is not None}
        candidate: dict[str, Any] = {"dossier_id": dossier_id, "votes": votes,
                                     "reason": form.get(f"c-{i}-reason", "")}
        outcome = form.get(f"c-{i}-outcome", "").strip()
        if outcome:
            candidate["outcome"] = outcome
        months = _count(form.get(f"c-{i}-extend_months"))
        if months is not None:
            candidate["extend_months"] = months
        out.append(candidate)
        rows.append(i)
    return out, rows


def _finding(detail: dict, dossier, day: dt.date) -> tuple[views.Problem, str | None]:
    """A problem as the step form shows it, and the kind of rule that raised it (if any)."""
    if "severity" in detail:
        rs = views.rules_for(dossier, day) if dossier is not None else default_catalogue().in_force(day)
        rule = rs.rule_by_code.get(detail.get("code"))
        return views.Problem(detail.get("message", ""), detail["code"], detail["severity"],
                             detail.get("article") or (rule.article if rule else ""),
                             rule.name if rule else ""), rule.kind if rule else None
    return views.Problem(detail.get("reason") or detail.get("message") or "", detail.get("code") or "ERROR"), None


def _meeting_problems(exc: FazhanError, rows: list[int], dossiers: dict, day: dt.date) -> tuple[dict, dict]:
    """Problems of the meeting's own fields, and of each candidate row (keyed by the row on the page)."""
    meeting: dict[str, list] = {}
    by_row: dict[int, dict] = {}
    if not isinstance(exc, batches.BatchRefused):
        for detail in exc.details or [{"message": exc.message, "code": exc.code, "field": exc.field}]:
            field = detail.get("field") if detail.get("field") in MEETING_FIELDS else "_general"
            meeting.setdefault(field, []).append(_finding(detail, None, day)[0])
        return meeting, by_row
    seen = set()
    for refusal in exc.details:
        row = rows[refusal["row"]] if refusal.get("row") is not None and refusal["row"] < len(rows) else None
        dossier = dossiers.get(refusal.get("dossier_id"))
        mine = by_row.setdefault(row, {"problems": [], "reason_required": refusal.get("reason_required", False)})
        for detail in refusal.get("findings") or [refusal]:
            problem, kind = _finding(detail, dossier, day)
            if kind == "quorum":  # the meeting's E and P, the same for every candidate: said once, beside them
                if (problem.code, problem.message) not in seen:
                    seen.add((problem.code, problem.message))
                    meeting.setdefault("present", []).append(problem)
                continue
            mine["problems"].append(problem)
    return meeting, by_row


@router.post("/meetings/new", response_class=HTMLResponse)
async def record_meeting(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = {k: v for k, v in (await posted_form(request)).items() if isinstance(v, str)}
    step = _meeting_step(form.get("step"), today)
    org_id = parse_int(form.get("org"))
    if org_id is None:
        raise PageError(404, "找不到该组织，或您无权查看", "ORGANISATION_NOT_FOUND")
    candidates, rows = _candidates_from(form, step)

    def record() -> dict:
        return batches.record_meeting(uow, actor, organisation_id=org_id, step=step["id"], date=form.get("date", ""),
                                      expected=_count(form.get("expected")), present=_count(form.get("present")),
                                      candidates=candidates, today=today)

    def refused(exc: FazhanError):
        try:
            listed = batches.meeting_candidates(uow, actor, org_id, step["id"], today)
        except FazhanError:
            listed = []
        day = _day_or_today(form.get("date"), today)
        meeting, by_row = _meeting_problems(exc, rows, {c["dossier_id"]: c["dossier"] for c in listed}, day)
        if isinstance(exc, batches.BatchRefused):
            meeting.setdefault("_summary", []).append(views.Problem(exc.message, exc.code))
        return _meeting_form(request, uow, actor, today, org_id, step, form=form, problems=meeting, rows=by_row,
                             status=status_for(exc))

    result, page = attempt(uow, record, refused, absent=("ORGANISATION_NOT_FOUND",))
    if page:
        return page
    return RedirectResponse(f"/meetings/{result['id']}?done=recorded", status_code=303)


def _day_or_today(text: str | None, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return today


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse)
def meeting_page(request: Request, meeting_id: str, uow: UowDep, actor: ActorDep, today: TodayDep,
                 done: str | None = None):
    number = parse_int(meeting_id)
    try:
        meeting = batches.get_meeting(uow, actor, number if number is not None else -1)
    except FazhanError as exc:
        raise fail(exc) from None
    return render(request, "meeting.html", uow, actor, today=today, meeting=meeting,
                  step=_meeting_step(meeting["step"], meeting["date"]),
                  org_name=org_names(uow, actor).get(meeting["organisation_id"], ""),
                  message=RECORDED if done == "recorded" else None)


# ---------------------------------------------------------------- the assessment sheet

def _periods(today: dt.date) -> list[tuple[str, str]]:
    """The assessment periods, named after the state each runs in (labels from the rule set's states)."""
    names = {s.id: s.name for s in default_catalogue().in_force(today).states}
    return [(period, f"{names.get(state, state)}考察") for period, state in batches.PERIOD_STATES.items()]


def _sheet(request, uow, actor, today, org_id: int, *, form: dict, problems: dict | None = None,
           general: list | None = None, status: int = 200, message: str | None = None):
    try:
        rows = batches.assessment_rows(uow, actor, org_id)
    except FazhanError as exc:
        raise fail(exc) from None
    return render(request, "assessments.html", uow, actor, status=status, today=today, org_id=org_id,
                  org_name=org_names(uow, actor).get(org_id, ""), rows=rows, form=form, problems=problems or {},
                  general=general or [], periods=_periods(today), message=message, max_rows=batches.MAX_ROWS)


@router.get("/assessments", response_class=HTMLResponse)
def assessments(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
                done: str | None = None):
    org_id, orgs = _org_or_only(uow, actor, org)
    if org_id is None:
        return render(request, "assessments.html", uow, actor, today=today, org_id=None, orgs=orgs, rows=[],
                      form={}, problems={}, general=[], periods=_periods(today), choose=True)
    count = parse_int(done)
    return _sheet(request, uow, actor, today, org_id, form={},
                  message=f"已记录 {count} 条考察。" if count is not None else None)


@router.post("/assessments", response_class=HTMLResponse)
async def record_assessments(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = {k: v for k, v in (await posted_form(request)).items() if isinstance(v, str)}
    org_id = parse_int(form.get("org"))
    if org_id is None:
        raise PageError(404, "找不到该组织，或您无权查看", "ORGANISATION_NOT_FOUND")
    sent, rows = [], []
    for i in range(min(parse_int(form.get("rows")) or 0, batches.MAX_ROWS + 1)):
        if not form.get(f"a-{i}-date", "").strip():
            continue  # an empty row is not part of the sheet
        sent.append({"dossier_id": form.get(f"a-{i}-id", ""), "date": form.get(f"a-{i}-date", ""),
                     "period": form.get(f"a-{i}-period", ""), "result": form.get(f"a-{i}-result", ""),
                     "by": form.get(f"a-{i}-by", "")})
        rows.append(i)

    def refused(exc: FazhanError):
        problems: dict[int, list] = {}
        general = []
        if isinstance(exc, batches.BatchRefused):
            general.append(views.Problem(exc.message, exc.code))
            for refusal in exc.details:
                row = rows[refusal["row"]]
                for detail in refusal.get("findings") or [refusal]:
                    problems.setdefault(row, []).append(_finding(detail, None, today)[0])
        else:
            general.append(views.Problem(exc.message, exc.code))
        return _sheet(request, uow, actor, today, org_id, form=form, problems=problems, general=general,
                      status=status_for(exc))

    result, page = attempt(uow, lambda: batches.record_assessments(uow, actor, organisation_id=org_id, rows=sent,
                                                                   today=today),
                           refused, absent=("ORGANISATION_NOT_FOUND",))
    if page:
        return page
    return RedirectResponse(f"/assessments?{urlencode({'org': org_id, 'done': len(result['recorded'])})}",
                            status_code=303)
