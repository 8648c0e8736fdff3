"""The roster (党员名册): each organisation's members, their standing kept as dates, not typed words.

A contact (培养联系人) or introducer (入党介绍人) must be a full member, not under certain disciplines,
on the day they are assigned. So a member's standing is recorded as what happened when: 入党日期 (the
probation begins), 转正日期 (a full member from that day), and a discipline with its kind (one of
checklists/data/disciplines.toml), the day it was imposed and the end of its influence period
(影响期). `person_on` turns that into the `people[]` item the engine judges, as of the step's date:
a member who became full after the step was then probationary, a discipline whose influence period
had ended by then is not theirs any more, one imposed later is not yet. The engine's people rules
(CONTACTS_INVALID, INTRODUCERS_INVALID, INTRODUCER_DISCIPLINED) read exactly that.

Who: anyone who reads an organisation reads its roster; an organiser or administrator of it (or
above) edits it. An ID number, when the roster spreadsheet carries one, is checked, kept, shown
masked and never put into a message or a log line.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from checklists.disciplines import discipline_kinds
from checklists.step_fields import step_schema
from workflow.errors import FazhanError, InputError
from workflow.spreadsheet.textcells import FORMULA_STARTS
from workflow.store import printable
from workflow.store.access import READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.errors import Conflict, NotFound
from workflow.store.idnumber import mask_id_number, validate_id_number
from workflow.store.repository import UnitOfWork
from workflow.store.tables import Member

STATUSES = step_schema().words("member_status")  # full → 正式党员 (checklists/data/step_fields.toml)
FIELD_LABELS = {"name": "姓名", "status": "党员身份", "joined_on": "入党日期", "full_since": "转正日期",
                "discipline": "处分种类", "discipline_from": "处分日期", "discipline_until": "处分影响期至",
                "id_number": "身份证号"}
MAX_MEMBERS_LISTED = 5000


# ---------------------------------------------------------------- a member's standing on a day

def person_on(member: Member, day: dt.date | None, *, index: int = 0) -> dict:
    """The `people[]` item for this member as of `day` (None: as the roster stands today).

    Refuses a day before the member joined: nobody can be assigned before they are a member."""
    if day is not None and member.joined_on is not None and day < member.joined_on:
        raise InputError(f"{member.name}于 {member.joined_on.isoformat()} 入党，{day.isoformat()} 时还不是党员，"
                         "不能担任培养联系人或入党介绍人", code="MEMBER_NOT_YET", path=f"$.people[{index}]",
                         field="people")
    status = status_on(member, day) if day is not None else member.status
    discipline = until = None
    if member.discipline and _discipline_in_force(member, day):
        discipline, until = member.discipline, member.discipline_until
    return {"member_id": member.id, "name": member.name, "status": status, "discipline": discipline,
            "discipline_until": until.isoformat() if until else None}


def _discipline_in_force(member: Member, day: dt.date | None) -> bool:
    """Imposed on or before `day` (or on an unknown day) and its influence period not over by then."""
    if day is None:
        day = dt.date.today()
    if member.discipline_from is not None and member.discipline_from > day:
        return False
    return member.discipline_until is None or member.discipline_until >= day


def status_on(member: Member, day: dt.date) -> str:
    """full or probationary on `day`: from 转正日期 when the roster has it, else as recorded."""
    if member.full_since is not None:
        return "full" if day >= member.full_since else "probationary"
    return member.status


def standing_words(member: Member, today: dt.date) -> str:
    """How the member stands today, as a person reads it: 正式党员（2019-07-01 转正）· 受警告处分，影响期至 …"""
    status = status_on(member, today)
    words = STATUSES.get(status, "")
    if status == "full" and member.full_since:
        words += f"（{member.full_since.isoformat()} 转正）"
    elif member.joined_on:
        words += f"（{member.joined_on.isoformat()} 入党）"
    if member.discipline and _discipline_in_force(member, today):
        words += f" · 受{member.discipline}处分" + (f"，影响期至 {member.discipline_until.isoformat()}"
                                                     if member.discipline_until else "")
    return words


def member_view(member: Member, today: dt.date, org_name: str = "") -> dict:
    """A roster line: never the full ID number."""
    def day(value: dt.date | None) -> str:
        return value.isoformat() if value else ""

    return {"id": member.id, "organisation_id": member.organisation_id, "organisation": org_name,
            "name": member.name, "status": member.status, "status_name": STATUSES.get(member.status, ""),
            "joined_on": day(member.joined_on), "full_since": day(member.full_since),
            "discipline": member.discipline or "", "discipline_from": day(member.discipline_from),
            "discipline_until": day(member.discipline_until),
            "discipline_in_force": bool(member.discipline) and _discipline_in_force(member, today),
            "id_number": mask_id_number(member.id_number) or "", "standing": standing_words(member, today)}


# ---------------------------------------------------------------- checking what is entered

@dataclass
class MemberValues:
    name: str
    status: str
    joined_on: dt.date | None = None
    full_since: dt.date | None = None
    discipline: str | None = None
    discipline_from: dt.date | None = None
    discipline_until: dt.date | None = None
    id_number: str | None = None


@dataclass
class Problems:
    """Every problem of one member's values, by field: a form shows each beside its field."""

    items: list[InputError] = field(default_factory=list)

    def add(self, message: str, code: str, field_name: str) -> None:
        self.items.append(InputError(message, code=code, field=field_name))

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            raise InputError(first.message if len(self.items) == 1 else f"有 {len(self.items)} 处需要修改",
                             code=first.code, field=first.field,
                             details=[{"code": p.code, "field": p.field, "message": p.message} for p in self.items])


def _date(value: Any, name: str, problems: Problems) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    text = value.strip() if isinstance(value, str) else value
    if text in ("", None):
        return None
    if isinstance(text, str) and len(text) == 10:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    problems.add(f"{FIELD_LABELS[name]}应为 YYYY-MM-DD 格式的日期", "DATE_INVALID", name)
    return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def check_values(raw: dict, today: dt.date, problems: Problems | None = None) -> MemberValues:
    """A member's values from a form or a spreadsheet row, or every problem with them at once."""
    own = problems is None
    problems = problems or Problems()
    name = _text(raw.get("name"))
    if not name:
        problems.add("请填写姓名", "FIELD_REQUIRED", "name")
    elif len(name) > 100:
        problems.add("姓名过长（最多 100 字）", "VALUE_INVALID", "name")
    elif name.startswith(FORMULA_STARTS) or any(ord(c) < 32 or ord(c) == 127 for c in name):
        problems.add("姓名不能以 = + - @ 开头，也不能含控制字符", "VALUE_INVALID", "name")
    else:  # a member's name is printed on step forms (联系人、介绍人): refused now, not at print time
        try:
            printable.check_name(name, field="name", path="$.name")
        except InputError as exc:
            problems.add(exc.message, exc.code, "name")
    status = _text(raw.get("status"))
    if status not in STATUSES:
        problems.add("请选择党员身份：正式党员或预备党员", "VALUE_INVALID" if status else "FIELD_REQUIRED", "status")
    dates = {key: _date(raw.get(key), key, problems)
             for key in ("joined_on", "full_since", "discipline_from", "discipline_until")}
    for key in ("joined_on", "full_since", "discipline_from"):
        if dates[key] is not None and dates[key] > today:
            problems.add(f"{FIELD_LABELS[key]}不能晚于今天（{today.isoformat()}）", "DATE_IN_FUTURE", key)
    if status == "probationary" and dates["full_since"] is not None:
        problems.add("预备党员没有转正日期；已转正的请选“正式党员”", "VALUE_INVALID", "full_since")
    if dates["joined_on"] and dates["full_since"] and dates["full_since"] <= dates["joined_on"]:
        problems.add("转正日期应晚于入党日期", "DATE_ORDER", "full_since")
    discipline = _text(raw.get("discipline")) or None
    if discipline is not None and discipline not in discipline_kinds():
        problems.add(f"处分种类应为 {'、'.join(discipline_kinds())} 之一", "VALUE_INVALID", "discipline")
    if discipline is None:
        for key in ("discipline_from", "discipline_until"):
            if dates[key] is not None:
                problems.add(f"填写{FIELD_LABELS[key]}须同时填写处分种类", "VALUE_INVALID", key)
    if dates["discipline_from"] and dates["discipline_until"] and dates["discipline_until"] < dates["discipline_from"]:
        problems.add("处分影响期截止日不能早于处分日期", "DATE_ORDER", "discipline_until")
    id_number = None
    if _text(raw.get("id_number")):
        try:
            id_number = validate_id_number(_text(raw.get("id_number")), None, path="$.id_number")
        except InputError as exc:
            problems.add(exc.message, exc.code, "id_number")
    if own:
        problems.raise_if_any()
    return MemberValues(name, status, dates["joined_on"], dates["full_since"], discipline, dates["discipline_from"],
                        dates["discipline_until"], id_number)


def _apply(member: Member, values: MemberValues) -> None:
    member.name = values.name
    member.status = values.status
    member.joined_on, member.full_since = values.joined_on, values.full_since
    member.discipline = values.discipline
    member.discipline_from, member.discipline_until = values.discipline_from, values.discipline_until
    if values.id_number is not None:  # an edit that leaves the field empty keeps the number on file
        member.id_number = values.id_number


def _clashes(uow: UnitOfWork, organisation_id: int, values: MemberValues, member_id: int | None) -> list[InputError]:
    out = []
    same_name = uow.session.exec(select(Member).where(Member.organisation_id == organisation_id,
                                                      Member.name == values.name)).first()
    if same_name is not None and same_name.id != member_id:
        out.append(Conflict(f"本组织已登记党员“{values.name}”", code="MEMBER_EXISTS", field="name"))
    if values.id_number is not None:
        same_number = uow.session.exec(select(Member).where(Member.organisation_id == organisation_id,
                                                            Member.id_number == values.id_number)).first()
        if same_number is not None and same_number.id != member_id:
            out.append(Conflict("该身份证号已登记在本组织另一名党员名下", code="MEMBER_EXISTS", field="id_number"))
    return out


# ---------------------------------------------------------------- reading and editing the roster

def _visible_member(uow: UnitOfWork, tree: OrgTree, actor: Actor, member_id: Any) -> Member:
    member = uow.session.get(Member, member_id) if isinstance(member_id, int) and not isinstance(member_id, bool) \
        else None
    if member is None or member.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该党员，或您无权查看", code="MEMBER_NOT_FOUND", field="member_id")
    return member


def roster(uow: UnitOfWork, actor: Actor, organisation_id: Any, today: dt.date) -> dict:
    """An organisation's members and those of the organisations below it; whether the actor may edit it."""
    tree = OrgTree.load(uow.session)
    org = tree.require_visible_org(actor, organisation_id if isinstance(organisation_id, int) else None)
    scope = tree.subtree(org.id) & tree.reach(actor, READ_ROLES)
    rows = uow.session.exec(select(Member).where(Member.organisation_id.in_(scope))
                            .order_by(Member.organisation_id, Member.name).limit(MAX_MEMBERS_LISTED)).all()
    members = [member_view(m, today, tree.orgs[m.organisation_id].name) for m in rows]
    return {"organisation": {"id": org.id, "name": org.name, "level": org.level},
            "members": members, "may_edit": org.id in tree.reach(actor, WRITE_ROLES),
            "counts": {s: sum(1 for m in rows if status_on(m, today) == s) for s in STATUSES}}


def get_member(uow: UnitOfWork, actor: Actor, member_id: Any, today: dt.date) -> dict:
    tree = OrgTree.load(uow.session)
    member = _visible_member(uow, tree, actor, member_id)
    return {**member_view(member, today, tree.orgs[member.organisation_id].name),
            "may_edit": member.organisation_id in tree.reach(actor, WRITE_ROLES)}


def save_member(uow: UnitOfWork, actor: Actor, raw: dict, *, today: dt.date, organisation_id: Any = None,
                member_id: Any = None) -> dict:
    """Adds a member to `organisation_id`, or changes member `member_id`; an organiser or administrator
    of the member's organisation (or above) only. Every problem is reported at once, by field."""
    tree = OrgTree.load(uow.session)
    if member_id is not None:
        member = _visible_member(uow, tree, actor, member_id)
        org_id = member.organisation_id
    else:
        member = None
        org_id = tree.require_visible_org(actor, organisation_id if isinstance(organisation_id, int) else None).id
    tree.require_role(actor, org_id, WRITE_ROLES, "修改该组织的党员名册")
    problems = Problems()
    values = check_values(raw, today, problems)
    if not problems.items:
        problems.items += _clashes(uow, org_id, values, member.id if member else None)
    problems.raise_if_any()
    if member is None:
        member = Member(organisation_id=org_id, name=values.name, status=values.status)
    _apply(member, values)
    uow.session.add(member)
    uow.commit()
    return member_view(member, today, tree.orgs[org_id].name)


# ---------------------------------------------------------------- choosing contacts and introducers

def choosable_members(uow: UnitOfWork, actor: Actor, organisation_id: int, today: dt.date) -> list[dict]:
    """The members a step form offers for a dossier of `organisation_id`: its own roster first, then the
    rosters of the organisations above it (a 党委's members may introduce too), each with its standing."""
    tree = OrgTree.load(uow.session)
    if organisation_id not in tree.orgs:
        return []
    chain = [organisation_id, *tree.ancestors(organisation_id)]
    rows = uow.session.exec(select(Member).where(Member.organisation_id.in_(chain))).all()
    rows.sort(key=lambda m: (chain.index(m.organisation_id), m.name))
    return [member_view(m, today, tree.orgs[m.organisation_id].name) for m in rows]


def fill_person(uow: UnitOfWork, tree: OrgTree, root_organisation_id: int, person: dict, day: dt.date | None,
                index: int) -> dict:
    """A `people[]` item naming `member_id`, completed from the roster as of the step's date: the
    member must belong to the dossier's organisation tree."""
    member_id = person.get("member_id")
    member = uow.members.get(member_id) if isinstance(member_id, int) and not isinstance(member_id, bool) else None
    if member is None or member.organisation_id not in tree.orgs \
            or tree.root(member.organisation_id) != root_organisation_id:
        raise NotFound("找不到该党员", code="MEMBER_NOT_FOUND", path=f"$.people[{index}].member_id", field="member_id")
    return {**person, **person_on(member, day, index=index)}


# ---------------------------------------------------------------- importing the roster spreadsheet

@dataclass
class RosterImport:
    """All rows written (`created`, `updated`) or none, with every problem by sheet, row and column."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    sheet: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def _row_problem(sheet: str, row: int, column: str | None, code: str, message: str) -> dict:
    return {"sheet": sheet, "row": row, "column": column or "", "code": code, "message": message}


def _same(member: Member, values: MemberValues) -> bool:
    return (member.name, member.status, member.joined_on, member.full_since, member.discipline,
            member.discipline_from, member.discipline_until) == (
        values.name, values.status, values.joined_on, values.full_since, values.discipline, values.discipline_from,
        values.discipline_until) and (values.id_number is None or values.id_number == member.id_number)


def require_roster_rights(uow: UnitOfWork, actor: Actor, organisation_id: Any) -> int:
    tree = OrgTree.load(uow.session)
    org = tree.require_visible_org(actor, organisation_id if isinstance(organisation_id, int) else None)
    tree.require_role(actor, org.id, WRITE_ROLES, "导入该组织的党员名册")
    return org.id


def import_roster(uow: UnitOfWork, actor: Actor, organisation_id: Any, path: str, *, today: dt.date) -> RosterImport:
    """Reads the roster file and writes every member of it, or nothing: one bad cell, one impossible
    row or one clash with another row leaves the roster as it was, and every problem is listed.

    A row updates the member of the same name in the organisation (an ID number, if both carry one,
    must agree); any other row adds a member. The file is parsed outside any transaction (a long
    parse must not hold SQLite's write lock), after the rights are checked."""
    from workflow.spreadsheet.roster import read_roster, roster_schema

    org_id = require_roster_rights(uow, actor, organisation_id)
    uow.session.rollback()
    report = RosterImport()
    try:
        read = read_roster(path)
    except FazhanError as exc:  # the whole file: too large, not a workbook, no roster header
        where = f"（位置：{exc.path}）" if exc.path else ""
        report.errors.append(_row_problem("", 0, None, exc.code, exc.message + where))
        return report
    report.sheet = read.sheet
    labels = {c.key: c.label for c in roster_schema().columns}
    report.errors += [_row_problem(e.sheet, e.row, e.column, e.code, e.message) for e in read.errors]
    existing = {m.name: m for m in uow.session.exec(select(Member).where(Member.organisation_id == org_id)).all()}
    numbers = {m.id_number: m for m in existing.values() if m.id_number}
    seen_names: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    planned: list[tuple[Member | None, MemberValues]] = []
    for row in read.rows:
        problems = Problems()
        values = check_values(row.values, today, problems)
        unreadable = {e.column for e in row.errors}  # already listed: a bad cell is not also "missing"
        problems.items = [p for p in problems.items if labels.get(p.field) not in unreadable]
        for p in problems.items:
            report.errors.append(_row_problem(row.sheet, row.number, labels.get(p.field), p.code, p.message))
        if problems.items or row.errors:
            continue
        if values.name in seen_names:
            report.errors.append(_row_problem(row.sheet, row.number, labels["name"], "MEMBER_DUPLICATE",
                                              f"与第 {seen_names[values.name]} 行重复（同一姓名）"))
            continue
        seen_names[values.name] = row.number
        member = existing.get(values.name)
        if values.id_number is not None:
            if values.id_number in seen_numbers:
                report.errors.append(_row_problem(row.sheet, row.number, labels["id_number"], "MEMBER_DUPLICATE",
                                                  f"与第 {seen_numbers[values.id_number]} 行的身份证号相同"))
                continue
            seen_numbers[values.id_number] = row.number
            holder = numbers.get(values.id_number)
            if holder is not None and holder is not member:
                report.errors.append(_row_problem(row.sheet, row.number, labels["id_number"], "MEMBER_EXISTS",
                                                  "该身份证号已登记在本组织另一名党员名下"))
                continue
            if member is not None and member.id_number and member.id_number != values.id_number:
                report.errors.append(_row_problem(row.sheet, row.number, labels["id_number"], "ID_NUMBER_MISMATCH",
                                                  f"与名册中“{values.name}”的身份证号不一致"))
                continue
        planned.append((member, values))
    if not read.rows and not report.errors:
        report.errors.append(_row_problem(read.sheet, 0, None, "ROSTER_EMPTY", "名册中没有党员"))
    if report.errors:
        report.errors.sort(key=lambda e: (e["sheet"], e["row"], e["column"]))
        return report
    for member, values in planned:
        if member is not None and _same(member, values):
            report.unchanged += 1
            continue
        if member is None:
            member = Member(organisation_id=org_id, name=values.name, status=values.status)
            report.created += 1
        else:
            report.updated += 1
        _apply(member, values)
        uow.session.add(member)
    uow.commit()
    return report
