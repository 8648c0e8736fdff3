"""Written gaps ("1 month", "12 months", "15 days", "5 working days") as values.

Parsing lives here, beside the data, so that a malformed gap is refused when a checklist loads;
the calendar arithmetic that applies a gap lives in workflow.dates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_GAP = re.compile(r"^\s*(\d+)\s*(month|months|day|days)\s*$")


@dataclass(frozen=True, order=True)
class Gap:
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> "Gap":
        match = _GAP.match(str(text))
        if not match:
            raise ValueError(f"无法识别的期限“{text}”，应写作“N months”或“N days”")
        number, unit = int(match.group(1)), match.group(2)
        return cls(months=number) if unit.startswith("month") else cls(days=number)

    def longest_days(self) -> int:
        return self.months * 31 + self.days

    def shortest_days(self) -> int:
        return self.months * 28 + self.days

    def surely_not_longer_than(self, other: "Gap") -> bool:
        """True when, from any start date, this gap ends no later than `other` does."""
        if self.days == other.days:
            return self.months <= other.months
        if self.months == other.months:
            return self.days <= other.days
        return self.longest_days() <= other.shortest_days()

    def __str__(self) -> str:
        if self.months and not self.days:
            return f"{self.months} month" + ("s" if self.months != 1 else "")
        if self.days and not self.months:
            return f"{self.days} day" + ("s" if self.days != 1 else "")
        if not self.months and not self.days:
            return "0 days"
        return f"{self.months} months {self.days} days"

    def chinese(self) -> str:
        if self.months and not self.days:
            return f"{self.months}个月"
        if self.days and not self.months:
            return f"{self.days}日"
        return f"{self.months}个月{self.days}日" if self.months else "0日"
