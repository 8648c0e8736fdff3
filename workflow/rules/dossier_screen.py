"""One look over a dossier that answers every dossier-scope kind's "is there anything to look at?".

Each dossier evaluator (workflow.rules.structure, workflow.rules.records) would otherwise first walk
the dossier's steps or materials on its own to find out that, as usual, there is nothing to report:
nine walks over the same records. `look` walks them once and notes what each kind's question needs
(`Seen`); each evaluator declares, next to itself with `may_find`, when that says it may find
something; `run` then calls only those evaluators, and each still decides exactly as it always did.

A declaration must be conservative: whenever its evaluator would report anything, it must say
"maybe" (tests/workflow/test_dossier_screen.py holds every declared one to that). An evaluator
without a declaration always runs, and so does every evaluator when the audit asks what a
hypothetical step would meet (`ctx.hypothetical`, the plan): that path stays the plain one.

Most dossiers show nothing at all to the walk (`look` then answers `NOTHING`); for them `run` goes
through a shorter list, without the evaluators whose declaration reads the walk alone
(`may_find(..., seen_only=True)`) and says "no" to `NOTHING` (`Plan.after_nothing`).
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

import msgspec

_EARLIEST = dt.date.min
_NO_NAME = object()  # differs from every name, None included: the first step's names are always looked at


class Seen(msgspec.Struct, frozen=True, gc=False):
    """What one walk over a dossier saw (a msgspec record: made without a Python call per dossier;
    frozen: `NOTHING` is shared)."""

    late: bool
    """A date after the day of the audit: a step's or its review's, a record's, a material's, a notice's end."""
    dates_back: bool
    """A step dated before a step recorded earlier in the dossier (the dates are not in record order)."""
    unreviewed: bool
    """A step without a reviewer in a dossier that carries reviews (`Dossier.carries_reviews`)."""
    self_reviewed: bool
    """A step whose reviewer is its recorder (names compared without surrounding blanks)."""
    on_paper: bool
    """A step with a paper review."""
    corrected: bool
    """A step corrected after archiving."""
    unsigned: bool
    """A listed material without a signature."""


NOTHING = Seen(False, False, False, False, False, False, False)
"""What `look` answers for a dossier in which it saw nothing (the usual case): always this record."""


def may_find(predicate: Callable[[Seen, object], object], *, seen_only: bool = False, hands: bool = False):
    """Declares, above a dossier evaluator, when it may find anything: `predicate(seen, view)` is
    false only if the evaluator would certainly report nothing for that dossier. `seen_only`: the
    predicate reads `seen` alone, never the view (`plan` asks it once with `NOTHING` and no view).
    `hands`: the predicate's answer, when true, is what it found on the way (so the evaluator need not
    find it again), and `run` passes it to the evaluator as a fifth argument; the evaluator takes it
    as optional (called alone, or by a hypothetical audit, it finds the same itself)."""

    def mark(evaluator):
        evaluator.may_find = predicate
        evaluator.may_find_seen_only = seen_only
        evaluator.may_find_hands = hands
        return evaluator

    return mark


def predicate_of(evaluator) -> Callable[[Seen, object], bool] | None:
    """The evaluator's declared `may_find` predicate; None: it always runs."""
    return getattr(evaluator, "may_find", None)


def look(dossier, as_of: dt.date) -> Seen:
    """What one walk over the dossier saw (`survey` without the latest date)."""
    return survey(dossier, as_of)[0]


def survey(dossier, as_of: dt.date) -> tuple[Seen, dt.date]:
    """One walk over the dossier's steps, records, notices and materials. Plain loops, each field read
    once and into a local only when used twice: counted under callgrind on CPython 3.11, cheaper than
    map with attrgetter (every call makes a tuple of arguments) or than lists of each field sorted.
    The step dates are compared with the latest so far, which answers both "in record order?" and
    "after the day?" with one comparison per step; a missing date of review or of a material is
    compared as the earliest day (`or`: a date is never false), one test fewer than asking for None
    first; the names of reviewer and recorder are read into locals only when they differ from the
    step before's (they rarely do). Also gives the latest date of a step (`date.min` with no step),
    which the audit's `AuditContext.judge` would otherwise find with a pass of its own."""
    latest = earliest = _EARLIEST
    back = late = unreviewed = carries = same = paper = corrected = unsigned = False
    last_by = last_rec = _NO_NAME
    for entry in dossier.steps:
        day = entry.date
        if day >= latest:
            latest = day
        else:
            back = True
        if (entry.reviewed_on or earliest) > as_of:
            late = True
        if entry.reviewed_by != last_by or entry.recorded_by != last_rec:  # equal names give equal answers
            last_by = by = entry.reviewed_by
            last_rec = rec = entry.recorded_by
            if not by:
                unreviewed = True
            elif rec and by.strip() == rec.strip():
                same = True
            if by is not None or rec is not None:
                carries = True
        if entry.paper_review is not None:
            paper = True
        if entry.archive_correction is not None:
            corrected = True
    if latest > as_of:
        late = True
    if not late:
        for records in (dossier.assessments, dossier.thought_reports, dossier.case_events):
            for record in records:
                day = record.date
                if day is not None and day > as_of:
                    late = True
        for notice in dossier.publicity:
            if notice.end > as_of:
                late = True
    for material in dossier.materials or ():
        if not material.signed_by:
            unsigned = True
        if (material.date or earliest) > as_of:
            late = True
    unreviewed = unreviewed and (carries or paper)
    if not (late or back or unreviewed or same or paper or corrected or unsigned):
        return NOTHING, latest
    return Seen(late, back, unreviewed, same, paper, corrected, unsigned), latest


class Plan(tuple):
    """(evaluator, code, predicate or None, whether the predicate hands its answer on) for each
    dossier rule, in their order (a tuple), and `after_nothing`: the same without those whose
    predicate reads only what the walk saw and says "no" when it saw nothing; `run` goes through that
    one for a dossier where `look` saw nothing."""

    after_nothing: tuple


def plan(evaluators) -> Plan:
    """The `Plan` of the (evaluator, code) pairs, in their order."""
    entries = Plan((evaluator, code, predicate_of(evaluator), getattr(evaluator, "may_find_hands", False))
                   for evaluator, code in evaluators)
    entries.after_nothing = tuple(entry for entry in entries if not _never_after_nothing(entry[0], entry[2]))
    return entries


def _never_after_nothing(evaluator, predicate) -> bool:
    """Whether `predicate` (declared seen-only) says "no" for a dossier in which the walk saw nothing."""
    return predicate is not None and getattr(evaluator, "may_find_seen_only", False) and not predicate(NOTHING, None)


def run(dossier_plan: Plan, view, ctx, out: list, seen: Seen | None = None) -> None:
    """Every evaluator of `dossier_plan` (from `plan`) that may find anything in `view`'s dossier.
    `seen`: what `look` (or `survey`) saw of the dossier on the day of the audit, when the caller has it."""
    if ctx.hypothetical is not None:  # what would block a step (the plan): every evaluator, as it is
        for evaluator, code, _, _ in dossier_plan:
            evaluator(code, view, ctx, out)
        return
    if seen is None:
        seen = look(view.dossier, ctx.as_of)
    for evaluator, code, predicate, hands in dossier_plan.after_nothing if seen is NOTHING else dossier_plan:
        if predicate is None:
            evaluator(code, view, ctx, out)
        else:
            found = predicate(seen, view)
            if found:
                if hands:
                    evaluator(code, view, ctx, out, found)
                else:
                    evaluator(code, view, ctx, out)
