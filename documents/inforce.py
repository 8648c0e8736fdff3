"""Which rule set (and local overlay) governs a dossier's steps, asked of `workflow.dates`.

Forms and the archive catalogue name the rule set in force; materials are required per the rule
set in force on their step's date, so a dossier that spans 2026-05-18 is judged piecewise.
"""
from __future__ import annotations

import datetime as dt

from checklists.loader import Catalogue, default_catalogue
from checklists.model import RuleSet
from workflow.dates import select_rule_set
from workflow.dossier import Dossier


def overlay_key(dossier: Dossier, catalogue: Catalogue | None = None) -> str | None:
    if dossier.overlay is None:
        return None
    return (catalogue or default_catalogue()).register_overlay(dossier.overlay)


def rule_set_on(dossier: Dossier, day: dt.date, catalogue: Catalogue | None = None) -> RuleSet:
    catalogue = catalogue or default_catalogue()
    return select_rule_set(catalogue, day, pin=dossier.rule_set, overlay_key=overlay_key(dossier, catalogue))


def reference_day(dossier: Dossier) -> dt.date:
    """The latest recorded date, else today: the day whose rule set the forms are printed under."""
    dates = [s.date for s in dossier.steps]
    return max(dates) if dates else dt.date.today()


def current_rule_set(dossier: Dossier, catalogue: Catalogue | None = None) -> RuleSet:
    return rule_set_on(dossier, reference_day(dossier), catalogue)


def rule_sets_by_step(dossier: Dossier, catalogue: Catalogue | None = None) -> list[tuple[RuleSet, list[str]]]:
    """Each rule set that judged some recorded step, with those steps, in order of first use."""
    out: dict[str, tuple[RuleSet, list[str]]] = {}
    for entry in dossier.steps:
        rs = rule_set_on(dossier, entry.date, catalogue)
        out.setdefault(rs.label, (rs, []))[1].append(entry.step)
    return list(out.values())
