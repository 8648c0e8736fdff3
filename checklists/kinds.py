"""The parameters of each rule kind, and which way each parameter tightens.

The engine has one evaluator per kind; these schemas are what the data may say to it. Each
parameter that a local overlay may change carries `stricter` ("lower" or "higher"): an overlay
value on the other side of the national one loosens the rule and is refused at load.
"""
# Annotations are evaluated as written (no `from __future__ import annotations`): pydantic would
# otherwise evaluate each field's annotation from its text while building the class, about a sixth of
# the cost of building these models on every command that loads the checklists (issue 13).
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from checklists.gaps import Gap

LOWER = {"stricter": "lower"}
HIGHER = {"stricter": "higher"}


class KindParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True)

    @field_validator("*", mode="before")
    @classmethod
    def _gaps(cls, value: Any, info):
        field = cls.model_fields.get(info.field_name)
        if field is not None and field.annotation in (Gap, Gap | None) and isinstance(value, str):
            return Gap.parse(value)
        return value


class NoParams(KindParams):
    pass


class MinAge(KindParams):
    step: str
    months: int = Field(json_schema_extra=HIGHER)


class MaxGap(KindParams):
    """At most `within` after the anchor. `excused_by`: a recorded field that allows up to
    `excused_within` at `excused_severity`; `waived_by`: a recorded field that lifts the limit (a
    collective oath); `only_after_events`/`unless_after_events`: the rule applies only to (or not to) a
    case with one of those case events after `event_after` (a probationary member transferred in)."""

    step: str
    from_: str = Field(alias="from")
    within: Gap = Field(json_schema_extra=LOWER)
    excused_by: str | None = None
    excused_within: Gap | None = Field(default=None, json_schema_extra=LOWER)
    excused_severity: str | None = None
    waived_by: str | None = None
    only_after_events: list[str] = []
    unless_after_events: list[str] = []
    event_after: str | None = None


class MinGap(KindParams):
    """At least `at_least` after the anchor, measured to the step's date or to its field `to` (2026:
    the branch committee meeting recorded on 上级党委同意)."""

    step: str
    from_: str = Field(alias="from")
    at_least: Gap = Field(json_schema_extra=HIGHER)
    to: str | None = None


class Nomination(KindParams):
    step: str
    accepted: list[str]


Phrases = dict[str, str]
"""The sentences a kind fills into its message ("{problem}", "{status}"), one per case it tells apart,
written in the data with the rule's own figures (workflow.rules.templates.phrase fills them)."""


class People(KindParams):
    """`phrases`: `count_exact` and `count_range` ({role}, {min}, {max}, {actual}), `status` ({role},
    {name}, {date}, {status}, {wanted_status}), `discipline` ({role}, {name}, {discipline})."""

    step: str
    min: int = Field(json_schema_extra=HIGHER)
    max: int = Field(json_schema_extra=LOWER)
    status: str
    forbidden_discipline: list[str] = []
    role: str
    phrases: Phrases


class PeriodicAssessment(KindParams):
    step: str
    from_: str = Field(alias="from")
    every: Gap = Field(json_schema_extra=LOWER)
    period: str
    to: str | None = None


class ThoughtReports(KindParams):
    step: str
    from_: str = Field(alias="from")
    every: Gap = Field(json_schema_extra=LOWER)
    while_state: str


class Publicity(KindParams):
    """A notice of at least `working_days` before the step; a 流动人员 needs one in each of
    `mobile_places` (流出地 and 流入地). `phrases`: `missing` ({step_name}, {label}, {where}), `short`
    ({label}, {where}, {start}, {end}, {counted}, {working_days}, {last_day}), `not_over` ({step_name},
    {date}, {label}, {where}, {end})."""

    step: str
    publicity: str
    working_days: int = Field(json_schema_extra=HIGHER)
    mobile_places: list[str] = []
    phrases: Phrases


class PaperReview(KindParams):
    """`phrases`: `confirmed` ({confirmed_by}, {confirmed_on}), `pending`: the status a paper sign-off
    is shown with."""

    phrases: Phrases


class DisciplinePeriod(KindParams):
    """People named at `step` whose recorded discipline of one of `disciplines` is still in its
    influence period (`until` on or after the step's date)."""

    step: str
    disciplines: list[str]
    role: str


class Approver(KindParams):
    """The approving body recorded in `field` must be of one of the `allowed` types."""

    steps: list[str]
    field: str
    allowed: list[str]


class RequiredValue(KindParams):
    step: str
    source: str
    field: str
    value: str


class RequiredStep(KindParams):
    step: str
    source: str


class Training(KindParams):
    step: str
    source: str
    min_days: int = Field(json_schema_extra=HIGHER)
    min_hours: int = Field(json_schema_extra=HIGHER)
    exception_severity: str = "warning"


class RequiredFields(KindParams):
    fields: dict[str, list[str]]


class Meeting(KindParams):
    """`phrases`: `hint`, what the meeting's form tells people before they record the vote (the web
    step form and the branch meeting form print it)."""

    steps: list[str]
    phrases: Phrases = {}


class Extension(KindParams):
    """`phrases`: `no_months`, `months` ({months}, {min_months}, {max_months}), `times` ({earlier},
    {max_times})."""

    step: str
    min_months: int = Field(json_schema_extra=HIGHER)
    max_months: int = Field(json_schema_extra=LOWER)
    max_times: int = Field(json_schema_extra=LOWER)
    phrases: Phrases


class StepOnly(KindParams):
    step: str


class BeforeLeaving(KindParams):
    step: str
    within: Gap = Field(json_schema_extra=HIGHER)


KIND_PARAMS: dict[str, type[KindParams]] = {
    "date_order": NoParams,
    "future_date": NoParams,
    "step_missing": NoParams,
    "min_age": MinAge,
    "max_gap": MaxGap,
    "min_gap": MinGap,
    "nomination": Nomination,
    "people": People,
    "periodic_assessment": PeriodicAssessment,
    "thought_reports": ThoughtReports,
    "publicity": Publicity,
    "required_value": RequiredValue,
    "training": Training,
    "required_step": RequiredStep,
    "required_fields": RequiredFields,
    "quorum": Meeting,
    "vote": Meeting,
    "extension": Extension,
    "party_standing": StepOnly,
    "materials": NoParams,
    "signatures": NoParams,
    "review": NoParams,
    "self_review": NoParams,
    "paper_review": PaperReview,
    "archive_correction": NoParams,
    "before_leaving": BeforeLeaving,
    "discipline_period": DisciplinePeriod,
    "approver": Approver,
}


def is_stricter_or_equal(direction: str, national: Any, local: Any) -> bool:
    """Whether the overlay's value `local` is at least as strict as the national one."""
    if national is None:
        return True
    if local is None:
        return False
    if isinstance(national, Gap):
        if direction == "lower":
            return local.surely_not_longer_than(national)
        return national.surely_not_longer_than(local)
    return local <= national if direction == "lower" else local >= national
