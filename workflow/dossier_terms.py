"""Values of the `dossier/1` format that both of its readings check: the format's name, the choices
each field accepts, the outcomes each deciding step may record, the bounds of numbers, and the kinds
of approving body (checklist data).

The choices and bounds are not written here: they are read once, at import, from the step schema
(checklists/data/step_fields.toml, `checklists.step_fields`), the one place that declares what a step
records and the Chinese word of every value. A value added to a table there is accepted by both
readings and has its word on every page and form; nothing in the code lists it again.

They live apart from the pydantic models (workflow.dossier) so that the fast reading
(workflow.dossier_facts) checks the same values without building those models: a one-file
`fazhan audit` of a readable file never needs them.
"""
from __future__ import annotations

from typing import Literal

from checklists.loader import default_catalogue
from checklists.step_fields import step_schema

FORMAT = "dossier/1"

RECORD_TABLES = {
    "people.status": "member_status",
    "assessments.period": "assessment_period",
    "publicity.kind": "publicity_kind",
    "publicity.place": "publicity_place",
    "case_events.kind": "case_event",
}
"""The value table behind each choice of the dossier's side records (not step fields, so the step
schema's `fields` do not name them): `list.field` → table name in step_fields.toml."""


def table_values(name: str) -> tuple[str, ...]:
    """The machine values of one value table of the step schema, in the order it offers them."""
    return step_schema().table(name).values


def field_values(key: str) -> tuple[str, ...]:
    """The values a step field with one table for every step accepts (conclusion, result, nomination)."""
    return table_values(step_schema().fields[key].values)


def record_values(where: str) -> tuple[str, ...]:
    """The values a side record's choice accepts: `where` is a key of RECORD_TABLES ("publicity.kind")."""
    return table_values(RECORD_TABLES[where])


def field_minimum(key: str) -> float | None:
    """The least value a number field accepts (None: unbounded)."""
    return step_schema().fields[key].minimum


def _choice(values: tuple[str, ...]):
    """`Literal["a", "b", …]` of the values, in the table's order (a literal error lists them so)."""
    return Literal[values]


MemberStatus = _choice(record_values("people.status"))
Conclusion = _choice(field_values("conclusion"))
PreReviewResult = _choice(field_values("result"))
AssessmentPeriod = _choice(record_values("assessments.period"))
PublicityKind = _choice(record_values("publicity.kind"))
PublicityPlace = _choice(record_values("publicity.place"))
CaseEventKind = _choice(record_values("case_events.kind"))

NOMINATIONS = frozenset(field_values("nomination"))
"""The ways a person may be nominated as activist (s03's `nomination`, several at once)."""

OUTCOMES = {step: frozenset(values) for step, values in step_schema().choice_values("outcome").items()}
"""The `outcome` each step may record; a step not named here records none."""

TRAINING_DAYS_MIN = field_minimum("days")
TRAINING_HOURS_MIN = field_minimum("hours")


def approving_body_types() -> dict[str, str]:
    """Every kind of approving body the rule sets name, with its Chinese name (checklist data)."""
    out: dict[str, str] = {}
    for rs in default_catalogue().ordered():
        out.update(rs.approving_bodies)
    return out
