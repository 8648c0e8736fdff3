"""Publicity (公示): long enough in working days, and over before the decision it precedes."""
from __future__ import annotations

from workflow.rules.base import finding

_KIND = {"activist": "入党积极分子", "candidate": "发展对象", "admission": "接收预备党员", "conversion": "预备党员转正"}


def relevant_notice(view, kind: str, day):
    """The latest notice of this kind that started on or before `day`."""
    notices = [p for p in view.dossier.publicity if p.kind == kind and p.start <= day]
    return max(notices, key=lambda p: (p.start, p.end)) if notices else None


def publicity(rule, occ, view, ctx, out) -> None:
    params = rule.params
    label = _KIND.get(params.publicity, params.publicity)
    rs = ctx.ruleset_for(occ.entry.date)
    notice = relevant_notice(view, params.publicity, occ.entry.date)
    if notice is None:
        out.append(finding(rule, rs, occ, {"problem": f"{rs.step_by_id[occ.step].name}前没有{label}公示记录"}))
        return
    counted, provisional = ctx.calendar.count_working_days(notice.start, notice.end)
    last_day, provisional_last = ctx.calendar.publicity_last_day(notice.start, params.working_days)
    provisional = provisional or provisional_last
    if counted < params.working_days:
        out.append(finding(rule, rs, occ, {"problem": f"{label}公示 {notice.start} 至 {notice.end} 只有 {counted} 个工作日，"
                                                      f"少于 {params.working_days} 个工作日（应至少公示到 {last_day}）"},
                           provisional=provisional))
    elif occ.entry.date <= notice.end:
        out.append(finding(rule, rs, occ, {"problem": f"{rs.step_by_id[occ.step].name}日期 {occ.entry.date} "
                                                      f"不在{label}公示结束日 {notice.end} 之后"},
                           provisional=provisional))
