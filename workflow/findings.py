"""A finding: one fault (or note) in one dossier, with the rule set and article behind it."""
from __future__ import annotations

import msgspec

SEVERITIES = ("violation", "warning", "info")


class MessageFields(dict):
    """The fields a message template is filled from: an unknown field stays visible, never crashes."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, fields: dict) -> str:
    """Fills a message template from the checklist data; an unknown field stays visible, never crashes."""
    return template.format_map(MessageFields(fields))


class Finding(msgspec.Struct, frozen=True, gc=False):
    """`subject` names what the finding is about when a program needs it (a material id, a person).

    A frozen msgspec record rather than a dataclass: an audit of many faulty dossiers makes millions
    of these, and a frozen dataclass costs a Python call per field to build."""

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
