"""The pipeline view: how many people are in each state, and whose next deadline is near.

Deadlines come from the plan (workflow.plan), which reads them from the same time rules the audit
uses; nothing here knows a rule. "Near" is a window of days after the check day, computed with
the dates module like every other date.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from checklists.gaps import Gap
from checklists.loader import default_catalogue
from workflow.dates import add_gap
from workflow.dossier import Dossier
from workflow.plan import plan_dossier

HORIZON_DAYS = 30


@dataclass(frozen=True)
class Deadline:
    id: str
    name: str
    organisation: str | None
    state: str
    step: str
    step_name: str
    deadline: dt.date
    code: str | None
    days_left: int

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "organisation": self.organisation, "state": self.state,
                "step": self.step, "step_name": self.step_name, "deadline": self.deadline.isoformat(),
                "code": self.code, "days_left": self.days_left}


@dataclass
class Pipeline:
    as_of: dt.date
    horizon_days: int
    by_state: dict[str, int] = field(default_factory=dict)
    due: list[Deadline] = field(default_factory=list)
    overdue: list[Deadline] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "horizon_days": self.horizon_days, "by_state": self.by_state,
                "due": [d.to_dict() for d in self.due], "overdue": [d.to_dict() for d in self.overdue]}


def state_names() -> dict[str, str]:
    return {s.id: s.name for s in default_catalogue().get("2014").states}


def build_pipeline(dossiers: list[Dossier], as_of: dt.date, horizon_days: int = HORIZON_DAYS) -> Pipeline:
    """Every state in the catalogue's order (zeros included), then deadlines due within the horizon."""
    until = add_gap(as_of, Gap(days=horizon_days))
    counts: Counter[str] = Counter()
    pipeline = Pipeline(as_of=as_of, horizon_days=horizon_days)
    for dossier in dossiers:
        plan = plan_dossier(dossier, as_of)
        counts[plan.state] += 1
        for step in plan.next:
            if step.deadline is None:
                continue
            entry = Deadline(id=dossier.id, name=dossier.person.name, organisation=dossier.person.organisation,
                             state=plan.state, step=step.step, step_name=step.name, deadline=step.deadline,
                             code=step.deadline_code, days_left=(step.deadline - as_of).days)
            if step.deadline < as_of:
                pipeline.overdue.append(entry)
            elif step.deadline <= until:
                pipeline.due.append(entry)
    pipeline.by_state = {state: counts.get(state, 0) for state in state_names()}
    pipeline.due.sort(key=lambda d: (d.deadline, d.id, d.step))
    pipeline.overdue.sort(key=lambda d: (d.deadline, d.id, d.step))
    return pipeline
