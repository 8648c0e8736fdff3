"""Errors of the domain layer; the base class lives in checklists, the lowest room."""
from __future__ import annotations

from checklists.errors import ChecklistError, FazhanError

__all__ = ["FazhanError", "ChecklistError", "InputError", "StepRefused", "ReasonRequired"]


class InputError(FazhanError):
    """Malformed or impossible input; nothing from it was taken in."""

    code = "INPUT_INVALID"


class StepRefused(FazhanError):
    """Recording a step would raise violations; `details` lists every finding."""

    code = "STEP_REFUSED"


class ReasonRequired(FazhanError):
    """Recording a step raises warnings, which pass only with a recorded reason."""

    code = "REASON_REQUIRED"
