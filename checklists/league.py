"""The 推优 policy as data: how a League branch meeting recommends members (团组织推优, 细则第八条).

The 细则 names 群团组织推优 as one way to nominate an activist (s03) but leaves the meeting's rules to
local practice: the quorum and majority, how many of a League branch may be recommended in a year,
how long a recommendation stays valid. A committee states them in `data/league/<name>.toml` (named
like its overlay); a policy that cannot be right (a share above 100 %, a quorum of 3/2, a validity
that is not a gap) is refused at load, naming the file, the field and the value.
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
