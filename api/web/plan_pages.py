"""The annual development plan (发展党员计划, 细则第三条/第三十八条) of an organisation: a committee sets
the year's total and structure targets for itself or an organisation below it; a branch sees its own
quota (or the plan above that governs it) and what is left of it; everyone sees progress against the
plan, counted as the statistics count (admissions by the committee's approval date).

Who may set a plan, and every check on its figures, is `workflow.store.cultivation.set_plan`'s.
"""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web.common import ActorDep, attempt, fail, page_router, parse_int, posted_form, render
from api.web.cultivation_forms import place, year_param
from workflow.cultivation.returns import STRUCTURE
from workflow.errors import FazhanError, InputError
from workflow.store import cultivation as store
from workflow.store import cultivation_queries as queries

router = page_router()
FIELDS = ("organisation_id", "year", "total", *STRUCTURE)
LABELS = {"total": "发展总数", **STRUCTURE}


def _board(uow, actor, org: str | None, year: int) -> dict:
    try:
        return queries.plan_board(uow, actor, parse_int(org), year)
    except FazhanError as exc:
        raise fail(exc) from None


def _page(request, uow, actor, board: dict, *, form=None, errors=None, status=200, done=None):
    return render(request, "cultivation_plan.html", uow, actor, status=status, board=board, labels=LABELS,
                  structure=STRUCTURE, form=form or {}, errors=errors or {},
                  message="年度发展计划已下达。" if done == "set" else None)


@router.get("/cultivation/plan", response_class=HTMLResponse)
def plan_page(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
              year: str | None = None, done: str | None = None):
    chosen = year_param(year, today)
    return _page(request, uow, actor, _board(uow, actor, org, chosen), done=done,
                 form={"year": str(chosen)})


def _count(text: str, field: str, required: bool) -> int | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise InputError(f"请填写{LABELS[field]}", code="FIELD_REQUIRED", field=field)
        return None
    value = parse_int(text)
    if value is None:
        raise InputError(f"“{LABELS[field]}”应为非负整数，实为“{text[:20]}”", code="VALUE_INVALID", field=field)
    return value


@router.post("/cultivation/plan", response_class=HTMLResponse)
async def set_plan(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None):
    form = {k: v for k, v in (await posted_form(request)).items() if isinstance(v, str)}
    year_text = form.get("year", "")
    board = _board(uow, actor, org, today.year)

    def act() -> dict:
        target = parse_int(form.get("organisation_id"))
        if target is None:
            raise InputError("请选择组织", code="FIELD_REQUIRED", field="organisation_id")
        year = parse_int(year_text)
        if year is None or year not in range(2000, 2101):
            raise InputError(f"年份应为四位数字，实为“{year_text[:10]}”", code="VALUE_INVALID", field="year")
        total = _count(form.get("total", ""), "total", True)
        targets = {k: _count(form.get(k, ""), k, False) for k in STRUCTURE}
        return store.set_plan(uow, actor, target, year, total, today=today, **targets)

    def refused(exc: FazhanError):
        errors = place(exc, FIELDS, by_code={"FORBIDDEN": "organisation_id", "ORGANISATION_NOT_FOUND": "organisation_id"})
        year = parse_int(year_text)
        shown = _board(uow, actor, org, year) if year in range(2000, 2101) else board
        return _page(request, uow, actor, shown, form=form, errors=errors, status=status_for(exc))

    created, page = attempt(uow, act, refused, absent=())
    if page:
        return page
    return RedirectResponse(f"/cultivation/plan?{urlencode({'org': board['organisation_id'], 'year': created['year'], 'done': 'set'})}",
                            status_code=303)

