"""View models of the web pages: what each step's form asks, where a finding is shown, the timeline.

Nothing here decides whether a step is allowed: the timeline reads the engine's plan, refusals come
from the engine's findings, and this module only chooses where on the page each one is shown.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from checklists.loader import default_catalogue
from checklists.model import RuleSet
from checklists.step_fields import FieldSpec, step_schema
from workflow import engine
from workflow.audit import make_context
from workflow.dossier import Dossier
from workflow.errors import FazhanError, StepRefused
from workflow.machine import machine_for, procedure_machine
from workflow.plan import DossierPlan, NextStep
from workflow.rules.kinds import kind_of, rules_of_kind
from workflow.rules.templates import phrase

# Words for machine values: the value tables of checklists/data/step_fields.toml.
ROLE_NAMES = step_schema().words("role")
LEVEL_NAMES = step_schema().words("org_level")
SEVERITY_NAMES = step_schema().words("severity")
NOMINATIONS = step_schema().table("nomination").choices(long=True)
MEMBER_STATUS = step_schema().table("member_status").choices()
OUTCOME_NAMES = step_schema().field_words("outcome", long=True)
EVENT_NAMES = step_schema().words("history_event")
VOTE_FIELDS = [(count.key, count.label) for count in step_schema().votes]
"""The counts of a vote with their words on the pages (step_fields.toml `[[votes]]`)."""
DATE_LABELS = {step_id: fields.date_label for step_id, fields in step_schema().steps.items()
               if fields.date_label != step_schema().fields["date"].label}
"""The steps that name their date their own way (the meeting form has its own word for the others)."""

# Which part of a step's form a finding is shown next to, by the kind of rule that raised it.
_SLOT_BY_KIND = {"min_age": "date", "max_gap": "date", "min_gap": "date", "date_order": "date",
                 "future_date": "date", "publicity": "date", "periodic_assessment": "date",
                 "before_leaving": "date", "thought_reports": "date", "nomination": "nomination",
                 "people": "people", "training": "training", "quorum": "votes", "vote": "votes",
                 "extension": "outcome", "party_standing": "party_standing_from",
                 "discipline_period": "people", "approver": "approving_organisation_id"}

# What the web adds to the fields the checklist declares (checklists/data/step_fields.toml), by field
# type or key, never by step: the approving body is chosen from the organisation tree and posted as its
# id; some fields share one part of the page (their problems are shown together); a nomination may name
# the 推优 record behind it; a person chosen from the roster is posted as parts of one row.
_SLOT_BY_TYPE = {"approving_body": "approving_organisation_id"}
_GROUP_OF_FIELD = {"start": "training", "days": "training", "hours": "training", "exception": "training",
                   "extend_months": "outcome"}
GROUP_LEGENDS = {"training": "集中培训"}
"""Parts of the form made of several fields under one heading of their own."""
REFERENCES = {"nomination": "league_recommendation_id"}
"""A choice that may name the record behind it (s03's 推优 record)."""
PRESELECTABLE = ("outcome",)
"""Choices offered as a list, so a link can preselect one (the dossier page's 延长预备期 link)."""
_PERSON_PARTS = ("name", "status", "discipline", "discipline_until", "member_id")
_SEVERAL_INPUTS = ("choices", "people", "votes")


def ruleset(dossier: Dossier | None = None, today: dt.date | None = None) -> RuleSet:
    """The steps (names, order, prerequisites) a dossier follows: 2014 or 2026.05 (workflow.procedure)."""
    return machine_for(dossier, today).rule_set if dossier is not None else procedure_machine().rule_set


def rules_for(dossier: Dossier, day: dt.date) -> RuleSet:
    return make_context(dossier, day).ruleset_for(day)


# ---------------------------------------------------------------- the parts of a step's form

def step_fields(step_id: str) -> tuple[FieldSpec, ...]:
    """The step's own fields in page order, with the step's wording and value tables."""
    return step_schema().for_step(step_id).fields


def date_label(step_id: str) -> str:
    return step_schema().for_step(step_id).date_label


def step_offering(key: str, value: str) -> str | None:
    """The step whose field `key` offers `value` (the conversion meeting for outcome `extend`): for a
    link that opens that step's form with the value chosen."""
    return next((step for step, values in step_schema().choice_values(key).items() if value in values), None)


def field_of(step_id: str, key: str) -> FieldSpec | None:
    """The step's field `key` with the step's wording, or None when the step does not record it."""
    return step_schema().for_step(step_id).get(key)


def vote_hints(rs: RuleSet, step_id: str) -> dict[str, str]:
    """What a meeting's form says before the vote is recorded, by rule kind ("quorum", "vote"): the
    `hint` phrase of the step's quorum and vote rules in the rule set, so the figure the page
    states (过半数, 一半) is the one the rule checks. A kind without a hint is left out."""
    out: dict[str, str] = {}
    for kind in ("quorum", "vote"):
        for rule in rules_of_kind(rs, kind, step_id):
            if "hint" in rule.params.phrases:
                out.setdefault(kind, phrase(rule, "hint"))
    return out


def assessment_name(day: dt.date | None = None) -> str:
    """The activist's periodic assessment as pages name it ("半年考察"): the `every` of the rule in force
    on `day` (today), so a rule set or overlay that assesses more often renames the pages with it."""
    rs = rule_set_on(day or dt.date.today())
    rule = next((r for r in rules_of_kind(rs, "periodic_assessment") if r.params.period == "activist"), None)
    every = kind_of(rule).message_params(rule).get("every") if rule is not None else None
    return f"{every or ''}考察"


def rule_set_on(day: dt.date) -> RuleSet:
    """The national rule set in force on `day` (a page about no one dossier: the branch meeting form)."""
    return default_catalogue().in_force(day)


def _slot(spec: FieldSpec) -> str:
    return _GROUP_OF_FIELD.get(spec.key) or _SLOT_BY_TYPE.get(spec.type) or spec.key


def is_list_choice(spec: FieldSpec) -> bool:
    """A choice offered as a drop-down list rather than as radio buttons."""
    return spec.type == "choice" and spec.key in PRESELECTABLE


@dataclass(frozen=True)
class FormPart:
    """One part of a step's form: its fields, and the slot where their problems are shown."""

    slot: str
    fields: tuple[FieldSpec, ...]

    @property
    def grouped(self) -> bool:
        return self.slot in GROUP_LEGENDS

    @property
    def legend(self) -> str | None:
        """The heading of a part that holds several inputs (a group, checkboxes, radio buttons, rows)."""
        if self.grouped:
            return GROUP_LEGENDS[self.slot]
        only = self.fields[0]
        several = only.type in _SEVERAL_INPUTS or (only.type == "choice" and not is_list_choice(only))
        return only.label if len(self.fields) == 1 and several else None


def form_parts(step_id: str) -> list[FormPart]:
    """The parts of the step's form after its date, in page order."""
    parts: dict[str, list[FieldSpec]] = {}
    for spec in step_fields(step_id):
        parts.setdefault(_slot(spec), []).append(spec)
    return [FormPart(slot, tuple(fields)) for slot, fields in parts.items()]


def step_slots(step_id: str) -> list[str]:
    """The parts of the form for one step, in page order ("date" first, "reason" last)."""
    return ["date", *(part.slot for part in form_parts(step_id))]


def slot_of_field(key: str) -> str:
    """The part of the form a field's problem is shown in (a field of no part: itself)."""
    spec = step_schema().fields.get(key)
    if spec is not None:
        return _slot(spec)
    if key in _PERSON_PARTS:
        return "people"
    return next((field for field, reference in REFERENCES.items() if reference == key), key)


def choices(spec: FieldSpec) -> list[tuple[str, str]]:
    """The values a choice field offers, with the fuller wording a page shows beside each."""
    return step_schema().table(spec.values).choices(long=True) if spec.values else []


def blank_choice(spec: FieldSpec) -> str:
    """What leaving a listed choice blank means: the first value, which the engine takes when none is
    recorded (a meeting's result follows its vote; a conversion meeting converts)."""
    first = choices(spec)[0][0]
    return f"{step_schema().table(spec.values).label(first)}（默认）"


def value_label(table: str, value: Any) -> str:
    return step_schema().table(table).label(value, "") or ""


def form_figures(rules: RuleSet, step_id: str) -> dict[str, Any]:
    """The rules' own figures the form shows beside its fields: the training minimum, the months a
    probation may be extended by, how many people this step names (overlay included), and under
    "hints" the meeting's quorum and vote hints (`vote_hints`)."""
    figures: dict[str, Any] = {rule.kind: rule.params for rule in rules.rules if rule.kind in ("training", "extension")}
    figures.update({rule.kind: rule.params for rule in rules.rules if rule.kind == "people" and step_id in rule.steps})
    figures["hints"] = vote_hints(rules, step_id)
    return figures


# ---------------------------------------------------------------- form values <-> step entries

def _number(text: str, kind=int) -> Any:
    text = text.strip()
    try:
        value = kind(text)
    except ValueError:
        return text  # the engine names what is wrong with it
    if kind is float:
        if not math.isfinite(value):
            return text
        if value == int(value):
            return int(value)
    return value


def _read_typed(spec: FieldSpec, form: dict, entry: dict) -> None:
    """date, text, choice: passed as typed (the parser names what is wrong with it)."""
    value = form.get(spec.key, "").strip()
    if value:
        entry[spec.key] = value


def _read_count(spec: FieldSpec, form: dict, entry: dict) -> None:
    if form.get(spec.key, "").strip():
        entry[spec.key] = _number(form[spec.key], float if spec.type == "number" else int)


def _read_bool(spec: FieldSpec, form: dict, entry: dict) -> None:
    if form.get(spec.key):
        entry[spec.key] = True


def _read_choices(spec: FieldSpec, form: dict, entry: dict) -> None:
    entry[spec.key] = list(form.get(f"{spec.key}_list", []))
    reference = REFERENCES.get(spec.key)
    chosen = form.get(reference, "").strip() if reference else ""
    if chosen:  # a record chosen (s03's 推优): the store checks it is this person's and valid on the day
        entry[reference] = int(chosen) if chosen.isdigit() and len(chosen) <= 12 else chosen[:40]


def _read_people(spec: FieldSpec, form: dict, entry: dict) -> None:
    people = []
    for i in range(spec.rows or 1):  # the rows the form offers (step_fields.toml `rows`)
        member = form.get(f"people-{i}-member", "").strip()
        if member.isdigit() and len(member) <= 12:  # chosen from the roster: its data, as of the step's date
            people.append({"member_id": int(member)})
            continue
        name = form.get(f"people-{i}-name", "").strip()  # typed (a client posting the old form)
        if not name:
            continue
        person = {"name": name, "status": form.get(f"people-{i}-status", "full")}
        discipline = form.get(f"people-{i}-discipline", "").strip()
        person["discipline"] = discipline or None
        until = form.get(f"people-{i}-discipline_until", "").strip()
        if until:
            person["discipline_until"] = until
        people.append(person)
    entry[spec.key] = people


def _read_votes(spec: FieldSpec, form: dict, entry: dict) -> None:
    votes = {}
    for count in step_schema().votes:
        value = form.get(f"{spec.key}.{count.key}", "").strip()
        if value:
            votes[count.key] = _number(value)
    entry[spec.key] = votes


def _read_approving_body(spec: FieldSpec, form: dict, entry: dict) -> None:
    """The body is chosen from the organisation tree; the store writes its name and type."""
    chosen = form.get("approving_organisation_id", "").strip()
    if chosen.isdigit():
        entry["approving_organisation_id"] = int(chosen)


_READ_BY_TYPE = {"date": _read_typed, "text": _read_typed, "choice": _read_typed, "int": _read_count,
                 "number": _read_count, "bool": _read_bool, "choices": _read_choices, "people": _read_people,
                 "votes": _read_votes, "approving_body": _read_approving_body}


def entry_from_form(step_id: str, form: dict[str, Any]) -> dict:
    """The `dossier/1` step entry the user typed; empty fields are left out, text is passed as typed."""
    entry: dict[str, Any] = {"step": step_id, "date": form.get("date", "").strip()}
    for spec in step_fields(step_id):
        _READ_BY_TYPE[spec.type](spec, form, entry)
    return entry


def _shown(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value == int(value) else str(value)


def _write_people(key: str, entry: dict, form: dict) -> None:
    for i, person in enumerate(entry.get(key) or []):
        if person.get("member_id") is not None:
            form[f"people-{i}-member"] = str(person["member_id"])
        form[f"people-{i}-name"] = person.get("name", "")
        form[f"people-{i}-status"] = person.get("status", "full")
        form[f"people-{i}-discipline"] = person.get("discipline") or ""
        form[f"people-{i}-discipline_until"] = person.get("discipline_until") or ""


def form_from_entry(entry: dict) -> dict:
    """The form values of a recorded step (to correct it)."""
    form: dict[str, Any] = {}
    if entry.get("date") is not None:
        form["date"] = str(entry["date"])
    for spec in step_fields(entry.get("step", "")):
        key, value = spec.key, entry.get(spec.key)
        if spec.type == "choices":
            form[f"{key}_list"] = list(value or [])
            reference = REFERENCES.get(key)
            if reference and entry.get(reference) is not None:
                form[reference] = str(entry[reference])
        elif spec.type == "people":
            _write_people(key, entry, form)
        elif spec.type == "votes":
            for name, count in (value or {}).items():
                form[f"{key}.{name}"] = str(count)
        elif spec.type == "approving_body":
            if entry.get("approving_organisation_id") is not None:
                form["approving_organisation_id"] = str(entry["approving_organisation_id"])
        elif value is not None:
            form[key] = _shown(value) if spec.type in ("int", "number") else str(value)
    return form


# ---------------------------------------------------------------- where each problem is shown

@dataclass
class Problem:
    message: str
    code: str
    severity: str = "violation"
    article: str = ""
    rule_name: str = ""


def problems_by_slot(exc: FazhanError, step_id: str, slots: list[str], dossier: Dossier,
                     day: dt.date | None) -> dict[str, list[Problem]]:
    """Every finding or input problem of a refusal, keyed by the part of the form it concerns."""
    out: dict[str, list[Problem]] = {}
    rs = rules_for(dossier, day or dt.date.today())
    for detail in exc.details or [{"message": exc.message, "code": exc.code, "field": exc.field,
                                   "path": exc.path}]:
        if "severity" in detail:  # an engine finding
            rule = rs.rule_by_code.get(detail["code"])
            slot = "_general"
            if detail.get("step") == step_id and rule is not None:
                slot = _SLOT_BY_KIND.get(rule.kind, "_general")
                if rule.kind == "required_fields" and detail.get("subject"):
                    slot = slot_of_field(detail["subject"])
            problem = Problem(detail.get("message", ""), detail["code"], detail["severity"],
                              detail.get("article") or (rule.article if rule else ""), rule.name if rule else "")
        else:  # malformed input: the path names the field
            path = (detail.get("path") or "").removeprefix("$.").removeprefix("$")
            head = path.split(".")[0].split("[")[0] if path else (detail.get("field") or "")
            slot = slot_of_field(head) or "_general"
            reason = detail.get("reason") or detail.get("message") or exc.message
            problem = Problem(reason, detail.get("code") or exc.code)
        if slot not in slots:
            slot = "_general"
        out.setdefault(slot, []).append(problem)
    return out


# ---------------------------------------------------------------- the 25-step timeline

@dataclass
class TimelineItem:
    status: str  # reviewed | waiting | available | blocked | not_yet
    index: int | None = None
    entry: dict | None = None
    earliest: dt.date | None = None
    deadline: dt.date | None = None
    deadline_rule: str = ""
    reasons: list[str] = field(default_factory=list)
    returned: list[dict] = field(default_factory=list)
    warning_reason: str | None = None


@dataclass
class TimelineStep:
    id: str
    number: int
    name: str
    actor: str
    items: list[TimelineItem]


@dataclass
class TimelineStage:
    number: int
    name: str
    steps: list[TimelineStep]


STATUS_NAMES = step_schema().words("plan_status")
"""A timeline item's badge (TimelineItem.status), in the words of step_fields.toml."""


def rule_label(rs: RuleSet, code: str | None) -> str:
    """"名称（规则集 条款）"; a code the given rule set lacks is looked up in the other national sets."""
    rule = rs.rule_by_code.get(code or "")
    if rule is None:
        rule = next((other.rule_by_code[code] for other in default_catalogue().national.values()
                     if code in other.rule_by_code), None)
    if rule is None:
        return code or ""
    return f"{rule.name}（{rule.rule_set or rs.id}{' ' + rule.article if rule.article else ''}）"


def rule_names(dossier: Dossier, codes: list[str], day: dt.date) -> list[str]:
    rs = rules_for(dossier, day)
    return [rs.rule_by_code[c].name if c in rs.rule_by_code else c for c in codes]


def blocked_reasons(dossier: Dossier, item: NextStep, today: dt.date) -> list[str]:
    """The engine's own words for what blocks a step, by trying it on its earliest possible day."""
    rs = rules_for(dossier, max(item.earliest, today))
    on = max(item.earliest, today)
    try:
        engine.record_step(dossier, {"step": item.step, "date": on.isoformat()}, max(today, on))
    except StepRefused as exc:
        messages = [d["message"] for d in exc.details if d.get("code") in item.blocked_by]
        if messages:
            return list(dict.fromkeys(messages))
    except FazhanError:
        pass
    return [rule_label(rs, code) for code in item.blocked_by]


def returns_by_index(events: list[dict]) -> dict[int, list[dict]]:
    """Send-backs still standing: those after the step's latest recording or correction."""
    out: dict[int, list[dict]] = {}
    for event in events:
        info = event.get("info") or {}
        index = info.get("index")
        if not isinstance(index, int):
            continue
        if event["kind"] in ("step_recorded", "step_corrected", "step_reviewed"):
            out.pop(index, None)
        elif event["kind"] == "step_returned":
            out.setdefault(index, []).append({"by": event["actor"], "at": event["at"][:10],
                                              "comment": info.get("comment", "")})
    return out


def timeline(dossier: Dossier, plan: DossierPlan, today: dt.date, events: list[dict]) -> list[TimelineStage]:
    rs = ruleset(dossier, today)
    returned = returns_by_index(events)
    next_by_step = {n.step: n for n in plan.next}
    stages = []
    for stage in rs.stages:
        steps = []
        for step in (s for s in rs.steps_in_order if s.stage == stage.number):
            items = []
            for index, entry in enumerate(dossier.steps):
                if entry.step != step.id:
                    continue
                data = entry.model_dump(mode="json", exclude_none=True)
                items.append(TimelineItem("reviewed" if entry.reviewed_by else "waiting", index=index, entry=data,
                                          returned=returned.get(index, []), warning_reason=entry.warning_reason))
            planned = next_by_step.get(step.id)
            if planned is not None:
                deadline_rule = rule_label(rules_for(dossier, planned.deadline), planned.deadline_code) \
                    if planned.deadline else ""
                if planned.blocked_by:
                    items.append(TimelineItem("blocked", earliest=planned.earliest, deadline=planned.deadline,
                                              deadline_rule=deadline_rule,
                                              reasons=blocked_reasons(dossier, planned, today)))
                else:
                    items.append(TimelineItem("available", earliest=planned.earliest, deadline=planned.deadline,
                                              deadline_rule=deadline_rule))
            if not items:
                items.append(TimelineItem("not_yet"))
            steps.append(TimelineStep(step.id, step.number, step.name, step.actor, items))
        stages.append(TimelineStage(stage.number, stage.name, steps))
    return stages


def current_stage(dossier: Dossier) -> int:
    rs = ruleset(dossier)
    done = [rs.step_by_id[s.step].stage for s in dossier.steps if s.step in rs.step_by_id]
    return max(done, default=1)
