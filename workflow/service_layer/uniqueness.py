"""One person, one dossier within an organisation tree: by ID number, or by name and birth date."""
from __future__ import annotations

from workflow.dossier import Dossier
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.store.access import OrgTree
from workflow.store.errors import Conflict
from workflow.store.idnumber import validate_id_number


def check_person(uow: UnitOfWork, tree: OrgTree, dossier: Dossier, org_id: int,
                 exclude: str | None = None) -> str | None:
    """The person's checked ID number (None without one); Conflict when the tree of `org_id` already
    keeps a dossier (other than `exclude`) on them.

    Other trees are not searched: a refusal there would tell this user that another Party committee
    keeps a dossier on the person. A user gets the same answer whether or not another tree knows them."""
    root = tree.root(org_id)
    number = dossier.person.id_number
    if number:
        number = validate_id_number(number, dossier.person.birth_date)
        clash = uow.dossiers.by_id_number(root, number)
        if clash is not None and clash != exclude:
            raise Conflict("本组织体系内已有同一身份证号码的档案（一人一档）", code="DUPLICATE_PERSON",
                           path="$.person.id_number", field="id_number")
    clash = uow.dossiers.by_person(root, dossier.person.name, dossier.person.birth_date)
    if clash is not None and clash != exclude:
        raise Conflict("本组织体系内已有同名且出生日期相同的档案（一人一档）", code="DUPLICATE_PERSON",
                       path="$.person.name", field="name")
    return number
