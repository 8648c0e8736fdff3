"""Errors that reach people and programs: a stable code, a Chinese message, and where it happened.

Every error raised for bad input names the file, the JSON path and the field, so that an
organiser can fix the record and a program can branch on `code` without parsing text.
"""
from __future__ import annotations


class FazhanError(Exception):
    """Base of all expected failures; anything else escaping is a bug."""

    code = "ERROR"

    def __init__(self, message: str, *, code: str | None = None, file: str | None = None,
                 path: str | None = None, field: str | None = None, details: list | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.file = file
        self.path = path
        self.field = field
        self.details = details or []

    def where(self) -> str:
        parts = [p for p in (self.file, self.path) if p]
        return ":".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"[{self.code}] {where + ': ' if where else ''}{self.message}"

    def to_dict(self) -> dict:
        out = {"code": self.code, "message": self.message}
        for key in ("file", "path", "field"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.details:
            out["details"] = self.details
        return out


class ChecklistError(FazhanError):
    """A rule set or overlay that cannot be loaded (including an overlay that loosens a rule)."""

    code = "CHECKLIST_INVALID"
