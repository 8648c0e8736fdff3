"""An indexed, read-only view of one dossier: occurrences, probation cycles, prerequisites, anchors.

Built once per audit so that every evaluator asks the same questions the same cheap way, and so
the cycle rule ("after an extension the next s21–s24 follow the previous s24") lives in one place.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from checklists.loader import Catalogue
from checklists.model import RuleSet
from workflow.dates import WorkingCalendar, add_months, select_rule_set
from workflow.dossier import Dossier, StepEntry


@dataclass(slots=True)
class Occurrence:
    index: int
    entry: StepEntry
    cycle: int = 0
    step: str = ""

    def __post_init__(self) -> None:
        self.step = self.entry.step

    @property
    def date(self) -> dt.date:
        return self.entry.date


@dataclass
class AuditContext:
    """What an evaluation needs besides the dossier: the day, the rule sets, the calendar."""

    as_of: dt.date
    catalogue: Catalogue
    calendar: WorkingCalendar
    pin: str | None = None
    overlay_key: str | None = None
    hypothetical: int | None = None
    structure: RuleSet | None = None
    _by_date: dict = field(default=None)
    _order_rs: RuleSet | None = field(default=None)

    def __post_init__(self) -> None:
        self._by_date = self.catalogue.choices(self.pin, self.overlay_key)
        if self.structure is None:
            self.structure = self.catalogue.in_force(self.as_of) if self.pin is None else \
                self.catalogue.national[self.pin]
        self._order_rs = select_rule_set(self.catalogue, self.as_of, self.structure.id, self.overlay_key)

    def ruleset_for(self, day: dt.date) -> RuleSet:
        rs = self._by_date.get(day)
        if rs is None:
            rs = self._by_date[day] = select_rule_set(self.catalogue, day, self.pin, self.overlay_key)
        return rs

    def ruleset_at(self, occ: "Occurrence") -> RuleSet:
        """The rule set that judges a recorded step: the one in force on its date, except the steps
        whose meaning depends on the order of the procedure, judged under the order the dossier follows."""
        if occ.step in self.structure.procedure_order.steps:
            return self._order_rs
        return self.ruleset_for(occ.entry.date)


class DossierView:
    def __init__(self, dossier: Dossier, base: RuleSet):
        self.dossier = dossier
        self.base = base
        self.occurrences: list[Occurrence] = []
        self.by_step: dict[str, list[Occurrence]] = {}
        for index, entry in enumerate(dossier.steps):
            occ = Occurrence(index, entry)
            self.occurrences.append(occ)
            self.by_step.setdefault(entry.step, []).append(occ)
        steps = base.step_by_id
        for step_id, occs in self.by_step.items():
            step = steps.get(step_id)
            if step is not None and step.probation_cycle and len(occs) > 1:
                occs.sort(key=lambda o: (o.entry.date, o.index))
                for cycle, occ in enumerate(occs):
                    occ.cycle = cycle
        self._ends: list[dt.date] | None = None
        self._prerequisites: dict[int, list] = {}

    def first(self, step_id: str) -> Occurrence | None:
        occs = self.by_step.get(step_id)
        return occs[0] if occs else None

    def last(self, step_id: str) -> Occurrence | None:
        occs = self.by_step.get(step_id)
        return occs[-1] if occs else None

    def in_cycle(self, step_id: str, cycle: int) -> Occurrence | None:
        occs = self.by_step.get(step_id)
        if not occs:
            return None
        if not self.base.step_by_id[step_id].probation_cycle:
            return occs[0]
        return occs[cycle] if cycle < len(occs) else None

    def prerequisites(self, occ: Occurrence) -> list[tuple[str, Occurrence | None]]:
        found = self._prerequisites.get(occ.index)
        if found is None:
            found = self._prerequisites[occ.index] = self._find_prerequisites(occ)
        return found

    def _find_prerequisites(self, occ: Occurrence) -> list[tuple[str, Occurrence | None]]:
        step = self.base.step_by_id[occ.step]
        probation = self.base.probation
        if step.probation_cycle and occ.cycle > 0 and occ.step == probation.first_cycle_step:
            return [(probation.approved_by, self.in_cycle(probation.approved_by, occ.cycle - 1))]
        out = []
        for req in step.requires:
            req_step = self.base.step_by_id[req]
            if req_step.probation_cycle:
                found = self.in_cycle(req, occ.cycle) if step.probation_cycle else self.last(req)
            else:
                found = self.first(req)
            out.append((req, found))
        return out

    def anchor(self, name: str, occ: Occurrence) -> dt.date | None:
        """The date a gap is measured from: a step (same probation cycle) or `probation_end`."""
        if name == "probation_end":
            return self.probation_end(occ.cycle)
        step = self.base.step_by_id[name]
        if step.probation_cycle and self.base.step_by_id[occ.step].probation_cycle:
            found = self.in_cycle(name, occ.cycle)
        elif step.probation_cycle:
            found = self.last(name)  # after an extension, limits that follow s24 count from the final one
        else:
            found = self.first(name)
        return found.entry.date if found else None

    def treated_as_passed(self, occ: Occurrence) -> bool:
        """A decision the record itself calls passed, or one the case went on from (2026: a failed vote
        with nothing after it that treats it as passed ends the case; otherwise it is VOTE_NOT_PASSED)."""
        return occ.entry.outcome == "passed" or self.continued_after(occ)

    def continued_after(self, occ: Occurrence) -> bool:
        """Whether a step that (transitively) follows this one is recorded: the case went on from it."""
        later = self.base.descendants.get(occ.step, frozenset())
        cyclic = self.base.step_by_id[occ.step].probation_cycle
        for step_id in later:
            for other in self.by_step.get(step_id, ()):
                if cyclic and self.base.step_by_id[step_id].probation_cycle and other.cycle != occ.cycle:
                    continue
                return True
        return False

    def conversion_outcome(self, cycle: int) -> str | None:
        meeting = self.in_cycle(self.base.probation.decided_by, cycle)
        if meeting is None:
            return None
        return meeting.entry.outcome or "convert"

    def probation_ends(self) -> list[dt.date]:
        """The probation end date in force for each cycle: its start plus the checklist's months, moved by
        each extension."""
        if self._ends is None:
            probation = self.base.probation
            start = self.first(probation.starts_with)
            ends: list[dt.date] = []
            if start is not None:
                end = add_months(start.entry.date, probation.months)
                ends.append(end)
                for meeting in self.by_step.get(probation.decided_by, []):
                    if meeting.entry.outcome == "extend" and meeting.entry.extend_months:
                        end = add_months(end, meeting.entry.extend_months)
                        ends.append(end)
                    else:
                        break
            self._ends = ends
        return self._ends

    def probation_end(self, cycle: int = 0) -> dt.date | None:
        ends = self.probation_ends()
        if not ends:
            return None
        return ends[min(cycle, len(ends) - 1)]
