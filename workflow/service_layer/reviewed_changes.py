"""Case events and fact corrections, reviewed like a step: one person proposes, a second signs it off.

本人撤回, 决定不予发展, 组织关系转出 and 转入 (第十二条: the cultivation time continues) move the case
itself, so they are written into the dossier only when a reviewer approves them; an assessment, a
publicity notice or a thought report recorded wrongly is corrected or withdrawn the same way, with a
reason. Until the decision the proposal is a `pending_change` row (workflow/store/change_tables.py)
and a `change_proposed` event in the dossier's chain that leaves its content unchanged.

Who may propose is who may record (an organiser or administrator of the dossier's organisation; for a
transfer in, of the receiving one). Who may decide is who may sign a step off there
(`OrgTree.may_review`, with the overlay's same-branch option), never the proposer. The approval applies
the change through the same use case a direct call would use (`steps.case_event`, whose gate is the
machine's: a withdrawn case cannot be transferred) acting for the proposer, whose role is checked again
then; the applied event names the approver. A refused proposal is returned with a comment and may be
proposed again, corrected. The 延长预备期 and 取消预备党员资格 are not case events: they are the outcome of
the conversion meeting (s23), recorded and reviewed as that step (`steps.extend_probation`).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from workflow import engine
from workflow.dossier import Dossier
from workflow.errors import InputError
from workflow.service_layer import parts, reviews, scope, steps, uniqueness, writes
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.service_layer.fact_checks import check_dates
from workflow.store import archive
from workflow.store.access import WRITE_ROLES, Actor, OrgTree
from workflow.store.errors import Conflict, Forbidden, NotFound

MAX_REASON = 500
PROPOSED, RETURNED, APPROVED = "change_proposed", "change_returned", "change_approved"
WEB_CASE_EVENTS = ("withdraw", "not_admitted", "transfer_out", "transfer_in")
FACT_EVENT = {"assessments": "assessment", "publicity": "publicity", "thought_reports": "thought_report"}


# ---------------------------------------------------------------- reading

def as_dict(change: Any) -> dict:
    """A proposal (a `pending_change` row, workflow/store/change_tables.py) as the pages and the API show it."""
    return {"id": change.id, "dossier_id": change.dossier_id, "kind": change.kind,
            "payload": json.loads(change.payload), "organisation_id": change.organisation_id,
            "status": change.status, "proposed_by": change.proposed_by, "proposed_on": change.proposed_on,
            "decided_by": change.decided_by, "decided_on": change.decided_on, "comment": change.comment,
            "proposed_by_user_id": change.proposed_by_user_id}


def changes_of(uow: UnitOfWork, actor: Actor, dossier_id: str) -> list[dict]:
    """Every proposal on a dossier the actor may see, newest first."""
    row, _, _ = scope.load_visible(uow, actor, dossier_id)
    return [as_dict(c) for c in uow.changes.of_dossier(row.id)]


def may_decide(uow: UnitOfWork, actor: Actor, change: dict, dossier: Dossier) -> bool:
    """Whether `decide` would let this actor sign the proposal off (a reviewer there, not the proposer)."""
    tree = uow.orgs.tree()
    return (change["status"] == "pending" and change["organisation_id"] in tree.orgs
            and tree.may_review(actor, change["organisation_id"], reviews.same_branch_review(dossier))
            and not _is_proposer(actor, change))


def waiting_for(uow: UnitOfWork, actor: Actor, limit: int = 200, tree: OrgTree | None = None) -> list[dict]:
    """Pending proposals this actor may decide (for a reviewer's queue and inbox)."""
    tree = tree or uow.orgs.tree()
    reviewer_orgs = {org for org, role in actor.grants if role == "reviewer"}
    if not reviewer_orgs:
        return []
    out = []
    for change in uow.changes.pending(limit * 5):
        if change.organisation_id not in tree.orgs or _is_proposer(actor, as_dict(change)):
            continue
        row = uow.dossiers.get(change.dossier_id)
        if row is None:
            continue
        if tree.may_review(actor, change.organisation_id, reviews.same_branch_review(uow.dossiers.document(row))):
            out.append({**as_dict(change), "person_name": row.person_name})
        if len(out) >= limit:
            break
    return out


def _is_proposer(actor: Actor, change: dict) -> bool:
    return ((actor.user_id is not None and change.get("proposed_by_user_id") == actor.user_id)
            or (change.get("proposed_by") or "").strip() == actor.name.strip())


# ---------------------------------------------------------------- proposing

def _reason(value: Any, required: bool = True) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise InputError("请写明理由", code="REASON_REQUIRED", field="reason", path="$.reason")
        return None
    if len(text) > MAX_REASON:
        raise InputError(f"理由过长（最多 {MAX_REASON} 字）", code="VALUE_INVALID", field="reason", path="$.reason")
    return text


def _event_day(value: Any) -> dt.date:
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
        raise InputError("请填写有效的日期（YYYY-MM-DD）", code="DATE_INVALID", field="date", path="$.date")
    raise InputError("请填写日期", code="FIELD_REQUIRED", field="date", path="$.date")


def _only_one_pending(uow: UnitOfWork, dossier_id: str, kind: str) -> None:
    if uow.changes.pending_of(dossier_id, kind):
        raise Conflict("该档案已有一项同类事项等待审核，请待审核后再办理", code="CHANGE_PENDING")


def _record_proposal(uow: UnitOfWork, actor: Actor, row: Any, dossier: Dossier, *, kind: str,
                     payload: dict, organisation_id: int, today: dt.date) -> dict:
    event = writes.append_event(uow, row, dossier, dossier, kind=PROPOSED, actor=actor,
                                info={"change": kind, **{k: v for k, v in payload.items() if k != "old"}})
    change = uow.changes.add(dossier_id=row.id, kind=kind, payload=json.dumps(payload, ensure_ascii=False),
                             organisation_id=organisation_id, proposed_by_user_id=actor.user_id,
                             proposed_by=actor.name, proposed_on=today, proposed_event_seq=event.seq)
    result = as_dict(change)
    uow.commit()
    return result


def propose_case_event(uow: UnitOfWork, actor: Actor, dossier_id: str, event: Any, *, today: dt.date) -> dict:
    """Asks for a case event; the machine's gate is tried now, so an event the case cannot take is refused
    at once (EVENT_NOT_ALLOWED), and again when it is approved."""
    row, tree, dossier = scope.load_visible(uow, actor, dossier_id)
    if not isinstance(event, dict):
        raise InputError("应为一个 JSON 对象", code="VALUE_INVALID", path="$")
    kind = event.get("kind")
    if kind not in WEB_CASE_EVENTS:
        raise InputError("请选择要办理的事项", code="VALUE_INVALID", field="kind", path="$.kind")
    where = row.pending_organisation_id if kind == "transfer_in" else row.organisation_id
    if where is None:
        raise Conflict("该档案没有待转入的组织关系", code="EVENT_NOT_ALLOWED", field="kind")
    tree.require_role(actor, where, WRITE_ROLES, "办理该事项")
    archive.require_open(dossier, "办理该事项")
    day = _event_day(event.get("date"))
    reason = _reason(event.get("reason"))
    if day > today:
        raise InputError(f"日期 {day} 晚于今天 {today}，不能办理尚未发生的事", code="DATE_IN_FUTURE", field="date",
                         path="$.date")
    latest = max((s.date for s in dossier.steps), default=None)
    if latest is not None and day < latest:
        raise InputError(f"日期 {day} 早于档案中最后一个步骤的日期 {latest}", code="DATE_ORDER", field="date",
                         path="$.date")
    payload: dict[str, Any] = {"kind": kind, "date": day.isoformat(), "reason": reason}
    if kind == "transfer_out":
        target = event.get("to_organisation_id")
        organisation = event.get("organisation")
        if target is not None:
            steps.check_transfer_target(tree, row, target)
            payload["to_organisation_id"] = target
        elif isinstance(organisation, str) and organisation.strip():
            payload["organisation"] = organisation.strip()[:200]
        else:
            raise InputError("请选择转入的党组织，或填写系统外转入单位的名称", code="FIELD_REQUIRED",
                             field="to_organisation_id", path="$.to_organisation_id")
    engine.apply_case_event(dossier, {k: v for k, v in payload.items() if k != "to_organisation_id"})
    if kind == "transfer_in":  # 一人一档 in the receiving tree, said now rather than at the approval
        uniqueness.check_person(uow, tree, dossier, where, exclude=row.id)
    _only_one_pending(uow, row.id, "case_event")
    return _record_proposal(uow, actor, row, dossier, kind="case_event", payload=payload, organisation_id=where,
                            today=today)


def propose_fact_change(uow: UnitOfWork, actor: Actor, dossier_id: str, key: str, index: Any, item: Any, *,
                        reason: Any, today: dt.date) -> dict:
    """Asks to replace (`item` a dict) or withdraw (`item` None) one assessment, notice or thought report."""
    row, tree, dossier = scope.load_visible(uow, actor, dossier_id)
    tree.require_role(actor, row.organisation_id, WRITE_ROLES, "更正该事项")
    archive.require_open(dossier, "更正考察、公示或思想汇报")
    if key not in FACT_EVENT:
        raise InputError("没有这类事项", code="VALUE_INVALID", field="list")
    items = getattr(dossier, key)
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(items):
        raise NotFound("该档案没有这条记录", code="FACT_NOT_FOUND", field="index")
    text = _reason(reason)
    new = None
    if item is not None:
        parsed = parts.validate_part(key, item, dossier)
        new = parsed.model_dump(mode="json", exclude_none=True)
        check_dates(dossier, key, new, today)
        if new == items[index].model_dump(mode="json", exclude_none=True):
            raise InputError("更正后的内容与原记录相同", code="VALUE_UNCHANGED", field="date")
    pending = uow.changes.pending_of(row.id, "fact_correction")
    if any(json.loads(c.payload).get("list") == key and json.loads(c.payload).get("index") == index for c in pending):
        raise Conflict("这条记录已有一项更正等待审核", code="CHANGE_PENDING")
    payload = {"list": key, "index": index, "old": items[index].model_dump(mode="json", exclude_none=True),
               "new": new, "reason": text}
    return _record_proposal(uow, actor, row, dossier, kind="fact_correction", payload=payload,
                            organisation_id=row.organisation_id, today=today)


# ---------------------------------------------------------------- deciding

def _visible_change(uow: UnitOfWork, actor: Actor, change_id: Any) -> tuple[Any, Any, OrgTree, Dossier, bool]:
    """(change, dossier row, tree, dossier, whether `actor` may decide it) for someone who may decide the
    change or see its dossier; anyone else is told it is not there (one answer for both, so that a
    change's existence is not disclosed)."""
    change = uow.changes.get(change_id) if isinstance(change_id, int) and not isinstance(change_id, bool) else None
    if change is None:
        raise NotFound("找不到该事项，或您无权查看", code="CHANGE_NOT_FOUND", field="change_id")
    tree = uow.orgs.tree()
    row = uow.dossiers.get(change.dossier_id)
    dossier = uow.dossiers.document(row)
    may_decide = tree.may_review(actor, change.organisation_id, reviews.same_branch_review(dossier))
    if not may_decide:
        try:
            scope.load_visible(uow, actor, change.dossier_id)
        except NotFound:
            raise NotFound("找不到该事项，或您无权查看", code="CHANGE_NOT_FOUND", field="change_id") from None
    return change, row, tree, dossier, may_decide


def _change_for(uow: UnitOfWork, actor: Actor, change_id: Any) -> tuple[Any, Any, OrgTree, Dossier]:
    change, row, tree, dossier, may_decide = _visible_change(uow, actor, change_id)
    if not may_decide:  # someone who can see the dossier is told they may not decide
        raise Forbidden("只有上级党组织中具有审核角色的人员才能审核该事项", code="FORBIDDEN")
    if change.status != "pending":
        raise Conflict(f"该事项已由 {change.decided_by or '他人'} 处理", code="ALREADY_DECIDED")
    if _is_proposer(actor, as_dict(change)):
        raise Forbidden("提出人不能审核自己提出的事项（一事一审）", code="SELF_REVIEW")
    return change, row, tree, dossier


def _proposer(uow: UnitOfWork, change: Any) -> Actor:
    proposer = uow.users.active_actor(change.proposed_by_user_id) if change.proposed_by_user_id is not None else None
    if proposer is None:
        raise Conflict("提出人的账号已停用，该事项不能再被批准；请退回，由现任组织员重新提出",
                       code="PROPOSER_INACTIVE")
    return proposer


def return_change(uow: UnitOfWork, actor: Actor, change_id: Any, comment: Any, *, today: dt.date) -> dict:
    """Sends a proposal back with a comment; nothing in the dossier changes."""
    change, row, _, dossier = _change_for(uow, actor, change_id)
    text = comment.strip() if isinstance(comment, str) else ""
    if not text:
        raise InputError("退回必须写明意见", code="FIELD_REQUIRED", field="comment")
    if len(text) > 1000:
        raise InputError("退回意见过长（最多 1000 字）", code="VALUE_INVALID", field="comment")
    writes.append_event(uow, row, dossier, dossier, kind=RETURNED, actor=actor,
                        info={"change": change.kind, "proposed_event": change.proposed_event_seq, "comment": text})
    change.status, change.decided_by, change.decided_by_user_id = "returned", actor.name, actor.user_id
    change.decided_on, change.comment = today, text  # the row read through `uow.changes` is written on commit
    result = as_dict(change)
    uow.commit()
    return result


def approve_change(uow: UnitOfWork, actor: Actor, change_id: Any, *, today: dt.date) -> dict:
    """Signs a proposal off and applies it, for its proposer, in one transaction."""
    change, row, tree, dossier = _change_for(uow, actor, change_id)
    proposer = _proposer(uow, change)
    payload = json.loads(change.payload)
    change.status, change.decided_by, change.decided_by_user_id, change.decided_on = \
        "approved", actor.name, actor.user_id, today
    change.applied_event_seq = row.version + 1  # written with the applied event, in the same commit
    approval = {"approved_by": actor.name, "approved_on": today.isoformat(),
                "proposed_event": change.proposed_event_seq}
    if change.kind == "case_event":
        event = {k: v for k, v in payload.items()}
        result = steps.case_event(uow, proposer, change.dossier_id, event, info=approval)
    else:
        result = _apply_fact(uow, proposer, row, tree, dossier, payload, approval, today)
    return {**as_dict(change), "result": result}


def _apply_fact(uow: UnitOfWork, proposer: Actor, row: Any, tree: OrgTree, dossier: Dossier, payload: dict,
                approval: dict, today: dt.date) -> dict:
    tree.require_role(proposer, row.organisation_id, WRITE_ROLES, "更正该事项")
    archive.require_open(dossier, "更正考察、公示或思想汇报")
    key, index = payload["list"], payload["index"]
    items = list(getattr(dossier, key))
    if index >= len(items) or items[index].model_dump(mode="json", exclude_none=True) != payload["old"]:
        raise Conflict("该记录在提出更正后已被改动，请退回后重新提出", code="CHANGE_STALE")
    if payload["new"] is None:
        del items[index]
        kind = f"{FACT_EVENT[key]}_withdrawn"
    else:
        check_dates(dossier, key, payload["new"], today)
        items[index] = parts.validate_part(key, payload["new"], dossier)
        kind = f"{FACT_EVENT[key]}_corrected"
    after = dossier.model_copy(update={key: items})
    writes.append_event(uow, row, dossier, after, kind=kind, actor=proposer,
                        info={"list": key, "index": index, "reason": payload["reason"], **approval})
    uow.commit()
    return {"state": row.state, "version": row.version}


# ---------------------------------------------------------------- what the pages show

def view_change(uow: UnitOfWork, actor: Actor, change_id: Any) -> tuple[dict, Dossier, dict]:
    """A proposal with its dossier and where the dossier is, for someone who may decide it or may see the
    dossier (a reviewer above a receiving branch decides a transfer in before the case is visible to them)."""
    change, row, tree, dossier, _ = _visible_change(uow, actor, change_id)
    names = {i: o.name for i, o in tree.orgs.items()}
    where = {"organisation": names.get(row.organisation_id, ""), "state": row.state,
             "pending_organisation": names.get(row.pending_organisation_id, "") if row.pending_organisation_id else "",
             "change_organisation": names.get(change.organisation_id, "")}
    return as_dict(change), dossier, where


def transfer_targets(uow: UnitOfWork, actor: Actor, dossier_id: str) -> list[tuple[int, str]]:
    """Where a case may be transferred to in this system: every other organisation, named with its tree."""
    row, tree, _ = scope.load_visible(uow, actor, dossier_id)
    out = []
    for org in sorted(tree.orgs.values(), key=lambda o: (tree.root(o.id), o.id)):
        if org.id == row.organisation_id:
            continue
        root = tree.orgs[tree.root(org.id)].name
        out.append((org.id, org.name if root == org.name else f"{root} · {org.name}"))
    return out
