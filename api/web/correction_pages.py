"""Correcting a score with a reason and reviewing it again (一步一审): the period's scores with who
computed and who reviewed each, a review action that signs off one score without publishing, and a
person's entries with a correction form for each current one. The old entry and the old (reviewed)
score are kept; the corrected score waits for a second person.

Every rule (a reason is required, the day stays in its period, a published period is closed, the
reviewer is not the one who computed) is the store's: `workflow.store.cultivation_corrections` and
`workflow.store.cultivation.review_score`.
"""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web.common import (
    ActorDep,
    PageError,
    attempt,
    fail,
    page_router,
    posted_form,
    render,
)
from api.web.cultivation_forms import id_param, place
from api.web.cultivation_kit import cell_value, page_query, page_where, sheet_columns
from workflow.errors import FazhanError, InputError
from workflow.store import cultivation as store
from workflow.store import cultivation_corrections as corrections

router = page_router()
MESSAGES = {"corrected": "更正已保存，考核结果已重新计算，等待另一人审核。", "reviewed": "考核结果已审核。"}


def value_words(value) -> str:
    """An entry's value as people read it: a rank, a vote, an option or a number (one unit when empty)."""
    if isinstance(value, dict) and "rank" in value:
        return f"第 {value['rank']} 名 / 共 {value['of']} 人"
    if isinstance(value, dict) and "votes" in value:
        votes = "，".join(f"{k} {v}" for k, v in value["votes"].items())
        return f"应到 {value['expected']}，实到 {value['present']}；{votes}"
    if value is None:
        return "1 项"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet(uow, actor, where_) -> dict:
    org_id, _, scheme, period = where_
    try:
        return corrections.period_scores(uow, actor, org_id, scheme.id, period.label)
    except FazhanError as exc:
        raise fail(exc) from None


def _list_page(request, uow, actor, where_, *, errors=None, status=200, done=None):
    org_id, org_name, scheme, period = where_
    return render(request, "cultivation_corrections.html", uow, actor, status=status, org_id=org_id,
                  org_name=org_name, scheme=scheme, period=period, sheet=_sheet(uow, actor, where_),
                  query=page_query(org_id, scheme, period), errors=errors or {}, message=MESSAGES.get(done or ""))


@router.get("/cultivation/corrections", response_class=HTMLResponse)
def corrections_page(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
                     scheme: str | None = None, period: str | None = None, done: str | None = None):
    return _list_page(request, uow, actor, page_where(uow, actor, org, scheme, period, today), done=done)


@router.post("/cultivation/scores/{score_id}/review", response_class=HTMLResponse)
async def review(request: Request, score_id: str, uow: UowDep, actor: ActorDep, today: TodayDep,
                 org: str | None = None, scheme: str | None = None, period: str | None = None):
    """Signs off one computed score (the store refuses the one who computed it, or a stale score)."""
    await posted_form(request)
    where_ = page_where(uow, actor, org, scheme, period, today)
    sid = id_param(score_id, "考核结果", "SCORE_NOT_FOUND")
    _, page = attempt(uow, lambda: store.review_score(uow, actor, sid, today=today), lambda exc: _list_page(
        request, uow, actor, where_, errors={str(sid): place(exc, ("score",), general="score")["score"]},
        status=status_for(exc)), absent=("SCORE_NOT_FOUND",))
    if page:
        return page
    return RedirectResponse(f"/cultivation/corrections?{page_query(where_[0], where_[2], where_[3], done='reviewed')}",
                            status_code=303)


# ---------------------------------------------------------------- one person's entries

def _person_page(request, uow, actor, where_, person: str, today, *, form=None, errors=None, status=200,
                 open_entry=None, done=None):
    org_id, org_name, scheme, period = where_
    try:
        entries = corrections.person_entries(uow, actor, org_id, scheme.id, period.label, person)
    except FazhanError as exc:
        raise fail(exc) from None
    sheet = _sheet(uow, actor, where_)
    return render(request, "cultivation_correction_person.html", uow, actor, status=status, org_id=org_id,
                  org_name=org_name, scheme=scheme, period=period, person=entries, sheet=sheet,
                  columns={c["id"]: c for c in sheet_columns(scheme)}, value_words=value_words,
                  query=page_query(org_id, scheme, period), person_query=page_query(org_id, scheme, period, person=person),
                  form=form or {}, errors=errors or {}, open_entry=open_entry, today=today,
                  message=MESSAGES.get(done or ""))


@router.get("/cultivation/corrections/person", response_class=HTMLResponse)
def person_page(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
                scheme: str | None = None, period: str | None = None, person: str | None = None,
                done: str | None = None):
    if not person:
        raise PageError(404, "请选择要更正记分的人员", "ENTRY_NOT_FOUND")
    return _person_page(request, uow, actor, page_where(uow, actor, org, scheme, period, today), person[:64], today,
                        done=done)


@router.post("/cultivation/entries/{entry_id}/correct", response_class=HTMLResponse)
async def correct(request: Request, entry_id: str, uow: UowDep, actor: ActorDep, today: TodayDep,
                  org: str | None = None, scheme: str | None = None, period: str | None = None,
                  person: str | None = None):
    """The corrected value (the same boxes as the score sheet's cell), its day and the reason."""
    posted = await posted_form(request)
    form = {k: v for k, v in posted.items() if isinstance(v, str)}
    where_ = page_where(uow, actor, org, scheme, period, today)
    org_id, _, chosen, named = where_
    eid = id_param(entry_id, "记分记录", "ENTRY_NOT_FOUND")
    who = (person or "")[:64]
    key = f"{eid}"

    def act() -> dict:
        indicator = form.get("indicator", "")
        column = {c["id"]: c for c in sheet_columns(chosen)}.get(indicator)
        if column is None:
            raise InputError("该记分记录的指标不在考核方案中", code="INDICATOR_UNKNOWN", field="value")
        cell_errors: dict[str, list[str]] = {}
        filled, value = cell_value(form, who, column, cell_errors)
        if cell_errors:
            raise InputError("；".join(m for ms in cell_errors.values() for m in ms), code="VALUE_INVALID", field="value")
        if not filled:
            raise InputError(f"请填写更正后的“{column['name']}”", code="FIELD_REQUIRED", field="value")
        return corrections.correct_entry(uow, actor, eid, value=value, on=form.get("date", "").strip(),
                                         reason=form.get("reason", ""), today=today)

    def refused(exc: FazhanError):
        errors = {f"{key}.{k}": v for k, v in place(exc, ("value", "date", "reason"), by_code={
            "RANKING_PUBLISHED": "_general", "ENTRY_REPLACED": "_general", "SCORE_VALUE_INVALID": "value"},
            by_field={"entry_id": "_general", "entry": "value", "person": "value", "indicator": "value"},
            general="_general").items()}
        return _person_page(request, uow, actor, where_, who, today, form=form, errors=errors,
                            status=status_for(exc), open_entry=eid)

    _, page = attempt(uow, act, refused, absent=("ENTRY_NOT_FOUND",))
    if page:
        return page
    query = urlencode({"org": org_id, "scheme": chosen.id, "period": named.label, "person": who, "done": "corrected"})
    return RedirectResponse(f"/cultivation/corrections/person?{query}", status_code=303)

