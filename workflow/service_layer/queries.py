"""Reading a dossier's history, audit and plan, alone or for an organisation's subtree; nothing is written."""
from __future__ import annotations

import datetime as dt
import json

from checklists.loader import default_catalogue
from workflow.audit import audit_document, audit_dossier
from workflow.dossier import Dossier
from workflow.plan import plan_document, plan_dossier
from workflow.service_layer.scope import load_visible
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.store.access import READ_ROLES, Actor


def events(uow: UnitOfWork, actor: Actor, dossier_id: str) -> list[dict]:
    """The history for people: what happened, by whom, when; patches (with personal data) stay inside."""
    row, _, _ = load_visible(uow, actor, dossier_id)
    return [{"seq": event.seq, "kind": event.kind, "actor": event.actor, "at": event.at,
             "info": json.loads(event.payload).get("info", {}), "hash": event.hash, "prev_hash": event.prev_hash}
            for event in uow.dossiers.history(row.id)]


def audit_one(uow: UnitOfWork, actor: Actor, dossier_id: str, as_of: dt.date) -> dict:
    _, _, dossier = load_visible(uow, actor, dossier_id)
    return audit_document([audit_dossier(dossier, as_of)], as_of)


def _subtree_dossiers(uow: UnitOfWork, actor: Actor, organisation_id: int | None) -> list[Dossier]:
    tree = uow.orgs.tree()
    reach = tree.reach(actor, READ_ROLES)
    if organisation_id is not None:
        tree.require_visible_org(actor, organisation_id)
        reach &= tree.subtree(organisation_id)
    return [uow.dossiers.document(r) for r in uow.dossiers.in_organisations(reach)]


def audit_subtree(uow: UnitOfWork, actor: Actor, organisation_id: int | None, as_of: dt.date) -> dict:
    return audit_document([audit_dossier(d, as_of) for d in _subtree_dossiers(uow, actor, organisation_id)], as_of)


def plan_one(uow: UnitOfWork, actor: Actor, dossier_id: str, as_of: dt.date) -> dict:
    _, _, dossier = load_visible(uow, actor, dossier_id)
    return plan_document([plan_dossier(dossier, as_of)], as_of, [dossier])  # with `leaving` (issue 12)


def plan_subtree(uow: UnitOfWork, actor: Actor, organisation_id: int | None, as_of: dt.date) -> dict:
    dossiers = _subtree_dossiers(uow, actor, organisation_id)
    return plan_document([plan_dossier(d, as_of) for d in dossiers], as_of, dossiers)


def known_rule_sets() -> list[str]:
    return list(default_catalogue().national)
