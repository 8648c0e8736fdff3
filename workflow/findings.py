"""A finding: one fault (or note) in one dossier, with the rule set and article behind it."""
from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("violation", "warning", "info")


class _SafeFields(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, fields: dict) -> str:
    """Fills a message template from the checklist data; an unknown field stays visible, never crashes."""
    return template.format_map(_SafeFields(fields))


@dataclass(frozen=True, slots=True)
class Finding:
    """`subject` names what the finding is about when a program needs it (a material id, a person)."""

    code: str
    severity: str
    step: str | None
    rule_set: str
    article: str
    message: str
    provisional: bool = False
    overlay: str | None = None
    index: int | None = None
    step_number: int = 99
    subject: str | None = None

    def sort_key(self) -> tuple:
        return (self.step_number, self.index if self.index is not None else 1 << 30, self.code, self.message)

    def to_dict(self) -> dict:
        out = {"code": self.code, "severity": self.severity, "step": self.step, "rule_set": self.rule_set,
               "article": self.article, "provisional": self.provisional, "message": self.message}
        if self.overlay:
            out["overlay"] = self.overlay
        if self.subject:
            out["subject"] = self.subject
        return out
