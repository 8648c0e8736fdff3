"""The archive lock: once 材料归档 (s25) is recorded and signed off, the dossier is closed.

After that nothing is added or changed by the branch: no new facts, materials, case events or
re-imports. A correction is still possible, because archives do contain mistakes, but only by a
reviewer whose role is on an organisation above the dossier's branch, and the corrected step carries
`archive_correction` (who, which organisation, when, why), which the export, the audit (an info
finding) and the web timeline show. A correction after archiving keeps the dossier locked even while
the corrected s25 awaits its new review.
"""
from __future__ import annotations

import datetime as dt

from workflow.dossier import ArchiveCorrection, Dossier
from workflow.store.access import ARCHIVE_STEP, Actor, OrgTree
from workflow.store.errors import Forbidden


def is_archived(dossier: Dossier) -> bool:
    return any(s.step == ARCHIVE_STEP and (s.reviewed_by or s.archive_correction is not None)
               for s in dossier.steps)


def require_open(dossier: Dossier, what: str) -> None:
    if is_archived(dossier):
        raise Forbidden(f"档案已归档（材料归档已审核），不能{what}；如需更正，须由上级党组织的审核人办理",
                        code="DOSSIER_ARCHIVED")


def correction_authority(tree: OrgTree, actor: Actor, organisation_id: int) -> str:
    """The organisation above the branch on which the actor is a reviewer, nearest first; else Forbidden."""
    grants = {org for org, role in actor.grants if role == "reviewer"}
    for org in tree.ancestors(organisation_id):
        if org in grants:
            return tree.orgs[org].name
    raise Forbidden("档案已归档，只有上级党组织中具有审核角色的人员才能更正", code="DOSSIER_ARCHIVED")


def mark(dossier: Dossier, index: int, by: str, on: dt.date, organisation: str, reason: str) -> Dossier:
    steps = list(dossier.steps)
    steps[index] = steps[index].model_copy(update={"archive_correction": ArchiveCorrection(
        by=by, on=on, organisation=organisation, reason=reason.strip())})
    return dossier.model_copy(update={"steps": steps})
