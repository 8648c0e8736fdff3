"""The pairing policy as data: how a branch assigns 培养联系人 to its activists (结对, 细则第九条).

第九条 fixes only that an activist gets one or two 正式党员 as contacts. How the work is shared out
is local practice, and the seeds show three ways: one or two members per activist; two members per
class who are the contacts of every activist in it (「2+1」, seed 001); a teacher who is a member
for each activist (一名教工党员联系一名学生入党积极分子, seed 003). A branch also caps how many a
member looks after (`max_load`) so nobody is paired with half the branch. A committee states its
choice in `data/pairing/<name>.toml` (named like its overlay); a policy that cannot be right (three
contacts per activist, a load limit of 0, an unknown scheme) is refused at load, naming the file,
the field and the value.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from checklists.errors import ChecklistError

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


def policy_names() -> list[str]:
    return sorted(p.stem for p in PAIRING_DIR.glob("*.toml"))


@lru_cache(maxsize=None)
def load_policy(name: str = "default") -> PairingPolicy:
    if name not in policy_names():
        raise ChecklistError(f"未知的结对规则“{name}”，可用：{'、'.join(policy_names())}", code="PAIRING_POLICY_UNKNOWN",
                             field="policy")
    return read_policy_file(PAIRING_DIR / f"{name}.toml")


def parse_policy(data: dict, file: str) -> PairingPolicy:
    """A policy from its TOML table; the first problem is raised, naming file, path, field and value."""
    try:
        return PairingPolicy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str((first.get("ctx") or {}).get("error") or first["msg"])
        shown = "未填" if first["type"] == "missing" else repr(first.get("input"))
        details = [{"path": ".".join(str(p) for p in e["loc"]), "reason": str((e.get("ctx") or {}).get("error") or e["msg"])}
                   for e in exc.errors()]
        raise ChecklistError(f"结对规则 {data.get('id', Path(file).stem)} 的 {field}：{message}（现为 {shown}）",
                             code="PAIRING_POLICY_INVALID", file=file, path=field, field=field,
                             details=details) from None


def read_policy_file(path: str | Path) -> PairingPolicy:
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ChecklistError(f"找不到结对规则文件 {path}", code="PAIRING_POLICY_NOT_FOUND", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError(f"TOML 格式错误：{exc}", code="PAIRING_POLICY_SYNTAX", file=str(path)) from None
    return parse_policy(data, str(path))
