"""One evaluator per rule kind. The checklist data says which kind, with which parameters, where.

Two shapes: step evaluators run for each recorded occurrence of the step their rule names;
dossier evaluators (rules not tied to a step) run once per dossier and walk what they need.
Both append Finding objects to `out`. The audit and the transition gate call the same ones.
"""
from __future__ import annotations

from workflow.rules import (
    content,
    gaps,
    people,
    periodic,
    publicity,
    records,
    structure,
)

STEP_EVALUATORS = {
    "min_age": gaps.min_age,
    "max_gap": gaps.max_gap,
    "min_gap": gaps.min_gap,
    "before_leaving": gaps.before_leaving,
    "nomination": people.nomination,
    "people": people.people,
    "periodic_assessment": periodic.assessments,
    "thought_reports": periodic.thought_reports,
    "publicity": publicity.publicity,
    "required_value": content.required_value,
    "training": content.training,
    "required_step": content.required_step,
    "required_fields": content.required_fields,
    "quorum": content.quorum,
    "vote": content.vote,
    "extension": content.extension,
    "party_standing": content.party_standing,
    "discipline_period": people.discipline_period,
    "approver": content.approver,
}

DOSSIER_EVALUATORS = {
    "date_order": structure.date_order,
    "future_date": structure.future_dates,
    "step_missing": structure.step_missing,
    "materials": records.materials,
    "signatures": records.signatures,
    "review": records.reviews,
    "self_review": records.self_reviews,
    "paper_review": records.paper_reviews,
    "archive_correction": records.archive_corrections,
}
