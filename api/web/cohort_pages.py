"""The leaving-date cohort view (issue 12, item 6): the year groups (届) of an organisation, and for one
of them each person's earliest admission and conversion from today's state, the last day to admit
without the leaving-date warning, and who cannot be admitted before leaving or is at risk of a rushed
admission (RUSHED_ADMISSION).

The forecast is `workflow.cultivation.forecast` (the engine driven forward, every figure from the
rules in force); the rule's name and article printed beside a flag are read from the checklist.
"""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import TodayDep, UowDep
from api.web.common import ActorDep, fail, page_router, parse_int, render
from checklists.loader import default_catalogue
from workflow.errors import FazhanError
from workflow.store import cultivation_queries as queries

router = page_router()


def _in_force(today):
    return default_catalogue().in_force(today)


def _leaving_rule(today):
    """The before-leaving rule of the rule set in force today (its name and article for the flag)."""
    return next((r for r in _in_force(today).rules if r.kind == "before_leaving"), None)


@router.get("/cultivation/cohort", response_class=HTMLResponse)
def cohort_page(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, org: str | None = None,
                cohort: str | None = None):
    org_id = parse_int(org)
    try:
        board = queries.cohort_board(uow, actor, org_id, cohort[:40] if cohort else None, today=today)
    except FazhanError as exc:
        raise fail(exc) from None
    return render(request, "cultivation_cohort.html", uow, actor, board=board, states=queries.state_names(),
                  step_names={s.id: s.name for s in _in_force(today).steps},
                  leaving_rule=_leaving_rule(today), today=today)
