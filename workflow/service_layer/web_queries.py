"""Read-only queries the organisers' web workspace needs beyond the JSON use cases.

Scope is never decided here: which dossiers a user sees comes from `dossiers.list_dossiers`, and
who may sign off a step from `OrgTree.may_review` with the overlay's same-branch option, exactly
as `reviews.review_step` asks them.
"""
from __future__ import annotations

from dataclasses import dataclass

from workflow.dossier import Dossier
from workflow.service_layer import dossiers, reviews
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.store.access import Actor

MAX_LISTED = 1000


@dataclass
class Visible:
    summary: dict
    dossier: Dossier


def visible_dossiers(uow: UnitOfWork, actor: Actor, organisation_id: int | None = None,
                     state: str | None = None) -> list[Visible]:
    """The dossiers `dossiers.list_dossiers` shows this user, each with its full document (ID masked)."""
    summaries = dossiers.list_dossiers(uow, actor, organisation_id=organisation_id, state=state,
                                       limit=MAX_LISTED)
    ids = [s["id"] for s in summaries]
    rows = {r.id: r for r in uow.dossiers.by_ids(ids)}
    out = []
    for item in summaries:
        row = rows.get(item["id"])
        if row is not None:
            document = uow.dossiers.document(row)
            if document.person.id_number:
                person = document.person.model_copy(update={"id_number": item["id_number"]})
                document = document.model_copy(update={"person": person})
            out.append(Visible(item, document))
    return out


def may_review(uow: UnitOfWork, actor: Actor, organisation_id: int, dossier: Dossier) -> bool:
    """Whether `reviews.review_step` would let this user sign off steps of the dossier at all."""
    tree = uow.orgs.tree()
    if organisation_id not in tree.orgs:
        return False
    return tree.may_review(actor, organisation_id, reviews.same_branch_review(dossier))


def reviews_waiting(uow: UnitOfWork, actor: Actor, visible: list[Visible]) -> list[tuple[Visible, int]]:
    """(dossier, step index) of recorded steps this user could sign off: not yet reviewed, not their own."""
    tree = uow.orgs.tree()
    out = []
    for item in visible:
        org = item.summary["organisation_id"]
        if org not in tree.orgs or not tree.may_review(actor, org, reviews.same_branch_review(item.dossier)):
            continue
        for index, step in enumerate(item.dossier.steps):
            if not step.reviewed_by and step.recorded_by != actor.name:
                out.append((item, index))
    return out
