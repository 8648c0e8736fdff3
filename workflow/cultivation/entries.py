"""What a scorer records for one person and one indicator: the value, when, the evidence, who and when.

The 成长手册 is kept as dated entries of its indicators (a 学习心得, three hours of 志愿服务, a
朋辈帮扶 talk), each with its evidence; the 班级民主评议 is one entry whose value is the vote count;
a rank is "rank r of n". Every entry names its evidence (a material or a note): a score nobody can
trace is not taken. A sheet (`scores/1`) is what the command line reads: the scheme, the period,
the group's size and the entries.
"""
from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Strict, Tag, ValidationError, model_validator

from workflow.dossier import IsoDate, NonNegative, validate_json_model, validation_problems
from workflow.errors import InputError

SHEET_FORMAT = "scores/1"
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
_TAGS = re.compile(r"(?<=\.value)\.(rank|vote|text|number|none)\b")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Strict):
    """A material (its id or file name) or a note; at least one."""

    material: str | None = Field(default=None, max_length=300, pattern=_PRINTABLE)
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _something(self) -> "Evidence":
        if not (self.material or "").strip() and not (self.note or "").strip():
            raise ValueError("EVIDENCE_MISSING|每条记分须有依据：材料（material）或说明（note）")
        return self


class RankValue(_Strict):
    """Rank `rank` of `of` in the group (1 is the best)."""

    rank: int = Field(strict=True)
    of: int = Field(strict=True)

    @model_validator(mode="after")
    def _within(self) -> "RankValue":
        if self.rank < 1 or self.of < 1:
            raise ValueError(f"VALUE_INVALID|名次和总人数应为正整数（名次 {self.rank}，总人数 {self.of}）")
        if self.rank > self.of:
            raise ValueError(f"VALUE_INVALID|名次 {self.rank} 大于总人数 {self.of}")
        return self


class VoteCount(_Strict):
    """A vote on one person: `expected` who should take part, `present`, and the votes per option."""

    expected: NonNegative
    present: NonNegative
    votes: dict[str, NonNegative]

    @model_validator(mode="after")
    def _consistent(self) -> "VoteCount":
        if self.expected == 0:
            raise ValueError("VOTES_INCONSISTENT|应参加评议人数不能为 0")
        if self.present > self.expected:
            raise ValueError(f"VOTES_INCONSISTENT|实到人数 {self.present} 多于应到人数 {self.expected}")
        cast = sum(self.votes.values())
        if cast > self.present:
            raise ValueError(f"VOTES_INCONSISTENT|票数合计 {cast} 多于实到人数 {self.present}")
        return self

    @property
    def cast(self) -> int:
        return sum(self.votes.values())


def _value_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "vote" if {"votes", "expected", "present"} & set(value) else "rank"
    if isinstance(value, (RankValue, VoteCount)):
        return "vote" if isinstance(value, VoteCount) else "rank"
    if value is None:
        return "none"
    return "text" if isinstance(value, str) else "number"


Value = Annotated[Union[Annotated[RankValue, Tag("rank")], Annotated[VoteCount, Tag("vote")],
                        Annotated[str, Tag("text")], Annotated[float, Strict(), Tag("number")], Annotated[None, Tag("none")]],
                  Discriminator(_value_kind)]
"""A number, an option, a rank (`{"rank", "of"}`), a vote (`{"expected", "present", "votes"}`) or nothing."""


class ScoreEntry(_Strict):
    """One scored item. `date` is when it happened (the service, the vote), which decides its period;
    `scored_by`/`scored_on` are who entered or checked it and when. `value` may be omitted for an
    item that counts one unit (one 学习心得)."""

    person: str = Field(min_length=1, max_length=64, pattern=_PRINTABLE)
    name: str | None = Field(default=None, max_length=100, pattern=_PRINTABLE)
    indicator: str = Field(min_length=1, max_length=64)
    date: IsoDate
    value: Value = None
    evidence: Evidence
    scored_by: str = Field(min_length=1, max_length=100, pattern=_PRINTABLE)
    scored_on: IsoDate

    @model_validator(mode="after")
    def _scored_after(self) -> "ScoreEntry":
        if self.scored_on < self.date:
            raise ValueError(f"DATE_INVALID|记分日期 {self.scored_on} 早于事项日期 {self.date}")
        return self


class ScoreSheet(_Strict):
    format: Literal["scores/1"] = SHEET_FORMAT
    scheme: str | None = None
    period: str | None = None
    group: str | None = Field(default=None, max_length=200)
    group_size: int | None = Field(default=None, ge=1, strict=True)
    entries: list[ScoreEntry]


def _raise(problems: list[dict], source: str) -> None:
    first = problems[0]
    more = f"（另有 {len(problems) - 1} 处错误）" if len(problems) > 1 else ""
    raise InputError(f"{first['reason']}{more}", code=first["code"], file=source, path=first["path"],
                     field=first.get("field"), details=problems)


def parse_entries(data: Any, source: str = "<input>") -> list[ScoreEntry]:
    """A JSON list of entries, all or nothing: the first problem is raised naming its path, all are listed."""
    if not isinstance(data, list):
        raise InputError("记分记录应为一个 JSON 列表", code="VALUE_INVALID", file=source, path="$")
    out, problems = [], []
    for i, item in enumerate(data):
        try:
            out.append(validate_json_model(ScoreEntry, item))
        except ValidationError as exc:
            for problem in validation_problems(exc):
                path = _TAGS.sub("", problem["path"]).replace("$", f"$[{i}]", 1)
                problems.append({**problem, "path": path})
    if problems:
        _raise(problems, source)
    return out


def parse_sheet(data: Any, source: str = "<input>") -> ScoreSheet:
    """A `scores/1` document (dict, or JSON text or bytes), or a bare list of entries."""
    if isinstance(data, (str, bytes, bytearray)):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError(f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}",
                             code="JSON_MALFORMED", file=source, path="$") from None
        except UnicodeDecodeError:
            raise InputError("文件不是 UTF-8 编码的文本", code="JSON_MALFORMED", file=source, path="$") from None
    if isinstance(data, list):
        return ScoreSheet(entries=parse_entries(data, source))
    if not isinstance(data, dict):
        raise InputError("记分表应为 JSON 对象或列表", code="VALUE_INVALID", file=source, path="$")
    if data.get("format", SHEET_FORMAT) != SHEET_FORMAT:
        raise InputError(f"format 应为“{SHEET_FORMAT}”，实为“{data.get('format')}”", code="FORMAT_UNKNOWN",
                         file=source, path="$.format", field="format")
    entries = parse_entries(data.get("entries", []), source) if isinstance(data.get("entries"), list) else None
    head = {k: v for k, v in data.items() if k != "entries"}
    try:
        sheet = validate_json_model(ScoreSheet, {**head, "entries": []})
    except ValidationError as exc:
        _raise(validation_problems(exc), source)
    if entries is None:
        raise InputError("缺少 entries 列表", code="FIELD_REQUIRED", file=source, path="$.entries", field="entries")
    return sheet.model_copy(update={"entries": entries})


def load_sheet_file(path: str) -> ScoreSheet:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise InputError(f"无法读取文件：{exc.strerror}", code="FILE_UNREADABLE", file=path) from None
    return parse_sheet(raw, source=path)
