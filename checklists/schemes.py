"""Assessment schemes (量化考核方案) as data: dimensions, indicators, weights, scales, transforms,
vetoes, the period and the grade thresholds, loaded from TOML and validated at load.

A scheme is what a committee adopts to rank its activists against the development quota (seed 000:
学业 20 % / 成长手册 60 % / 班级民主评议 20 %; seed 004: five dimensions on a 5-point scale). Like a
rule set, a scheme that cannot be right is refused when it is read, not when it is first used:
weights that do not sum to 100 at some level, a band outside its scale, thresholds out of order, a
veto on an unknown indicator. The error names the scheme file, the path, the field and the values,
with a stable code (SCHEME_WEIGHTS, SCHEME_SCALE, SCHEME_TRANSFORM, SCHEME_THRESHOLDS, SCHEME_VETO,
SCHEME_IDS, SCHEME_PERIOD, SCHEME_INVALID).

Arithmetic on the figures is exact (`fractions.Fraction` of the written decimals), so a sum of
33.3 + 33.3 + 33.4 is 100 and 0.1 + 0.2 is 0.3.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checklists.errors import ChecklistError
from checklists.step_fields import step_schema

SCHEME_DIR = Path(__file__).parent / "data" / "schemes"
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def exact(value: float | int | str) -> Fraction:
    """The written figure as an exact fraction (1.25 is 5/4, not the nearest binary float)."""
    return Fraction(str(value))


def shown(value: float | int | Fraction) -> str:
    """A figure as a person wrote it: 20 rather than 20.0, 1.25 as 1.25."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return format(float(value), "g")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Data):
    min: float
    max: float


class RankBand(_Data):
    """Ranks in the top `up_to` percent of the group get `points`."""

    up_to: float
    points: float


class ValueBand(_Data):
    at_least: float
    points: float


class Direct(_Data):
    """The scorer enters the points on the indicator's scale."""

    kind: Literal["direct"]


class RankBands(_Data):
    """A rank in the group (rank r of n) to points by the percent r/n; bands ascending, the last at 100."""

    kind: Literal["rank_bands"]
    bands: list[RankBand] = Field(min_length=1)


class Bands(_Data):
    """A measured value (an exam mark, an attendance percent) to points; bands from the highest."""

    kind: Literal["bands"]
    bands: list[ValueBand] = Field(min_length=1)
    otherwise: float | None = None


class PerUnit(_Data):
    """Points per hour, per report, per item: the period's entries are summed, capped at the scale's top."""

    kind: Literal["per_unit"]
    per: float = Field(gt=0)
    unit: str = ""


class Choice(_Data):
    kind: Literal["choice"]
    options: dict[str, float] = Field(min_length=1)


class Vote(_Data):
    """A vote of a class or a group on one person (民主评议), with its own arithmetic.

    `share`: the scale's span times the share of `approving` votes among those present (an
    abstention or a blank counts against). `mean`: the mean of the options' `points` over the votes
    cast. `quorum` ("2/3", "1/2") of those expected must be present: `at_least` that share, or
    `more_than` it."""

    kind: Literal["vote"]
    method: Literal["share", "mean"]
    options: list[str] = Field(min_length=1)
    approving: list[str] = []
    points: dict[str, float] = {}
    quorum: str
    quorum_rule: Literal["at_least", "more_than"]

    @property
    def quorum_share(self) -> Fraction:
        match = _FRACTION.match(self.quorum)
        return Fraction(int(match.group(1)), int(match.group(2)))


class Fact(_Data):
    """A recorded fact that is not scored (a count of failed courses): only vetoes read it."""

    kind: Literal["fact"]
    unit: str = ""


Transform = Annotated[Union[Direct, RankBands, Bands, PerUnit, Choice, Vote, Fact], Field(discriminator="kind")]


class Indicator(_Data):
    """One evaluation point. A `bonus` indicator adds its points to the dimension (额外加分) instead of
    sharing its weight; a `fact` carries neither weight nor scale."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    weight: float | None = None
    bonus: bool = False
    scale: Scale | None = None
    transform: Transform

    @property
    def scored(self) -> bool:
        return self.transform.kind != "fact" and not self.bonus


class Dimension(_Data):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    weight: float
    scale: Scale
    cap: float | None = None
    indicators: list[Indicator] = Field(min_length=1)

    @property
    def ceiling(self) -> float:
        return self.scale.max if self.cap is None else self.cap


class Grade(_Data):
    name: str = Field(min_length=1)
    at_least: float


class Proposal(_Data):
    """Who may be proposed (择优推荐): the grades, the largest share of the group, and how equal totals
    are ordered (by the listed dimensions, highest first)."""

    grades: list[str] = Field(min_length=1)
    max_share: float
    tie_break: list[str] = []


class Period(_Data):
    """How often people are scored (一学期一评: `semester`) and how often the ranking is published
    (一学年一公开: `year`); `starts` are the first days (MM-DD) of the periods in a school year."""

    unit: Literal["semester", "year"]
    publish: Literal["semester", "year"]
    starts: list[str] = Field(min_length=1)

    @property
    def month_days(self) -> list[tuple[int, int]]:
        out = []
        for text in self.starts:
            match = _MONTH_DAY.match(text)
            out.append((int(match.group(1)), int(match.group(2))))
        return out


class Veto(_Data):
    """一票否决: when the indicator's recorded value (`on = "input"`) or its points (`on = "points"`)
    satisfies `op value`, the person gets `grade` whatever the total, and cannot be proposed."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    indicator: str
    on: Literal["input", "points"] = "input"
    op: Literal[">=", ">", "<=", "<", "=="]
    value: float | str
    grade: str


class Scheme(_Data):
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    source: str | None = None
    scale: Scale
    decimals: int = Field(default=2, ge=0, le=6)
    period: Period
    grades: list[Grade] = Field(min_length=1)
    proposal: Proposal
    dimensions: list[Dimension] = Field(min_length=1)
    vetoes: list[Veto] = []
    file: str = ""

    @cached_property
    def indicator_by_id(self) -> dict[str, tuple[Dimension, Indicator]]:
        return {ind.id: (dim, ind) for dim in self.dimensions for ind in dim.indicators}

    @cached_property
    def dimension_by_id(self) -> dict[str, Dimension]:
        return {dim.id: dim for dim in self.dimensions}

    def grade_for(self, total: Fraction) -> str:
        """The highest grade whose threshold the total reaches (the last starts at the scale's minimum)."""
        for grade in self.grades:
            if total >= exact(grade.at_least):
                return grade.name
        return self.grades[-1].name


class _Problems:
    """Collects what is wrong with a scheme; the first problem is raised, all are listed."""

    def __init__(self, file: str, scheme_id: str):
        self.file, self.scheme_id, self.items = file, scheme_id, []

    def add(self, code: str, path: str, field: str, message: str) -> None:
        self.items.append({"code": code, "path": path, "field": field,
                           "reason": f"考核方案 {self.scheme_id} 的 {path}：{message}"})

    def raise_any(self) -> None:
        if self.items:
            first = self.items[0]
            raise ChecklistError(first["reason"], code=first["code"], file=self.file, path=first["path"],
                                 field=first["field"], details=self.items)


def _in_scale(value: float, scale: Scale) -> bool:
    return exact(scale.min) <= exact(value) <= exact(scale.max)


def _scale_text(scale: Scale) -> str:
    return f"{shown(scale.min)}–{shown(scale.max)}"


def _check_weights(scheme: Scheme, p: _Problems) -> None:
    total = sum((exact(d.weight) for d in scheme.dimensions), Fraction(0))
    if total != 100:
        listing = "、".join(f"{d.name} {shown(d.weight)}" for d in scheme.dimensions)
        p.add("SCHEME_WEIGHTS", "dimensions", "weight", f"各维度权重合计为 {shown(total)}，应为 100（{listing}）")
    for i, dim in enumerate(scheme.dimensions):
        if exact(dim.weight) <= 0:
            p.add("SCHEME_WEIGHTS", f"dimensions[{i}].weight", "weight", f"维度“{dim.name}”的权重 {shown(dim.weight)} 应大于 0")
        scored = [ind for ind in dim.indicators if ind.scored]
        for j, ind in enumerate(dim.indicators):
            where = f"dimensions[{i}].indicators[{j}]"
            if ind.scored and (ind.weight is None or exact(ind.weight) <= 0):
                p.add("SCHEME_WEIGHTS", f"{where}.weight", "weight",
                      f"计分指标“{ind.name}”应有大于 0 的权重（现为 {shown(ind.weight) if ind.weight is not None else '未填'}）")
            if not ind.scored and ind.weight is not None:
                what = "额外加分项" if ind.bonus else "记录项（fact）"
                p.add("SCHEME_WEIGHTS", f"{where}.weight", "weight",
                      f"{what}“{ind.name}”不参与权重，不应填写权重（现为 {shown(ind.weight)}）")
        if not scored:
            p.add("SCHEME_WEIGHTS", f"dimensions[{i}].indicators", "weight", f"维度“{dim.name}”没有计分指标")
            continue
        inner = sum((exact(ind.weight) for ind in scored if ind.weight is not None), Fraction(0))
        if inner != 100:
            listing = "、".join(f"{ind.name} {shown(ind.weight) if ind.weight is not None else '未填'}" for ind in scored)
            p.add("SCHEME_WEIGHTS", f"dimensions[{i}].indicators", "weight",
                  f"维度“{dim.name}”的指标权重合计为 {shown(inner)}，应为 100（{listing}）")


def _check_scales(scheme: Scheme, p: _Problems) -> None:
    def ordered(scale: Scale, path: str, what: str) -> bool:
        if exact(scale.min) >= exact(scale.max):
            p.add("SCHEME_SCALE", path, "scale", f"{what}的分值范围 {_scale_text(scale)} 下限应小于上限")
            return False
        return True

    ordered(scheme.scale, "scale", "总分")
    for i, dim in enumerate(scheme.dimensions):
        if ordered(dim.scale, f"dimensions[{i}].scale", f"维度“{dim.name}”") and dim.cap is not None \
                and not (exact(dim.scale.min) < exact(dim.cap) <= exact(dim.scale.max)):
            p.add("SCHEME_SCALE", f"dimensions[{i}].cap", "cap",
                  f"维度“{dim.name}”的封顶分 {shown(dim.cap)} 不在其分值范围 {_scale_text(dim.scale)} 内")
        for j, ind in enumerate(dim.indicators):
            where = f"dimensions[{i}].indicators[{j}]"
            if ind.transform.kind == "fact":
                if ind.scale is not None:
                    p.add("SCHEME_SCALE", f"{where}.scale", "scale", f"记录项“{ind.name}”不计分，不应有分值范围")
            elif ind.scale is None:
                p.add("SCHEME_SCALE", f"{where}.scale", "scale", f"指标“{ind.name}”缺少分值范围 scale")
            else:
                ordered(ind.scale, f"{where}.scale", f"指标“{ind.name}”")


def _check_transform(ind: Indicator, where: str, p: _Problems) -> None:
    t, scale = ind.transform, ind.scale
    if t.kind == "fact" or scale is None:
        return
    path = f"{where}.transform"

    def points_in_scale(points: float, label: str, field: str) -> None:
        if not _in_scale(points, scale):
            p.add("SCHEME_SCALE", path, field,
                  f"指标“{ind.name}”{label}的分值 {shown(points)} 超出其分值范围 {_scale_text(scale)}")

    if t.kind == "rank_bands":
        previous = Fraction(0)
        for k, band in enumerate(t.bands):
            if not previous < exact(band.up_to) <= 100:
                p.add("SCHEME_TRANSFORM", f"{path}.bands[{k}]", "up_to",
                      f"指标“{ind.name}”的名次段应在 0–100% 内严格递增（第 {k + 1} 段 up_to = {shown(band.up_to)}）")
            previous = exact(band.up_to)
            points_in_scale(band.points, f"名次段前 {shown(band.up_to)}%", "points")
        if exact(t.bands[-1].up_to) != 100:
            p.add("SCHEME_TRANSFORM", f"{path}.bands", "up_to",
                  f"指标“{ind.name}”最后一个名次段应到 100%（现为 {shown(t.bands[-1].up_to)}%），否则有人无分")
    elif t.kind == "bands":
        for k in range(1, len(t.bands)):
            if exact(t.bands[k].at_least) >= exact(t.bands[k - 1].at_least):
                p.add("SCHEME_TRANSFORM", f"{path}.bands[{k}]", "at_least",
                      f"指标“{ind.name}”的分段应从高到低排列（{shown(t.bands[k - 1].at_least)} 之后是 "
                      f"{shown(t.bands[k].at_least)}）")
        for band in t.bands:
            points_in_scale(band.points, f"分段 ≥{shown(band.at_least)}", "points")
        if t.otherwise is not None:
            points_in_scale(t.otherwise, "其余情况", "otherwise")
    elif t.kind == "choice":
        for option, points in t.options.items():
            points_in_scale(points, f"选项“{option}”", "options")
    elif t.kind == "vote":
        if len(set(t.options)) != len(t.options):
            p.add("SCHEME_TRANSFORM", f"{path}.options", "options", f"指标“{ind.name}”的投票选项有重复")
        match = _FRACTION.match(t.quorum)
        if not match or int(match.group(2)) == 0 or not 0 < Fraction(int(match.group(1)), int(match.group(2))) <= 1:
            p.add("SCHEME_TRANSFORM", f"{path}.quorum", "quorum",
                  f"指标“{ind.name}”的到会比例“{t.quorum}”应写作 0 到 1 之间的分数，如“2/3”")
        if t.method == "share":
            unknown = [o for o in t.approving if o not in t.options]
            if not t.approving or unknown:
                p.add("SCHEME_TRANSFORM", f"{path}.approving", "approving",
                      f"指标“{ind.name}”按比例计分，approving 应为投票选项中的一项或几项（现为 {t.approving}）")
            if t.points:
                p.add("SCHEME_TRANSFORM", f"{path}.points", "points", f"指标“{ind.name}”按比例计分，不用 points")
        else:
            if set(t.points) != set(t.options):
                p.add("SCHEME_TRANSFORM", f"{path}.points", "points",
                      f"指标“{ind.name}”按平均分计分，每个选项都应有分值（选项 {t.options}，分值 {sorted(t.points)}）")
            for option, points in t.points.items():
                points_in_scale(points, f"选项“{option}”", "points")
            if t.approving:
                p.add("SCHEME_TRANSFORM", f"{path}.approving", "approving", f"指标“{ind.name}”按平均分计分，不用 approving")


def _check_transforms(scheme: Scheme, p: _Problems) -> None:
    for i, dim in enumerate(scheme.dimensions):
        for j, ind in enumerate(dim.indicators):
            _check_transform(ind, f"dimensions[{i}].indicators[{j}]", p)
            if ind.bonus and ind.transform.kind in ("fact", "vote"):
                p.add("SCHEME_TRANSFORM", f"dimensions[{i}].indicators[{j}].bonus", "bonus",
                      f"“{ind.name}”的计分方式 {ind.transform.kind} 不能作为额外加分")


def _check_ids(scheme: Scheme, p: _Problems) -> None:
    seen: dict[str, str] = {}
    for i, dim in enumerate(scheme.dimensions):
        if dim.id in seen:
            p.add("SCHEME_IDS", f"dimensions[{i}].id", "id", f"维度 id“{dim.id}”重复")
        seen[dim.id] = f"dimensions[{i}]"
    indicators: set[str] = set()
    for i, dim in enumerate(scheme.dimensions):
        for j, ind in enumerate(dim.indicators):
            if ind.id in indicators:
                p.add("SCHEME_IDS", f"dimensions[{i}].indicators[{j}].id", "id", f"指标 id“{ind.id}”重复")
            indicators.add(ind.id)
    vetoes: set[str] = set()
    for i, veto in enumerate(scheme.vetoes):
        if veto.id in vetoes:
            p.add("SCHEME_IDS", f"vetoes[{i}].id", "id", f"否决项 id“{veto.id}”重复")
        vetoes.add(veto.id)


def _check_thresholds(scheme: Scheme, p: _Problems) -> None:
    names = [g.name for g in scheme.grades]
    if len(set(names)) != len(names):
        p.add("SCHEME_THRESHOLDS", "grades", "name", f"等次名称重复：{names}")
    for k, grade in enumerate(scheme.grades):
        if not _in_scale(grade.at_least, scheme.scale):
            p.add("SCHEME_THRESHOLDS", f"grades[{k}].at_least", "at_least",
                  f"等次“{grade.name}”的分数线 {shown(grade.at_least)} 不在总分范围 {_scale_text(scheme.scale)} 内")
        if k and exact(grade.at_least) >= exact(scheme.grades[k - 1].at_least):
            p.add("SCHEME_THRESHOLDS", f"grades[{k}].at_least", "at_least",
                  f"等次应从高到低排列，分数线严格递减（“{scheme.grades[k - 1].name}” {shown(scheme.grades[k - 1].at_least)}"
                  f" 之后是“{grade.name}” {shown(grade.at_least)}）")
    if exact(scheme.grades[-1].at_least) != exact(scheme.scale.min):
        last = scheme.grades[-1]
        p.add("SCHEME_THRESHOLDS", f"grades[{len(scheme.grades) - 1}].at_least", "at_least",
              f"最低等次“{last.name}”的分数线应为总分下限 {shown(scheme.scale.min)}（现为 {shown(last.at_least)}），否则有的总分没有等次")
    unknown = [g for g in scheme.proposal.grades if g not in names]
    if unknown:
        p.add("SCHEME_THRESHOLDS", "proposal.grades", "grades", f"可推荐等次 {unknown} 不是方案中的等次（{names}）")
    if not 0 < exact(scheme.proposal.max_share) <= 100:
        p.add("SCHEME_THRESHOLDS", "proposal.max_share", "max_share",
              f"推荐名额比例 {shown(scheme.proposal.max_share)}% 应在 0 到 100 之间")
    dims = set(scheme.dimension_by_id)
    unknown_dims = [d for d in scheme.proposal.tie_break if d not in dims]
    if unknown_dims:
        p.add("SCHEME_THRESHOLDS", "proposal.tie_break", "tie_break", f"并列时比较的维度 {unknown_dims} 不存在")


_INPUT_KINDS = {"direct", "bands", "per_unit", "choice", "fact"}


def _check_vetoes(scheme: Scheme, p: _Problems) -> None:
    grades = {g.name for g in scheme.grades}
    for i, veto in enumerate(scheme.vetoes):
        path = f"vetoes[{i}]"
        found = scheme.indicator_by_id.get(veto.indicator)
        if found is None:
            p.add("SCHEME_VETO", f"{path}.indicator", "indicator",
                  f"否决项“{veto.name}”引用的指标“{veto.indicator}”不存在（已有：{'、'.join(scheme.indicator_by_id)}）")
        else:
            kind = found[1].transform.kind
            if veto.on == "input" and kind not in _INPUT_KINDS:
                p.add("SCHEME_VETO", f"{path}.on", "on",
                      f"否决项“{veto.name}”：指标“{found[1].name}”（{kind}）的记录值不是单个数值，应写 on = \"points\"")
            if veto.on == "points" and kind == "fact":
                p.add("SCHEME_VETO", f"{path}.on", "on", f"否决项“{veto.name}”：记录项“{found[1].name}”没有分值，应写 on = \"input\"")
            textual = veto.on == "input" and kind == "choice"
            if textual and (veto.op != "==" or veto.value not in found[1].transform.options):
                p.add("SCHEME_VETO", f"{path}.value", "value",
                      f"否决项“{veto.name}”：选项类指标只能用 == 某个选项（选项：{list(found[1].transform.options)}）")
            if not textual and isinstance(veto.value, str):
                p.add("SCHEME_VETO", f"{path}.value", "value", f"否决项“{veto.name}”的比较值“{veto.value}”应为数值")
        if veto.grade not in grades:
            p.add("SCHEME_VETO", f"{path}.grade", "grade", f"否决项“{veto.name}”的等次“{veto.grade}”不是方案中的等次")
        elif veto.grade in scheme.proposal.grades:
            p.add("SCHEME_VETO", f"{path}.grade", "grade",
                  f"否决项“{veto.name}”给出的等次“{veto.grade}”是可推荐等次，否决便不起作用")


def _check_period(scheme: Scheme, p: _Problems) -> None:
    period = scheme.period
    days = []
    for k, text in enumerate(period.starts):
        match = _MONTH_DAY.match(text)
        try:
            days.append(dt.date(2000, int(match.group(1)), int(match.group(2))) if match else None)
        except ValueError:
            days.append(None)
        if days[-1] is None or days[-1] == dt.date(2000, 2, 29):
            p.add("SCHEME_PERIOD", f"period.starts[{k}]", "starts", f"“{text}”不是 MM-DD 形式的日期（2 月 29 日除外）")
    unit = step_schema().words("scoring_unit")  # 学期, 学年 (checklists/data/step_fields.toml)
    wanted = {"semester": 2, "year": 1}[period.unit]  # periods a school year has at least
    if len(period.starts) < wanted:
        p.add("SCHEME_PERIOD", "period.starts", "starts",
              f"按{unit[period.unit]}考核至少需要 {wanted} 个起始日（现为 {period.starts}）")
    if period.unit == "year" and len(period.starts) != 1:
        p.add("SCHEME_PERIOD", "period.starts", "starts", f"按{unit['year']}考核只能有一个起始日（现为 {period.starts}）")
    if period.unit == "year" and period.publish == "semester":
        p.add("SCHEME_PERIOD", "period.publish", "publish", f"按{unit['year']}考核，不能按{unit['semester']}公开")
    known = [d for d in days if d is not None]
    if len(set(known)) != len(known):
        p.add("SCHEME_PERIOD", "period.starts", "starts", f"起始日重复：{period.starts}")


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_scheme(data: dict, file: str) -> Scheme:
    """A scheme from its TOML table; refuses anything inconsistent, naming file, path, field and values."""
    scheme_id = str(data.get("id") or Path(file).stem)
    try:
        scheme = Scheme.model_validate({**data, "file": file})
    except ValidationError as exc:
        errors = exc.errors()
        details = [{"code": "SCHEME_INVALID", "path": _loc(e["loc"]), "reason": e["msg"]} for e in errors]
        path = _loc(errors[0]["loc"])
        field = next((str(part) for part in reversed(errors[0]["loc"]) if isinstance(part, str)), None)
        raise ChecklistError(f"考核方案 {scheme_id} 的 {path}：{errors[0]['msg']}", code="SCHEME_INVALID",
                             file=file, path=path, field=field, details=details) from None
    problems = _Problems(file, scheme.id)
    _check_ids(scheme, problems)
    _check_weights(scheme, problems)
    _check_scales(scheme, problems)
    _check_transforms(scheme, problems)
    _check_thresholds(scheme, problems)
    _check_vetoes(scheme, problems)
    _check_period(scheme, problems)
    problems.raise_any()
    return scheme


def read_scheme_file(path: str | Path) -> Scheme:
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ChecklistError(f"找不到考核方案文件 {path}", code="SCHEME_NOT_FOUND", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError(f"TOML 格式错误：{exc}", code="SCHEME_SYNTAX", file=str(path)) from None
    return parse_scheme(data, str(path))


def scheme_ids() -> list[str]:
    return sorted(p.stem for p in SCHEME_DIR.glob("*.toml"))


@lru_cache(maxsize=None)
def _shipped(scheme_id: str) -> Scheme:
    return read_scheme_file(SCHEME_DIR / f"{scheme_id}.toml")


def load_scheme(ref: str | Path) -> Scheme:
    """A shipped scheme by id (`seed000`), or any scheme file by its path (`…/mine.toml`)."""
    text = str(ref)
    if text.endswith(".toml") or "/" in text:
        return read_scheme_file(text)
    if text not in scheme_ids():
        raise ChecklistError(f"未知的考核方案“{text}”，可用：{'、'.join(scheme_ids())}，或给出 .toml 文件路径",
                             code="SCHEME_UNKNOWN", field="scheme")
    return _shipped(text)
