"""What the API takes: a pydantic model for each JSON request body whose shape the `dossier/1` format
decides, shown in the OpenAPI schema (and so to every client generated from it).

These bodies are *described* by their models, not validated by them (`ShownAs`): the use cases validate
the raw body with the dossier format's own parser, and answer 422 with its Chinese messages, codes and
JSON paths (`$.steps[0].date`, `$.people[0].member_id`). A FastAPI body model would instead refuse first,
with pydantic's messages and paths of its own, and the record route (the one clients call all day, timed
by bench/api_load.py) would parse every entry twice.

The step entry is generated from the step schema (checklists/data/step_fields.toml, `step_schema()`):
a field declared there appears here with its type, its choices, its Chinese label and note, and the
steps that record it. Left out are the fields only the server writes: the recorder and the sign-off
(`SERVER_FIELDS`, stripped from any entry a client sends), the warning reason (the request's `reason`
becomes it) and the approving body of s17/s24 (the organisation tree gives it; the client may name the
organisation by `approving_organisation_id`).
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, create_model
from pydantic.fields import FieldInfo
from pydantic_core import core_schema

from checklists.step_fields import StepSchema, step_schema
from workflow.dossier import ApprovingBody, Assessment, Dossier, Person, PersonRef, Publicity, ThoughtReport, Votes
from workflow.service_layer.entries import SERVER_FIELDS
from workflow.service_layer.reviewed_changes import MAX_REASON, WEB_CASE_EVENTS
from workflow.store.cultivation import LEAGUE_FIELD

__all__ = ["Assessment", "CaseEventIn", "Dossier", "Person", "Publicity", "ShownAs", "StepEntryIn", "StepRecordIn",
           "ThoughtReport", "WRITTEN_BY_SERVER", "step_entry_model"]

WRITTEN_BY_SERVER = frozenset(SERVER_FIELDS) | {"warning_reason", "approving_body"}
"""Step fields a client does not send: the server writes them (see the module's docstring)."""


class ShownAs:
    """`Annotated[dict[str, Any], ShownAs(Model)]`: the value is taken as any JSON object, as before, and
    the OpenAPI schema shows it as `Model` (pydantic's `json_schema_input_schema`)."""

    def __init__(self, model: type[BaseModel]):
        self.model = model

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            _unchanged, handler(source), json_schema_input_schema=handler.generate_schema(self.model))


def _unchanged(value: Any) -> Any:
    return value


# ---------------------------------------------------------------- the step entry, from the step schema

class RosterPersonIn(BaseModel):
    """A contact or introducer named by the roster: the server fills in the name, status and discipline
    as they stood on the step's date."""

    model_config = ConfigDict(extra="allow")

    member_id: int = Field(ge=1, description="党员名册中的编号（GET /api/members）")


def _choices(schema: StepSchema, key: str) -> tuple[str, ...]:
    """Every value the field accepts at some step (s15's and s23's outcomes together)."""
    spec = schema.fields[key]
    values = dict.fromkeys(v for step_values in schema.choice_values(key).values() for v in step_values)
    if not values and spec.values:
        values = dict.fromkeys(schema.table(spec.values).values)
    return tuple(values)


def _annotation(schema: StepSchema, key: str) -> Any:
    spec = schema.fields[key]
    if spec.type in ("choice", "choices"):
        values = _choices(schema, key)
        one = Literal[values] if values else str
        return list[one] if spec.type == "choices" else one
    return {"date": dt.date, "text": str, "int": int, "number": float, "bool": bool,
            "people": list[PersonRef | RosterPersonIn], "votes": Votes, "approving_body": ApprovingBody}[spec.type]


def _description(schema: StepSchema, key: str) -> str:
    spec = schema.fields[key]
    parts = [spec.note] if spec.note else []
    steps = schema.steps_with(key)
    if steps:
        parts.append("记录于 " + "、".join(steps))
    per_step = schema.choice_values(key)
    if len(per_step) > 1:
        parts.append("；".join(f"{step} 可选 {'、'.join(values)}" for step, values in per_step.items()))
    return "。".join(parts)


def _field(schema: StepSchema, key: str) -> tuple[Any, FieldInfo]:
    spec = schema.fields[key]
    limits = {"max_length": spec.max_length} if spec.type == "text" and spec.max_length else {}
    if spec.type == "number" and spec.minimum is not None:
        limits["ge"] = spec.minimum
    return _annotation(schema, key) | None, Field(default=None, title=spec.label,
                                                  description=_description(schema, key) or None, **limits)


class _StepEntryBase(BaseModel):
    """Fields a client does not list here are kept in the dossier as given (bounded), as `dossier/1` keeps them."""

    model_config = ConfigDict(extra="allow")


def step_entry_model(schema: StepSchema | None = None, name: str = "StepEntryIn") -> type[BaseModel]:
    """The step entry a client sends, built from the step schema: `step`, `date`, every field the schema
    declares except those the server writes, and the two ids the server turns into fields."""
    schema = schema or step_schema()
    fields: dict[str, Any] = {
        "step": (str, Field(min_length=1, title="步骤", description="步骤编号，如 s01_application（GET /api/rules）")),
        "date": (dt.date, Field(title=schema.fields["date"].label, description="YYYY-MM-DD")),
    }
    for key in schema.fields:
        if key not in fields and key not in WRITTEN_BY_SERVER:
            fields[key] = _field(schema, key)
    fields["approving_organisation_id"] = (int | None, Field(
        default=None, title="审批组织",
        description="s17/s24：作为审批机关的组织（本档案所在组织或其上级党委）；不填取最近的上级党委"))
    fields[LEAGUE_FIELD] = (int | None, Field(
        default=None, title="团组织推优记录", description="s03：引用的推优记录编号，nomination 随之含 league"))
    return create_model(name, __base__=_StepEntryBase, __doc__="一条步骤记录（dossier/1 的 steps[] 项，由服务端写记录人与审核）",
                        **fields)


StepEntryIn = step_entry_model()


class StepRecordIn(StepEntryIn):
    """The body of `POST /api/dossiers/{id}/steps`: the step entry, and why a warning may be passed."""

    reason: str | None = Field(default=None, title="提醒事项说明", description="规则提出提醒（warning）时的说明")


StepEntryBody = Annotated[dict[str, Any], ShownAs(StepEntryIn)]


# ---------------------------------------------------------------- a proposed case event

class CaseEventIn(BaseModel):
    """The body of `POST /api/dossiers/{id}/events`: a case event proposed for a second person's review."""

    kind: Literal[WEB_CASE_EVENTS] = Field(title="事项")
    date: dt.date = Field(description="YYYY-MM-DD，不晚于今天，不早于最后一个步骤")
    reason: str = Field(min_length=1, max_length=MAX_REASON, title="理由")
    to_organisation_id: int | None = Field(default=None, description="transfer_out：转入的本系统党组织")
    organisation: str | None = Field(default=None, max_length=200,
                                     description="transfer_out：系统外转入单位的名称（无 to_organisation_id 时）")
