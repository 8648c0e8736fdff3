"""Local-practice policies kept as TOML files that an overlay may only tighten (推优 and 结对 today).

Each family of policies lives in its own folder of checklists/data (`default.toml` is the common
practice) and is tightened by an overlay's table of the same name (`[league]`, `[pairing]`). What
differs between families is the model, which fields an overlay may set and what "looser" means;
reading the files, refusing unknown keys and impossible values, and refusing a loosening with the
overlay, field and both values named (OVERLAY_LOOSENS) is the same, and lives here once.
"""
from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from checklists.errors import ChecklistError

BASE_POLICY = "default"
Policy = TypeVar("Policy", bound=BaseModel)



@dataclass(frozen=True, eq=False)
class PolicyFamily(Generic[Policy]):
    """One kind of policy: where its files are, how it is named to people and what tightening means."""

    table: str                     # the overlay's table and the codes' stem: "league" → LEAGUE_POLICY_*
    noun: str                      # how a message names a policy of this kind: 推优规则, 结对规则
    model: type[Policy]
    folder: Path
    overlay_fields: tuple[str, ...]
    looser: Callable[[Policy, Policy], str | None]
    """The first field in which the local policy admits what the base refuses, or None."""
    describe: Callable[[Policy, str], str]
    """One field of a policy as a refusal quotes it to people."""
    local_name: Callable[[Policy, dict, str], str]
    as_data: Callable[[Policy], dict] = lambda policy: policy.model_dump()
    detail: Callable[[Policy, str], Any] | None = None
    """One field as a refusal's details give it to programs (default: as people read it)."""

    @property
    def code(self) -> str:
        return f"{self.table.upper()}_POLICY"

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.toml"))

    @cached_property
    def _loaded(self) -> dict[str, Policy]:
        return {}

    def load(self, name: str = BASE_POLICY) -> Policy:
        """A policy of the folder by name (read once per process)."""
        if name not in self._loaded:
            if name not in self.names():
                raise ChecklistError(f"未知的{self.noun}“{name}”，可用：{'、'.join(self.names())}",
                                     code=f"{self.code}_UNKNOWN", field="policy")
            self._loaded[name] = self.read_file(self.folder / f"{name}.toml")
        return self._loaded[name]

    def read_file(self, path: str | Path) -> Policy:
        path = Path(path)
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            raise ChecklistError(f"找不到{self.noun}文件 {path}", code=f"{self.code}_NOT_FOUND", file=str(path)) from None
        except tomllib.TOMLDecodeError as exc:
            raise ChecklistError(f"TOML 格式错误：{exc}", code=f"{self.code}_SYNTAX", file=str(path)) from None
        return self.parse(data, str(path))

    def parse(self, data: dict, file: str, *, who: str | None = None, prefix: str = "") -> Policy:
        """A policy from its table; the first problem is raised naming file, path, field and value."""
        try:
            return self.model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            message = str((first.get("ctx") or {}).get("error") or first["msg"])
            shown = "未填" if first["type"] == "missing" else repr(first.get("input"))
            details = [{"path": prefix + ".".join(str(p) for p in e["loc"]),
                        "reason": str((e.get("ctx") or {}).get("error") or e["msg"])} for e in exc.errors()]
            who = who or f"{self.noun} {data.get('id', Path(file).stem)} 的 "
            raise ChecklistError(f"{who}{prefix}{field}：{message}（现为 {shown}）", code=f"{self.code}_INVALID",
                                 file=file, path=prefix + field, field=field, details=details) from None

    def refuse_if_looser(self, base: Policy, local: Policy, who: str, file: str, path: str | None = None) -> None:
        """Raises OVERLAY_LOOSENS naming `who`, the field and both values when `local` is looser than `base`."""
        field = self.looser(base, local)
        if field is None:
            return
        national, ours = self.describe(base, field), self.describe(local, field)
        detail = self.detail or self.describe
        path = self.table if path is None else path
        raise ChecklistError(
            f"{who} 放宽了{self.noun}（{base.id}）的 {field}：原为 {national}，地方为 {ours}；地方细则只能收紧",
            code="OVERLAY_LOOSENS", file=file, path=f"{path}.{field}", field=field,
            details=[{"field": field, "national": detail(base, field), "local": detail(local, field)}])

    def tighten(self, base: Policy, raw: Any, overlay_id: str, file: str) -> Policy:
        """`base` with an overlay's table applied; refuses an unknown key, an impossible value and a loosening."""
        if not isinstance(raw, dict):
            raise ChecklistError(f"{self.table} 应为表（[{self.table}]）", code=f"{self.code}_INVALID", file=file,
                                 path=self.table, field=self.table)
        unknown = sorted(set(raw) - set(self.overlay_fields))
        if unknown:
            raise ChecklistError(f"地方细则 {overlay_id} 的 [{self.table}] 中有无法识别的项：{'、'.join(unknown)}"
                                 f"（可用：{'、'.join(self.overlay_fields)}）", code=f"{self.code}_INVALID", file=file,
                                 path=f"{self.table}.{unknown[0]}", field=unknown[0])
        data = {**self.as_data(base), **raw, "id": overlay_id}
        if "name" not in raw:
            data["name"] = self.local_name(base, data, overlay_id)
        local = self.parse(data, file, who=f"地方细则 {overlay_id} 的 ", prefix=f"{self.table}.")
        self.refuse_if_looser(base, local, f"地方细则 {overlay_id}", file)
        return local

    def for_overlay_table(self, overlay: dict | None, file: str = "<inline>") -> Policy:
        """The policy under an overlay document: the common practice, tightened by its table if any."""
        base = self.load(BASE_POLICY)
        if not overlay or self.table not in overlay:
            return base
        return self.tighten(base, overlay[self.table], str(overlay.get("id") or Path(file).stem), file)

    @cached_property
    def _by_overlay(self) -> dict[str | None, Policy]:
        return {}

    def for_overlay(self, name: str | None) -> Policy:
        """The policy of an organisation pinned to the overlay `name` (None: no overlay)."""
        if name not in self._by_overlay:
            if not name:
                policy = self.load(BASE_POLICY)
            else:
                from checklists.loader import read_overlay

                data, file = read_overlay(name)
                policy = self.for_overlay_table(data, file)
            self._by_overlay[name] = policy
        return self._by_overlay[name]
