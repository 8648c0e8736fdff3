"""One object per rule kind (workflow.rules.kinds.KINDS); the checklist data says which kind, with
which parameters, where.

Two shapes of check: step kinds run for each recorded occurrence of the step their rule names;
dossier kinds (rules not tied to a step) run once per dossier and walk what they need. Both append
Finding objects to `out`. The audit and the transition gate call the same ones: the tables below are
each kind's own `check`, the very function, so the compiled audit pays no dispatch for the object.
"""
from __future__ import annotations

from workflow.rules.kinds import KINDS

STEP_EVALUATORS = {name: kind.check for name, kind in KINDS.items() if kind.scope == "step"}

DOSSIER_EVALUATORS = {name: kind.check for name, kind in KINDS.items() if kind.scope == "dossier"}
