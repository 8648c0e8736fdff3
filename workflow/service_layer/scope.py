"""A dossier within the acting user's scope: one the user may not see is answered like an absent one."""
from __future__ import annotations

from typing import Any

from workflow.dossier import Dossier
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.store.access import READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.errors import NotFound


def load_visible(uow: UnitOfWork, actor: Actor, dossier_id: str) -> tuple[Any, OrgTree, Dossier]:
    """The dossier's row, the organisation tree and the document, if the actor may see the dossier;
    otherwise the same NotFound as for an absent one."""
    tree = uow.orgs.tree()
    row = uow.dossiers.load(dossier_id) if isinstance(dossier_id, str) else None  # with its ledger line
    if row is None or not is_visible(tree, actor, row):
        raise NotFound("找不到该档案，或您无权查看", code="DOSSIER_NOT_FOUND", field="dossier_id")
    return row, tree, uow.dossiers.document(row)


def is_visible(tree: OrgTree, actor: Actor, row: Any) -> bool:
    """Read where it is kept, or write where it is being transferred to."""
    return (tree.reaches(actor, READ_ROLES, row.organisation_id)
            or (row.pending_organisation_id is not None
                and tree.reaches(actor, WRITE_ROLES, row.pending_organisation_id)))
