"""What each step records, read from checklists/data/step_fields.toml: the one place it is declared.

The dossier parser takes its choices from here, the web form its fields and labels, the spreadsheet
its columns, the forms and pages their words for machine values, the sample dossiers their content.
A field, value or label added to the data therefore reaches every reader at once; nothing else in
the code lists a step's fields or a value's Chinese word.

The file is checked when loaded: an unknown field type, a field a step names that is not declared,
a value table nobody declared, or a step the rule sets do not know is refused with the file and key.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from checklists.errors import ChecklistError

STEP_FIELDS_FILE = Path(__file__).parent / "data" / "step_fields.toml"
FIELD_TYPES = ("date", "text", "int", "number", "bool", "choice", "choices", "people", "votes", "approving_body")
COMMON_FIELDS = ("date", "recorded_by", "reviewed_by", "reviewed_on")
"""Fields every step entry carries; a step's own fields come after them."""
SIDE_RECORDS = {"publicity": "publicity_kind", "assessments": "assessment_period"}
"""A step may say which notice is posted at it, and which assessments are made during it (the value
table each names a value of)."""


@dataclass(frozen=True)
class ValueTable:
    """Allowed machine values, in the order offered, with their Chinese words."""

    name: str
    labels: dict[str, str] = field(hash=False, compare=False)
    long: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    aliases: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, value: Any, default: str | None = None) -> str | None:
        return self.labels.get(value, default) if isinstance(value, str) else default

    def long_label(self, value: Any, default: str | None = None) -> str | None:
        return self.long.get(value) or self.label(value, default)

    def by_word(self) -> dict[str, str]:
        """Every word a person may type (label, long wording, alias) → the machine value."""
        out = {word: value for value, word in self.labels.items()}
        out.update({word: value for value, word in self.long.items()})
        out.update(self.aliases)
        return out

    def choices(self, long: bool = False) -> list[tuple[str, str]]:
        """(value, word) in the order offered; with `long`, the fuller wording where there is one."""
        return [(value, self.long_label(value) if long else word) for value, word in self.labels.items()]


@dataclass(frozen=True)
class FieldSpec:
    key: str
    type: str
    label: str
    values: str | None = None
    max_length: int | None = None
    minimum: float | None = None
    note: str = ""
    aliases: tuple[str, ...] = ()
    """Other labels this field had at this step (headers an earlier spreadsheet template printed;
    for a `people` field, the shorter word its columns began with): accepted on import, never shown."""
    rows: int | None = None
    """For a `people` field: how many persons the web form and the spreadsheet offer. A layout figure,
    not a rule: it exceeds every people rule's `max`, so a count the rule refuses can still be
    recorded and flagged (tests/checklists/test_step_fields.py holds it to that)."""


@dataclass(frozen=True)
class VoteCount:
    key: str
    label: str
    column: str


@dataclass(frozen=True)
class StepFields:
    """One step's own fields (after the common ones), in page order, with this step's wording."""

    step: str
    date_label: str
    fields: tuple[FieldSpec, ...]
    sample: dict = field(default_factory=dict, hash=False, compare=False)
    publicity: str | None = None
    """The notice (a `publicity_kind`) posted at this step: the spreadsheet puts its dates in this
    step's columns."""
    assessments: str | None = None
    """The assessments (an `assessment_period`) made during this step: the spreadsheet lists their days
    in this step's columns."""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def get(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)


@dataclass(frozen=True)
class StepSchema:
    values: dict[str, ValueTable] = field(hash=False, compare=False)
    fields: dict[str, FieldSpec] = field(hash=False, compare=False)
    steps: dict[str, StepFields] = field(hash=False, compare=False)
    votes: tuple[VoteCount, ...] = ()

    def for_step(self, step_id: str) -> StepFields:
        """The step's fields; a step the data does not list records only its date."""
        found = self.steps.get(step_id)
        if found is None:
            return StepFields(step_id, self.fields["date"].label, ())
        return found

    def table(self, name: str) -> ValueTable:
        return self.values[name]

    def words(self, name: str, long: bool = False) -> dict[str, str]:
        """value → word of one table (a copy: the cached schema is never changed by a reader)."""
        return dict(self.table(name).choices(long))

    def field_words(self, key: str, long: bool = False) -> dict[str, str]:
        """value → word for a choice field across every step that records it (s15's and s23's outcomes)."""
        out: dict[str, str] = {}
        for step in self.steps_with(key):
            table = self.field_table(step, key)
            if table is not None:
                out.update(table.choices(long))
        return out

    def field_table(self, step_id: str, key: str) -> ValueTable | None:
        """The value table a step's choice field offers (the outcome of s15 differs from s23's)."""
        spec = self.for_step(step_id).get(key) or self.fields.get(key)
        return self.values.get(spec.values) if spec is not None and spec.values else None

    def label(self, step_id: str | None, key: str) -> str:
        """A field's label at a step (the step's own wording when it has one)."""
        spec = self.for_step(step_id).get(key) if step_id else None
        if key == "date" and step_id:
            return self.for_step(step_id).date_label
        return (spec or self.fields[key]).label

    def steps_of(self, side: str) -> dict[str, str]:
        """Where each kind of notice (`side="publicity"`) or assessment period (`"assessments"`) is
        placed: {value: step id}, in step order."""
        return {getattr(s, side): s.step for s in self.steps.values() if getattr(s, side) is not None}

    def steps_with(self, key: str) -> tuple[str, ...]:
        return tuple(s.step for s in self.steps.values() if key in s.keys)

    def choice_values(self, key: str) -> dict[str, tuple[str, ...]]:
        """For a choice field, the values each step accepts ({step: values}); steps without it are absent."""
        return {step: self.field_table(step, key).values for step in self.steps_with(key)
                if self.field_table(step, key) is not None}


def _fail(message: str, key: str) -> ChecklistError:
    return ChecklistError(message, code="STEP_FIELDS_INVALID", file=str(STEP_FIELDS_FILE), path=key)


def _value_table(name: str, data: Any) -> ValueTable:
    if not isinstance(data, dict) or not data:
        raise _fail("取值表应为非空的“值 = 中文名称”表", f"values.{name}")
    labels, long, aliases = {}, {}, {}
    for value, word in data.items():
        if isinstance(word, str):
            labels[value] = word
            continue
        if not isinstance(word, dict) or not isinstance(word.get("label"), str):
            raise _fail("取值应为中文名称，或含 label 的表", f"values.{name}.{value}")
        labels[value] = word["label"]
        if word.get("long"):
            long[value] = str(word["long"])
        for alias in word.get("aliases", []):
            aliases[str(alias)] = value
    return ValueTable(name, labels, long, aliases)


def _field(key: str, data: Any, tables: dict[str, ValueTable]) -> FieldSpec:
    if not isinstance(data, dict):
        raise _fail("字段定义应为表", f"fields.{key}")
    unknown = set(data) - {"type", "label", "values", "max_length", "minimum", "note", "rows"}
    if unknown:
        raise _fail(f"未知的设置：{'、'.join(sorted(unknown))}", f"fields.{key}")
    rows = data.get("rows")
    if data.get("type") == "people" and (not isinstance(rows, int) or isinstance(rows, bool) or rows < 1):
        raise _fail("人员字段应以 rows 给出可填写的人数（正整数）", f"fields.{key}.rows")
    if data.get("type") != "people" and rows is not None:
        raise _fail("只有人员字段有 rows", f"fields.{key}.rows")
    if data.get("type") not in FIELD_TYPES:
        raise _fail(f"type 应为 {'、'.join(FIELD_TYPES)} 之一", f"fields.{key}.type")
    if not isinstance(data.get("label"), str) or not data["label"]:
        raise _fail("缺少 label", f"fields.{key}.label")
    if data.get("values") is not None and data["values"] not in tables:
        raise _fail(f"未定义的取值表“{data['values']}”", f"fields.{key}.values")
    return FieldSpec(key, data["type"], data["label"], data.get("values"), data.get("max_length"),
                     data.get("minimum"), data.get("note", ""), rows=rows)


def _step(step_id: str, data: Any, fields: dict[str, FieldSpec], tables: dict[str, ValueTable]) -> StepFields:
    if not isinstance(data, dict):
        raise _fail("步骤定义应为表", f"steps.{step_id}")
    unknown = set(data) - {"date_label", "fields", "labels", "values", "notes", "aliases", "sample", *SIDE_RECORDS}
    if unknown:
        raise _fail(f"未知的设置：{'、'.join(sorted(unknown))}", f"steps.{step_id}")
    labels, values, notes = data.get("labels", {}), data.get("values", {}), data.get("notes", {})
    aliases = data.get("aliases", {})
    if not isinstance(aliases, dict):
        raise _fail("别名应为“字段 = [旧名称, …]”表", f"steps.{step_id}.aliases")
    for key, words in aliases.items():
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise _fail("别名应为非空的文字列表", f"steps.{step_id}.aliases.{key}")
    own = []
    for key in data.get("fields", []):
        spec = fields.get(key)
        if spec is None or key in COMMON_FIELDS:
            raise _fail(f"未定义的字段“{key}”", f"steps.{step_id}.fields")
        table = values.get(key, spec.values)
        if table is not None and table not in tables:
            raise _fail(f"未定义的取值表“{table}”", f"steps.{step_id}.values.{key}")
        if spec.type in ("choice", "choices") and table is None:
            raise _fail(f"选择字段“{key}”缺少取值表", f"steps.{step_id}.values")
        own.append(FieldSpec(key, spec.type, labels.get(key, spec.label), table, spec.max_length, spec.minimum,
                             notes.get(key, spec.note), tuple(aliases.get(key, ())), spec.rows))
    for where, table in (("labels", labels), ("values", values), ("notes", notes), ("aliases", aliases),
                         ("sample", data.get("sample", {}))):
        stray = set(table) - {f.key for f in own}
        if stray:
            raise _fail(f"本步骤没有这些字段：{'、'.join(sorted(stray))}", f"steps.{step_id}.{where}")
    for side, table in SIDE_RECORDS.items():
        if side in data and (table not in tables or data[side] not in tables[table].labels):
            raise _fail(f"应为取值表“{table}”中的值", f"steps.{step_id}.{side}")
    return StepFields(step_id, data.get("date_label", fields["date"].label), tuple(own), dict(data.get("sample", {})),
                      data.get("publicity"), data.get("assessments"))


def load_step_schema(path: Path = STEP_FIELDS_FILE) -> StepSchema:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ChecklistError(f"无法读取步骤字段定义：{exc}", code="STEP_FIELDS_INVALID", file=str(path)) from None
    tables = {name: _value_table(name, table) for name, table in data.get("values", {}).items()}
    fields = {key: _field(key, spec, tables) for key, spec in data.get("fields", {}).items()}
    missing = [key for key in COMMON_FIELDS if key not in fields]
    if missing:
        raise _fail(f"缺少公共字段：{'、'.join(missing)}", "fields")
    steps = {step_id: _step(step_id, spec, fields, tables) for step_id, spec in data.get("steps", {}).items()}
    for side in SIDE_RECORDS:
        placed: dict[str, str] = {}
        for step in steps.values():
            value = getattr(step, side)
            if value is not None and placed.setdefault(value, step.step) != step.step:
                raise _fail(f"“{value}”已放在 {placed[value]}", f"steps.{step.step}.{side}")
    votes = []
    for i, count in enumerate(data.get("votes", [])):
        if not isinstance(count, dict) or not all(isinstance(count.get(k), str) for k in ("key", "label", "column")):
            raise _fail("表决人数应有 key、label、column", f"votes[{i}]")
        votes.append(VoteCount(count["key"], count["label"], count["column"]))
    return StepSchema(tables, fields, steps, tuple(votes))


@lru_cache(maxsize=1)
def step_schema() -> StepSchema:
    """The schema of this installation, read once per process: from the checked copy an earlier process
    kept while this module and the file are unchanged (checklists/catalogue_cache.py), else from the TOML
    (parsing and checking it was about 20 million instructions of every command that audits)."""
    from checklists.catalogue_cache import cached_value

    return cached_value("step-schema", load_step_schema, StepSchema, (Path(__file__), STEP_FIELDS_FILE))
