"""The working-day calendar table: national data, edited by a system administrator, seen by every process.

Who: only a user marked system administrator (or the command line, which is the operator); an
administrator of one Party committee must not change the working days of every other one.

What: a year the `chinesecalendar` package does not know is entered from the State Council's notice.
A year the package does know is the State Council's already; it is replaced only with an explicit
override naming the notice's document number (文号), and the change log records who did it and when.

Everywhere at once: each write appends to `calendarchange`, whose largest id is the calendar's
version. Before answering a request each process compares that number with the version its own
working calendar was loaded at (one indexed `max(id)`), and reloads the table when they differ.
"""
from __future__ import annotations

import json
import re
import threading
import weakref

from sqlmodel import Session, select

from checklists.calendar import YearCalendar, load_overrides, package_knows_year, parse_overrides
from checklists.errors import ChecklistError
from workflow.dates import WorkingCalendar, default_calendar
from workflow.errors import InputError
from workflow.store.access import Actor
from workflow.store.errors import Conflict, Forbidden
from workflow.store.repository import UnitOfWork
from workflow.store.tables import CalendarChange, CalendarOverride

# 国办发明电〔2025〕7号, 国办发〔2024〕12号, [2024]12号 …
NOTICE_NUMBER = re.compile(r"[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号")


def require_calendar_editor(actor: Actor | None) -> None:
    """Only a system administrator (or the command line, actor None) changes the national holiday table."""
    if actor is not None and not actor.system_admin:
        raise Forbidden("节假日安排是全国统一的数据，只有系统管理员可以录入或更正", code="FORBIDDEN")


def set_calendar_year(uow: UnitOfWork, actor: Actor | None, entry: dict, *, override: bool = False,
                      operator: str = "命令行") -> dict:
    """Enters (or corrects) one year's official calendar. `actor` None is the command line (`operator` names it)."""
    require_calendar_editor(actor)
    try:
        parsed = parse_overrides({"years": [entry]}, file="<request>")
    except ChecklistError as exc:
        raise InputError(exc.message, code=exc.code, path="$", details=exc.details) from None
    year = next(iter(parsed.values()))
    known = package_knows_year(year.year)
    if known and not override:
        raise Conflict(f"{year.year} 年的节假日安排已由 chinesecalendar 收录（国务院公布的安排），不能直接改写；"
                       "如国务院发布了更正通知，请勾选“覆盖”（override）并填写通知文号", code="CALENDAR_YEAR_KNOWN",
                       field="override")
    if override and not NOTICE_NUMBER.search(year.notice):
        raise InputError("覆盖已收录年份时，notice 必须写明通知文号，如“国办发明电〔2025〕7号”", code="NOTICE_NUMBER_REQUIRED",
                         field="notice")
    who = actor.name if actor is not None else operator
    row = uow.session.get(CalendarOverride, year.year) or CalendarOverride(
        year=year.year, notice="", holidays="", workdays="", entered_by="")
    row.notice = year.notice
    row.holidays = json.dumps(sorted(d.isoformat() for d in year.holidays))
    row.workdays = json.dumps(sorted(d.isoformat() for d in year.workdays))
    row.entered_by = who
    row.overrides_package = known
    change = CalendarChange(year=year.year, notice=year.notice, overrides_package=known, entered_by=who)
    row.entered_at = change.entered_at
    uow.session.add(row)
    uow.session.add(change)
    uow.commit()
    sync_calendar(uow.session)
    return calendar_dict(row)


def calendar_dict(row: CalendarOverride) -> dict:
    return {"year": row.year, "notice": row.notice, "holidays": json.loads(row.holidays),
            "workdays": json.loads(row.workdays), "entered_by": row.entered_by, "entered_at": row.entered_at,
            "overrides_package": row.overrides_package}


def list_calendar(uow: UnitOfWork) -> list[dict]:
    return [calendar_dict(r) for r in uow.session.exec(select(CalendarOverride).order_by(CalendarOverride.year))]


def list_changes(uow: UnitOfWork) -> list[dict]:
    rows = uow.session.exec(select(CalendarChange).order_by(CalendarChange.id)).all()
    return [{"version": r.id, "year": r.year, "notice": r.notice, "overrides_package": r.overrides_package,
             "entered_by": r.entered_by, "entered_at": r.entered_at} for r in rows]


# ---------------------------------------------------------------- keeping each process's calendar current

_lock = threading.Lock()
_loaded: "weakref.WeakKeyDictionary[WorkingCalendar, tuple[object, int]]" = weakref.WeakKeyDictionary()
_databases: "weakref.WeakKeyDictionary[object, object]" = weakref.WeakKeyDictionary()


_VERSION_SQL = f"SELECT max(id) FROM {CalendarChange.__tablename__}"


def calendar_version(session: Session) -> int:
    """The largest change id; plain SQL, as it runs before every request (about 60 µs on SQLite,
    a quarter of what the ORM statement costs)."""
    return session.connection().exec_driver_sql(_VERSION_SQL).scalar() or 0


def _stored_years(session: Session) -> dict[int, YearCalendar]:
    out: dict[int, YearCalendar] = {}
    for row in session.exec(select(CalendarOverride)).all():
        out.update(parse_overrides({"years": [{"year": row.year, "notice": row.notice,
                                               "holidays": json.loads(row.holidays),
                                               "workdays": json.loads(row.workdays)}]}))
    return out


def sync_calendar(session: Session, calendar: WorkingCalendar | None = None) -> bool:
    """Brings the process's working calendar to the database's version; True if it had to reload.

    The calendar remembers which database (engine) and version it reflects, so a process that talks
    to a second database, or a calendar built afresh, reloads as well."""
    calendar = calendar or default_calendar()
    bind = session.get_bind()
    database = _databases.setdefault(bind, object())
    version = calendar_version(session)
    if _loaded.get(calendar) == (database, version):
        return False
    with _lock:
        if _loaded.get(calendar) == (database, version):
            return False
        overrides = {**load_overrides(), **_stored_years(session)}
        calendar.overrides = overrides
        calendar.is_workday.cache_clear()
        _loaded[calendar] = (database, version)
    return True
