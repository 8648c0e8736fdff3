"""The calendar feed (.ics): every visible case's deadlines, for a phone or desktop calendar.

Reached by a secret per-user token instead of the cookie, so a calendar program can fetch it; the
token changes with the password."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from api.deps import TodayDep, UowDep
from api.web import session as web_session
from api.web import views
from api.web.common import PageError, page_router
from api.web.ics import CalendarEvent, calendar
from workflow.plan import plan_dossier
from workflow.service_layer import web_queries
from workflow.store.accounts import actor_for

router = page_router()


@router.get("/calendar/{token}.ics")
def calendar_feed(request: Request, token: str, uow: UowDep, today: TodayDep):
    user = web_session.user_for_feed(uow.session, token[:80])
    if user is None:
        raise PageError(404, "订阅地址无效或已失效（修改密码后需重新订阅）", "FEED_NOT_FOUND")
    actor = actor_for(uow.session, user)
    base = str(request.base_url).rstrip("/")
    events = []
    for item in web_queries.visible_dossiers(uow, actor):
        for n in plan_dossier(item.dossier, today).next:
            if n.deadline is None:
                continue
            rs = views.rules_for(item.dossier, n.deadline)
            label = views.rule_label(rs, n.deadline_code)
            late = "（已超期）" if n.deadline < today else ""
            events.append(CalendarEvent(
                uid=f"{item.summary['id']}-{n.step}-{n.deadline.isoformat()}@fazhan",
                day=n.deadline, summary=f"{item.dossier.person.name}：{n.name}截止{late}",
                description=f"档案 {item.summary['id']}，{n.name}最迟于 {n.deadline.isoformat()} 完成；"
                            f"依据：{label}。最早可办理日期 {n.earliest.isoformat()}。",
                url=f"{base}/dossiers/{quote(item.summary['id'])}"))
    body = calendar(f"发展党员工作期限 · {user.display_name}", events, dt.datetime.now(dt.UTC))
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": "inline; filename=\"fazhan.ics\"", "Cache-Control": "no-store"})
