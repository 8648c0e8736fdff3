"""The national holiday calendar as a system administrator edits it in the browser: the years on file,
a year entered from the State Council's notice (which makes it known: no longer counted Monday to
Friday and marked provisional), and one day added or removed.

Every write goes through `calendar_admin.set_calendar_year`, so the rules are the same as on the
command line: only a system administrator, a year the calendar package knows is replaced only with
an explicit override and the notice's 文号, every change logged, every process reloads at its next
request. A day added or removed rewrites its year with the same notice and override it was entered with.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from checklists.calendar import package_knows_year
from checklists.step_fields import step_schema
from workflow.errors import InputError
from workflow.store import calendar_admin
from workflow.store.access import Actor
from workflow.store.errors import NotFound
from workflow.store.repository import UnitOfWork
from workflow.store.tables import CalendarOverride

DAY_KINDS = step_schema().words("calendar_day")  # checklists/data/step_fields.toml
MAX_DAYS_TYPED = 120
_SPLIT = re.compile(r"[\s,，、;；]+")


def overview(uow: UnitOfWork, actor: Actor, today: dt.date) -> dict:
    """Years on file with their days, the change log, and which years around today are known where."""
    calendar_admin.require_calendar_editor(actor)
    stored = [{**y, "entered_at": beijing_time(y["entered_at"])} for y in calendar_admin.list_calendar(uow)]
    on_file = {y["year"] for y in stored}
    around = range(today.year - 2, today.year + 3)
    years = [{"year": y, "package": package_knows_year(y), "stored": y in on_file} for y in around]
    changes = [{**c, "entered_at": beijing_time(c["entered_at"])}
               for c in list(reversed(calendar_admin.list_changes(uow)))[:50]]
    return {"years": stored, "changes": changes, "around": years}


BEIJING = dt.timezone(dt.timedelta(hours=8))


def beijing_time(stamp: str) -> str:
    """A stored UTC time stamp as people here read it: 2026-12-01 14:01."""
    try:
        return dt.datetime.fromisoformat(stamp).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return stamp or ""


def parse_days(text: Any, field: str) -> list[str]:
    """Dates typed one per line (or separated by commas), as ISO strings; a bad one is named."""
    if not isinstance(text, str) or not text.strip():
        return []
    pieces = [p for p in _SPLIT.split(text.strip()) if p]
    if len(pieces) > MAX_DAYS_TYPED:
        raise InputError(f"最多填写 {MAX_DAYS_TYPED} 个日期", code="VALUE_INVALID", field=field)
    out = []
    for piece in pieces:
        try:
            out.append(dt.date.fromisoformat(piece).isoformat())
        except ValueError:
            raise InputError(f"“{piece[:20]}”不是 YYYY-MM-DD 格式的日期", code="DATE_INVALID", field=field) from None
    return out


def enter_year(uow: UnitOfWork, actor: Actor, *, year: Any, notice: Any, holidays: Any, workdays: Any,
               override: bool) -> dict:
    """A year from the notice: its holidays (工作日放假) and its working weekends (调休上班)."""
    calendar_admin.require_calendar_editor(actor)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InputError("年份应为 2000 至 2100 之间的整数", code="VALUE_INVALID", field="year")
    if not isinstance(notice, str) or not notice.strip() or len(notice) > 200:
        raise InputError("请填写国务院办公厅通知的名称和文号（最多 200 字）", code="FIELD_REQUIRED", field="notice")
    entry = {"year": year, "notice": notice.strip(), "holidays": parse_days(holidays, "holidays"),
             "workdays": parse_days(workdays, "workdays")}
    _no_day_twice(entry)
    return calendar_admin.set_calendar_year(uow, actor, entry, override=override)


def _no_day_twice(entry: dict) -> None:
    both = sorted(set(entry["holidays"]) & set(entry["workdays"]))
    if both:
        raise InputError(f"{both[0]} 不能既放假又调休上班", code="VALUE_INVALID", field="workdays")


def _row(uow: UnitOfWork, year: Any) -> CalendarOverride:
    row = uow.session.get(CalendarOverride, year) if isinstance(year, int) else None
    if row is None:
        raise NotFound("该年份尚未录入；请先按通知录入整年的安排", code="CALENDAR_YEAR_NOT_ENTERED", field="year")
    return row


def change_day(uow: UnitOfWork, actor: Actor, *, year: Any, day: Any, kind: Any, add: bool) -> dict:
    """Adds `day` to, or removes it from, a stored year's holidays or working weekends."""
    calendar_admin.require_calendar_editor(actor)
    if kind not in DAY_KINDS:
        raise InputError("请选择放假或调休上班", code="VALUE_INVALID", field="kind")
    row = _row(uow, year)
    entry = calendar_admin.calendar_dict(row)
    days = parse_days(day, "day")
    if len(days) != 1:
        raise InputError("请填写一个日期", code="FIELD_REQUIRED", field="day")
    chosen = days[0]
    if add:
        if chosen in entry[kind]:
            raise InputError(f"{chosen} 已在{DAY_KINDS[kind]}日期中", code="VALUE_INVALID", field="day")
        entry[kind] = sorted([*entry[kind], chosen])
        _no_day_twice(entry)
    else:
        if chosen not in entry[kind]:
            raise InputError(f"{chosen} 不在{DAY_KINDS[kind]}日期中", code="VALUE_INVALID", field="day")
        entry[kind] = [d for d in entry[kind] if d != chosen]
    new = {"year": entry["year"], "notice": entry["notice"], "holidays": entry["holidays"],
           "workdays": entry["workdays"]}
    return calendar_admin.set_calendar_year(uow, actor, new, override=entry["overrides_package"])
