"""Publicity (公示): long enough in working days, and over before the decision it precedes.

A 流动人员 (the person's `mobile`) is publicised where he or she comes from and where he or she is
(2026 第十三条: 流出地和流入地同时公示): the rule's `mobile_places` then asks for one notice in each.
"""
from __future__ import annotations

from checklists.step_fields import step_schema
from workflow.rules.base import finding
from workflow.rules.templates import phrase

_KIND = step_schema().words("publicity_kind")  # checklists/data/step_fields.toml: who is publicised
_PLACE = step_schema().words("publicity_place")


def relevant_notice(view, kind: str, day, place: str | None = None):
    """The latest notice of this kind (posted at `place`, when given) that started on or before `day`:
    the first of the latest (start, end), as `max` picks it, in one pass without a list or a key call."""
    found = None
    for p in view.dossier.publicity:
        if p.kind == kind and p.start <= day and (place is None or p.place == place) and \
                (found is None or (p.start, p.end) > (found.start, found.end)):
            found = p
    return found


def places_required(view, params) -> list[str | None]:
    if view.dossier.person.mobile and params.mobile_places:
        return list(params.mobile_places)
    return [None]


def notices_for(view, params, day) -> list:
    """One notice (or None) per place the rule requires for this person."""
    return [relevant_notice(view, params.publicity, day, place) for place in places_required(view, params)]


def publicity(rule, occ, view, ctx, out) -> None:
    params = rule.params
    label = _KIND.get(params.publicity, params.publicity)
    rs = occ.rs
    step_name = rs.step_by_id[occ.step].name
    for place in places_required(view, params):
        where = f"（{_PLACE.get(place, place)}）" if place else ""
        notice = relevant_notice(view, params.publicity, occ.entry.date, place)
        if notice is None:
            out.append(finding(rule, rs, occ, {"problem": phrase(rule, "missing", step_name=step_name,
                                                                 label=label, where=where)}))
            continue
        counted, provisional = ctx.calendar.count_working_days(notice.start, notice.end)
        last_day, provisional_last = ctx.calendar.publicity_last_day(notice.start, params.working_days)
        provisional = provisional or provisional_last
        if counted < params.working_days:
            out.append(finding(rule, rs, occ, {"problem": phrase(
                rule, "short", label=label, where=where, start=notice.start, end=notice.end, counted=counted,
                working_days=params.working_days, last_day=last_day)}, provisional=provisional))
        elif occ.entry.date <= notice.end:
            out.append(finding(rule, rs, occ, {"problem": phrase(
                rule, "not_over", step_name=step_name, date=occ.entry.date, label=label, where=where,
                end=notice.end)}, provisional=provisional))
