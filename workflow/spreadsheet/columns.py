"""The columns of the 纪实表 spreadsheet: one list, read by the template, the reader and the writer.

Step columns are generated from the checklist's step list (number and name), so a renamed step
changes the headers in one place. Each column has a stable `key` (what mapping.py reads) and a
Chinese `label` (what people see). Labels carry the step number, so every header is unique on its
own and a CSV, which has a single header row, reads the same as the two-row xlsx header.

The main sheet holds one row per person. Things a person can have any number of (materials, a
per-step review trail, case events) live in detail sheets linked by 档案编号.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from checklists.loader import default_catalogue

MAIN_SHEET = "纪实表"
MATERIALS_SHEET = "材料"
REVIEWS_SHEET = "审核记录"
EVENTS_SHEET = "案件事项"
INSTRUCTIONS_SHEET = "填表说明"
CATALOGUE_RULE_SET = "2014"
PEOPLE_SLOTS = 3
SECOND_CYCLE = "延长后"

MEMBER_STATUS = {"正式党员": "full", "预备党员": "probationary"}
NOMINATION = {"党员推荐": "party_members", "团组织推优": "league", "群团组织推优": "mass_organisation"}
CONCLUSION = {"合格": "qualified", "不合格": "not_qualified"}
PASSED = {"通过": "passed", "未通过": "rejected"}
CONVERSION = {"按期转正": "convert", "延长预备期": "extend", "取消预备党员资格": "cancel"}
GENDER = {"男": "男", "女": "女"}
YES_NO = {"是": "true", "否": "false"}
APPROVING_BODY = {name: kind for kind, name in default_catalogue().get(CATALOGUE_RULE_SET).approving_bodies.items()}
PUBLICITY_STEP = {"activist": "s03_activist_determined", "candidate": "s07_candidate_determined",
                  "admission": "s15_admission_meeting", "conversion": "s23_conversion_meeting"}
ASSESSMENT_STEP = {"activist": "s06_activist_cultivation", "probation": "s21_probation_education"}


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


def _step_columns(step, cycle: int) -> list[Column]:
    names = _step_names(step.id)
    group = _step_label(step.number, "／".join(names), cycle)
    old_group = _step_label(step.number, names[0], cycle) if len(names) > 1 else None
    prefix = ("c2." if cycle == 2 else "") + step.id.split("_")[0]

    def col(suffix: str, label: str, kind: str = "text", **kw) -> Column:
        aliases = (f"{old_group}·{label}",) if old_group else ()
        return Column(key=f"{prefix}.{suffix}", label=f"{group}·{label}", group=group, kind=kind,
                      aliases=aliases, **kw)

    out = [col("date", "日期", "date", note="办理（完成）日期")]
    sid = step.id
    if cycle == 1 and sid == "s02_applicant_talk":
        out.append(col("by", "谈话人"))
    if cycle == 1 and sid == "s03_activist_determined":
        out.append(col("nomination", "推荐方式", "multi", choices=NOMINATION, width=18,
                       note="可多选，用“、”分隔"))
    if cycle == 1 and sid in ("s05_contacts_assigned", "s09_introducers_assigned"):
        role = "联系人" if sid.startswith("s05") else "介绍人"
        for i in range(1, PEOPLE_SLOTS + 1):
            out.append(col(f"people.{i}.name", f"{role}{i}"))
            out.append(col(f"people.{i}.status", f"{role}{i}身份", "choice", choices=MEMBER_STATUS))
            if sid.startswith("s09"):
                out.append(col(f"people.{i}.discipline", f"{role}{i}受处分情况", note="如“留党察看”；没有则留空"))
                out.append(col(f"people.{i}.discipline_until", f"{role}{i}处分影响期至", "date",
                               note="警告、严重警告、撤销党内职务处分的影响期截止日"))
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
    if sid == "s08_candidate_filed":
        out.append(col("committee_meeting_on", "党支部委员会会议日期", "date",
                       note="2026年5月11日起：研究拟列为发展对象的党支部委员会会议日期"))
    if sid in ("s17_admission_approved", "s24_conversion_approved"):
        out.append(col("approving_body.name", "审批组织"))
        out.append(col("approving_body.type", "审批组织类型", "choice", choices=APPROVING_BODY))
    if sid == "s20_oath":
        out.append(col("collective", "县级以上党委组织的集中宣誓", "bool", choices=YES_NO))
    if sid == "s10_political_review":
        out.append(col("conclusion", "政审结论", "choice", choices=CONCLUSION))
    if sid == "s11_training":
        out += [col("start", "培训开始日期", "date"), col("days", "培训天数", "number"),
                col("hours", "培训学时", "number"), col("exception", "未参训特殊情况")]
    if sid == "s13_pre_review":
        out.append(col("result", "预审结果", "choice", choices=PASSED))
    if sid == "s14_application_form":
        out.append(col("serial", "志愿书编号", note="按文本填写，保留前导 0"))
    if sid in ("s15_admission_meeting", "s23_conversion_meeting"):
        for key, label in (("expected", "应到有表决权人数"), ("present", "实到有表决权人数"), ("yes", "赞成票"),
                           ("no", "反对票"), ("abstain", "弃权票"), ("written_yes", "书面赞成"),
                           ("written_no", "书面反对")):
            out.append(col(f"votes.{key}", label, "int"))
        if sid.startswith("s15"):
            out.append(col("outcome", "表决结果", "choice", choices=PASSED))
        else:
            out.append(col("outcome", "转正结论", "choice", choices=CONVERSION))
            out.append(col("extend_months", "延长月数", "int"))
    if sid == "s17_admission_approved":
        out.append(col("special_reason", "超过三个月的特殊原因"))
    if sid == "s24_conversion_approved":
        out.append(col("party_standing_from", "党龄起算日", "date"))
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
        Column("person.league_member", "是否共青团员", basic, "bool", choices={"是": "true", "否": "false"}),
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
