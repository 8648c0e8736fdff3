"""What the server puts into a step entry before the engine sees it, and what it never takes from the user.

The recorder is the acting user; reviews come only through the review use case; a person named by
`member_id` comes from the roster; the approving body of s17/s24 comes from the organisation tree.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from checklists.loader import default_catalogue
from workflow.errors import InputError
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.store import admin
from workflow.store.access import OrgTree

SERVER_FIELDS = ("recorded_by", "reviewed_by", "reviewed_on", "review_source", "paper_review", "archive_correction")


def without_server_fields(entry: dict) -> dict:
    """The entry without what only the server writes (a sign-off cannot be smuggled in with a record)."""
    return {k: v for k, v in entry.items() if k not in SERVER_FIELDS and k != "warning_reason"}


def fill_people(uow: UnitOfWork, tree: OrgTree, row: Any, entry: dict) -> dict:
    """`people` items may name a member by `member_id`; the roster supplies their status and discipline
    as they stood on the step's date (workflow/store/roster.py)."""
    from workflow.store.roster import fill_person

    people = entry.get("people")
    if not isinstance(people, list):
        return entry
    try:
        day = dt.date.fromisoformat(entry.get("date")) if isinstance(entry.get("date"), str) else None
    except ValueError:
        day = None  # the engine refuses the date itself
    filled = [fill_person(uow, tree, row.root_organisation_id, person, day, i)
              if isinstance(person, dict) and "member_id" in person else person for i, person in enumerate(people)]
    return {**entry, "people": filled}


def approver_fields() -> dict[str, str]:
    """Step → field of the approving body, from the rule data (kind `approver`)."""
    out: dict[str, str] = {}
    for rs in default_catalogue().ordered():
        for rule in rs.rules:
            if rule.kind == "approver":
                out.update({step: rule.params.field for step in rule.steps})
    return out


def fill_approving_body(tree: OrgTree, row: Any, entry: dict) -> dict:
    """At s17/s24 the approving body is an organisation of the tree, never typed: the one named by
    `approving_organisation_id` (the dossier's organisation or above it), else the nearest 党委 above;
    its type comes from the tree (2026 第二十二条: a 党总支 or 党组 may not approve)."""
    field = approver_fields().get(entry.get("step"))
    if field is None:
        entry.pop("approving_organisation_id", None)
        return entry
    chain = [row.organisation_id, *tree.ancestors(row.organisation_id)]
    wanted = entry.pop("approving_organisation_id", None)
    if wanted is not None:
        if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted not in chain:
            raise InputError("审批组织应为本档案所在组织或其上级组织", code="VALUE_INVALID",
                             path="$.approving_organisation_id", field="approving_organisation_id")
        org = tree.orgs[wanted]
    else:
        org = next((tree.orgs[i] for i in chain if tree.orgs[i].level == "committee"), tree.orgs[chain[-1]])
    kind = admin.approval_type(org)
    if kind is None:
        raise InputError(f"“{org.name}”是党支部，不能作为审批组织", code="VALUE_INVALID",
                         path="$.approving_organisation_id", field="approving_organisation_id")
    return {**entry, field: {"name": org.name, "type": kind}}
