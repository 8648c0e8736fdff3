"""Dossiers as a whole: create, import (and import again), export, read and list.

Every gate of the procedure is the engine's (workflow.engine); this layer adds only who may act where
(workflow.store.access), the one-person-one-dossier constraint (uniqueness.py), and persistence.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from workflow.dossier import Dossier, parse_dossier
from workflow.errors import InputError
from workflow.machine import derive_state
from workflow.service_layer.scope import is_visible, load_visible
from workflow.service_layer.uniqueness import check_person
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.service_layer.writes import append_event
from workflow.store import archive, printable, provenance
from workflow.store.access import EXPORT_ROLES, READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.errors import Conflict
from workflow.store.idnumber import is_id_number, mask_id_number


def _masked(document: dict) -> dict:
    person = dict(document.get("person") or {})
    if person.get("id_number"):
        person["id_number"] = mask_id_number(person["id_number"])
    return {**document, "person": person}


def _meta(row: Any) -> dict:
    return {"organisation_id": row.organisation_id, "pending_organisation_id": row.pending_organisation_id,
            "state": row.state, "version": row.version}


def summary(row: Any) -> dict:
    """A listing line: never the full ID number."""
    return {"id": row.id, "name": row.person_name, "birth_date": row.birth_date.isoformat(),
            "id_number": mask_id_number(row.id_number), **_meta(row)}


def _new_row(uow: UnitOfWork, actor: Actor, tree: OrgTree, organisation_id: int, dossier: Dossier,
             *, kind: str, info: dict) -> Any:
    tree.require_visible_org(actor, organisation_id)
    tree.require_role(actor, organisation_id, WRITE_ROLES, "在该组织建立档案")
    printable.check_dossier(dossier)  # a name the forms cannot print is refused now, not at print time
    if is_id_number(dossier.id):
        raise InputError("档案编号不能使用身份证号码（编号会出现在网址、列表和日志里）", code="VALUE_INVALID",
                         path="$.id", field="id")
    if uow.dossiers.get(dossier.id) is not None:
        raise Conflict(f"档案编号“{dossier.id}”已存在", code="DOSSIER_EXISTS", path="$.id", field="id")
    number = check_person(uow, tree, dossier, organisation_id)
    if number and number != dossier.person.id_number:
        dossier = dossier.model_copy(update={"person": dossier.person.model_copy(update={"id_number": number})})
    return uow.dossiers.create(dossier, organisation_id=organisation_id,
                               root_organisation_id=tree.root(organisation_id), id_number=number,
                               state=derive_state(dossier), kind=kind, actor=actor.name, info=info)


def create_dossier(uow: UnitOfWork, actor: Actor, organisation_id: int, person: dict, *,
                   dossier_id: str | None = None, track_materials: bool = True) -> dict:
    """Opens a dossier under the organisation's rule-set pin and overlay."""
    tree = uow.orgs.tree()
    tree.require_visible_org(actor, organisation_id)
    rule_set, overlay = tree.pinned(organisation_id)
    document = {"format": "dossier/1", "id": dossier_id or f"D{uuid.uuid4().hex[:12].upper()}",
                "rule_set": rule_set, "overlay": overlay, "person": person, "steps": []}
    if track_materials:
        document["materials"] = []
    dossier = parse_dossier(document, source="<request>")
    row = _new_row(uow, actor, tree, organisation_id, dossier, kind="created",
                   info={"organisation_id": organisation_id})
    uow.commit()
    return summary(row)


def import_dossier(uow: UnitOfWork, actor: Actor, organisation_id: int, document: Any,
                   source: str = "<request>", today: dt.date | None = None) -> dict:
    """Takes in a `dossier/1` document as it is (a case run on paper): audited, never gated.

    Sign-offs the file claims arrive as unconfirmed paper reviews (workflow/store/provenance.py)."""
    tree = uow.orgs.tree()
    tree.require_visible_org(actor, organisation_id)
    dossier = parse_dossier(document, source=source)
    paper, claimed = provenance.as_paper_history(dossier.to_json_dict(), actor.name, today or dt.date.today(), source)
    dossier = parse_dossier(paper, source=source)
    row = _new_row(uow, actor, tree, organisation_id, dossier, kind="imported",
                   info={"organisation_id": organisation_id, "source": source, "paper_reviews": claimed})
    uow.commit()
    return summary(row)


def import_or_update(uow: UnitOfWork, actor: Actor, organisation_id: int, document: Any,
                     source: str = "<request>", today: dt.date | None = None) -> dict:
    """Importing the same records again updates the same dossiers instead of duplicating them.

    A new id is imported; a known one (in the same organisation) gets a `reimported` event carrying
    the difference, or nothing at all when the content is unchanged. The history stays append-only.
    """
    dossier = parse_dossier(document, source=source)
    row = uow.dossiers.get(dossier.id)
    if row is None:
        result = import_dossier(uow, actor, organisation_id, dossier.to_json_dict(), source=source, today=today)
        return {**result, "outcome": "created"}
    tree = uow.orgs.tree()
    if not is_visible(tree, actor, row):  # the very answer `_new_row` gives, wherever the dossier is
        raise Conflict(f"档案编号“{dossier.id}”已存在", code="DOSSIER_EXISTS", path="$.id", field="id")
    if row.organisation_id != organisation_id:
        raise Conflict(f"档案“{dossier.id}”属于另一个组织，不能在此重新导入", code="DOSSIER_IN_OTHER_ORGANISATION",
                       path="$.id", field="id")
    tree.require_role(actor, row.organisation_id, WRITE_ROLES, "重新导入档案")
    before = uow.dossiers.document(row)
    paper, _ = provenance.as_paper_history(dossier.to_json_dict(), actor.name, today or dt.date.today(), source)
    dossier = parse_dossier(provenance.keep_sign_offs(before.to_json_dict(), paper), source=source)
    if before.to_json_dict() == dossier.to_json_dict():
        return {**summary(row), "outcome": "unchanged"}
    archive.require_open(before, "重新导入")
    if [e.model_dump(mode="json") for e in before.case_events] \
            != [e.model_dump(mode="json") for e in dossier.case_events]:
        # the dossier lives here now: a withdrawal or transfer is a live action, proposed and reviewed
        raise Conflict("重新导入不能增加、修改或删除撤回、不予发展、转出、转入等事项：请在系统中办理，经上级审核人审核后生效",
                       code="REIMPORT_CHANGES_CASE_EVENTS", path="$.case_events", field="case_events")
    printable.check_dossier(dossier)
    number = check_person(uow, tree, dossier, organisation_id, exclude=row.id)
    columns = {"person_name": dossier.person.name, "birth_date": dossier.person.birth_date, "id_number": number}
    # the repository settles the row to the columns written with the event
    append_event(uow, row, before, dossier, kind="reimported", actor=actor, info={"source": source}, **columns)
    uow.commit()
    return {**summary(row), "outcome": "updated"}


def export_dossier(uow: UnitOfWork, actor: Actor, dossier_id: str) -> dict:
    row, tree, dossier = load_visible(uow, actor, dossier_id)
    tree.require_role(actor, row.organisation_id, EXPORT_ROLES, "导出档案")
    return dossier.to_json_dict()


def get_dossier(uow: UnitOfWork, actor: Actor, dossier_id: str) -> dict:
    row, _, dossier = load_visible(uow, actor, dossier_id)
    return {"dossier": _masked(dossier.to_json_dict()), **_meta(row)}


def load_dossier(uow: UnitOfWork, actor: Actor, dossier_id: str) -> Dossier:
    """The full `Dossier` for readers that render it (forms, bundles); 所在党支部 is the organisation
    the dossier is kept in when the record itself does not name one (a dossier created in the store)."""
    row, tree, dossier = load_visible(uow, actor, dossier_id)
    tree.require_role(actor, row.organisation_id, EXPORT_ROLES, "生成档案文书")
    if not dossier.person.organisation and row.organisation_id in tree.orgs:
        person = dossier.person.model_copy(update={"organisation": tree.orgs[row.organisation_id].name})
        dossier = dossier.model_copy(update={"person": person})
    return dossier


def list_dossiers(uow: UnitOfWork, actor: Actor, *, organisation_id: int | None = None, state: str | None = None,
                  limit: int = 100, offset: int = 0) -> list[dict]:
    """The dossiers kept where the user reads (within `organisation_id`), and those on their way to an
    organisation where the user writes."""
    tree = uow.orgs.tree()
    reach = tree.reach(actor, READ_ROLES)
    if organisation_id is not None:
        tree.require_visible_org(actor, organisation_id)
        reach &= tree.subtree(organisation_id)
    rows = uow.dossiers.listing(reach, tree.reach(actor, WRITE_ROLES), state=state, limit=limit, offset=offset)
    return [summary(r) for r in rows]
