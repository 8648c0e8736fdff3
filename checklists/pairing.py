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


    def load_words(self) -> str:
        """The load limit as people read it on a refusal."""
        per = "个班级" if self.scheme == "per_class" else "名积极分子"
        return f"每名党员至多联系 {self.max_load} {per}"


OVERLAY_FIELDS = ("name", "scheme", "members_per_activist", "members_per_class", "max_load")
BASE_POLICY = "default"


def tighten(base: PairingPolicy, raw, overlay_id: str, file: str) -> PairingPolicy:
    """`base` with an overlay's `[pairing]` table applied. The overlay chooses the scheme and how many
    contacts a unit gets (第九条 bounds them), and may lower the load limit; it refuses an unknown key
    or an impossible value (PAIRING_POLICY_INVALID) and a higher load limit (OVERLAY_LOOSENS), naming
    the overlay, the field and the values."""
    if not isinstance(raw, dict):
        raise ChecklistError("pairing 应为表（[pairing]）", code="PAIRING_POLICY_INVALID", file=file, path="pairing",
                             field="pairing")
    unknown = sorted(set(raw) - set(OVERLAY_FIELDS))
    if unknown:
        raise ChecklistError(f"地方细则 {overlay_id} 的 [pairing] 中有无法识别的项：{'、'.join(unknown)}"
                             f"（可用：{'、'.join(OVERLAY_FIELDS)}）", code="PAIRING_POLICY_INVALID", file=file,
                             path=f"pairing.{unknown[0]}", field=unknown[0])
    data = {**base.model_dump(), **raw, "id": overlay_id}
    if "name" not in raw:
        data["name"] = f"{SCHEME_WORDS.get(data['scheme'], data['scheme'])}（{overlay_id}）"
    try:
        local = PairingPolicy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str((first.get("ctx") or {}).get("error") or first["msg"])
        raise ChecklistError(f"地方细则 {overlay_id} 的 pairing.{field}：{message}（现为 {first.get('input')!r}）",
                             code="PAIRING_POLICY_INVALID", file=file, path=f"pairing.{field}", field=field) from None
    if local.max_load > base.max_load:
        raise ChecklistError(
            f"地方细则 {overlay_id} 放宽了结对规则（{base.id}）的 max_load：原为{base.load_words()}，"
            f"地方为{local.load_words()}；地方细则只能收紧", code="OVERLAY_LOOSENS", file=file,
            path="pairing.max_load", field="max_load",
            details=[{"field": "max_load", "national": base.max_load, "local": local.max_load}])
    return local


def overlay_policy(overlay: dict | None, file: str = "<inline>") -> PairingPolicy:
    """The pairing policy under an overlay: the plain reading of 第九条, as its `[pairing]` table sets it."""
    base = load_policy(BASE_POLICY)
    if not overlay or "pairing" not in overlay:
        return base
    return tighten(base, overlay["pairing"], str(overlay.get("id") or Path(file).stem), file)


@lru_cache(maxsize=None)
def policy_for_overlay(name: str | None) -> PairingPolicy:
    """The policy of an organisation pinned to the overlay `name` (None: no overlay)."""
    if not name:
        return load_policy(BASE_POLICY)
    from checklists.loader import read_overlay

    data, file = read_overlay(name)
    return overlay_policy(data, file)


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
