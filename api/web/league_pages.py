"""团组织推优 (细则第八条): recording a League branch meeting's vote on one person, the organisation's 推优
policy in words (quorum, majority, the yearly share of a League branch, validity: checklist data and
the overlay's `[league]`), each League branch's use of its share, and one record's page, which shows
the s03 (确定入党积极分子) it backs.

Quorum, majority, share and validity are judged by `workflow.store.cultivation.record_league_nomination`;
this module turns the form into its arguments and prints its refusal beside the field concerned.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web.common import ActorDep, attempt, fail, page_router, parse_int, posted_form, render
from api.web.cultivation_forms import id_param, place, year_param
from workflow.errors import FazhanError, InputError
from workflow.store import cultivation as store
from workflow.store import cultivation_queries as queries

router = page_router()
NUMBERS = {"league_members": "团支部团员人数", "expected": "应到会人数", "present": "实到会人数", "yes": "赞成票",
           "no": "反对票", "abstain": "弃权票"}
FIELDS = ("dossier_id", "league_branch", "meeting_on", "votes", *NUMBERS)
BY_CODE = {"LEAGUE_QUORUM_NOT_MET": "present", "LEAGUE_VOTE_NOT_PASSED": "yes", "LEAGUE_QUOTA_EXCEEDED": "league_members",
           "VOTES_INCONSISTENT": "votes", "DATE_IN_FUTURE": "meeting_on", "DOSSIER_NOT_FOUND": "dossier_id"}


def _board(uow, actor, org: str | None, year: int, today: dt.date) -> dict:
    try:
        return queries.league_board(uow, actor, parse_int(org), year, today=today)
    except FazhanError as exc:
        raise fail(exc) from None


def _page(request, uow, actor, board, *, form=None, errors=None, status=200, done=None):
    return render(request, "cultivation_league.html", uow, actor, status=status, board=board, numbers=NUMBERS,
                  form=form or {}, errors=errors or {}, message="推优记录已保存。" if done == "recorded" else None)


@router.get("/cultivation/league", response_class=HTMLResponse)
def league_page(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
                year: str | None = None, done: str | None = None):
    return _page(request, uow, actor, _board(uow, actor, org, year_param(year, today), today), done=done)


def _number(form: dict, field: str, default: int | None = None) -> int:
    text = form.get(field, "").strip()
    if not text and default is not None:
        return default
    value = parse_int(text)
    if value is None:
        raise InputError(f"“{NUMBERS[field]}”应为非负整数，实为“{text[:20]}”" if text else f"请填写{NUMBERS[field]}",
                         code="VALUE_INVALID" if text else "FIELD_REQUIRED", field=field)
    return value


@router.post("/cultivation/league", response_class=HTMLResponse)
async def record(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None):
    form = {k: v for k, v in (await posted_form(request)).items() if isinstance(v, str)}
    board = _board(uow, actor, org, today.year, today)

    def act() -> dict:
        dossier_id = form.get("dossier_id", "").strip()
        if not dossier_id:
            raise InputError("请选择推优的人员", code="FIELD_REQUIRED", field="dossier_id")
        try:
            meeting_on = dt.date.fromisoformat(form.get("meeting_on", "").strip())
        except ValueError:
            raise InputError("请填写存在的团支部大会日期（YYYY-MM-DD）", code="DATE_INVALID", field="meeting_on") from None
        votes = {k: _number(form, k, 0 if k in ("no", "abstain") else None) for k in ("expected", "present", "yes",
                                                                                     "no", "abstain")}
        return store.record_league_nomination(uow, actor, board["organisation_id"], dossier_id[:64],
                                              league_branch=form.get("league_branch", ""),
                                              league_members=_number(form, "league_members"), meeting_on=meeting_on,
                                              votes=votes, today=today)

    def refused(exc: FazhanError):
        errors = place(exc, FIELDS, by_code=BY_CODE, by_field={"person": "dossier_id"})
        return _page(request, uow, actor, board, form=form, errors=errors, status=status_for(exc))

    created, page = attempt(uow, act, refused, absent=())
    if page:
        return page
    query = urlencode({"org": board["organisation_id"], "year": created["meeting_on"][:4], "done": "recorded"})
    return RedirectResponse(f"/cultivation/league?{query}#record-{created['id']}", status_code=303)


@router.get("/cultivation/league/records/{record_id}", response_class=HTMLResponse)
def record_page(request: Request, record_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    rid = id_param(record_id, "推优记录", "LEAGUE_NOMINATION_NOT_FOUND")
    try:
        item = queries.league_record(uow, actor, rid, today=today)
    except FazhanError as exc:
        raise fail(exc) from None
    return render(request, "cultivation_league_record.html", uow, actor, record=item,
                  state_name=queries.state_names().get(item["state"], ""))
