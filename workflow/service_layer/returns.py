"""退回: a reviewer sends a recorded step back to its recorder with a comment, instead of signing it off.

The step stays recorded and unreviewed; the comment is one more event in the append-only history
(`step_returned`), so the organiser sees why and corrects the step (`steps.correct_step`).
"""
from __future__ import annotations

from workflow.errors import InputError
from workflow.service_layer import reviews, scope, steps, writes
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.store.access import Actor
from workflow.store.errors import Conflict, Forbidden

MAX_COMMENT = 1000


def return_step(uow: UnitOfWork, actor: Actor, dossier_id: str, index: int, comment: str) -> dict:
    """Only someone who could sign the step off may send it back, and only while it is unreviewed."""
    row, tree, dossier = scope.load_visible(uow, actor, dossier_id)
    index = steps.step_index(dossier, index)
    if not tree.may_review(actor, row.organisation_id, reviews.same_branch_review(dossier)):
        raise Forbidden("只有上级党组织中具有审核角色的人员才能退回该步骤", code="FORBIDDEN")
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    if not comment:
        raise InputError("退回必须写明意见", code="FIELD_REQUIRED", field="comment")
    if len(comment) > MAX_COMMENT:
        raise InputError(f"退回意见过长（最多 {MAX_COMMENT} 字）", code="VALUE_INVALID", field="comment")
    step = dossier.steps[index]
    if step.reviewed_by:
        raise Conflict(f"该步骤已由 {step.reviewed_by} 审核，不能退回", code="ALREADY_REVIEWED")
    writes.append_event(uow, row, dossier, dossier, kind="step_returned", actor=actor,
                        info={"step": step.step, "index": index, "comment": comment})
    uow.commit()
    return {"index": index, "step": step.step, "state": row.state, "version": row.version}
