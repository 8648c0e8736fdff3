"""The dimensions of the annual return (党内统计) as data: young age, college education, the majority
ethnicity, and the bulletin's occupation categories with the words that place a person in one.

Read from `data/returns.toml` and validated at load: a category id used twice, a word claimed by two
categories, an `otherwise` naming no category or an age that is not positive is refused, naming the
file and the field.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from checklists.errors import ChecklistError

RETURNS_FILE = Path(__file__).parent / "data" / "returns.toml"
UNKNOWN = "未填写"


class Occupation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    words: list[str] = []


class Returns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    young_age: int = Field(gt=0, strict=True)
    higher_education: list[str] = Field(min_length=1)
    majority_ethnicity: list[str] = Field(min_length=1)
    otherwise: str
    occupations: list[Occupation] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "Returns":
        ids = [o.id for o in self.occupations]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"职业类别编号重复：{'、'.join(twice)}")
        if self.otherwise not in ids:
            raise ValueError(f"otherwise“{self.otherwise}”不是职业类别编号")
        seen: dict[str, str] = {}
        for o in self.occupations:
            for word in o.words:
                if word in seen and seen[word] != o.id:
                    raise ValueError(f"词“{word}”同时属于 {seen[word]} 和 {o.id}")
                seen[word] = o.id
        return self

    def occupation_of(self, text: str | None) -> str | None:
        """The category id of what a person wrote (a category's name or id, else the first category one
        of whose words it contains, else `otherwise`); None when nothing was written."""
        if text is None or not str(text).strip():
            return None
        text = str(text).strip()
        for o in self.occupations:
            if text in (o.id, o.name):
                return o.id
        for o in self.occupations:
            if any(word in text for word in o.words):
                return o.id
        return self.otherwise

    def minority(self, ethnicity: str | None) -> bool | None:
        """True for 少数民族, False for the majority, None when not written."""
        if ethnicity is None or not ethnicity.strip():
            return None
        return ethnicity.strip() not in self.majority_ethnicity

    def higher(self, education: str | None) -> bool:
        return bool(education) and any(word in education for word in self.higher_education)


@lru_cache(maxsize=1)
def load_returns(path: str | None = None) -> Returns:
    file = Path(path) if path else RETURNS_FILE
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ChecklistError(f"找不到统计口径文件 {file}", code="RETURNS_NOT_FOUND", file=str(file)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError(f"TOML 格式错误：{exc}", code="RETURNS_SYNTAX", file=str(file)) from None
    try:
        return Returns.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "returns"
        message = str((first.get("ctx") or {}).get("error") or first["msg"])
        raise ChecklistError(f"统计口径 {file.name} 的 {field}：{message}", code="RETURNS_INVALID", file=str(file),
                             path=field, field=field) from None
