"""A finding: one fault (or note) in one dossier, with the rule set and article behind it."""
from __future__ import annotations

import json
from json.encoder import encode_basestring as _json_string

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


_HEADS: dict[tuple, tuple[str, str, bool]] = {}


def _head(key: tuple) -> tuple[str, str, bool]:
    """The JSON text of a finding's `to_dict` up to its message (`{"code": …, "message": `), with
    provisional false and true, and whether its severity is "violation". Kept only for strings (and a
    null step), where equal values are the same text; anything else raises TypeError (the caller then
    writes the finding the general way). The memory is bounded: emptied when full."""
    if not all(value is None or isinstance(value, str) for value in key):
        raise TypeError("a finding's fixed fields are text")
    code, severity, step, rule_set, article = key
    texts = [json.dumps({"code": code, "severity": severity, "step": step, "rule_set": rule_set,
                         "article": article, "provisional": provisional, "message": ""}, ensure_ascii=False)[:-3]
             for provisional in (False, True)]  # [:-3] drops the empty message's '""}'
    if len(_HEADS) >= 4096:
        _HEADS.clear()
    head = _HEADS[key] = (texts[0], texts[1], severity == "violation")
    return head


def findings_json(findings: list[Finding], before: str = "", after: str = "") -> tuple[str, bool]:
    """`before` + the JSON text `json.dumps([f.to_dict() for f in findings], ensure_ascii=False)`
    writes + `after`, and whether any finding is a violation. The audit of a million dossiers writes
    a few million findings, and each shares its code, severity, step, rule set and article with many
    others: that part is written once (`_head`), only the message, overlay and subject are escaped (by
    json's own C string writer), and the pieces are joined once. A field of another type than the
    declared ones raises TypeError: the caller then writes the whole entry the general way."""
    if not findings:
        return before + "[]" + after, False
    heads = _HEADS
    pieces = [before, "["]
    violation = False
    for f in findings:
        key = (f.code, f.severity, f.step, f.rule_set, f.article)
        head = heads.get(key) or _head(key)
        provisional = f.provisional
        if provisional is False:
            pieces += (head[0], _json_string(f.message))
        elif provisional is True:
            pieces += (head[1], _json_string(f.message))
        else:
            raise TypeError("provisional is a boolean")
        if f.overlay:
            pieces += (', "overlay": ', _json_string(f.overlay))
        if f.subject:
            pieces += (', "subject": ', _json_string(f.subject))
        pieces.append("}, ")
        if head[2]:
            violation = True
    pieces[-1] = "}]"
    pieces.append(after)
    return "".join(pieces), violation
