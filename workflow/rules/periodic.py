"""Things due every so often: half-yearly assessments of an activist, thought reports."""
from __future__ import annotations

from checklists.gaps import Gap
from workflow.dates import add_gap, add_months
from workflow.rules.base import finding


def window_end(anchor, every: Gap, k: int):
    """The end of the k-th window after `anchor` (window k is (window_end(k-1), window_end(k)])."""
    return add_months(anchor, every.months * k) if not every.days else add_gap(anchor, Gap(every.months * k, every.days * k))


def assessments(rule, occ, view, ctx, out) -> None:
    """Every window (anchor + (k-1)·every, anchor + k·every] ending on or before the step has one."""
    params = rule.params
    anchor = view.anchor(params.from_, occ)
    until = getattr(occ.entry, params.to, None) if params.to else occ.entry.date
    if anchor is None or until is None or until < anchor:
        return
    dates = sorted(a.date for a in view.dossier.assessments if a.period == params.period)
    rs = None
    k = 1
    while True:
        start, end = window_end(anchor, params.every, k - 1), window_end(anchor, params.every, k)
        if end > until:
            break
        if not any(start < d <= end for d in dates):
            rs = rs or ctx.ruleset_at(occ)
            out.append(finding(rule, rs, occ, {"window_start": start, "window_end": end}))
        k += 1


def thought_reports(rule, occ, view, ctx, out) -> None:
    """No stretch longer than `every` without a thought report between the anchor and the step."""
    params = rule.params
    anchor = view.anchor(params.from_, occ)
    if anchor is None or occ.entry.date < anchor:
        return
    reports = sorted(t.date for t in view.dossier.thought_reports if anchor < t.date <= occ.entry.date)
    previous, i, rs = anchor, 0, None
    while True:
        deadline = add_gap(previous, params.every)
        if deadline >= occ.entry.date:
            return
        while i < len(reports) and reports[i] <= previous:
            i += 1
        if i < len(reports) and reports[i] <= deadline:
            previous = reports[i]
            continue
        rs = rs or ctx.ruleset_at(occ)
        out.append(finding(rule, rs, occ, {"window_start": previous, "window_end": deadline}))
        previous = deadline
