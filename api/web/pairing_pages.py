"""Pairing (结对, 细则第九条) in the workspace: the branch's board (its policy in words, each member's load
against the limit, each activist's contacts now), the suggestion that shares the work out (ticked, to
be assigned as it is or in part), assigning one pair by hand, and one person's page: the contacts
over time (a replaced one kept with the day and the reason), replacing a contact, and recording the
pairing work (谈心谈话, 帮扶) that the half-year and probation assessments cite.

Load limits, eligibility and the history are judged by `workflow.store.pairing`; this module turns the
forms into its arguments and prints each refusal beside the form field it concerns.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import TodayDep, UowDep
from api.errors import status_for
from api.web.common import ActorDep, attempt, fail, page_router, parse_int, posted_form, render
from api.web.cultivation_forms import place
from workflow.cultivation.pairing import ACTIVITY_KINDS
from workflow.errors import FazhanError, InputError
from workflow.store import cultivation_queries as queries
from workflow.store import pairing as store

router = page_router()
MAX_PAIRS = 200
ASSIGN_FIELDS = ("pairs", "start", "dossier_id", "member_id")
MEMBER_CODES = {code: "member_id" for code in ("PAIRING_NOT_FULL", "PAIRING_NOT_TEACHER", "PAIRING_OVERLOAD",
                                                "PAIRING_DUPLICATE", "MEMBER_NOT_FOUND")}
MESSAGES = {"assigned": "结对已安排。", "replaced": "培养联系人已更换，原结对记录保留。", "activity": "结对活动已记录。"}


def _board(uow, actor, org: str | None) -> dict:
    try:
        return queries.pairing_board(uow, actor, parse_int(org))
    except FazhanError as exc:
        raise fail(exc) from None


def _suggestion(uow, actor, board: dict) -> dict | None:
    """What the store suggests (nothing stored), for those who may assign."""
    if not board["may_assign"]:
        return None
    try:
        return store.suggest_pairs(uow, actor, board["organisation_id"])
    except FazhanError as exc:
        return {"pairs": [], "unserved": [], "error": exc.message}


def _page(request, uow, actor, board, today, *, which=None, form=None, errors=None, status=200, done=None,
          chosen=None):
    suggestion = _suggestion(uow, actor, board)
    if chosen is None and suggestion:
        chosen = {f"{p['dossier_id']}|{p['member_id']}" for p in suggestion["pairs"]}
    return render(request, "cultivation_pairing.html", uow, actor, status=status, board=board, suggestion=suggestion,
                  chosen=chosen or set(), which=which, form=form or {}, errors=errors or {}, today=today,
                  message=MESSAGES.get(done or ""))


@router.get("/cultivation/pairing", response_class=HTMLResponse)
def pairing_page(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
                 done: str | None = None):
    return _page(request, uow, actor, _board(uow, actor, org), today, done=done)


def _pair(text: str) -> dict | None:
    dossier_id, _, member = text.partition("|")
    member_id = parse_int(member)
    if not dossier_id or member_id is None or len(dossier_id) > 64:
        return None
    return {"dossier_id": dossier_id, "member_id": member_id}


@router.post("/cultivation/pairing/assign", response_class=HTMLResponse)
async def assign(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None):
    """The ticked suggestions (form `suggested`) or one pair chosen by hand (form `manual`), from a day."""
    posted = await posted_form(request)
    form = {k: v for k, v in posted.items() if isinstance(v, str)}
    which = "manual" if form.get("which") == "manual" else "suggested"
    ticked = [v for v in posted.getlist("pair") if isinstance(v, str)][:MAX_PAIRS]
    board = _board(uow, actor, org)

    def act() -> list[dict]:
        if which == "manual":
            if not form.get("dossier_id"):
                raise InputError("请选择积极分子", code="FIELD_REQUIRED", field="dossier_id")
            member_id = parse_int(form.get("member_id"))
            if member_id is None:
                raise InputError("请选择培养联系人", code="FIELD_REQUIRED", field="member_id")
            pairs = [{"dossier_id": form["dossier_id"][:64], "member_id": member_id}]
            second = parse_int(form.get("member_id_2"))
            if second is not None:
                pairs.append({"dossier_id": form["dossier_id"][:64], "member_id": second})
        else:
            pairs = [p for p in map(_pair, ticked) if p is not None]
            if not pairs:
                raise InputError("请勾选要安排的结对", code="FIELD_REQUIRED", field="pairs")
        return store.assign_pairs(uow, actor, board["organisation_id"], pairs, start=form.get("start", "").strip(),
                                  today=today)

    def refused(exc: FazhanError):
        manual = which == "manual"
        errors = place(exc, ASSIGN_FIELDS, by_code=MEMBER_CODES if manual else None,
                       by_field={"dossier_id": "dossier_id" if manual else "pairs",
                                 "member_id": "member_id" if manual else "pairs"}, general="pairs")
        return _page(request, uow, actor, board, today, which=which, form=form, errors=errors,
                     status=status_for(exc), chosen=set(ticked))

    _, page = attempt(uow, act, refused, absent=())
    if page:
        return page
    return RedirectResponse(f"/cultivation/pairing?{urlencode({'org': board['organisation_id'], 'done': 'assigned'})}",
                            status_code=303)


# ---------------------------------------------------------------- one person: history, replacement, activity

def _person(uow, actor, dossier_id: str, today: dt.date) -> dict:
    try:
        return queries.pairing_person(uow, actor, dossier_id, today=today)
    except FazhanError as exc:
        raise fail(exc) from None


def _person_page(request, uow, actor, dossier_id, today, *, which=None, form=None, errors=None, status=200,
                 done=None):
    person = _person(uow, actor, dossier_id, today)
    return render(request, "cultivation_pairing_person.html", uow, actor, status=status, person=person,
                  kinds=ACTIVITY_KINDS, which=which, form=form or {}, errors=errors or {}, today=today,
                  message=MESSAGES.get(done or ""))


@router.get("/cultivation/pairing/people/{dossier_id}", response_class=HTMLResponse)
def person_page(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep,
                done: str | None = None):
    return _person_page(request, uow, actor, dossier_id, today, done=done)


def _here(dossier_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/cultivation/pairing/people/{quote(dossier_id)}?done={done}", status_code=303)


def _pairing_of(person: dict, text: str | None, open_only: bool) -> int:
    """The chosen pairing, which must be one of this person's (else a refusal beside the select)."""
    wanted = parse_int(text)
    ids = {p["id"] for p in person["pairings"] if not open_only or p["end"] is None}
    if wanted is None or wanted not in ids:
        raise InputError("请选择本人的结对联系人", code="FIELD_REQUIRED", field="pairing_id")
    return wanted


@router.post("/cultivation/pairing/people/{dossier_id}/replace", response_class=HTMLResponse)
async def replace(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = {k: v for k, v in (await posted_form(request)).items() if isinstance(v, str)}
    person = _person(uow, actor, dossier_id, today)

    def act() -> dict:
        pairing_id = _pairing_of(person, form.get("pairing_id"), open_only=True)
        member_id = parse_int(form.get("member_id"))
        if member_id is None:
            raise InputError("请选择新的培养联系人", code="FIELD_REQUIRED", field="member_id")
        return store.replace_pair(uow, actor, pairing_id, member_id, on=form.get("date", "").strip(),
                                  reason=form.get("reason", "")[:500], today=today)

    def refused(exc: FazhanError):
        errors = place(exc, ("pairing_id", "member_id", "date", "reason"),
                       by_code={"PAIRING_NOT_FOUND": "pairing_id", "PAIRING_ENDED": "pairing_id",
                                "PAIRING_DUPLICATE": "member_id", "PAIRING_SAME_MEMBER": "member_id"},
                       by_field={"pairs": "member_id", "new": "member_id", "old": "pairing_id"})
        return _person_page(request, uow, actor, dossier_id, today, which="replace", form=form, errors=errors,
                            status=status_for(exc))

    _, page = attempt(uow, act, refused, absent=())
    return page or _here(dossier_id, "replaced")


@router.post("/cultivation/pairing/people/{dossier_id}/activities", response_class=HTMLResponse)
async def activity(request: Request, dossier_id: str, uow: UowDep, actor: ActorDep, today: TodayDep):
    form = {k: v for k, v in (await posted_form(request)).items() if isinstance(v, str)}
    person = _person(uow, actor, dossier_id, today)

    def act() -> dict:
        pairing_id = _pairing_of(person, form.get("pairing_id"), open_only=False)
        note = form.get("note", "").strip() or None
        return store.record_activity(uow, actor, pairing_id, kind=form.get("kind", ""), on=form.get("date", "").strip(),
                                     note=note, today=today)

    def refused(exc: FazhanError):
        errors = place(exc, ("pairing_id", "kind", "date", "note"))
        return _person_page(request, uow, actor, dossier_id, today, which="activity", form=form, errors=errors,
                            status=status_for(exc))

    _, page = attempt(uow, act, refused, absent=())
    return page or _here(dossier_id, "activity")
