"""一步一审: a step counts once a reviewer above the branch (or of it, when the overlay allows) who did
not record it signs it off; a paper sign-off an import brought counts once such a reviewer confirms it."""
from __future__ import annotations

import datetime as dt

from checklists.errors import ChecklistError
from checklists.loader import default_catalogue
from workflow.dossier import Dossier
from workflow.service_layer.scope import load_visible
from workflow.service_layer.steps import step_index
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.service_layer.writes import append_event
from workflow.store import provenance
from workflow.store.access import Actor
from workflow.store.errors import Conflict, Forbidden


def same_branch_review(dossier: Dossier) -> bool:
    """An overlay may let a reviewer of the branch itself sign off (`[review] same_branch = true`)."""
    if dossier.overlay is None:
        return False
    catalogue = default_catalogue()
    try:
        key = catalogue.register_overlay(dossier.overlay)
    except ChecklistError:
        return False
    return catalogue.get(catalogue.ordered()[-1].id, key).review_same_branch


def review_step(uow: UnitOfWork, actor: Actor, dossier_id: str, index: int, *, today: dt.date) -> dict:
    """Signs off one step (or confirms its paper review); the recorder may not sign off their own record."""
    row, tree, dossier = load_visible(uow, actor, dossier_id)
    index = step_index(dossier, index)
    if not tree.may_review(actor, row.organisation_id, same_branch_review(dossier)):
        raise Forbidden("只有上级党组织中具有审核角色的人员才能审核该步骤", code="FORBIDDEN")
    after, source = provenance.sign_off(dossier, index, actor.name, today)  # or confirms a paper review
    step = after.steps[index]
    info = {"step": step.step, "index": index, "reviewed_on": today.isoformat(), "source": source}
    if source == provenance.PAPER:
        info["paper_reviewer"] = step.reviewed_by
    append_event(uow, row, dossier, after, kind="step_reviewed", actor=actor, info=info,
                 index=(("review", {"step_index": index, "step": step.step, "reviewer_user_id": actor.user_id,
                                    "reviewed_on": today, "source": source}),), complete=True)
    uow.commit()
    return {"index": index, "step": step.step, "state": row.state, "version": row.version}


def confirm_paper_reviews(uow: UnitOfWork, actor: Actor, dossier_id: str, *, today: dt.date) -> dict:
    """Confirms every paper review an import brought, in one event: the review of the import itself.

    Each passes the same checks as one review route call; if any is refused, none is confirmed."""
    row, tree, dossier = load_visible(uow, actor, dossier_id)
    if not tree.may_review(actor, row.organisation_id, same_branch_review(dossier)):
        raise Forbidden("只有上级党组织中具有审核角色的人员才能确认纸质审核记录", code="FORBIDDEN")
    pending = provenance.pending_indices(dossier)
    if not pending:
        raise Conflict("该档案没有待确认的纸质审核记录", code="NOTHING_TO_CONFIRM")
    after = dossier
    for index in pending:
        after, _ = provenance.sign_off(after, index, actor.name, today)
    append_event(uow, row, dossier, after, kind="paper_reviews_confirmed", actor=actor,
                 info={"indices": pending, "steps": [after.steps[i].step for i in pending],
                       "reviewed_on": today.isoformat(), "source": provenance.PAPER},
                 index=tuple(("review", {"step_index": index, "step": after.steps[index].step,
                                         "reviewer_user_id": actor.user_id, "reviewed_on": today,
                                         "source": provenance.PAPER}) for index in pending))
    uow.commit()
    return {"confirmed": pending, "state": row.state, "version": row.version}
