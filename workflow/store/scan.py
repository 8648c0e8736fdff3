"""Streaming every stored dossier of an organisation subtree, for audits at scale.

Rows come through a server-side cursor in batches, with the rule-set pin and overlay the dossier's
organisation uses now, so a million dossiers pass through in constant memory.
"""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from workflow.audit_stream import Source
from workflow.store.access import OrgTree
from workflow.store.errors import NotFound
from workflow.store.tables import Dossier as DossierRow


def _organisations(tree: OrgTree, organisation_id: int | None) -> set[int]:
    if organisation_id is None:
        return set(tree.orgs)
    if organisation_id not in tree.orgs:
        raise NotFound(f"没有编号为 {organisation_id} 的组织", code="ORGANISATION_NOT_FOUND", field="organisation")
    return tree.subtree(organisation_id)


def count_subtree(engine: Engine, organisation_id: int | None) -> int:
    with Session(engine) as session:
        orgs = _organisations(OrgTree.load(session), organisation_id)
        return session.exec(select(func.count()).select_from(DossierRow)
                            .where(DossierRow.organisation_id.in_(orgs))).one()


def subtree_sources(engine: Engine, organisation_id: int | None, batch: int = 2000) -> Iterator[Source]:
    with Session(engine) as session:
        tree = OrgTree.load(session)
        orgs = _organisations(tree, organisation_id)
        pins = {org: tree.pinned(org) for org in orgs}
        names = {org: tree.orgs[org].name for org in orgs}
        query = (select(DossierRow.id, DossierRow.organisation_id, DossierRow.snapshot)
                 .where(DossierRow.organisation_id.in_(orgs)).order_by(DossierRow.id)
                 .execution_options(yield_per=batch, stream_results=True))
        for dossier_id, org, snapshot in session.execute(query):
            rule_set, overlay = pins[org]
            yield Source(f"dossier:{dossier_id}", snapshot, rule_set=rule_set, overlay=overlay,
                         organisation=names[org])
