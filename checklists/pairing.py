"""The pairing policy as data: how a branch assigns 培养联系人 to its activists (结对, 细则第九条).

第九条 fixes only that an activist gets one or two 正式党员 as contacts. How the work is shared out
is local practice, and the seeds show three ways: one or two members per activist; two members per
class who are the contacts of every activist in it (「2+1」, seed 001); a teacher who is a member
for each activist (一名教工党员联系一名学生入党积极分子, seed 003). A branch also caps how many a
member looks after (`max_load`) so nobody is paired with half the branch.

`data/pairing/default.toml` is the plain reading of 第九条. A committee chooses its own in its local
overlay's `[pairing]` table (data/overlays/<name>.toml), as it sets the 推优 policy in `[league]`:
the scheme, and with it how many contacts a unit gets (one or two, 第九条), and a lower load limit.
A higher load limit loosens the common practice and is refused when the overlay loads, naming the
overlay, the field and both values (OVERLAY_LOOSENS). A policy that cannot be right (three contacts
per activist, a load limit of 0, an unknown scheme or key) is refused at load, naming the file, the
field and the value.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from checklists.errors import ChecklistError
from checklists.policy_files import PolicyFamily

PAIRING_DIR = Path(__file__).parent / "data" / "pairing"
TEACHER_ROLE = "teacher"
SCHEME_WORDS = {"per_activist": "每名积极分子配正式党员联系", "per_class": "每个班级配正式党员联系",
                "teacher_per_activist": "每名积极分子配教工党员联系"}


class PairingPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    scheme: Literal["per_activist", "per_class", "teacher_per_activist"]
    members_per_activist: int = Field(strict=True)
    members_per_class: int = Field(strict=True)
    max_load: int = Field(strict=True)

    @field_validator("members_per_activist", "members_per_class")
    @classmethod
    def _one_or_two(cls, value: int) -> int:
        # Under per_class the class's members become every activist's contacts, so 第九条 bounds both.
        if not 1 <= value <= 2:
            raise ValueError("细则第九条：每名入党积极分子由一至两名正式党员作培养联系人，应为 1 或 2")
        return value

    @field_validator("max_load")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("每名党员联系人数的上限应至少为 1")
        return value

    @property
    def contacts_needed(self) -> int:
        """How many contacts one unit (an activist, or a class under per_class) gets."""
        return self.members_per_class if self.scheme == "per_class" else self.members_per_activist

    def words(self) -> str:
        unit = "每个班级" if self.scheme == "per_class" else "每名积极分子"
        who = "教工党员" if self.scheme == "teacher_per_activist" else "正式党员"
        per = "个班级" if self.scheme == "per_class" else "名积极分子"
        return f"{unit}由 {self.contacts_needed} 名{who}联系，每名党员至多联系 {self.max_load} {per}"


    def load_words(self) -> str:
        """The load limit as people read it on a refusal."""
        per = "个班级" if self.scheme == "per_class" else "名积极分子"
        return f"每名党员至多联系 {self.max_load} {per}"


OVERLAY_FIELDS = ("name", "scheme", "members_per_activist", "members_per_class", "max_load")


def _looser(base: PairingPolicy, local: PairingPolicy) -> str | None:
    """The overlay chooses the scheme and how many contacts a unit gets (第九条 bounds them) freely;
    only a higher load limit loosens the common practice."""
    return "max_load" if local.max_load > base.max_load else None


PAIRING = PolicyFamily(
    table="pairing", noun="结对规则", model=PairingPolicy, folder=PAIRING_DIR, overlay_fields=OVERLAY_FIELDS,
    looser=_looser, describe=lambda policy, field: policy.load_words(), detail=getattr,
    local_name=lambda base, data, overlay_id: f"{SCHEME_WORDS.get(data['scheme'], data['scheme'])}（{overlay_id}）")
"""The pairing policies (data/pairing/) and how an overlay's `[pairing]` table tightens them."""

load_policy = PAIRING.load
parse_policy = PAIRING.parse
read_policy_file = PAIRING.read_file
tighten = PAIRING.tighten
overlay_policy = PAIRING.for_overlay_table
policy_for_overlay = PAIRING.for_overlay
policy_names = PAIRING.names


ROLES_FILE = PAIRING_DIR.parent / "member_roles.toml"


@lru_cache(maxsize=1)
def member_roles() -> dict[str, str]:
    """The role tags a member may carry (teacher, student, …) and their labels, from member_roles.toml."""
    try:
        with ROLES_FILE.open("rb") as handle:
            roles = tomllib.load(handle).get("roles")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ChecklistError(f"无法读取党员身份标签：{exc}", code="MEMBER_ROLES_INVALID", file=str(ROLES_FILE)) from None
    if not isinstance(roles, dict) or not roles or not all(isinstance(v, str) and v for v in roles.values()) \
            or TEACHER_ROLE not in roles:
        raise ChecklistError(f"[roles] 应为 标签 = “名称”，且含 {TEACHER_ROLE}", code="MEMBER_ROLES_INVALID",
                             file=str(ROLES_FILE), path="roles", field="roles")
    return dict(roles)


