"""Things due every so often: half-yearly assessments of an activist, thought reports."""
from __future__ import annotations

from bisect import bisect_right

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
    period = params.period
    dates = sorted([a.date for a in view.dossier.assessments if a.period == period])
    every, k = params.every, 1
    months = 0 if every.days else every.months  # whole months: window_end is add_months, asked inline
    start = anchor
    while True:
        end = add_months(anchor, months * k) if months else window_end(anchor, every, k)
        if end > until:
            break
        first_after = bisect_right(dates, start)  # the first assessment after the window's start
        if first_after == len(dates) or dates[first_after] > end:
            out.append(finding(rule, occ.rs, occ, {"window_start": start, "window_end": end}))
        start = end
        k += 1


def thought_reports(rule, occ, view, ctx, out) -> None:
    """No stretch longer than `every` without a thought report between the anchor and the step.
    (Called for the steps whose screen says a stretch may be too long, often with no report at all:
    the reports are sorted only when there are some, the loop's values are read once.)"""
    params = rule.params
    anchor = view.anchor(params.from_, occ)
    day = occ.entry.date
    if anchor is None or day < anchor:
        return
    listed = view.dossier.thought_reports
    reports = sorted([t.date for t in listed if anchor < t.date <= day]) if listed else ()
    every, count = params.every, len(reports)
    previous, i, rs = anchor, 0, None
    while True:
        deadline = add_gap(previous, every)
        if deadline >= day:
            return
        while i < count and reports[i] <= previous:
            i += 1
        if i < count and reports[i] <= deadline:
            previous = reports[i]
            continue
        rs = rs or occ.rs
        out.append(finding(rule, rs, occ, {"window_start": previous, "window_end": deadline}))
        previous = deadline
