"""Finding a dossier: by name, ID-number tail, state and step; live and closed cases apart; sorted
columns; the same list as an Excel file. Scope and matching are workflow/store/search.py's."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import TodayDep, UowDep
from api.web.common import ActorDep, fail, org_names, page_router, render
from api.web.page_kit import download, field_problems
from workflow.errors import FazhanError
from workflow.store import search

router = page_router()
FIELDS = ("name", "id_tail", "state", "step", "org", "sort", "order", "closed")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _raw(request: Request) -> dict:
    return {k: v[:200] for k, v in request.query_params.items() if k in FIELDS}


def _words(raw: dict, orgs: dict) -> list[str]:
    """The criteria as a person reads them (for the exported file)."""
    states, steps = search.states(), search.steps()
    out = []
    if raw.get("name"):
        out.append(f"姓名含：{raw['name']}")
    if raw.get("id_tail"):
        out.append(f"身份证号后四位：{raw['id_tail']}")
    if raw.get("state") in states:
        out.append(f"状态：{states[raw['state']][0]}")
    if raw.get("step") in steps:
        out.append(f"最近步骤：{steps[raw['step']]}")
    if raw.get("org", "").isdigit() and int(raw["org"]) in orgs:
        out.append(f"党组织：{orgs[int(raw['org'])]}")
    out.append("已结束的档案" if raw.get("closed") == "1" else "进行中的档案")
    return out


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep):
    raw = _raw(request)
    orgs = org_names(uow, actor)
    result, problems, status = None, {}, 200
    try:
        criteria = search.check_criteria(raw)
        result = search.search(uow, actor, criteria)
    except FazhanError as exc:
        uow.session.rollback()
        problems, status = field_problems(exc, FIELDS), 422 if exc.code != "ORGANISATION_NOT_FOUND" else 404
        if exc.field == "organisation_id":
            problems = {"org": [p for ps in problems.values() for p in ps]}
    base = {k: v for k, v in raw.items() if k not in ("sort", "order") and v}

    def sort_link(key: str) -> str:
        descending = raw.get("sort", "name") == key and raw.get("order") != "desc"
        return "/search?" + urlencode({**base, "sort": key, **({"order": "desc"} if descending else {})})

    return render(request, "search.html", uow, actor, status=status, today=today, form=raw, result=result,
                  problems=problems, orgs=orgs, states=search.states(), steps=search.steps(), sorts=search.SORTS,
                  sort_link=sort_link, export="/search/export.xlsx?" + urlencode({k: v for k, v in raw.items() if v}),
                  tab_live="/search?" + urlencode({k: v for k, v in base.items() if k != "closed"}),
                  tab_closed="/search?" + urlencode({**{k: v for k, v in base.items() if k != "closed"},
                                                     "closed": "1"}))


@router.get("/search/export.xlsx")
def export(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep):
    raw = _raw(request)
    try:
        result = search.search(uow, actor, search.check_criteria(raw))
    except FazhanError as exc:
        raise fail(exc) from None
    data = search.export_xlsx(result, _words(raw, org_names(uow, actor)))
    return download(data, f"查找结果-{today.isoformat()}.xlsx", XLSX)
