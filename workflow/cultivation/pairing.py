"""Pairing activists with their 培养联系人 (结对, 细则第九条): a suggestion that shares the work out,
a check of a set of pairings against the branch's policy, the history of contacts, and the pairing
activity (谈心谈话, 帮扶) that the half-year assessments and the probation assessment cite.

Everything here is a pure function of its arguments; nothing is stored. A contact who is replaced
is not forgotten (issue 12, citing 2026 第九条): `replace` closes the old pairing on the day of the
change and opens the new one, so the history still says who looked after the activist in any
earlier half-year.

Load is counted in the policy's unit: activists under `per_activist` and `teacher_per_activist`,
classes under `per_class` (two members look after a whole class, seed 001「2+1」).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace as _with

from checklists.pairing import TEACHER_ROLE, PairingPolicy
from workflow.errors import InputError

ACTIVITY_KINDS = ("谈心谈话", "帮扶")


@dataclass(frozen=True)
class Activist:
    name: str
    klass: str | None = None


@dataclass(frozen=True)
class Member:
    """A Party member who may be a contact: `status` is "full" or "probationary"; `roles` are tags."""

    name: str
    status: str = "full"
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Assignment:
    activist: Activist
    member: Member


@dataclass(frozen=True)
class Unserved:
    activist: Activist
    reason: str


@dataclass(frozen=True)
class Suggestion:
    assignments: list[Assignment]
    unserved: list[Unserved]


@dataclass(frozen=True)
class Violation:
    code: str
    who: str
    message: str


def _eligible(member: Member, policy: PairingPolicy) -> bool:
    if member.status != "full":
        return False
    return policy.scheme != "teacher_per_activist" or TEACHER_ROLE in member.roles


def _units(assignments: list[Assignment], policy: PairingPolicy) -> dict[str, set]:
    """Per member, the units (activists, or classes under per_class) he or she looks after."""
    out: dict[str, set] = defaultdict(set)
    for a in assignments:
        unit = a.activist.klass if policy.scheme == "per_class" else a.activist.name
        out[a.member.name].add(unit)
    return out


def _shortfall(needed: int, members: list[Member], policy: PairingPolicy, load: Counter, taken: set[str]) -> str:
    """Why fewer than `needed` members could be found, in words for the branch."""
    who = "教工党员（角色含 teacher）" if policy.scheme == "teacher_per_activist" else "正式党员"
    eligible = [m for m in members if _eligible(m, policy) and m.name not in taken]
    full = [m.name for m in eligible if load[m.name] >= policy.max_load]
    text = f"需要 {needed} 名{who}，可用的只有 {len(eligible) - len(full)} 名"
    if full:
        text += f"（{'、'.join(sorted(full))} 已达联系上限 {policy.max_load}）"
    return text


def _pick(needed: int, members: list[Member], policy: PairingPolicy, load: Counter, taken: set[str]) -> list[Member] | None:
    candidates = sorted((m for m in members if _eligible(m, policy) and m.name not in taken
                         and load[m.name] < policy.max_load), key=lambda m: (load[m.name], m.name))
    return candidates[:needed] if len(candidates) >= needed else None


def suggest(activists: list[Activist], members: list[Member], policy: PairingPolicy,
            current: list[Assignment] = ()) -> Suggestion:
    """New pairings for the activists still short of contacts, least-loaded eligible members first.

    Activists (classes, under per_class, in name order) are served in the order given, so a branch
    can put those who waited longest first; among members the lower current load wins, then the
    name. Only full members (under the teacher scheme, full members tagged "teacher") are chosen,
    never one already at `max_load`. An activist who cannot get all the contacts the policy asks
    for gets none and is listed with the reason: a half-served activist is easy to overlook.
    """
    current = list(current)
    load = Counter({name: len(units) for name, units in _units(current, policy).items()})
    have: dict[str, set[str]] = defaultdict(set)
    for a in current:
        have[a.activist.name].add(a.member.name)
    new: list[Assignment] = []
    unserved: list[Unserved] = []
    if policy.scheme == "per_class":
        by_class: dict[str, list[Activist]] = defaultdict(list)
        for activist in activists:
            if not activist.klass:
                unserved.append(Unserved(activist, "按班级结对，但该积极分子未填写班级"))
            else:
                by_class[activist.klass].append(activist)
        team_of: dict[str, dict[str, Member]] = defaultdict(dict)
        for a in current:
            if a.activist.klass:
                team_of[a.activist.klass][a.member.name] = a.member
        for klass in sorted(by_class):
            team = team_of[klass]
            needed = policy.members_per_class - len(team)
            if needed > 0:
                chosen = _pick(needed, members, policy, load, set(team))
                if chosen is None:
                    reason = f"班级 {klass}：" + _shortfall(needed, members, policy, load, set(team))
                    unserved.extend(Unserved(a, reason) for a in by_class[klass])
                    continue
                for m in chosen:
                    team[m.name] = m
                    load[m.name] += 1
            for activist in by_class[klass]:
                for name in sorted(team):
                    if name not in have[activist.name]:
                        new.append(Assignment(activist, team[name]))
                        have[activist.name].add(name)
        return Suggestion(new, unserved)
    for activist in activists:
        needed = policy.members_per_activist - len(have[activist.name])
        if needed <= 0:
            continue
        chosen = _pick(needed, members, policy, load, have[activist.name])
        if chosen is None:
            unserved.append(Unserved(activist, _shortfall(needed, members, policy, load, have[activist.name])))
            continue
        for m in chosen:
            new.append(Assignment(activist, m))
            have[activist.name].add(m.name)
            load[m.name] += 1
    return Suggestion(new, unserved)


def check(assignments: list[Assignment], policy: PairingPolicy) -> list[Violation]:
    """Everything in a set of pairings that breaks 第九条 or the branch's policy, one finding each."""
    out: list[Violation] = []
    seen: set[str] = set()
    for a in assignments:
        if a.member.name in seen:
            continue
        if a.member.status != "full":
            seen.add(a.member.name)
            out.append(Violation("PAIRING_NOT_FULL", a.member.name,
                                 f"{a.member.name} 不是正式党员，不能作培养联系人（细则第九条）"))
    for a in assignments:
        if policy.scheme == "teacher_per_activist" and TEACHER_ROLE not in a.member.roles:
            out.append(Violation("PAIRING_NOT_TEACHER", a.member.name,
                                 f"按“{policy.words()}”，{a.member.name} 不是教工党员，不能联系 {a.activist.name}"))
    unit = "个班级" if policy.scheme == "per_class" else "名积极分子"
    for name, units in sorted(_units(assignments, policy).items()):
        if len(units) > policy.max_load:
            out.append(Violation("PAIRING_OVERLOAD", name,
                                 f"{name} 联系 {len(units)} {unit}（{'、'.join(sorted(str(u) for u in units))}），"
                                 f"超过上限 {policy.max_load}"))
    contacts: dict[str, set[str]] = defaultdict(set)
    for a in assignments:
        contacts[a.activist.name].add(a.member.name)
    for activist, names in sorted(contacts.items()):
        if len(names) != policy.contacts_needed:
            out.append(Violation("PAIRING_COUNT", activist,
                                 f"{activist} 有 {len(names)} 名培养联系人（{'、'.join(sorted(names))}），"
                                 f"按“{policy.words()}”应为 {policy.contacts_needed} 名"))
    return out


@dataclass(frozen=True)
class Pairing:
    """One contact's time with one activist: from `start` until `end` (open while `end` is None)."""

    activist: str
    member: str
    start: dt.date
    end: dt.date | None = None
    end_reason: str | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def replace(history: tuple[Pairing, ...], activist: str, old: str, new: str, date: dt.date,
            reason: str) -> tuple[Pairing, ...]:
    """The history with `old` replaced by `new` as the activist's contact from `date`.

    The old pairing is closed on `date` with the reason and kept; the new one opens that day. A
    replacement that cannot be right (no open pairing with `old`, `new` already a contact, a date
    before the old pairing began, no reason) is refused with an InputError; nothing is changed.
    """
    if not reason or not reason.strip():
        raise InputError("更换培养联系人须写明原因", code="PAIRING_REASON_MISSING", field="reason")
    if old == new:
        raise InputError(f"新旧培养联系人相同（{old}）", code="PAIRING_SAME_MEMBER", field="new")
    index = next((i for i, p in enumerate(history) if p.activist == activist and p.member == old and p.end is None), None)
    if index is None:
        raise InputError(f"{old} 目前不是 {activist} 的培养联系人，无从更换", code="PAIRING_NOT_FOUND", field="old")
    if any(p.activist == activist and p.member == new and p.end is None for p in history):
        raise InputError(f"{new} 已是 {activist} 的培养联系人", code="PAIRING_DUPLICATE", field="new")
    closing = history[index]
    if date < closing.start:
        raise InputError(f"更换日期 {date} 早于 {old} 开始联系 {activist} 的日期 {closing.start}",
                         code="PAIRING_DATE_INVALID", field="date")
    closed = _with(closing, end=date, end_reason=reason.strip())
    return history[:index] + (closed,) + history[index + 1:] + (Pairing(activist, new, date),)


def contacts_on(history: tuple[Pairing, ...], activist: str, day: dt.date) -> list[str]:
    """Who was the activist's contact on that day (for the half-year assessment of that time)."""
    return sorted(p.member for p in history if p.activist == activist and p.active_on(day))


@dataclass(frozen=True)
class Activity:
    """A dated piece of pairing work: a 谈心谈话 or 帮扶 given by `member` to `activist`."""

    activist: str
    member: str
    kind: str
    date: dt.date
    note: str = ""


@dataclass(frozen=True)
class ActivityCount:
    talks: int = 0
    help: int = 0
    dates: tuple[dt.date, ...] = field(default_factory=tuple)


def activity_summary(activities: list[Activity], start: dt.date, end: dt.date) -> dict[str, ActivityCount]:
    """Per activist, the 谈心谈话 and 帮扶 dated from `start` to `end` (both days included)."""
    if end < start:
        raise InputError(f"统计区间的结束日 {end} 早于开始日 {start}", code="PAIRING_WINDOW_INVALID", field="end")
    out: dict[str, ActivityCount] = {}
    for item in sorted(activities, key=lambda a: (a.activist, a.date)):
        if item.kind not in ACTIVITY_KINDS:
            raise InputError(f"未知的结对活动“{item.kind}”，应为：{'、'.join(ACTIVITY_KINDS)}",
                             code="PAIRING_ACTIVITY_KIND", field="kind")
        if not start <= item.date <= end:
            continue
        count = out.get(item.activist, ActivityCount())
        out[item.activist] = ActivityCount(count.talks + (item.kind == "谈心谈话"), count.help + (item.kind == "帮扶"),
                                           count.dates + (item.date,))
    return out


def assessment_window(dossier, period: str, on: dt.date) -> tuple[dt.date, dt.date]:
    """The time an assessment made on `on` looks back over: from the day after the previous assessment
    of the same kind (`activist` or `probation`), else from the step the period counts from (the
    assessment rule's anchor for activists, the probation's start step), to `on`.

    The anchor steps are read from the rule set in force on `on` (no step id is written here); a
    dossier without the anchor step has nothing to look back over and is refused."""
    from checklists.loader import default_catalogue

    rs = default_catalogue().in_force(on)
    if period == "activist":
        anchor = next((r.params.from_ for r in rs.rules if r.kind == "periodic_assessment"
                       and r.params.period == period), None)
    elif period == "probation":
        anchor = rs.probation.starts_with
    else:
        raise InputError(f"未知的考察类别“{period}”，应为 activist 或 probation", code="VALUE_INVALID", field="period")
    dates = [s.date for s in dossier.steps if s.step == anchor and s.date <= on]
    if not dates:
        name = rs.step_by_id[anchor].name if anchor in rs.step_by_id else anchor
        raise InputError(f"档案 {dossier.id} 在 {on} 前没有“{name}”，无从考察", code="ASSESSMENT_TOO_EARLY",
                         field="date")
    start = max(dates)
    before = [a.date for a in dossier.assessments if a.period == period and start <= a.date < on]
    if before:
        start = max(before) + dt.timedelta(days=1)
    return start, on
