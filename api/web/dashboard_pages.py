"""The dashboard: the actor's cases by stage, what is due in the next days, and what waits for review."""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import TodayDep, UowDep
from api.web import session as web_session
from api.web import views
from api.web.case_pages import change_line
from api.web.common import (
    ActorDep,
    PageError,
    fail,
    org_names,
    page_router,
    parse_int,
    render,
)
from api.web.dossier_pages import is_closed
from workflow.errors import FazhanError
from workflow.machine import procedure_machine
from workflow.plan import plan_dossier
from workflow.service_layer import reviewed_changes, step_materials, web_queries
from workflow.store.access import WRITE_ROLES
from workflow.store.tables import User

router = page_router()
DUE_SOON_DAYS = 30


def deadline_rows(item: web_queries.Visible, today: dt.date) -> tuple[list[dict], Any]:
    """The plan of one case and its deadlines within DUE_SOON_DAYS (overdue ones included)."""
    plan = plan_dossier(item.dossier, today)
    rows = []
    for n in plan.next:
        if n.deadline is None or (n.deadline - today).days > DUE_SOON_DAYS:
            continue
        rule = views.rule_label(views.rules_for(item.dossier, n.deadline), n.deadline_code)
        rows.append({"dossier": item.summary, "name": item.dossier.person.name, "step": n.step, "step_name": n.name,
                     "deadline": n.deadline, "days": (n.deadline - today).days, "overdue": n.deadline < today,
                     "rule": rule, "blocked": bool(n.blocked_by)})
    return rows, plan


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, uow: UowDep, actor: ActorDep, today: TodayDep, stage: str | None = None,
              org: str | None = None, closed: str | None = None):
    names = org_names(uow, actor)
    org_id = parse_int(org)
    if org and org_id not in names:
        raise PageError(404, "找不到该组织，或您无权查看", "ORGANISATION_NOT_FOUND")
    stage_no = parse_int(stage)
    stage_no = stage_no if stage_no in range(1, 6) else None
    try:
        visible = web_queries.visible_dossiers(uow, actor, org_id)
    except FazhanError as exc:
        raise fail(exc) from None
    machine = procedure_machine()
    rs = machine.rule_set
    by_stage: dict[int, list[dict]] = {s.number: [] for s in rs.stages}
    due: list[dict] = []
    ended: list[dict] = []  # closed and transferred cases: off the live boards, still listed below
    for item in visible:
        rows, plan = deadline_rows(item, today)
        number = views.current_stage(item.dossier)
        state = machine.names.get(item.summary["state"], "—")
        if is_closed(machine, item.summary["state"], plan):
            ended.append({"summary": item.summary, "person": item.dossier.person, "state": state,
                          "org": names.get(item.summary["organisation_id"], ""),
                          "incoming": item.summary.get("pending_organisation_id") in names
                          and item.summary["organisation_id"] != item.summary.get("pending_organisation_id")})
            continue
        if stage_no is not None and number != stage_no:
            continue
        due += rows
        by_stage[number].append({"summary": item.summary, "person": item.dossier.person, "state": state,
                                 "missing": step_materials.missing_count(item.dossier),
                                 "org": names.get(item.summary["organisation_id"], ""),
                                 "next": [(n, views.rule_names(item.dossier, n.blocked_by, today))
                                          for n in plan.next]})
    due.sort(key=lambda r: (r["deadline"], r["name"]))
    waiting = [{"summary": v.summary, "name": v.dossier.person.name, "index": i, "entry": v.dossier.steps[i],
                "step_name": rs.step_by_id[v.dossier.steps[i].step].name}
               for v, i in web_queries.reviews_waiting(uow, actor, visible)
               if stage_no is None or views.current_stage(v.dossier) == stage_no]
    changes = reviewed_changes.waiting_for(uow, actor)  # case events and corrections this user may sign off
    user = uow.session.get(User, actor.user_id)
    feed = f"{str(request.base_url).rstrip('/')}/calendar/{web_session.feed_token(user)}.ics" if user else ""
    writable = any(role in WRITE_ROLES for _, role in actor.grants)
    return render(request, "dashboard.html", uow, actor, today=today, stages=rs.stages, by_stage=by_stage, due=due,
                  waiting=waiting, orgs=names, stage=stage_no, org=org_id, feed=feed, writable=writable,
                  total=sum(len(v) for v in by_stage.values()), ended=ended, show_closed=closed == "1",
                  changes=changes, change_line=change_line)
