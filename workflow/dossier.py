"""The `dossier/1` exchange format: one person's whole record, parsed and checked in one go.

Parsing is all-or-nothing: any malformed field raises one InputError that names the file, the
JSON path and the reason (in Chinese) with a stable code, and lists every problem found, so a
half-read dossier never reaches the engine. Unknown extra fields are kept for a lossless export.

Which values a choice accepts (a member's status, a conclusion, an outcome, a nomination, …) and the
bounds of a step's numbers are not written here: workflow.dossier_terms reads them from the step
schema (checklists/data/step_fields.toml), which also holds every value's Chinese word.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from checklists.loader import Catalogue, default_catalogue
from workflow.document_bounds import dossier_id_problem, extra_fields_problem
from workflow.dossier_terms import (
    FORMAT,
    NOMINATIONS,
    OUTCOMES,
    TRAINING_DAYS_MIN,
    TRAINING_HOURS_MIN,
    AssessmentPeriod,
    CaseEventKind,
    Conclusion,
    MemberStatus,
    PreReviewResult,
    PublicityKind,
    PublicityPlace,
    approving_body_types,
)
from workflow.errors import InputError

IsoDate = Annotated[dt.date, Strict()]
"""A calendar date written YYYY-MM-DD. Documents are validated from JSON text, where pydantic's strict
date accepts exactly that form (no timestamps, no other separators) without a Python call per date."""
NonNegative = Annotated[int, Field(ge=0, strict=True)]


def _iso_day(value: Any) -> Any:
    """YYYY-MM-DD text to a date, for fields read after a model-level `before` validator (which hands
    pydantic plain Python values, where the strict JSON date would refuse text)."""
    if isinstance(value, str):
        if len(value) != 10 or value[4] != "-" or value[7] != "-":
            raise ValueError(f"DATE_INVALID|“{value}”不是 YYYY-MM-DD 格式的日期")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"DATE_INVALID|“{value}”不是存在的 YYYY-MM-DD 日期") from None
    return value


ReshapedIsoDate = Annotated[dt.date, BeforeValidator(_iso_day)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")

    @model_validator(mode="after")
    def _bounded_extra(self) -> _Record:
        """Unknown fields are kept for a lossless export, so they are bounded (workflow/document_bounds.py)."""
        if self.__pydantic_extra__:
            problem = extra_fields_problem(self.__pydantic_extra__)
            if problem:
                raise ValueError(f"EXTRA_FIELDS_LIMIT|{problem}")
        return self


_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class Person(_Record):
    name: str = Field(min_length=1, max_length=100, pattern=_PRINTABLE)
    gender: str | None = None
    birth_date: IsoDate
    id_number: str | None = None
    ethnicity: str | None = None
    education: str | None = None
    organisation: str | None = None
    league_member: bool | None = None
    expected_leave_date: IsoDate | None = None
    mobile: bool | None = None


class PersonRef(_Record):
    """A contact or introducer. `discipline` names a recorded Party discipline (e.g. 严重警告, 留党察看)
    and `discipline_until` the end of its influence period (影响期). On input the period may also be
    given as `discipline: {"kind": …, "until": …}` or as `until` beside it; it is kept as these two."""

    name: str = Field(min_length=1)
    status: MemberStatus
    discipline: str | None = None
    discipline_until: ReshapedIsoDate | None = None

    @model_validator(mode="before")
    @classmethod
    def _discipline_shapes(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        given = data.get("discipline")
        if isinstance(given, dict):
            data = {**data, "discipline": given.get("kind") or given.get("type") or given.get("name")}
            if given.get("until") is not None and data.get("discipline_until") is None:
                data["discipline_until"] = given["until"]
        if "until" in data and data.get("discipline_until") is None:
            data = {k: v for k, v in data.items() if k != "until"} | {"discipline_until": data["until"]}
        return data


class Votes(_Record):
    expected: NonNegative
    present: NonNegative
    yes: NonNegative
    no: NonNegative = 0
    abstain: NonNegative = 0
    written_yes: NonNegative = 0
    written_no: NonNegative = 0

    @model_validator(mode="after")
    def _consistent(self) -> Votes:
        if self.present > self.expected:
            raise ValueError(f"VOTES_INCONSISTENT|实到人数 {self.present} 多于应到人数 {self.expected}")
        if self.yes + self.no + self.abstain > self.present:
            raise ValueError(f"VOTES_INCONSISTENT|赞成、反对、弃权合计 {self.yes + self.no + self.abstain} "
                             f"多于实到人数 {self.present}")
        absent = self.expected - self.present
        if self.written_yes + self.written_no > absent:
            raise ValueError(f"VOTES_INCONSISTENT|书面意见 {self.written_yes + self.written_no} 份"
                             f"多于未到会人数 {absent}")
        return self

    @property
    def yes_total(self) -> int:
        return self.yes + self.written_yes

    @property
    def has_quorum(self) -> bool:
        """More than half of the voting full members present (written opinions do not count as present)."""
        return 2 * self.present > self.expected

    @property
    def carried(self) -> bool:
        """More than half of the voting full members in favour, written opinions included."""
        return 2 * self.yes_total > self.expected


class ApprovingBody(_Record):
    """Who approved at s17/s24 (2026 第二十二条): only a 党委 (`committee`) may approve."""

    name: str | None = Field(default=None, max_length=200)
    type: str

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        known = approving_body_types()
        if value not in known:
            raise ValueError(f"VALUE_INVALID|审批组织类型“{value}”无效，可选：{'、'.join(known)}")
        return value


class PaperReview(_Record):
    """A sign-off given on paper before the record reached the system, as an import brought it in.

    It counts (the step's `reviewed_by` is set) only once a reviewer in the system, neither the
    importer nor the recorder, confirms it; until then the step is unreviewed (workflow/store/provenance.py)."""

    reviewed_by: str = Field(min_length=1, max_length=100)
    reviewed_on: IsoDate | None = None
    imported_by: str = Field(min_length=1, max_length=100)
    imported_on: IsoDate
    source: str | None = Field(default=None, max_length=300)
    confirmed_by: str | None = Field(default=None, max_length=100)
    confirmed_on: IsoDate | None = None


class ArchiveCorrection(_Record):
    """A correction made after the dossier was archived (s25 reviewed): by a reviewer above the branch."""

    by: str = Field(min_length=1, max_length=100)
    on: IsoDate
    organisation: str | None = Field(default=None, max_length=200)
    reason: str = Field(min_length=1, max_length=1000)


class StepEntry(_Record):
    step: str
    date: IsoDate
    recorded_by: str | None = None
    reviewed_by: str | None = None
    reviewed_on: IsoDate | None = None
    by: str | None = None
    nomination: list[str] | None = None
    people: list[PersonRef] | None = None
    conclusion: Conclusion | None = None
    start: IsoDate | None = None
    days: float | None = Field(default=None, ge=TRAINING_DAYS_MIN)
    hours: float | None = Field(default=None, ge=TRAINING_HOURS_MIN)
    exception: str | None = None
    result: PreReviewResult | None = None
    serial: str | None = None
    votes: Votes | None = None
    special_reason: str | None = None
    outcome: str | None = None
    extend_months: int | None = Field(default=None, strict=True)
    party_standing_from: IsoDate | None = None
    committee_meeting_on: IsoDate | None = None
    approving_body: ApprovingBody | None = None
    collective: bool | None = None
    warning_reason: str | None = None
    # where the sign-off comes from: "system" (the review route) or "paper" (an import, see paper_review)
    review_source: Literal["system", "paper"] | None = None
    paper_review: PaperReview | None = None
    archive_correction: ArchiveCorrection | None = None

    @model_validator(mode="after")
    def _outcome_fits_step(self) -> StepEntry:
        allowed = OUTCOMES.get(self.step)
        if self.outcome is not None and (allowed is None or self.outcome not in allowed):
            choices = "、".join(sorted(allowed)) if allowed else "（本步骤没有 outcome）"
            raise ValueError(f"VALUE_INVALID|outcome “{self.outcome}” 不适用于 {self.step}，可选：{choices}")
        if self.extend_months is not None and self.outcome != "extend":
            raise ValueError("VALUE_INVALID|只有 outcome 为 extend 时才能填写 extend_months")
        if self.start is not None and self.start > self.date:
            raise ValueError(f"DATE_INVALID|培训开始日期 {self.start} 晚于结束日期 {self.date}")
        if self.committee_meeting_on is not None and self.committee_meeting_on > self.date:
            raise ValueError(f"DATE_INVALID|党支部委员会会议日期 {self.committee_meeting_on} 晚于本步骤日期 {self.date}")
        return self


class Assessment(_Record):
    date: IsoDate
    period: AssessmentPeriod
    by: str | None = None
    result: str | None = None


class ThoughtReport(_Record):
    date: IsoDate


class Publicity(_Record):
    """A notice (公示). `place`: for a 流动人员, where it was posted (流出地 `outflow`, 流入地 `inflow`)."""

    kind: PublicityKind
    start: IsoDate
    end: IsoDate
    place: PublicityPlace | None = None
    result: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _ordered(self) -> Publicity:
        if self.end < self.start:
            raise ValueError(f"DATE_INVALID|公示结束日期 {self.end} 早于开始日期 {self.start}")
        return self


class MaterialEntry(_Record):
    id: str
    step: str
    date: IsoDate | None = None
    signed_by: list[str] = Field(default_factory=list)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    file: str | None = None


class CaseEvent(_Record):
    kind: CaseEventKind
    date: IsoDate
    reason: str | None = None
    organisation: str | None = None


class Dossier(_Record):
    format: Literal["dossier/1"] = FORMAT
    id: str = Field(min_length=1, max_length=64, pattern=_PRINTABLE)
    rule_set: str | None = None
    overlay: str | dict | None = None
    person: Person
    steps: list[StepEntry] = []
    assessments: list[Assessment] = []
    thought_reports: list[ThoughtReport] = []
    publicity: list[Publicity] = []
    materials: list[MaterialEntry] | None = None
    case_events: list[CaseEvent] = []

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        problem = dossier_id_problem(value)
        if problem:
            raise ValueError(f"DOSSIER_ID_INVALID|{problem}")
        return value

    @field_validator("rule_set")
    @classmethod
    def _known_rule_set(cls, value: str | None) -> str | None:
        if value is not None and value not in default_catalogue().national:
            raise ValueError(f"RULESET_UNKNOWN|未知的规则集“{value}”，可用："
                             f"{'、'.join(default_catalogue().national)}")
        return value

    @property
    def carries_reviews(self) -> bool:
        return any(s.recorded_by is not None or s.reviewed_by is not None or s.paper_review is not None
                   for s in self.steps)

    def to_json_dict(self) -> dict:
        """The lossless `dossier/1` document: every top-level key, nested records as they were given."""
        data = self.model_dump(mode="json", exclude_unset=True)
        out = {"format": FORMAT}
        for name in type(self).model_fields:
            if name in data:
                out[name] = data[name]
            elif name in ("id", "person", "steps"):
                out[name] = self.model_dump(mode="json", include={name})[name]
        out.update({k: v for k, v in data.items() if k not in out})
        return out


_PYDANTIC_CODES = {
    "date_parsing": ("DATE_INVALID", "不是存在的 YYYY-MM-DD 日期"),
    "date_from_datetime_parsing": ("DATE_INVALID", "不是存在的 YYYY-MM-DD 日期"),
    "date_from_datetime_inexact": ("DATE_INVALID", "不是 YYYY-MM-DD 格式的日期"),
    "date_type": ("DATE_INVALID", "不是 YYYY-MM-DD 格式的日期"),
    "json_invalid": ("JSON_MALFORMED", "JSON 格式错误"),
    "missing": ("FIELD_REQUIRED", "缺少必填字段"),
    "int_type": ("VALUE_INVALID", "应为整数"),
    "int_parsing": ("VALUE_INVALID", "应为整数"),
    "float_parsing": ("VALUE_INVALID", "应为数字"),
    "float_type": ("VALUE_INVALID", "应为数字"),
    "bool_parsing": ("VALUE_INVALID", "应为 true 或 false"),
    "bool_type": ("VALUE_INVALID", "应为 true 或 false"),
    "string_type": ("VALUE_INVALID", "应为文字"),
    "list_type": ("VALUE_INVALID", "应为列表"),
    "dict_type": ("VALUE_INVALID", "应为对象"),
    "model_type": ("VALUE_INVALID", "应为对象"),
    "greater_than_equal": ("VALUE_INVALID", "不能为负数"),
    "string_too_short": ("FIELD_REQUIRED", "不能为空"),
    "string_pattern_mismatch": ("VALUE_INVALID", "格式不正确（不能含控制字符；sha256 应为 64 位小写十六进制）"),
    "string_too_long": ("VALUE_INVALID", "过长"),
}


def json_path(loc: tuple | list) -> str:
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def translate_error(error: dict) -> dict:
    """One pydantic error (an item of `ValidationError.errors()`) as our problem: {code, path, field, reason};
    public because the API translates request-body errors the same way (api/errors.py)."""
    loc = [p for p in error["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))]
    message = error.get("msg", "")
    ctx_error = (error.get("ctx") or {}).get("error")
    text = str(ctx_error) if ctx_error is not None else message
    if "|" in text:
        code, reason = text.split("|", 1)
        code = code.replace("Value error, ", "")
    elif error["type"] == "literal_error":
        code, reason = "VALUE_INVALID", f"取值无效，可选：{(error.get('ctx') or {}).get('expected', '')}"
    else:
        code, reason = _PYDANTIC_CODES.get(error["type"], ("VALUE_INVALID", message))
        if code == "DATE_INVALID":
            reason = f"“{error.get('input')}”{reason}"
    field = next((p for p in reversed(loc) if isinstance(p, str)), None)
    return {"code": code, "path": json_path(loc), "field": field, "reason": reason}


def validate_json_model(model, data: Any):
    """Validates plain JSON-shaped data (dicts, lists, strings) as it would arrive in a document."""
    if isinstance(data, model):
        return data
    return model.model_validate_json(json.dumps(data, ensure_ascii=False, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} 不能写入 JSON")


def validation_problems(exc: ValidationError) -> list[dict]:
    """A pydantic error as our problems: {code, path, field, reason}, in Chinese, for any model here."""
    return [translate_error(e) for e in exc.errors()]


def _check_ids(dossier: Dossier, catalogue: Catalogue, known_materials: set[str]) -> list[dict]:
    steps = {s.id for rs in catalogue.national.values() for s in rs.steps}
    problems = []
    for i, entry in enumerate(dossier.steps):
        if entry.step not in steps:
            problems.append({"code": "STEP_UNKNOWN", "path": f"$.steps[{i}].step", "field": "step",
                             "reason": f"未知的步骤“{entry.step}”"})
    for i, material in enumerate(dossier.materials or []):
        if material.id not in known_materials:
            problems.append({"code": "MATERIAL_UNKNOWN", "path": f"$.materials[{i}].id", "field": "id",
                             "reason": f"未知的材料“{material.id}”"})
        if material.step not in steps:
            problems.append({"code": "STEP_UNKNOWN", "path": f"$.materials[{i}].step", "field": "step",
                             "reason": f"未知的步骤“{material.step}”"})
    for i, entry in enumerate(dossier.steps):
        for j, value in enumerate(entry.nomination or []):
            if value not in NOMINATIONS:
                problems.append({"code": "VALUE_INVALID", "path": f"$.steps[{i}].nomination[{j}]",
                                 "field": "nomination",
                                 "reason": f"推荐方式“{value}”无效，可选：{'、'.join(sorted(NOMINATIONS))}"})
    return problems


def _raise(problems: list[dict], source: str) -> None:
    first = problems[0]
    more = f"（另有 {len(problems) - 1} 处错误）" if len(problems) > 1 else ""
    raise InputError(f"{first['reason']}{more}", code=first["code"], file=source,
                     path=first["path"], field=first.get("field"), details=problems)


def parse_dossier(data: Any, source: str = "<input>", catalogue: Catalogue | None = None) -> Dossier:
    """Validates one `dossier/1` document (a dict, or JSON text or bytes) and returns it, or raises.

    Text takes the fast path (pydantic validates the JSON directly); if that fails, the document is
    read again the slow way so that the error names the exact line, JSON path and reason.
    """
    catalogue = catalogue or default_catalogue()
    if isinstance(data, (str, bytes, bytearray)):
        try:
            dossier = Dossier.model_validate_json(data)
        except ValidationError:
            dossier = None
        if dossier is not None and "format" in dossier.model_fields_set:
            return _check_references(dossier, source, catalogue)
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError(f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}",
                             code="JSON_MALFORMED", file=source, path="$") from None
        except UnicodeDecodeError:
            raise InputError("文件不是 UTF-8 编码的文本", code="JSON_MALFORMED", file=source, path="$") from None
    if not isinstance(data, dict):
        raise InputError("档案应为一个 JSON 对象", code="VALUE_INVALID", file=source, path="$")
    if data.get("format") != FORMAT:
        raise InputError(f"format 应为“{FORMAT}”，实为“{data.get('format')}”", code="FORMAT_UNKNOWN",
                         file=source, path="$.format", field="format")
    try:
        dossier = validate_json_model(Dossier, data)
    except ValidationError as exc:
        _raise([translate_error(e) for e in exc.errors()], source)
    return _check_references(dossier, source, catalogue)


def _check_references(dossier: Dossier, source: str, catalogue: Catalogue) -> Dossier:
    """Step and material ids must exist in the checklists (with the dossier's overlay, if any)."""
    known_materials = set()
    for rs in catalogue.national.values():
        known_materials.update(rs.material_by_id)
    if dossier.overlay is not None:
        from checklists.errors import ChecklistError
        try:
            key = catalogue.register_overlay(dossier.overlay, file=f"{source}:$.overlay")
        except ChecklistError as exc:
            raise InputError(exc.message, code=exc.code, file=source, path="$.overlay", field="overlay") from None
        for rid in catalogue.national:
            known_materials.update(catalogue.get(rid, key).material_by_id)
    problems = _check_ids(dossier, catalogue, known_materials)
    if problems:
        _raise(problems, source)
    return dossier


def load_dossier_file(path: str) -> Dossier:
    from workflow.document_bounds import read_bounded

    return parse_dossier(read_bounded(path), source=path)
