"""The inbox count in every page's header: computed at most once per request, on the request's own unit
of work (a second connection would wait for the first one's SQLite lock), and never able to break the
page it decorates (a failure shows no count)."""
from __future__ import annotations

import datetime as dt
import logging

from fastapi import Request

from api.deps import get_today
from workflow.service_layer import inbox

log = logging.getLogger("fazhan.web")


def today_of(request: Request) -> dt.date:
    """Today as the request's routes see it (a test may fix the day through the dependency)."""
    return request.app.dependency_overrides.get(get_today, get_today)()


def due_days(request: Request) -> int:
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "inbox_due_days", 30)


def inbox_of(request: Request, uow, actor, today: dt.date | None = None) -> inbox.Inbox:
    """The actor's inbox, computed once per request."""
    box = getattr(request.state, "inbox", None)
    if box is None:
        box = inbox.inbox_for(uow, actor, today or today_of(request), due_days(request))
        request.state.inbox = box
    return box


def header_count(request: Request, uow, actor) -> int | None:
    if actor is None:
        return None
    try:
        return inbox_of(request, uow, actor).count
    except Exception:  # noqa: BLE001 (the page is shown without its count)
        log.warning("inbox count unavailable", exc_info=False)
        return None
