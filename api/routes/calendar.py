"""The calendar override table: official working-day calendars for years the package lacks."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentActor, UowDep
from workflow.errors import InputError
from workflow.store import admin

router = APIRouter(tags=["calendar"])


class YearIn(BaseModel):
    notice: str = Field(min_length=1, max_length=200)
    holidays: list[dt.date] = []
    workdays: list[dt.date] = []


@router.get("/calendar")
def list_calendar(actor: CurrentActor, uow: UowDep):
    return admin.list_calendar(uow)


@router.put("/calendar/{year}")
def set_year(year: int, body: YearIn, actor: CurrentActor, uow: UowDep):
    if not 1949 <= year <= 2200:
        raise InputError("年份超出范围", code="VALUE_INVALID", field="year")
    return admin.set_calendar_year(uow, actor, {"year": year, "notice": body.notice,
                                                "holidays": [d.isoformat() for d in body.holidays],
                                                "workdays": [d.isoformat() for d in body.workdays]})
