"""Which national rule set's order of steps a dossier follows.

The step ids are stable, but a revision may reorder them: under 2026.05 (第十三条) 上级党委同意 (s08)
and the publicity come before 列为发展对象 (s07). The checklist data says which recorded dates
decide (`[procedure_order] decided_by`); the rule set in force on the earliest of them that the
dossier records is the one whose prerequisites, step names and machine the dossier follows. A
pinned dossier follows its pin. With none recorded yet, the day of the question decides.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from checklists.loader import Catalogue
from checklists.model import RuleSet
from workflow.view import StepsKey
from workflow.view import steps_key as steps_key_as_kept

if TYPE_CHECKING:  # for annotations only: a file audit does not build the validating models
    from workflow.dossier import Dossier


class _Decisive:
    """A catalogue's `decided_by` references read once (not per dossier): for each step id, the
    references it answers as (position, field read); and the rule set in force by day, remembered."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        wanted: dict[str, list] = {}
        decided_by = catalogue.ordered()[-1].procedure_order.decided_by
        for at, ref in enumerate(decided_by):
            step_id, _, field = ref.partition(".")
            wanted.setdefault(step_id, []).append((at, field or "date"))
        self.wanted = {step_id: tuple(refs) for step_id, refs in wanted.items()}
        self.count = len(decided_by)
        self.in_force: dict[dt.date, RuleSet] = {}

    def places_of(self, steps: StepsKey) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """(field, places) of each reference for a dossier recording `steps`: for each reference, the
        field read and the places of its step's records in the order of the records; kept on the key
        (`StepsKey.kept`) for the next dossier with these steps."""
        refs: list = [None] * self.count
        for step_id, wanted in self.wanted.items():
            places = tuple(at for at, recorded in enumerate(steps) if recorded == step_id)
            for at, field in wanted:
                refs[at] = (field, places)
        return steps.keep(self, tuple(refs))

    def rule_set_on(self, day: dt.date) -> RuleSet:
        found = self.in_force.get(day)
        if found is None:
            if len(self.in_force) >= 4096:
                self.in_force.clear()
            found = self.in_force[day] = self.catalogue.in_force(day)
        return found


_decisive: dict[int, _Decisive] = {}


def procedure_rule_set(dossier: Dossier, catalogue: Catalogue, as_of: dt.date,
                       steps_key: tuple[str, ...] | None = None) -> RuleSet:
    """The national rule set (no overlay) whose order of steps `dossier` follows. `steps_key`: the
    records' step ids (`workflow.view.steps_key_of`), when the caller has them (the audit): then the
    records read are found by their places, kept on the key, rather than by a pass over the records."""
    pin = dossier.rule_set
    if pin is not None:
        return catalogue.national[pin]
    decisive = _decisive.get(id(catalogue))
    if decisive is None or decisive.catalogue is not catalogue:
        decisive = _decisive[id(catalogue)] = _Decisive(catalogue)
    if steps_key is not None:
        if type(steps_key) is not StepsKey:
            steps_key = steps_key_as_kept(steps_key)
        entries, days = dossier.steps, []
        for field, places in steps_key.kept.get(decisive) or decisive.places_of(steps_key):
            for at in places:  # a reference's day: the first record of its step where it is a date
                day = getattr(entries[at], field, None)
                if isinstance(day, dt.date):
                    days.append(day)
                    break
        return decisive.rule_set_on(min(days) if days else as_of)
    wanted, remaining = decisive.wanted, decisive.count
    found: list[dt.date | None] = [None] * remaining
    for entry in dossier.steps:  # one pass, ended once every reference has its day
        refs = wanted.get(entry.step)
        if refs is not None:
            for at, field in refs:  # a reference's day: the first record of its step where it is a date
                if found[at] is None:
                    day = getattr(entry, field, None)
                    if isinstance(day, dt.date):
                        found[at] = day
                        remaining -= 1
            if not remaining:
                break
    days = [day for day in found if day is not None]
    # the earliest decides: a candidate listed (s07) under 2014 whose filing (s08, with its committee
    # meeting) falls after 2026-05-11 went on in the 2014 order it started in
    return decisive.rule_set_on(min(days) if days else as_of)
