"""The 推优 policy as data: how a League branch meeting recommends members (团组织推优, 细则第八条).

The 细则 names 群团组织推优 as one way to nominate an activist (s03) but leaves the meeting's rules to
local practice: the quorum and majority, how many of a League branch may be recommended in a year,
how long a recommendation stays valid. `data/league/default.toml` is the common practice; a
committee tightens it in its local overlay's `[league]` table (data/overlays/<name>.toml), and an
overlay may only tighten, as with rules: a lower quorum or majority, a majority counted over those
present instead of those expected, a larger share or a longer validity is refused when the overlay
loads, naming the overlay, the field and both values (OVERLAY_LOOSENS). A policy that cannot be
right (a share above 100 %, a quorum of 3/2, a validity that is not a gap) is refused at load,
naming the file, the field and the value.
"""
from __future__ import annotations

import re
import tomllib
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from checklists.errors import ChecklistError
from checklists.gaps import Gap

LEAGUE_DIR = Path(__file__).parent / "data" / "league"
_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def _share(text: str) -> Fraction:
    match = _FRACTION.match(text)
    if not match or int(match.group(2)) == 0 or not 0 < Fraction(int(match.group(1)), int(match.group(2))) <= 1:
        raise ValueError(f"“{text}”应写作 0 到 1 之间的分数，如“2/3”")
    return Fraction(int(match.group(1)), int(match.group(2)))


class LeaguePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    quorum: str
    quorum_rule: Literal["at_least", "more_than"]
    majority: str
    majority_of: Literal["expected", "present"]
    majority_rule: Literal["at_least", "more_than"]
    max_share: float = Field(gt=0, le=100)
    valid_for: Gap

    @field_validator("quorum", "majority")
    @classmethod
    def _fraction(cls, value: str) -> str:
        _share(value)
        return value

    @field_validator("valid_for", mode="before")
    @classmethod
    def _gap(cls, value):
        return Gap.parse(value) if isinstance(value, str) else value

    def has_quorum(self, expected: int, present: int) -> bool:
        share = Fraction(present, expected)
        return share >= _share(self.quorum) if self.quorum_rule == "at_least" else share > _share(self.quorum)

    def carried(self, expected: int, present: int, yes: int) -> bool:
        share = Fraction(yes, expected if self.majority_of == "expected" else present)
        wanted = _share(self.majority)
        return share >= wanted if self.majority_rule == "at_least" else share > wanted

    def words(self) -> str:
        """The policy as people read it on a refusal."""
        rule = {"at_least": "不少于", "more_than": "超过"}
        base = {"expected": "应到会团员", "present": "到会团员"}
        return (f"到会人数{rule[self.quorum_rule]}应到会团员的 {self.quorum}，赞成票{rule[self.majority_rule]}"
                f"{base[self.majority_of]}的 {self.majority}")


_RULE_RANK = {"at_least": 0, "more_than": 1}   # at the same share, "more than" admits fewer meetings
_BASE_RANK = {"present": 0, "expected": 1}     # yes votes over those expected is never easier than over those present
OVERLAY_FIELDS = ("name", "quorum", "quorum_rule", "majority", "majority_of", "majority_rule", "max_share", "valid_for")
BASE_POLICY = "default"


def _words_of(policy: LeaguePolicy, field: str) -> str:
    """One field of a policy as a refusal quotes it."""
    rule = {"at_least": "不少于", "more_than": "超过"}
    base = {"expected": "应到会团员", "present": "到会团员"}
    if field in ("quorum", "quorum_rule"):
        return f"到会{rule[policy.quorum_rule]} {policy.quorum}"
    if field in ("majority", "majority_rule"):
        return f"赞成票{rule[policy.majority_rule]}{base[policy.majority_of]}的 {policy.majority}"
    if field == "majority_of":
        return f"按{base[policy.majority_of]}计"
    if field == "max_share":
        return f"{policy.max_share:g}%"
    return f"有效期{policy.valid_for.chinese()}"


def _looser_field(base: LeaguePolicy, local: LeaguePolicy) -> str | None:
    """The first field in which `local` admits what `base` refuses, or None when it is at least as strict."""
    for share, rule in (("quorum", "quorum_rule"), ("majority", "majority_rule")):
        if share == "majority" and _BASE_RANK[local.majority_of] < _BASE_RANK[base.majority_of]:
            return "majority_of"
        ours, theirs = _share(getattr(local, share)), _share(getattr(base, share))
        if ours < theirs:
            return share
        if ours == theirs and _RULE_RANK[getattr(local, rule)] < _RULE_RANK[getattr(base, rule)]:
            return rule
    if local.max_share > base.max_share:
        return "max_share"
    if not local.valid_for.surely_not_longer_than(base.valid_for):
        return "valid_for"
    return None


def refuse_if_looser(base: LeaguePolicy, local: LeaguePolicy, who: str, file: str, path: str = "league") -> None:
    """Raises OVERLAY_LOOSENS naming `who`, the field and both values when `local` is looser than `base`."""
    field = _looser_field(base, local)
    if field is not None:
        raise ChecklistError(
            f"{who} 放宽了推优规则（{base.id}）的 {field}：原为 {_words_of(base, field)}，"
            f"地方为 {_words_of(local, field)}；地方细则只能收紧", code="OVERLAY_LOOSENS", file=file,
            path=f"{path}.{field}", field=field,
            details=[{"field": field, "national": _words_of(base, field), "local": _words_of(local, field)}])


def tighten(base: LeaguePolicy, raw, overlay_id: str, file: str) -> LeaguePolicy:
    """`base` with an overlay's `[league]` table applied; refuses an unknown key, an impossible value
    (LEAGUE_POLICY_INVALID) and any loosening (OVERLAY_LOOSENS), naming overlay, field and values."""
    if not isinstance(raw, dict):
        raise ChecklistError("league 应为表（[league]）", code="LEAGUE_POLICY_INVALID", file=file, path="league",
                             field="league")
    unknown = sorted(set(raw) - set(OVERLAY_FIELDS))
    if unknown:
        raise ChecklistError(f"地方细则 {overlay_id} 的 [league] 中有无法识别的项：{'、'.join(unknown)}"
                             f"（可用：{'、'.join(OVERLAY_FIELDS)}）", code="LEAGUE_POLICY_INVALID", file=file,
                             path=f"league.{unknown[0]}", field=unknown[0])
    data = {**base.model_dump(), "valid_for": str(base.valid_for), **raw, "id": overlay_id}
    if "name" not in raw:
        data["name"] = f"{base.name}（{overlay_id} 收紧）"
    try:
        local = LeaguePolicy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str((first.get("ctx") or {}).get("error") or first["msg"])
        raise ChecklistError(f"地方细则 {overlay_id} 的 league.{field}：{message}（现为 {first.get('input')!r}）",
                             code="LEAGUE_POLICY_INVALID", file=file, path=f"league.{field}", field=field) from None
    refuse_if_looser(base, local, f"地方细则 {overlay_id}", file)
    return local


def overlay_policy(overlay: dict | None, file: str = "<inline>") -> LeaguePolicy:
    """The 推优 policy under an overlay: the common practice, tightened by its `[league]` table if any."""
    base = load_policy(BASE_POLICY)
    if not overlay or "league" not in overlay:
        return base
    return tighten(base, overlay["league"], str(overlay.get("id") or Path(file).stem), file)


@lru_cache(maxsize=None)
def policy_for_overlay(name: str | None) -> LeaguePolicy:
    """The policy of an organisation pinned to the overlay `name` (None: no overlay)."""
    if not name:
        return load_policy(BASE_POLICY)
    from checklists.loader import read_overlay

    data, file = read_overlay(name)
    return overlay_policy(data, file)


def policy_names() -> list[str]:
    return sorted(p.stem for p in LEAGUE_DIR.glob("*.toml"))


@lru_cache(maxsize=None)
def load_policy(name: str = "default") -> LeaguePolicy:
    if name not in policy_names():
        raise ChecklistError(f"未知的推优规则“{name}”，可用：{'、'.join(policy_names())}", code="LEAGUE_POLICY_UNKNOWN",
                             field="policy")
    return read_policy_file(LEAGUE_DIR / f"{name}.toml")


def read_policy_file(path: str | Path) -> LeaguePolicy:
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ChecklistError(f"找不到推优规则文件 {path}", code="LEAGUE_POLICY_NOT_FOUND", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError(f"TOML 格式错误：{exc}", code="LEAGUE_POLICY_SYNTAX", file=str(path)) from None
    try:
        return LeaguePolicy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str((first.get("ctx") or {}).get("error") or first["msg"])
        raise ChecklistError(f"推优规则 {data.get('id', path.stem)} 的 {field}：{message}（现为 {first.get('input')!r}）",
                             code="LEAGUE_POLICY_INVALID", file=str(path), path=field, field=field) from None
