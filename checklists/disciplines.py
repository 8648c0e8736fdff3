"""The kinds of Party discipline a roster may record (data: checklists/data/disciplines.toml).

The people rules compare a contact's or introducer's discipline by its name (留党察看, 严重警告 …),
so the roster accepts exactly the names the data lists, never free text that a rule could miss."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from checklists.errors import ChecklistError

DISCIPLINES_FILE = Path(__file__).parent / "data" / "disciplines.toml"


@lru_cache(maxsize=1)
def discipline_kinds() -> tuple[str, ...]:
    try:
        with DISCIPLINES_FILE.open("rb") as handle:
            kinds = tomllib.load(handle).get("kinds")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ChecklistError(f"无法读取处分种类：{exc}", code="DISCIPLINES_INVALID", file=str(DISCIPLINES_FILE)) from None
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) and k for k in kinds):
        raise ChecklistError("kinds 应为处分名称的列表", code="DISCIPLINES_INVALID", file=str(DISCIPLINES_FILE),
                             field="kinds")
    return tuple(kinds)
