"""Pages of cultivation quality (issue 12): a class's score sheet for one period, the ranking with its
review-and-publish action, and the proposal of candidates from the published ranking.

Every rule (who may enter, review, publish or propose; the quota; 一步一审) is the store's
(`workflow.store.cultivation`); this module turns a form into the services' arguments, reads what
the pages list, and shows a refusal beside the field or cell it concerns.
"""
from __future__ import annotations

import datetime as dt
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import select

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web import session as web_session
from api.web.common import (
    ActorDep,
    PageError,
    fail,
    org_names,
    parse_int,
    read_form,
    render,
)
from api.web.cultivation_kit import (
    cell_value,
    page_query,
    page_where,
    scheme_or_404,
    sheet_columns,
)
from checklists.schemes import Scheme, load_scheme, scheme_ids
from workflow.cultivation.entries import parse_entries
from workflow.cultivation.periods import Period, period_named, period_of
from workflow.cultivation.scoring import ScoreValueError, score_person
from workflow.errors import FazhanError, InputError
from workflow.service_layer import dossiers
from workflow.store import cultivation as store
from workflow.store.access import READ_ROLES, Actor, OrgTree
from workflow.store.cultivation_tables import (
    CultivationProposal,
    CultivationRanking,
    CultivationScore,
    CultivationScoreEntry,
)

router = APIRouter(include_in_schema=False)
MAX_PEOPLE = 200


# ---------------------------------------------------------------- what a page lists

def _people(uow, actor: Actor, org_id: int) -> list[dict]:
    try:
        return [{"id": s["id"], "name": s["name"]}
                for s in dossiers.list_dossiers(uow, actor, organisation_id=org_id, limit=MAX_PEOPLE)]
    except FazhanError as exc:
        raise fail(exc) from None


def _entered(uow, org_id: int, scheme: Scheme, period: Period) -> set[str]:
    """People with current (not replaced, not withdrawn) entries this period: their rows are closed."""
    rows = uow.session.exec(select(CultivationScoreEntry).where(
        CultivationScoreEntry.organisation_id == org_id, CultivationScoreEntry.scheme == scheme.id,
        CultivationScoreEntry.period == period.label)).all()
    replaced = {r.replaces_id for r in rows if r.replaces_id is not None}
    return {r.person for r in rows if r.id not in replaced and not r.withdrawn}


# ---------------------------------------------------------------- the index

@router.get("/cultivation", response_class=HTMLResponse)
def index(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep):
    schemes = {sid: load_scheme(sid) for sid in scheme_ids()}
    periods = {sid: period_of(s, today).label for sid, s in schemes.items()}
    return render(request, "cultivation_index.html", uow, actor, orgs=org_names(uow, actor), schemes=schemes,
                  periods=periods)


# ---------------------------------------------------------------- the score sheet

def _sheet_entries(form: dict, people: list[dict], columns: list[dict], closed: set[str],
                   errors: dict) -> tuple[list[dict], list[tuple[str, str]]]:
    """The entries the form asks for, and for each its (person, indicator) so a refusal finds its cell."""
    entries, where = [], []
    for person in people:
        for col in columns:
            filled, value = cell_value(form, person["id"], col, errors)
            if not filled:
                continue
            if person["id"] in closed:
                errors.setdefault(f"{person['id']}.{col['id']}", []).append(
                    f"{person['name']} 本期已录入记分，不能再次录入（更正请使用更正功能）")
                continue
            if value is not None:
                entries.append({"person": person["id"], "name": person["name"], "indicator": col["id"],
                                "value": value})
                where.append((person["id"], col["id"]))
    return entries, where


def _cell_of(exc: InputError, where: list[tuple[str, str]]) -> str | None:
    """"person.indicator" of a refusal: its `$[i]` path (the request's entries) or `person.indicator`."""
    for detail in [*exc.details, {"path": exc.path}]:
        path = detail.get("path") or ""
        if path.startswith("$[") and "]" in path:
            index = parse_int(path[2:path.index("]")])
            if index is not None and index < len(where):
                return ".".join(where[index])
        if "." in path and not path.startswith("$"):
            return path
    return None


def _scores_page(request, uow, actor, where_, *, form=None, errors=None, status=200, today=None):
    org_id, org_name, scheme, period = where_
    people = _people(uow, actor, org_id)
    return render(request, "cultivation_scores.html", uow, actor, status=status, org_id=org_id, org_name=org_name,
                  scheme=scheme, period=period, people=people, columns=sheet_columns(scheme),
                  closed=_entered(uow, org_id, scheme, period), form=form or {}, errors=errors or {},
                  query=page_query(org_id, scheme, period),
                  default_date=min(today or period.end, period.end).isoformat())


@router.get("/cultivation/scores", response_class=HTMLResponse)
def scores_page(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
                scheme: str | None = None, period: str | None = None):
    return _scores_page(request, uow, actor, page_where(uow, actor, org, scheme, period, today), today=today)


@router.post("/cultivation/scores", response_class=HTMLResponse)
async def save_scores(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
                      scheme: str | None = None, period: str | None = None):
    """Checks the whole sheet (the entries, then each person's score under the scheme) before storing
    any of it, stores the entries and computes the final scores to be reviewed by someone else."""
    form_data = await read_form(request)
    web_session.check_csrf(request, form_data.get(web_session.CSRF_FIELD))
    where_ = page_where(uow, actor, org, scheme, period, today)
    org_id, _, chosen, named = where_
    form = {k: v for k, v in form_data.items() if isinstance(v, str)}
    errors: dict[str, list[str]] = {}
    day = _date(form.get("date", ""), named, today, errors)
    note = form.get("note", "").strip()
    if not note:
        errors.setdefault("note", []).append("每条记分须有依据：请填写依据说明（如考核表、会议记录）")
    people = _people(uow, actor, org_id)
    entries, cells = _sheet_entries(form, people, sheet_columns(chosen), _entered(uow, org_id, chosen, named), errors)
    if not entries and not errors:
        errors.setdefault("_general", []).append("没有填写任何记分")
    try:
        if errors:
            raise InputError("记分表有错误，请按提示修改", code="VALUE_INVALID")
        request_entries = [{**e, "date": day.isoformat(), "evidence": {"note": note[:1000]}} for e in entries]
        stamped = [{**e, "scored_by": actor.name, "scored_on": today.isoformat()} for e in request_entries]
        parsed = parse_entries(stamped, "<request>")
        for person in dict.fromkeys(e.person for e in parsed):  # an off-scale value is refused before storing
            score_person(chosen, person, [e for e in parsed if e.person == person], named)
        store.add_entries(uow, actor, org_id, chosen.id, request_entries, today=today)
        store.compute_scores(uow, actor, org_id, chosen.id, named.label, today=today)
    except FazhanError as exc:
        uow.session.rollback()
        status = 422
        if not errors:
            status = status_for(exc)
            cell = _cell_of(exc, cells) if isinstance(exc, InputError) else None
            key = cell or (exc.field if exc.field in ("date", "note") else "_general")
            reasons = [d.get("reason") or d.get("message") for d in exc.details]
            reason = exc.message if isinstance(exc, ScoreValueError) else next((r for r in reasons if r), exc.message)
            errors[key] = [reason]
        return _scores_page(request, uow, actor, where_, form=form, errors=errors, status=status, today=today)
    return RedirectResponse(f"/cultivation/ranking?{page_query(org_id, chosen, named, done='scored')}", status_code=303)


def _date(text: str, period: Period, today: dt.date, errors: dict) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        errors.setdefault("date", []).append("请填写存在的日期（YYYY-MM-DD）")
        return None
    if not period.contains(day):
        errors.setdefault("date", []).append(f"日期 {day} 不在考核期 {period.label}（{period.start} 至 {period.end}）内")
    elif day > today:
        errors.setdefault("date", []).append(f"日期 {day} 晚于今天")
    return day


# ---------------------------------------------------------------- the ranking

def _latest_scores(uow, org_id: int, scheme: Scheme, period: Period) -> list[CultivationScore]:
    rows = uow.session.exec(select(CultivationScore).where(
        CultivationScore.organisation_id == org_id, CultivationScore.scheme == scheme.id,
        CultivationScore.period == period.label).order_by(CultivationScore.id)).all()
    latest = {row.person: row for row in rows}
    return sorted(latest.values(), key=lambda r: r.person)


def _published(uow, org_id: int, scheme: Scheme, period: Period) -> CultivationRanking | None:
    return uow.session.exec(select(CultivationRanking).where(
        CultivationRanking.organisation_id == org_id, CultivationRanking.scheme == scheme.id,
        CultivationRanking.period == period.label)).first()


MESSAGES = {"scored": "记分已保存，考核结果已计算，等待另一人审核后公布排名。", "published": "排名已公布。",
            "proposed": "已推荐。"}


def _ranking_page(request, uow, actor, where_, *, errors=None, chosen=(), group_size="", status=200, done=None):
    org_id, org_name, scheme, period = where_
    ranking = _published(uow, org_id, scheme, period)
    document, proposals = None, []
    if ranking is not None:
        document = json.loads(ranking.document)
        proposals = list(uow.session.exec(select(CultivationProposal).where(
            CultivationProposal.ranking_id == ranking.id).order_by(CultivationProposal.id)))
    scores = _latest_scores(uow, org_id, scheme, period)
    return render(request, "cultivation_ranking.html", uow, actor, status=status, org_id=org_id, org_name=org_name,
                  scheme=scheme, period=period, ranking=ranking, document=document, proposals=proposals,
                  proposed={p.person for p in proposals}, scores=scores, errors=errors or [], chosen=set(chosen),
                  group_size=group_size or str(len(scores) or ""), query=page_query(org_id, scheme, period),
                  message=MESSAGES.get(done or ""))


@router.get("/cultivation/ranking", response_class=HTMLResponse)
def ranking_page(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
                 scheme: str | None = None, period: str | None = None, done: str | None = None):
    return _ranking_page(request, uow, actor, page_where(uow, actor, org, scheme, period, today), done=done)


@router.post("/cultivation/ranking/publish", response_class=HTMLResponse)
async def publish(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
                  scheme: str | None = None, period: str | None = None):
    """The reviewer's action: signs off each score not yet reviewed (the store refuses the one who
    computed them), then publishes the ranking with the class's size for the quota."""
    form = await read_form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    where_ = page_where(uow, actor, org, scheme, period, today)
    org_id, _, chosen, named = where_
    size_text = form.get("group_size") if isinstance(form.get("group_size"), str) else ""
    try:
        size = parse_int(size_text)
        if size is None or size < 1:
            raise InputError("班级人数应为正整数", code="VALUE_INVALID", field="group_size")
        for score in _latest_scores(uow, org_id, chosen, named):
            if score.reviewed_by is None:
                store.review_score(uow, actor, score.id, today=today)
        store.publish_ranking(uow, actor, org_id, chosen.id, named.label, group_size=size, today=today)
    except FazhanError as exc:
        uow.session.rollback()
        return _ranking_page(request, uow, actor, where_, errors=[exc.message], group_size=size_text[:9],
                             status=status_for(exc))
    return RedirectResponse(f"/cultivation/ranking?{page_query(org_id, chosen, named, done='published')}",
                            status_code=303)


@router.post("/cultivation/rankings/{ranking_id}/propose", response_class=HTMLResponse)
async def propose(request: Request, ranking_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    """Proposes the ticked people; a refusal (beyond the quota, out of rank order, not eligible) shows
    every reason the store gives and keeps the ticks."""
    form = await read_form(request)
    web_session.check_csrf(request, form.get(web_session.CSRF_FIELD))
    rid = parse_int(ranking_id)
    ranking = uow.session.get(CultivationRanking, rid) if rid is not None else None
    if ranking is None or ranking.organisation_id not in OrgTree.load(uow.session).reach(actor, READ_ROLES):
        raise PageError(404, "找不到该排名", "RANKING_NOT_FOUND")
    scheme = scheme_or_404(ranking.scheme)
    where_ = (ranking.organisation_id, OrgTree.load(uow.session).orgs[ranking.organisation_id].name, scheme,
              period_named(scheme, ranking.period))
    persons = [p for p in form.getlist("person") if isinstance(p, str)][:MAX_PEOPLE]
    try:
        if not persons:
            raise InputError("请勾选要推荐的人员", code="FIELD_REQUIRED", field="persons")
        store.propose(uow, actor, ranking.id, persons, today=today)
    except FazhanError as exc:
        uow.session.rollback()
        reasons = [d["reason"] for d in exc.details if d.get("reason")] or [exc.message]
        return _ranking_page(request, uow, actor, where_, errors=reasons, chosen=persons, status=status_for(exc))
    return RedirectResponse(f"/cultivation/ranking?{page_query(where_[0], scheme, where_[3], done='proposed')}",
                            status_code=303)
