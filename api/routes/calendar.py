"""The calendar override table: official working-day calendars (system administrators only; a year the
package knows only with `override` and the notice's number)."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentActor, UowDep
from api.schemas import TYPED, CalendarYear
from workflow.errors import InputError
from workflow.store import calendar_admin

router = APIRouter(tags=["calendar"])


class YearIn(BaseModel):
    notice: str = Field(min_length=1, max_length=200)
    holidays: list[dt.date] = []
    workdays: list[dt.date] = []
    override: bool = False  # replace a year the calendar package already knows (needs the notice's 文号)


@router.get("/calendar", response_model=list[CalendarYear], **TYPED)
def list_calendar(actor: CurrentActor, uow: UowDep):
    return calendar_admin.list_calendar(uow)


@router.put("/calendar/{year}", response_model=CalendarYear, **TYPED)
def set_year(year: int, body: YearIn, actor: CurrentActor, uow: UowDep):
    if not 1949 <= year <= 2200:
        raise InputError("年份超出范围", code="VALUE_INVALID", field="year")
    return calendar_admin.set_calendar_year(uow, actor, {"year": year, "notice": body.notice,
                                                         "holidays": [d.isoformat() for d in body.holidays],
                                                         "workdays": [d.isoformat() for d in body.workdays]},
                                            override=body.override)
