"""The dates of an assessment, a publicity notice or a thought report, checked as a step's date is.

A step's date is refused when it lies in the future or before the steps it follows (DATE_IN_FUTURE,
DATE_ORDER). The side facts had no such gate: an assessment dated next year, or before the person had
even applied, was taken in and only the audit said so. Here they are refused on entry, each problem with
a stable code and the field it concerns: not after today, not before the application (s01), and not
before the step that opens their period. Which step opens a period is data: an assessment period starts
at the `from` step of the checklist's `periodic_assessment` rule for it, and the probation at the
checklist's `[probation] starts_with`; a notice of a kind starts no earlier than the step that opens the
period of the person it is about (the kind's period, read the same way).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from checklists.step_fields import step_schema
from workflow.audit import make_context
from workflow.dossier import Dossier
from workflow.errors import InputError
from workflow.machine import machine_for
from workflow.service_layer import scope, steps
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.store.access import WRITE_ROLES, Actor

APPLICATION_STEP = "s01_application"
LABELS = step_schema().words("side_record")  # checklists/data/step_fields.toml
DATE_FIELDS = {"assessments": ("date",), "publicity": ("start", "end"), "thought_reports": ("date",)}
FIELD_NAMES = {"date": "日期", "start": "开始日期", "end": "结束日期"}
# which assessment period a notice of each kind concerns (for the step that opens that period)
PUBLICITY_PERIOD = {"activist": None, "candidate": "activist", "admission": "activist", "conversion": "probation"}


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def period_openers(dossier: Dossier, day: dt.date) -> dict[str, str]:
    """Assessment period → the step that opens it, from the rule data in force on `day`."""
    rs = make_context(dossier, day).ruleset_for(day)
    out = {"probation": rs.probation.starts_with}
    for rule in rs.rules:
        if rule.kind == "periodic_assessment":
            period = getattr(rule.params, "period", None)
            start = getattr(rule.params, "from_", None) or getattr(rule.params, "start", None)
            if period and start:
                out.setdefault(period, start)
    return out


def _first(dossier: Dossier, step: str) -> dt.date | None:
    return min((s.date for s in dossier.steps if s.step == step), default=None)


def check_dates(dossier: Dossier, key: str, item: dict, today: dt.date) -> None:
    """Refuses a fact dated in the future, before the application, or before its period opened."""
    problems: list[dict] = []
    label = LABELS.get(key, "记录")
    names = machine_for(dossier, today).rule_set.step_by_id
    applied = _first(dossier, APPLICATION_STEP)
    for field in DATE_FIELDS.get(key, ()):
        day = _day(item.get(field))
        if day is None:
            continue  # the dossier/1 parser names a malformed or missing date
        where = f"{label}{FIELD_NAMES[field]}"
        if day > today:
            problems.append({"code": "DATE_IN_FUTURE", "field": field, "path": f"$.{field}",
                             "reason": f"{where} {day} 晚于今天 {today}，不能记录尚未发生的事"})
            continue
        if applied is None:
            problems.append({"code": "STEP_MISSING", "field": field, "path": f"$.{field}",
                             "reason": f"尚未记录“{names[APPLICATION_STEP].name}”，不能记录{label}"})
            continue
        if day < applied:
            problems.append({"code": "DATE_BEFORE_APPLICATION", "field": field, "path": f"$.{field}",
                             "reason": f"{where} {day} 早于{names[APPLICATION_STEP].name}的日期 {applied}"})
            continue
        period = item.get("period") if key == "assessments" else \
            PUBLICITY_PERIOD.get(item.get("kind")) if key == "publicity" else None
        opener = period_openers(dossier, day).get(period) if period else None
        if opener and opener in names:
            opened = _first(dossier, opener)
            if opened is None:
                problems.append({"code": "STEP_MISSING", "field": field, "path": f"$.{field}",
                                 "reason": f"尚未记录“{names[opener].name}”，不能记录该{label}"})
            elif day < opened:
                problems.append({"code": "DATE_ORDER", "field": field, "path": f"$.{field}",
                                 "reason": f"{where} {day} 早于“{names[opener].name}”的日期 {opened}"})
    if problems:
        first = problems[0]
        raise InputError(first["reason"], code=first["code"], field=first["field"], path=first["path"],
                         details=problems)


def add_fact(uow: UnitOfWork, actor: Actor, dossier_id: str, key: str, item: Any, *, today: dt.date) -> dict:
    """`steps.add_fact` behind the date checks (the role is checked first, so a user who may not write
    learns nothing about the dossier's dates)."""
    row, tree, dossier = scope.load_visible(uow, actor, dossier_id)
    tree.require_role(actor, row.organisation_id, WRITE_ROLES, "记录该事项")
    if isinstance(item, dict):
        check_dates(dossier, key, item, today)
    return steps.add_fact(uow, actor, dossier_id, key, item)
