"""A rule's figures as the 细则 writes them: Chinese numerals and written gaps ("一个月", "半年", "十五日").

One writer for every sentence a person reads about a rule: the findings' message templates
(workflow.rules.templates), the forms (documents.rule_words) and the kinds' message parameters
(workflow.rules.kinds) all print a figure through here, so a local overlay's "15 days" reads 十五日
everywhere.
"""
from __future__ import annotations

from checklists.gaps import Gap

_DIGITS = "零一二三四五六七八九"
MONTHS_A_YEAR = 12  # calendar arithmetic, not a rule: a gap of 12k months reads "k年"
HALF_A_YEAR = 6     # "每六个月" reads "每半年"


def chinese_number(n: int) -> str:
    """0–99 in Chinese numerals, as the 细则 writes them (十五, 二十四, 四十)."""
    if n < 10:
        return _DIGITS[n]
    tens, units = divmod(n, 10)
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[units] if units else ''}" if n < 100 else str(n)


def gap_words(gap: Gap | None, *, every: bool = False) -> str | None:
    """"一个月", "三个月", "一年", "十五日"; with `every`, six months reads "半年" (每半年)."""
    if gap is None:
        return None
    parts = []
    if gap.months:
        if every and gap.months == HALF_A_YEAR:
            parts.append("半年")
        elif gap.months % MONTHS_A_YEAR == 0:
            parts.append(f"{chinese_number(gap.months // MONTHS_A_YEAR)}年")
        else:
            parts.append(f"{chinese_number(gap.months)}个月")
    if gap.days:
        parts.append(f"{chinese_number(gap.days)}日")
    return "".join(parts) or "零日"


def age_words(months: int) -> str:
    """An age given in months, as a form says it: 216 → "十八周岁"."""
    years, rest = divmod(months, MONTHS_A_YEAR)
    return f"{chinese_number(years)}周岁" + (f"{chinese_number(rest)}个月" if rest else "")
