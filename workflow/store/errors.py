"""Errors of the store and the use cases; each maps to one HTTP status at the edge."""
from __future__ import annotations

from workflow.errors import FazhanError


class NotFound(FazhanError):
    """Absent, or outside what the user may see (the two are never told apart)."""

    code = "NOT_FOUND"


class Forbidden(FazhanError):
    """Visible to the user, but their role does not allow this action."""

    code = "FORBIDDEN"


class Conflict(FazhanError):
    """Another write to the same dossier won the race, or the thing already exists."""

    code = "CONFLICT"


class Unauthorised(FazhanError):
    code = "UNAUTHORISED"


class MaterialRejected(FazhanError):
    """An upload of the wrong type or size."""

    code = "MATERIAL_REJECTED"


class MaterialCorrupt(FazhanError):
    """Stored bytes no longer match their SHA-256."""

    code = "MATERIAL_CORRUPT"
