"""The calendar override table: official holiday notices for years the calendar package lacks."""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from checklists.errors import ChecklistError

OVERRIDES_FILE = Path(__file__).parent / "data" / "calendar" / "overrides.toml"


@dataclass(frozen=True)
class YearCalendar:
    year: int
    notice: str
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)


def parse_overrides(data: dict, file: str = "<data>") -> dict[int, YearCalendar]:
    out: dict[int, YearCalendar] = {}
    for i, entry in enumerate(data.get("years", [])):
        path = f"years[{i}]"
        try:
            year = int(entry["year"])
            notice = str(entry["notice"]).strip()
            if not notice:
                raise ValueError("notice 不能为空")
            days = {}
            for key in ("holidays", "workdays"):
                parsed = set()
                for j, text in enumerate(entry.get(key, [])):
                    day = text if isinstance(text, dt.date) else dt.date.fromisoformat(str(text))
                    if day.year != year:
                        raise ValueError(f"{key}[{j}] 的日期 {day} 不在 {year} 年")
                    parsed.add(day)
                days[key] = frozenset(parsed)
        except (KeyError, ValueError, TypeError) as exc:
            raise ChecklistError(f"{path}：节假日安排无效：{exc}", code="CALENDAR_INVALID", file=file,
                                 path=path) from None
        if year in out:
            raise ChecklistError(f"{path}：{year} 年重复", code="CALENDAR_INVALID", file=file, path=path)
        out[year] = YearCalendar(year, notice, days["holidays"], days["workdays"])
    return out


def package_knows_year(year: int) -> bool:
    """Whether the `chinesecalendar` package carries the State Council's calendar for `year`.

    Such a year is national data already: the override table may replace it only explicitly."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def load_overrides(path: Path = OVERRIDES_FILE) -> dict[int, YearCalendar]:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise ChecklistError(f"TOML 格式错误：{exc}", code="CALENDAR_INVALID", file=str(path)) from None
    return parse_overrides(data, str(path))
