"""Typed shapes of the checklist data: a rule set is states, stages, steps, rules, materials, forms."""
# Annotations are evaluated as written (no `from __future__ import annotations`): pydantic would
# otherwise evaluate each field's annotation from its text while building the class, about a sixth of
# the cost of building these models on every command that loads the checklists (issue 13).
import datetime as dt
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from checklists.kinds import KindParams

Severity = Literal["violation", "warning", "info"]
SEVERITY_RANK = {"info": 0, "warning": 1, "violation": 2}


class _Data(BaseModel):
    # defer_build: the validators are built on first validation; a file audit reads the catalogue from
    # checklists.catalogue_cache and so validates nothing (nor loads pydantic's plugin machinery)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class State(_Data):
    id: str
    name: str
    live: bool = False


class Stage(_Data):
    number: int
    name: str
    state: str


class Step(_Data):
    """One step of the flowchart as a rule set defines it (the id is stable; name, order and
    prerequisites may differ between rule sets: 2026.05 moves 上级党委同意 before 列为发展对象)."""

    id: str
    number: int
    position: float | None = None
    stage: int
    name: str
    actor: str
    requires: list[str]
    enters_state: str | None = None
    absent_code: str | None = None
    period: bool = False
    probation_cycle: bool = False
    in_state: str | None = None
    also_in_states: list[str] = []
    blocked_while: list[str] = []
    archives: bool = False  # files the case's materials: the step that closes a case in its end state
    article: str

    @property
    def order(self) -> float:
        """Where the step stands in this rule set's procedure (its number unless moved)."""
        return self.position if self.position is not None else float(self.number)


class Probation(_Data):
    starts_with: str
    months: int
    decided_by: str
    approved_by: str
    first_cycle_step: str
    article: str


class Outcome(_Data):
    """A recorded value that moves the case elsewhere. `field` may be dotted ("votes.carried", or a
    field of the same cycle's s23); `unless_continued`: only when no later step treats it otherwise
    (a failed vote ends the case unless the case went on as if it had passed)."""

    step: str
    field: str
    value: str | bool
    dest: str
    name: str
    unless_continued: bool = False


class ProcedureOrder(_Data):
    """Which national rule set's order of steps a dossier follows: the rule set in force on the first
    of these dates the dossier records ("step.field" or "step" for its date); `steps` are judged under it."""

    decided_by: list[str]
    steps: list[str]


class CaseEvent(_Data):
    id: str
    name: str
    dest: str
    sources: list[str] | None = None
    article: str | None = None


class Rule(BaseModel):
    """One check: a code, a kind, the kind's parameters, and the words people read."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True)

    code: str
    kind: str
    severity: Severity
    article: str
    name: str
    message: str
    basis: str | None = None
    checked_at: Literal["record", "review"] = "record"
    params: KindParams
    rule_set: str = ""
    overlay: str | None = None

    @property
    def steps(self) -> list[str | None]:
        """The steps at which this rule is evaluated; [None] for rules that look at every step."""
        params = self.params
        if hasattr(params, "steps"):
            return list(params.steps)
        if hasattr(params, "fields"):
            return list(params.fields)
        if hasattr(params, "step"):
            return [params.step]
        return [None]


class Material(_Data):
    id: str
    step: str
    name: str
    signed_by: list[str]
    file: str
    required: Literal["yes", "when_used", "overlay"]


class FileSection(_Data):
    """A section of the personal file; the rule set lists them in the order the archive files them."""

    id: str
    name: str
    mark: str = ""


class Form(_Data):
    id: str
    material: str | None = None
    stage: int
    name: str
    steps: list[str]
    overlay_only: bool = False


class RuleSet(BaseModel):
    """A national rule set, possibly with a local overlay applied on top."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True,
                              ignored_types=(cached_property,), defer_build=True)

    id: str
    title: str
    document: str
    issued: dt.date
    in_force_from: dt.date
    in_force_until: dt.date | None = None
    article_note: str | None = None
    overlay: str | None = None
    overlay_name: str | None = None
    review_same_branch: bool = False
    probation: Probation
    procedure_order: ProcedureOrder
    states: list[State]
    stages: list[Stage]
    steps: list[Step]
    outcomes: list[Outcome]
    case_events: list[CaseEvent]
    rules: list[Rule]
    materials: list[Material]
    file_sections: list[FileSection]
    forms: list[Form]
    words: dict[str, str] = Field(default_factory=dict)
    approving_bodies: dict[str, str] = Field(default_factory=dict)
    extra: dict = Field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.id}+{self.overlay}" if self.overlay else self.id

    @cached_property
    def step_by_id(self) -> dict[str, Step]:
        return {step.id: step for step in self.steps}

    @cached_property
    def step_index(self) -> dict[str, int]:
        return {step.id: i for i, step in enumerate(self.steps_in_order)}

    @cached_property
    def steps_in_order(self) -> list[Step]:
        """The steps in this rule set's procedural order (display, forms, spreadsheet columns)."""
        return sorted(self.steps, key=lambda step: step.order)

    @cached_property
    def descendants(self) -> dict[str, frozenset[str]]:
        """Every step that (transitively) requires each step: "has the case gone on after it?"."""
        out: dict[str, frozenset[str]] = {}

        def walk(step_id: str) -> frozenset[str]:
            if step_id not in out:
                found: set[str] = set()
                for child in self.dependants[step_id]:
                    found.add(child)
                    found |= walk(child)
                out[step_id] = frozenset(found)
            return out[step_id]

        for step in self.steps:
            walk(step.id)
        return out

    @cached_property
    def material_by_id(self) -> dict[str, Material]:
        return {m.id: m for m in self.materials}

    @cached_property
    def rules_by_step(self) -> dict[str | None, list[Rule]]:
        out: dict[str | None, list[Rule]] = {}
        for rule in self.rules:
            for step in rule.steps:
                out.setdefault(step, []).append(rule)
        return out

    @cached_property
    def rule_by_code(self) -> dict[str, Rule]:
        return {rule.code: rule for rule in self.rules}

    @cached_property
    def required_materials_by_step(self) -> dict[str, list[Material]]:
        out: dict[str, list[Material]] = {}
        for material in self.materials:
            if material.required == "yes":
                out.setdefault(material.step, []).append(material)
        return out

    @cached_property
    def dependants(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {step.id: [] for step in self.steps}
        for step in self.steps:
            for req in step.requires:
                out[req].append(step.id)
        return out

    def in_force_on(self, day: dt.date) -> bool:
        return self.in_force_from <= day and (self.in_force_until is None or day <= self.in_force_until)
