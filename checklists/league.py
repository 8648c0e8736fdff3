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
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from checklists.gaps import Gap
from checklists.policy_files import PolicyFamily

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


LEAGUE = PolicyFamily(
    table="league", noun="推优规则", model=LeaguePolicy, folder=LEAGUE_DIR, overlay_fields=OVERLAY_FIELDS,
    looser=_looser_field, describe=_words_of, local_name=lambda base, data, overlay_id: f"{base.name}（{overlay_id} 收紧）",
    as_data=lambda policy: {**policy.model_dump(), "valid_for": str(policy.valid_for)})
"""The 推优 policies (data/league/) and how an overlay's `[league]` table tightens them."""

load_policy = LEAGUE.load
read_policy_file = LEAGUE.read_file
refuse_if_looser = LEAGUE.refuse_if_looser
tighten = LEAGUE.tighten
overlay_policy = LEAGUE.for_overlay_table
policy_for_overlay = LEAGUE.for_overlay
policy_names = LEAGUE.names
