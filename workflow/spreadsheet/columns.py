"""The columns of the 纪实表 spreadsheet: one list, read by the template, the reader and the writer.

Step columns are generated from the checklist's step list (number and name) and from what each step
records (checklists/data/step_fields.toml: its fields, their types, labels and value tables), so a
renamed step or a field added to the data changes the headers in one place. Each column has a stable
`key` (what mapping.py reads) and a Chinese `label` (what people see). Labels carry the step number,
so every header is unique on its own and a CSV, which has a single header row, reads the same as the
two-row xlsx header. Headers an earlier template printed are still accepted: they are the fields'
`aliases` in the step data.

The main sheet holds one row per person. Things a person can have any number of (materials, a
per-step review trail, case events) live in detail sheets linked by 档案编号.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from checklists.loader import default_catalogue
from checklists.step_fields import FieldSpec, step_schema

MAIN_SHEET = "纪实表"
MATERIALS_SHEET = "材料"
REVIEWS_SHEET = "审核记录"
EVENTS_SHEET = "案件事项"
INSTRUCTIONS_SHEET = "填表说明"
CATALOGUE_RULE_SET = "2014"
SECOND_CYCLE = "延长后"

PEOPLE_PARTS = ("name", "status", "discipline", "discipline_until")
"""What a person named by a step has in the sheet (the discipline parts only where a rule asks)."""
MEMBER_STATUS = step_schema().table("member_status").by_word()
GENDER = step_schema().table("gender").by_word()
YES_NO = step_schema().table("yes_no").by_word()
APPROVING_BODY = {name: kind for kind, name in default_catalogue().get(CATALOGUE_RULE_SET).approving_bodies.items()}
PUBLICITY_STEP = step_schema().steps_of("publicity")
"""Kind of notice → the step whose columns hold its dates (step_fields.toml `publicity`)."""
ASSESSMENT_STEP = step_schema().steps_of("assessments")
"""Assessment period → the step whose columns list its days (step_fields.toml `assessments`)."""


@dataclass(frozen=True)
class Column:
    """`kind` is text, id_number, date, dates, int, number, bool, choice, multi, material or step."""

    key: str
    label: str
    group: str
    kind: str = "text"
    choices: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    required: bool = False
    note: str = ""
    width: int = 12
    aliases: tuple[str, ...] = ()
    offered: tuple[str, ...] = ()

    @property
    def options(self) -> tuple[str, ...]:
        """The words a drop-down lists: one per value (`offered`), else every word accepted."""
        return self.offered or tuple(dict.fromkeys(self.choices))


@dataclass(frozen=True)
class SheetSchema:
    name: str
    columns: tuple[Column, ...]
    link: str | None = None

    @property
    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    def match(self, header: str) -> Column | None:
        return _lookup(self).get(normalise_header(header))


def normalise_header(text: object) -> str:
    """Full-width forms folded (NFKC), spaces, line breaks and required-marks (*) removed."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"[\s*＊]", "", folded)


@lru_cache(maxsize=None)
def _lookup(schema: SheetSchema) -> dict[str, Column]:
    table = {}
    for column in schema.columns:
        table[normalise_header(column.key)] = column
        table[normalise_header(column.label)] = column
        for alias in column.aliases:
            table[normalise_header(alias)] = column
    return table


def people_slots(spec: FieldSpec) -> int:
    """How many persons a `people` field's columns hold (its `rows` in the step data)."""
    return spec.rows or 1


def _step_label(number: int, name: str, cycle: int) -> str:
    return f"{SECOND_CYCLE if cycle == 2 else ''}{number:02d} {name}"


def _step_names(step_id: str) -> list[str]:
    """The step's name under each rule set, oldest first, without repeats (2026.05 renames s07, s08…)."""
    names: list[str] = []
    for rs in default_catalogue().ordered():
        name = rs.step_by_id[step_id].name
        if name not in names:
            names.append(name)
    return names


def _words(table_name: str) -> dict:
    """`choices` and `offered` of a column whose values come from a value table of the step schema."""
    table = step_schema().table(table_name)
    return {"choices": table.by_word(), "offered": tuple(table.labels.values())}


def _discipline_rules(step_id: str) -> tuple[list[str], list[str]]:
    """(disciplines that bar a person, disciplines whose period is checked) of the people a step names,
    over every national rule set: the sheet asks about discipline only where a rule looks at it."""
    barred: list[str] = []
    periods: list[str] = []
    for rs in default_catalogue().ordered():
        for rule in rs.rules:
            if step_id not in rule.steps:
                continue
            if rule.kind == "people":
                barred += [d for d in getattr(rule.params, "forbidden_discipline", []) if d not in barred]
            if rule.kind == "discipline_period":
                periods += [d for d in getattr(rule.params, "disciplines", []) if d not in periods]
    return barred, periods


def _people_columns(spec: FieldSpec, step_id: str, col) -> list[Column]:
    """Per slot the person's name and standing, and their discipline where a rule of the step looks at it."""
    barred, periods = _discipline_rules(step_id)
    out = []
    for i in range(1, people_slots(spec) + 1):
        parts = [("name", "", "text", {}), ("status", "身份", "choice", _words("member_status"))]
        if barred or periods:
            example = f"如“{barred[0]}”；" if barred else ""
            until = f"{'、'.join(periods)}处分的影响期截止日" if periods else ""
            parts += [("discipline", "受处分情况", "text", {"note": f"{example}没有则留空"}),
                      ("discipline_until", "处分影响期至", "date", {"note": until})]
        for part, suffix, kind, kw in parts:
            out.append(col(f"{spec.key}.{i}.{part}", f"{spec.label}{i}{suffix}", kind,
                           earlier=tuple(f"{old}{i}{suffix}" for old in spec.aliases), **kw))
    return out


def _field_columns(spec: FieldSpec, step_id: str, col) -> list[Column]:
    """The columns of one declared field, by its type."""
    key, label = spec.key, spec.label
    earlier = spec.aliases
    if spec.type in ("date", "text", "int", "number"):
        return [col(key, label, spec.type, note=spec.note, earlier=earlier)]
    if spec.type == "bool":
        return [col(key, label, "bool", earlier=earlier, note=spec.note, **_words(spec.values or "yes_no"))]
    if spec.type == "choice":
        return [col(key, label, "choice", earlier=earlier, note=spec.note, **_words(spec.values))]
    if spec.type == "choices":
        note = "，".join(part for part in (spec.note, "用“、”分隔") if part)
        return [col(key, label, "multi", earlier=earlier, width=18, note=note, **_words(spec.values))]
    if spec.type == "votes":
        return [col(f"{key}.{count.key}", count.column, "int") for count in step_schema().votes]
    if spec.type == "approving_body":
        return [col(f"{key}.name", label), col(f"{key}.type", f"{label}类型", "choice", choices=APPROVING_BODY)]
    if spec.type == "people":
        return _people_columns(spec, step_id, col)
    raise ValueError(f"步骤字段类型“{spec.type}”在表格中没有栏目")


def _step_columns(step, cycle: int) -> list[Column]:
    names = _step_names(step.id)
    group = _step_label(step.number, "／".join(names), cycle)
    old_group = _step_label(step.number, names[0], cycle) if len(names) > 1 else None
    prefix = ("c2." if cycle == 2 else "") + step.id.split("_")[0]

    def col(suffix: str, label: str, kind: str = "text", earlier: tuple[str, ...] = (), **kw) -> Column:
        words = [label, *earlier]
        aliases = [f"{g}·{w}" for g in (group, old_group) if g for w in words]
        return Column(key=f"{prefix}.{suffix}", label=f"{group}·{label}", group=group, kind=kind,
                      aliases=tuple(a for a in aliases if a != f"{group}·{label}"), **kw)

    schema = step_schema()
    out = [col("date", schema.fields["date"].label, "date", note=schema.fields["date"].note)]
    for spec in schema.for_step(step.id).fields:
        out += _field_columns(spec, step.id, col)
    sid = step.id
    if cycle == 1:
        for period, at in ASSESSMENT_STEP.items():
            if at == sid:
                out.append(col(f"assessments.{period}", "考察日期", "dates", width=24,
                               note="每次考察的日期，多个用“；”分隔"))
        for kind, at in PUBLICITY_STEP.items():
            if at == sid:
                out.append(col(f"publicity.{kind}.start", "公示开始", "date"))
                out.append(col(f"publicity.{kind}.end", "公示结束", "date"))
                if kind == "candidate":
                    out.append(col(f"publicity.{kind}.result", "公示结果"))
                    out.append(col(f"publicity.{kind}.inflow.start", "流入地公示开始", "date",
                                   note="流动人员在流出地和流入地同时公示；上两栏为流出地"))
                    out.append(col(f"publicity.{kind}.inflow.end", "流入地公示结束", "date"))
    return out


@lru_cache(maxsize=1)
def main_schema() -> SheetSchema:
    catalogue = default_catalogue()
    rule_sets = {rid: rid for rid in catalogue.national}
    basic = "基本信息"
    columns = [
        Column("id", "档案编号", basic, note="留空则按身份证号码或“姓名+出生日期+党组织”自动生成，再次导入不变"),
        Column("person.name", "姓名", basic, required=True),
        Column("person.gender", "性别", basic, "choice", choices=GENDER, width=6),
        Column("person.birth_date", "出生日期", basic, "date", required=True),
        Column("person.id_number", "身份证号码", basic, "id_number", width=20, note="按文本填写（18 位）"),
        Column("person.ethnicity", "民族", basic, width=8),
        Column("person.education", "学历", basic),
        Column("person.organisation", "所在党组织", basic, width=24),
        Column("person.league_member", "是否共青团员", basic, "bool", choices=YES_NO),
        Column("person.expected_leave_date", "预计毕业（调离）日期", basic, "date"),
        Column("person.mobile", "是否流动人员", basic, "bool", choices=YES_NO),
        Column("rule_set", "适用规则集", basic, "choice", choices=rule_sets, note="留空则按各步骤日期自动选择"),
        Column("overlay", "地方细则", basic, note="地方细则名称；没有则留空"),
        Column("review.recorded_by", "记录人", basic, note="各步骤的记录人；个别步骤不同时填“审核记录”表"),
        Column("review.reviewed_by", "审核人", basic, note="各步骤的审核人（一步一审）"),
        Column("thought_reports", "思想汇报日期", basic, "dates", width=24, note="多个用“；”分隔"),
    ]
    rs = catalogue.get(CATALOGUE_RULE_SET)
    for step in rs.steps:
        columns += _step_columns(step, 1)
    for step in rs.steps:
        if step.probation_cycle:
            columns += _step_columns(step, 2)
    return SheetSchema(MAIN_SHEET, tuple(columns))


def _material_choices() -> dict[str, str]:
    out = {}
    for rs in default_catalogue().national.values():
        for material in rs.materials:
            out.setdefault(material.name, material.id)
    return out


def _case_event_choices() -> dict[str, str]:
    rs = default_catalogue().get(CATALOGUE_RULE_SET)
    out = {}
    for event in rs.case_events:
        out[event.name] = event.id
        out[re.sub(r"（.*）$", "", event.name)] = event.id
    return out


@lru_cache(maxsize=1)
def detail_schemas() -> tuple[SheetSchema, ...]:
    link = Column("id", "档案编号", "", required=True)
    materials = SheetSchema(MATERIALS_SHEET, (
        link,
        Column("material", "材料", "", "material", choices=_material_choices(), required=True, width=30),
        Column("step", "所属步骤", "", "step", note="留空则取材料清单规定的步骤"),
        Column("date", "日期", "", "date"),
        Column("signed_by", "签字人", "", note="多人用“、”分隔", width=16),
        Column("sha256", "SHA-256", "", width=20),
        Column("file", "文件", "", width=20),
    ), link="id")
    reviews = SheetSchema(REVIEWS_SHEET, (
        link,
        Column("step", "步骤", "", "step", required=True, note="步骤编号或名称，如“15”；延长预备期后的写“延长后21”"),
        Column("recorded_by", "记录人", ""),
        Column("reviewed_by", "审核人", ""),
        Column("reviewed_on", "审核日期", "", "date"),
    ), link="id")
    events = SheetSchema(EVENTS_SHEET, (
        link,
        Column("kind", "事项", "", "choice", choices=_case_event_choices(), required=True, width=16),
        Column("date", "日期", "", "date", required=True),
        Column("reason", "原因", "", width=24),
        Column("organisation", "转入或转出的党组织", "", width=24),
    ), link="id")
    return materials, reviews, events


def all_schemas() -> tuple[SheetSchema, ...]:
    return (main_schema(), *detail_schemas())
