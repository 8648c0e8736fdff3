"""Finding a dossier: by name, by the last four characters of the ID number, by state and by step;
live cases and closed ones (正式党员, 未予接收, 本人撤回, 取消资格, 转出) apart; sorted; exported.

Scope is `service_layer.dossiers.list_dossiers`'s: the dossiers of the organisations the user reads,
and those transferred towards one they write. The ID number is stored whole (it is checked and kept in the
dossier); a search compares only its last four characters, and no answer carries more of it than
the masked form (`3301**********1234`). Which states count as live is checklist data (`live = true`).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlmodel import select

from checklists.loader import default_catalogue
from workflow.errors import InputError
from workflow.store.access import READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.idnumber import mask_id_number
from workflow.store.repository import UnitOfWork
from workflow.store.tables import Dossier as DossierRow

MAX_RESULTS = 1000
MAX_SCANNED = 20_000
"""Dossiers read to find those at a step (the step is in the snapshot, not a column)."""
SORTS = {"name": "姓名", "id": "档案编号", "organisation": "党组织", "state": "状态", "step": "最近步骤",
         "step_date": "最近步骤日期", "created": "建档时间"}
_TAIL = re.compile(r"^[0-9]{3}[0-9X]$")


@dataclass(frozen=True)
class Criteria:
    name: str = ""
    id_tail: str = ""
    state: str = ""
    step: str = ""
    organisation_id: int | None = None
    closed: bool = False
    sort: str = "name"
    descending: bool = False


def states() -> dict[str, tuple[str, bool]]:
    """state id → (name, live), in the catalogue's order."""
    out: dict[str, tuple[str, bool]] = {}
    for rs in default_catalogue().ordered():
        for s in rs.states:
            out.setdefault(s.id, (s.name, s.live))
    return out


def steps() -> dict[str, str]:
    """step id → its number and name (the newest rule set's words), in the procedure's order."""
    rs = default_catalogue().ordered()[-1]
    return {s.id: f"{s.number:02d} {s.name}" for s in rs.steps}


def check_criteria(raw: dict[str, Any]) -> Criteria:
    """The search form's values, or a refusal naming the field; an empty form finds every live case."""
    def text(key: str, limit: int) -> str:
        value = raw.get(key)
        value = value.strip() if isinstance(value, str) else ""
        if len(value) > limit:
            raise InputError(f"查询条件过长（最多 {limit} 字）", code="VALUE_INVALID", field=key)
        return value

    name, tail = text("name", 100), text("id_tail", 4).upper()
    if tail and not _TAIL.match(tail):
        raise InputError("请输入身份证号的后 4 位（数字，末位可为 X）", code="VALUE_INVALID", field="id_tail")
    state, step = text("state", 40), text("step", 40)
    if state and state not in states():
        raise InputError("没有这个状态", code="VALUE_INVALID", field="state")
    if step and step not in steps():
        raise InputError("没有这个步骤", code="VALUE_INVALID", field="step")
    org = text("org", 12)
    if org and not org.isdigit():
        raise InputError("请选择党组织", code="VALUE_INVALID", field="org")
    sort = text("sort", 20) or "name"
    if sort not in SORTS:
        raise InputError("无法按该列排序", code="VALUE_INVALID", field="sort")
    return Criteria(name=name, id_tail=tail, state=state, step=step, organisation_id=int(org) if org else None,
                    closed=text("closed", 1) == "1", sort=sort, descending=text("order", 4) == "desc")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _last_step(snapshot: str) -> tuple[str, str, int, str | None]:
    """(step id, its date, its index, the dossier's pinned rule set) of the last recorded step."""
    document = json.loads(snapshot)
    steps_ = document.get("steps") or []
    if not steps_:
        return "", "", -1, document.get("rule_set")
    last = steps_[-1]
    return last.get("step", ""), last.get("date", ""), len(steps_) - 1, document.get("rule_set")


def _step_label(step_id: str, day: str, pin: str | None) -> tuple[int, str]:
    """The step's name in the words of the rule set in force on its date (or the dossier's pin)."""
    catalogue = default_catalogue()
    try:
        rs = catalogue.national[pin] if pin in catalogue.national else catalogue.in_force(dt.date.fromisoformat(day))
    except (TypeError, ValueError):
        rs = catalogue.ordered()[-1]
    step = rs.step_by_id.get(step_id)
    return (step.number, f"{step.number:02d} {step.name}") if step else (0, "")


def search(uow: UnitOfWork, actor: Actor, criteria: Criteria) -> dict:
    """The matching dossiers the user may see, at most MAX_RESULTS, sorted as asked."""
    tree = OrgTree.load(uow.session)
    reach = tree.reach(actor, READ_ROLES)
    if criteria.organisation_id is not None:
        tree.require_visible_org(actor, criteria.organisation_id)
        reach &= tree.subtree(criteria.organisation_id)
    known = states()
    wanted = {s for s, (_, live) in known.items() if live != criteria.closed}
    if criteria.state:
        wanted &= {criteria.state}
    query = select(DossierRow).where(
        or_(DossierRow.organisation_id.in_(reach or {-1}),
            DossierRow.pending_organisation_id.in_(tree.reach(actor, WRITE_ROLES) or {-1})),
        DossierRow.state.in_(wanted or {"-"}))
    if criteria.name:
        query = query.where(DossierRow.person_name.like(_like(criteria.name), escape="\\"))
    if criteria.id_tail:
        query = query.where(DossierRow.id_number.like("%" + criteria.id_tail))
    limit = MAX_SCANNED if criteria.step else MAX_RESULTS + 1  # a step is read from the snapshot
    out = []
    for row in uow.session.exec(query.order_by(DossierRow.id).limit(limit)).all():
        step, day, _, pin = _last_step(row.snapshot)
        if criteria.step and step != criteria.step:
            continue
        number, step_name = _step_label(step, day, pin) if step else (0, "未记录步骤")
        out.append({"id": row.id, "name": row.person_name, "birth_date": row.birth_date.isoformat(),
                    "id_number": mask_id_number(row.id_number) or "", "organisation_id": row.organisation_id,
                    "organisation": tree.orgs[row.organisation_id].name if row.organisation_id in tree.orgs else "",
                    "state": row.state, "state_name": known.get(row.state, ("", False))[0],
                    "live": known.get(row.state, ("", False))[1], "step": step, "step_number": number,
                    "step_name": step_name, "step_date": day,
                    "created": row.created_at, "pending": row.pending_organisation_id is not None})
    truncated = len(out) > MAX_RESULTS
    order = {state: i for i, state in enumerate(known)}
    key = {"name": lambda r: (r["name"], r["id"]), "id": lambda r: r["id"],
           "organisation": lambda r: (r["organisation"], r["name"]), "state": lambda r: (order.get(r["state"], 99), r["name"]),
           "step": lambda r: (r["step_number"], r["name"]), "step_date": lambda r: (r["step_date"], r["name"]),
           "created": lambda r: (r["created"], r["id"])}[criteria.sort]
    out.sort(key=key, reverse=criteria.descending)
    return {"rows": out[:MAX_RESULTS], "total": len(out), "truncated": truncated, "limit": MAX_RESULTS}


def export_xlsx(result: dict, criteria_words: list[str]) -> bytes:
    """The result list as a workbook: text stays text (workflow/spreadsheet/textcells.py), no formula
    runs, the ID number masked as on the page."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from workflow.spreadsheet.textcells import put

    book = Workbook()
    ws = book.active
    ws.title = "查找结果"
    headers = ["档案编号", "姓名", "出生日期", "身份证号（隐去中间）", "党组织", "状态", "最近步骤", "最近步骤日期"]
    for i, title in enumerate(headers, start=1):
        put(ws, 1, i, title).font = Font(bold=True)
    for r, row in enumerate(result["rows"], start=2):
        values = [row["id"], row["name"], row["birth_date"], row["id_number"], row["organisation"], row["state_name"],
                  row["step_name"], row["step_date"]]
        for c, value in enumerate(values, start=1):
            put(ws, r, c, value)
    for letter, width in zip("ABCDEFGH", (20, 10, 12, 22, 24, 14, 24, 14)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    about = book.create_sheet("查询条件")
    for r, line in enumerate(criteria_words or ["（全部）"], start=1):
        put(about, r, 1, line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
