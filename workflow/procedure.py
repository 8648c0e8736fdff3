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

if TYPE_CHECKING:  # for annotations only: a file audit does not build the validating models
    from workflow.dossier import Dossier


def _recorded_day(dossier: Dossier, ref: str) -> dt.date | None:
    step_id, _, field = ref.partition(".")
    for entry in dossier.steps:
        if entry.step == step_id:
            day = getattr(entry, field, None) if field else entry.date
            if isinstance(day, dt.date):
                return day
    return None


def procedure_rule_set(dossier: Dossier, catalogue: Catalogue, as_of: dt.date) -> RuleSet:
    """The national rule set (no overlay) whose order of steps `dossier` follows."""
    if dossier.rule_set is not None:
        return catalogue.national[dossier.rule_set]
    days = [day for ref in catalogue.ordered()[-1].procedure_order.decided_by
            if (day := _recorded_day(dossier, ref)) is not None]
    # the earliest decides: a candidate listed (s07) under 2014 whose filing (s08, with its committee
    # meeting) falls after 2026-05-11 went on in the 2014 order it started in
    return catalogue.in_force(min(days) if days else as_of)
