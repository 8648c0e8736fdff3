"""Values of the `dossier/1` format that both of its readings check: the format's name, the outcomes
each deciding step may record, and the kinds of approving body (checklist data).

They live apart from the pydantic models (workflow.dossier) so that the fast reading
(workflow.dossier_facts) checks the same values without building those models: a one-file
`fazhan audit` of a readable file never needs them.
"""
from __future__ import annotations

from checklists.loader import default_catalogue

FORMAT = "dossier/1"

OUTCOMES = {"s15_admission_meeting": {"passed", "rejected"},
            "s23_conversion_meeting": {"convert", "extend", "cancel"}}
"""The `outcome` each step may record; a step not named here records none."""


def approving_body_types() -> dict[str, str]:
    """Every kind of approving body the rule sets name, with its Chinese name (checklist data)."""
    out: dict[str, str] = {}
    for rs in default_catalogue().ordered():
        out.update(rs.approving_bodies)
    return out
