"""What a form says about the rule in force: articles and figures, as Chinese text, from the rules.

A template never writes a number or an article of its own: "一个月内", "不少于三天（或二十四个学时）",
"第七条" come from the rule set (and local overlay) that governs the dossier, so an overlay's
15 days and 40 学时 are printed as such, and a 2026 form cites the 2026 article.
"""
from __future__ import annotations

from typing import Any

from checklists.gaps import Gap
from checklists.model import RuleSet
from workflow.rules.kinds import KINDS
from workflow.rules.words import chinese_number, gap_words

__all__ = ["chinese_number", "gap_text", "rule_figures"]

_GAP_FIGURES = ("within", "at_least", "excused_within", "every")


def gap_text(gap: Gap | None, *, every: bool = False) -> str | None:
    """"一个月", "三个月", "一年", "十五日"; with `every`, six months reads "半年" (每半年): the one writer
    the findings' messages use too (workflow.rules.words)."""
    return gap_words(gap, every=every)


def _figures(rule) -> dict[str, Any]:
    params = rule.params
    out: dict[str, Any] = {"code": rule.code, "article": rule.article, "name": rule.name,
                           "rule_set": rule.rule_set, "overlay": rule.overlay, "severity": rule.severity}
    out.update(dict.fromkeys(_GAP_FIGURES))
    out.update(KINDS[rule.kind].message_params(rule))  # the kind's own words for its figures, as findings print them
    for name in ("min_days", "min_hours", "working_days", "min", "max", "min_months", "max_months"):
        value = getattr(params, name, None)
        out[name] = chinese_number(value) if isinstance(value, int) else None
    return out


def rule_figures(rs: RuleSet) -> dict[str, Any]:
    """`rules[CODE]` (its first rule), `rules_at["CODE@step"]`, `step_articles[step]`, `words`."""
    by_code: dict[str, Any] = {}
    at: dict[str, Any] = {}
    for rule in rs.rules:
        figures = _figures(rule)
        by_code.setdefault(rule.code, figures)
        for step in rule.steps:
            at.setdefault(f"{rule.code}@{step}", figures)
    return {"rules": by_code, "rules_at": at, "step_articles": {s.id: s.article for s in rs.steps},
            "words": dict(rs.words), "probation_months": gap_text(Gap(months=rs.probation.months))}
