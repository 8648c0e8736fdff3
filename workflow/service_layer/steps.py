"""Writing the record of a case: steps recorded and corrected, probation extended or cancelled, case
events (withdrawal, transfers), and the facts beside the steps (assessments, publicity, thought reports).
Each is one event through the engine's gate; reviews are reviews.py's."""
from __future__ import annotations

import datetime as dt
from typing import Any

from workflow import engine
from workflow.dossier import Dossier
from workflow.errors import InputError
from workflow.service_layer.entries import fill_approving_body, fill_people, without_server_fields
from workflow.service_layer.parts import validate_part
from workflow.service_layer.scope import load_visible
from workflow.service_layer.uniqueness import check_person
from workflow.service_layer.unit_of_work import UnitOfWork
from workflow.service_layer.writes import append_event
from workflow.store import archive, cultivation, printable
from workflow.store.access import ARCHIVE_ROLES, ARCHIVE_STEP, WRITE_ROLES, Actor
from workflow.store.errors import Conflict, NotFound

FACT_LISTS = {"assessments": "assessment", "publicity": "publicity", "thought_reports": "thought_report"}


def step_index(dossier: Dossier, index: Any) -> int:
    """`index` if the dossier has a step there; NotFound otherwise."""
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(dossier.steps):
        raise NotFound(f"该档案没有第 {index} 条步骤记录", code="STEP_NOT_FOUND", field="index")
    return index


def _new_index(before: Dossier, after: Dossier) -> int:
    for i, (old, new) in enumerate(zip(before.steps, after.steps)):
        if old != new:
            return i
    return len(before.steps)


def record_step(uow: UnitOfWork, actor: Actor, dossier_id: str, entry: Any, *, today: dt.date,
                reason: str | None = None) -> dict:
    """Records one step through the engine's gate; the recorder is the acting user."""
    row, tree, dossier = load_visible(uow, actor, dossier_id)
    if not isinstance(entry, dict):
        raise InputError("步骤记录应为一个 JSON 对象", code="VALUE_INVALID", path="$")
    roles = ARCHIVE_ROLES if entry.get("step") == ARCHIVE_STEP else WRITE_ROLES
    tree.require_role(actor, row.organisation_id, roles, "记录该步骤")
    archive.require_open(dossier, "再记录步骤")
    entry = fill_people(uow, tree, row, without_server_fields(entry))
    printable.check_entry(entry)
    entry = fill_approving_body(tree, row, entry)
    entry = cultivation.fill_league_nomination(uow, tree, row, entry)
    entry["recorded_by"] = actor.name
    outcome = engine.record_step(dossier, entry, today, reason=reason)
    index = _new_index(dossier, outcome.dossier)
    step = outcome.dossier.steps[index]
    append_event(uow, row, dossier, outcome.dossier, kind="step_recorded", actor=actor,
                 info={"step": step.step, "index": index, "date": step.date.isoformat(), "reason": reason,
                       "warnings": [w.code for w in outcome.warnings]},
                 index=(("step_record", {"step_index": index, "step": step.step, "date": step.date,
                                         "recorded_by_user_id": actor.user_id}),), complete=True)
    uow.commit()
    return {"index": index, "step": step.step, "state": row.state, "version": row.version,
            "warnings": [w.to_dict() for w in outcome.warnings]}


def correct_step(uow: UnitOfWork, actor: Actor, dossier_id: str, index: int, entry: Any, *, reason: str,
                 today: dt.date, warning_reason: str | None = None) -> dict:
    """A new event replacing a recorded step, naming the event it corrects and why; it needs a new review."""
    row, tree, dossier = load_visible(uow, actor, dossier_id)
    index = step_index(dossier, index)
    archived = archive.is_archived(dossier)
    if archived:  # only a reviewer above the branch, and the step says so
        authority = archive.correction_authority(tree, actor, row.organisation_id)
    else:
        tree.require_role(actor, row.organisation_id, WRITE_ROLES, "更正步骤记录")
    if not isinstance(entry, dict):
        raise InputError("步骤记录应为一个 JSON 对象", code="VALUE_INVALID", path="$")
    entry = fill_people(uow, tree, row, without_server_fields(entry))
    printable.check_entry(entry)
    entry = cultivation.fill_league_nomination(uow, tree, row, entry)
    entry["recorded_by"] = actor.name
    outcome = engine.correct_step(dossier, index, entry, today, reason=reason, warning_reason=warning_reason)
    corrected = uow.dossiers.last_step_record(row.id, index)
    after = outcome.dossier
    info = {"step": after.steps[index].step, "index": index, "date": after.steps[index].date.isoformat(),
            "corrects_event": corrected, "reason": reason}
    if archived:
        after = archive.mark(after, index, actor.name, today, authority, reason)
        info.update(after_archive=True, authority=authority)
    step = after.steps[index]
    append_event(uow, row, dossier, after, kind="step_corrected", actor=actor, info=info,
                 index=(("step_record", {"step_index": index, "step": step.step, "date": step.date,
                                         "recorded_by_user_id": actor.user_id, "corrects_event_seq": corrected}),))
    uow.commit()
    return {"index": index, "step": step.step, "state": row.state, "version": row.version,
            "corrects_event": corrected, "warnings": [w.to_dict() for w in outcome.warnings]}


def extend_probation(uow: UnitOfWork, actor: Actor, dossier_id: str, *, date: str, votes: dict, months: int,
                     today: dt.date, reason: str | None = None) -> dict:
    """延长预备期 is the s23 outcome `extend`, approved at s24; the engine checks 6–12 months, once."""
    return record_step(uow, actor, dossier_id, {"step": "s23_conversion_meeting", "date": date, "votes": votes,
                                                "outcome": "extend", "extend_months": months},
                       today=today, reason=reason)


def cancel_probation(uow: UnitOfWork, actor: Actor, dossier_id: str, *, date: str, votes: dict,
                     today: dt.date, reason: str | None = None) -> dict:
    """取消预备党员资格 is the s23 outcome `cancel`, approved at s24."""
    return record_step(uow, actor, dossier_id, {"step": "s23_conversion_meeting", "date": date, "votes": votes,
                                                "outcome": "cancel"}, today=today, reason=reason)


def case_event(uow: UnitOfWork, actor: Actor, dossier_id: str, event: Any, *, info: dict | None = None) -> dict:
    """Withdraw, not admitted, transfer out (to an organisation here or elsewhere) and transfer in.

    `info` (who approved it) is added to the event's info. No live caller applies an event directly: the
    web and the API (`POST /api/dossiers/{id}/events`) propose it (workflow/service_layer/reviewed_changes.py),
    which calls this for the proposer once a second person has approved it (一事一审). An imported paper
    history brings its events inside the document instead (`dossiers.import_dossier`, audited, not gated)."""
    row, tree, dossier = load_visible(uow, actor, dossier_id)
    if not isinstance(event, dict):
        raise InputError("应为一个 JSON 对象", code="VALUE_INVALID", path="$")
    archive.require_open(dossier, "办理该事项")
    event = dict(event)
    target = event.pop("to_organisation_id", None)
    columns: dict = {}
    kind = event.get("kind")
    if kind == "transfer_in":
        if row.pending_organisation_id is None:
            raise Conflict("该档案没有待转入的组织关系", code="EVENT_NOT_ALLOWED", field="kind")
        tree.require_role(actor, row.pending_organisation_id, WRITE_ROLES, "办理转入")
        destination = row.pending_organisation_id
        event.setdefault("organisation", tree.orgs[destination].name)
        columns = {"organisation_id": destination, "root_organisation_id": tree.root(destination),
                   "pending_organisation_id": None}
        check_person(uow, tree, dossier, destination, exclude=row.id)  # 一人一档 in the receiving tree
    else:
        tree.require_role(actor, row.organisation_id, WRITE_ROLES, "办理该事项")
        if kind == "transfer_out" and target is not None:
            check_transfer_target(tree, row, target)
            event.setdefault("organisation", tree.orgs[target].name)
            columns = {"pending_organisation_id": target}
    after = engine.apply_case_event(dossier, event)
    added = after.case_events[-1]
    # the ids go into the info too (verify replays them); the repository settles the row to `columns`
    append_event(uow, row, dossier, after, kind=f"case_{added.kind}", actor=actor,
                 info={"kind": added.kind, "date": added.date.isoformat(), "reason": added.reason,
                       "organisation": added.organisation, **(info or {}), **columns},
                 **columns)
    uow.commit()
    return {"state": row.state, "version": row.version, **{k: v for k, v in columns.items() if "organisation" in k}}


def add_fact(uow: UnitOfWork, actor: Actor, dossier_id: str, key: str, item: Any) -> dict:
    """An assessment, a publicity notice or a thought report; judged by the audit, not gated here."""
    row, tree, dossier = load_visible(uow, actor, dossier_id)
    tree.require_role(actor, row.organisation_id, WRITE_ROLES, "记录该事项")
    archive.require_open(dossier, "再记录考察、公示或思想汇报")
    parsed = validate_part(key, item, dossier)
    after = dossier.model_copy(update={key: [*getattr(dossier, key), parsed]})
    append_event(uow, row, dossier, after, kind=f"{FACT_LISTS[key]}_added", actor=actor,
                 info={"list": key, "date": str(getattr(parsed, "date", None) or getattr(parsed, "start", None))})
    uow.commit()
    return {"state": row.state, "version": row.version, "index": len(after.model_dump()[key]) - 1}


def check_transfer_target(tree, row: Any, target: Any) -> None:
    """A transfer's `to_organisation_id`: an organisation of the tree other than the dossier's own."""
    if not isinstance(target, int) or isinstance(target, bool) or target not in tree.orgs:
        raise NotFound("找不到转入的组织", code="ORGANISATION_NOT_FOUND", path="$.to_organisation_id",
                       field="to_organisation_id")
    if target == row.organisation_id:
        raise InputError("不能转入本组织", code="VALUE_INVALID", path="$.to_organisation_id",
                         field="to_organisation_id")
