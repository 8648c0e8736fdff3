"""The use cases on dossiers, each one transaction: load, ask the engine, append one event, commit.

Every gate of the procedure is the engine's (workflow.engine); this layer adds only who may act
where (workflow.store.access), the one-person-one-dossier constraint, and persistence.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import select

from checklists.errors import ChecklistError
from checklists.loader import default_catalogue
from workflow import engine
from workflow.audit import audit_document, audit_dossier
from workflow.dossier import Dossier, parse_dossier
from workflow.errors import InputError
from workflow.machine import derive_state
from workflow.plan import plan_document, plan_dossier
from workflow.store import admin, archive, blobs, cultivation, printable, provenance
from workflow.store.access import (
    ARCHIVE_ROLES,
    ARCHIVE_STEP,
    EXPORT_ROLES,
    READ_ROLES,
    WRITE_ROLES,
    Actor,
    OrgTree,
)
from workflow.store.errors import Conflict, Forbidden, NotFound
from workflow.store.idnumber import is_id_number, mask_id_number, validate_id_number
from workflow.store.repository import CONFLICT_MESSAGE, UnitOfWork
from workflow.store.tables import Dossier as DossierRow
from workflow.store.tables import Event, Material, Review, StepRecord

SERVER_FIELDS = ("recorded_by", "reviewed_by", "reviewed_on", "review_source", "paper_review", "archive_correction")
FACT_LISTS = {"assessments": "assessment", "publicity": "publicity", "thought_reports": "thought_report"}


# ---------------------------------------------------------------- loading and scope

def _load(uow: UnitOfWork, actor: Actor, dossier_id: str) -> tuple[DossierRow, OrgTree, Dossier]:
    """The dossier if the actor may see it; otherwise the same NotFound as for an absent one."""
    tree = OrgTree.load(uow.session)
    row = uow.dossiers.load(dossier_id) if isinstance(dossier_id, str) else None  # with its ledger line
    if row is None or not _visible(tree, actor, row):
        raise NotFound("找不到该档案，或您无权查看", code="DOSSIER_NOT_FOUND", field="dossier_id")
    return row, tree, uow.dossiers.document(row)


def _visible(tree: OrgTree, actor: Actor, row: DossierRow) -> bool:
    return (tree.reaches(actor, READ_ROLES, row.organisation_id)
            or (row.pending_organisation_id is not None
                and tree.reaches(actor, WRITE_ROLES, row.pending_organisation_id)))


def _same_branch_review(dossier: Dossier) -> bool:
    """An overlay may let a reviewer of the branch itself sign off (`[review] same_branch = true`)."""
    if dossier.overlay is None:
        return False
    catalogue = default_catalogue()
    try:
        key = catalogue.register_overlay(dossier.overlay)
    except ChecklistError:
        return False
    return catalogue.get(catalogue.ordered()[-1].id, key).review_same_branch


def _masked(document: dict) -> dict:
    person = dict(document.get("person") or {})
    if person.get("id_number"):
        person["id_number"] = mask_id_number(person["id_number"])
    return {**document, "person": person}


def _meta(row: DossierRow) -> dict:
    return {"organisation_id": row.organisation_id, "pending_organisation_id": row.pending_organisation_id,
            "state": row.state, "version": row.version}


def summary(row: DossierRow) -> dict:
    """A listing line: never the full ID number."""
    return {"id": row.id, "name": row.person_name, "birth_date": row.birth_date.isoformat(),
            "id_number": mask_id_number(row.id_number), **_meta(row)}


def _fail_input(exc: InputError, prefix: str) -> InputError:
    """Re-roots paths of a part validated inside a scratch dossier (`$.materials[0].x` → `$.x`)."""
    def fix(path: str | None) -> str | None:
        return "$" + path[len(prefix):] if path and path.startswith(prefix) else path
    details = [{**d, "path": fix(d.get("path"))} for d in exc.details]
    return InputError(exc.message, code=exc.code, path=fix(exc.path), field=exc.field, details=details)


def _validate_part(key: str, item: Any, dossier: Dossier):
    """Validates one item of a dossier list (a material, an assessment…) with the dossier/1 parser."""
    if not isinstance(item, dict):
        raise InputError("应为一个 JSON 对象", code="VALUE_INVALID", path="$")
    scratch = {"format": "dossier/1", "id": "scratch", "overlay": dossier.overlay,
               "person": {"name": "scratch", "birth_date": "2000-01-01"}, key: [item]}
    try:
        parsed = parse_dossier(scratch, source="<request>")
    except InputError as exc:
        raise _fail_input(exc, f"$.{key}[0]") from None
    return getattr(parsed, key)[0]


def _check_person(uow: UnitOfWork, tree: OrgTree, dossier: Dossier, org_id: int,
                  exclude: str | None = None) -> str | None:
    """One person, one dossier within the organisation tree: by ID number, or by name and birth date.

    Other trees are not searched: a refusal there would tell this user that another Party committee
    keeps a dossier on the person. A user gets the same answer whether or not another tree knows them."""
    root = tree.root(org_id)
    number = dossier.person.id_number
    if number:
        number = validate_id_number(number, dossier.person.birth_date)
        clash = uow.session.exec(select(DossierRow.id).where(DossierRow.root_organisation_id == root,
                                                             DossierRow.id_number == number)).first()
        if clash is not None and clash != exclude:
            raise Conflict("本组织体系内已有同一身份证号码的档案（一人一档）", code="DUPLICATE_PERSON",
                           path="$.person.id_number", field="id_number")
    clash = uow.session.exec(select(DossierRow.id).where(
        DossierRow.root_organisation_id == root, DossierRow.person_name == dossier.person.name,
        DossierRow.birth_date == dossier.person.birth_date)).first()
    if clash is not None and clash != exclude:
        raise Conflict("本组织体系内已有同名且出生日期相同的档案（一人一档）", code="DUPLICATE_PERSON",
                       path="$.person.name", field="name")
    return number


def _new_row(uow: UnitOfWork, actor: Actor, tree: OrgTree, organisation_id: int, dossier: Dossier,
             *, kind: str, info: dict) -> DossierRow:
    tree.require_visible_org(actor, organisation_id)
    tree.require_role(actor, organisation_id, WRITE_ROLES, "在该组织建立档案")
    printable.check_dossier(dossier)  # a name the forms cannot print is refused now, not at print time
    if is_id_number(dossier.id):
        raise InputError("档案编号不能使用身份证号码（编号会出现在网址、列表和日志里）", code="VALUE_INVALID",
                         path="$.id", field="id")
    if uow.dossiers.get(dossier.id) is not None:
        raise Conflict(f"档案编号“{dossier.id}”已存在", code="DOSSIER_EXISTS", path="$.id", field="id")
    number = _check_person(uow, tree, dossier, organisation_id)
    if number and number != dossier.person.id_number:
        dossier = dossier.model_copy(update={"person": dossier.person.model_copy(update={"id_number": number})})
    row = DossierRow(id=dossier.id, organisation_id=organisation_id, root_organisation_id=tree.root(organisation_id),
                     person_name=dossier.person.name, birth_date=dossier.person.birth_date, id_number=number,
                     state=derive_state(dossier), head_hash="", snapshot="")
    try:
        uow.dossiers.create(row, dossier, kind=kind, actor=actor.name, info=info)
    except IntegrityError:  # the same person or id committed by a racing request: never a 500 quoting the row
        raise Conflict(CONFLICT_MESSAGE, code="CONFLICT") from None
    return row


# ---------------------------------------------------------------- creating, importing, exporting

def create_dossier(uow: UnitOfWork, actor: Actor, organisation_id: int, person: dict, *,
                   dossier_id: str | None = None, track_materials: bool = True) -> dict:
    """Opens a dossier under the organisation's rule-set pin and overlay."""
    tree = OrgTree.load(uow.session)
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
    tree = OrgTree.load(uow.session)
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
    tree = OrgTree.load(uow.session)
    if not _visible(tree, actor, row):  # the very answer `_new_row` gives, wherever the dossier is
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
    if [e.model_dump(mode="json") for e in before.case_events] != [e.model_dump(mode="json") for e in dossier.case_events]:
        # the dossier lives here now: a withdrawal or transfer is a live action, proposed and reviewed
        raise Conflict("重新导入不能增加、修改或删除撤回、不予发展、转出、转入等事项：请在系统中办理，经上级审核人审核后生效",
                       code="REIMPORT_CHANGES_CASE_EVENTS", path="$.case_events", field="case_events")
    printable.check_dossier(dossier)
    number = _check_person(uow, tree, dossier, organisation_id, exclude=row.id)
    columns = {"person_name": dossier.person.name, "birth_date": dossier.person.birth_date, "id_number": number}
    _write(uow, row, before, dossier, kind="reimported", actor=actor, info={"source": source}, **columns)
    for name, value in columns.items():
        set_committed_value(row, name, value)
    uow.commit()
    return {**summary(row), "outcome": "updated"}


def export_dossier(uow: UnitOfWork, actor: Actor, dossier_id: str) -> dict:
    row, tree, dossier = _load(uow, actor, dossier_id)
    tree.require_role(actor, row.organisation_id, EXPORT_ROLES, "导出档案")
    return dossier.to_json_dict()


def get_dossier(uow: UnitOfWork, actor: Actor, dossier_id: str) -> dict:
    row, _, dossier = _load(uow, actor, dossier_id)
    return {"dossier": _masked(dossier.to_json_dict()), **_meta(row)}


def load_dossier(uow: UnitOfWork, actor: Actor, dossier_id: str) -> Dossier:
    """The full `Dossier` for readers that render it (forms, bundles); 所在党支部 is the organisation
    the dossier is kept in when the record itself does not name one (a dossier created in the store)."""
    row, tree, dossier = _load(uow, actor, dossier_id)
    tree.require_role(actor, row.organisation_id, EXPORT_ROLES, "生成档案文书")
    if not dossier.person.organisation and row.organisation_id in tree.orgs:
        person = dossier.person.model_copy(update={"organisation": tree.orgs[row.organisation_id].name})
        dossier = dossier.model_copy(update={"person": person})
    return dossier


def list_dossiers(uow: UnitOfWork, actor: Actor, *, organisation_id: int | None = None, state: str | None = None,
                  limit: int = 100, offset: int = 0) -> list[dict]:
    tree = OrgTree.load(uow.session)
    reach = tree.reach(actor, READ_ROLES)
    if organisation_id is not None:
        tree.require_visible_org(actor, organisation_id)
        reach &= tree.subtree(organisation_id)
    query = select(DossierRow).where(or_(DossierRow.organisation_id.in_(reach or {-1}),
                                         DossierRow.pending_organisation_id.in_(
                                             tree.reach(actor, WRITE_ROLES) or {-1})))
    if state:
        query = query.where(DossierRow.state == state)
    rows = uow.session.exec(query.order_by(DossierRow.id).offset(offset).limit(limit)).all()
    return [summary(r) for r in rows]


# ---------------------------------------------------------------- steps and reviews

def _write(uow: UnitOfWork, row: DossierRow, before: Dossier, after: Dossier, *, kind: str, actor: Actor,
           info: dict, index: tuple = (), complete: bool = False, **columns) -> Event:
    """Appends the event (the row then shows the new version and state). `index`: insert-only index
    rows written with it, as (table, values); `complete`: the use case writes nothing after it, so the
    whole write is one statement (workflow/store/repository.py)."""
    return uow.dossiers.append(row, before, after, kind=kind, actor=actor.name, info=info, state=derive_state(after),
                               index=index, complete=complete, **columns)


def _fill_people(uow: UnitOfWork, tree: OrgTree, row: DossierRow, entry: dict) -> dict:
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


def _approver_fields() -> dict[str, str]:
    """Step → field of the approving body, from the rule data (kind `approver`)."""
    out: dict[str, str] = {}
    for rs in default_catalogue().ordered():
        for rule in rs.rules:
            if rule.kind == "approver":
                out.update({step: rule.params.field for step in rule.steps})
    return out


def _fill_approving_body(tree: OrgTree, row: DossierRow, entry: dict) -> dict:
    """At s17/s24 the approving body is an organisation of the tree, never typed: the one named by
    `approving_organisation_id` (the dossier's organisation or above it), else the nearest 党委 above;
    its type comes from the tree (2026 第二十二条: a 党总支 or 党组 may not approve)."""
    field = _approver_fields().get(entry.get("step"))
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


def _new_index(before: Dossier, after: Dossier) -> int:
    for i, (old, new) in enumerate(zip(before.steps, after.steps)):
        if old != new:
            return i
    return len(before.steps)


def record_step(uow: UnitOfWork, actor: Actor, dossier_id: str, entry: Any, *, today: dt.date,
                reason: str | None = None) -> dict:
    """Records one step through the engine's gate; the recorder is the acting user."""
    row, tree, dossier = _load(uow, actor, dossier_id)
    if not isinstance(entry, dict):
        raise InputError("步骤记录应为一个 JSON 对象", code="VALUE_INVALID", path="$")
    roles = ARCHIVE_ROLES if entry.get("step") == ARCHIVE_STEP else WRITE_ROLES
    tree.require_role(actor, row.organisation_id, roles, "记录该步骤")
    archive.require_open(dossier, "再记录步骤")
    entry = {k: v for k, v in entry.items() if k not in SERVER_FIELDS and k != "warning_reason"}
    entry = _fill_people(uow, tree, row, entry)
    printable.check_entry(entry)
    entry = _fill_approving_body(tree, row, entry)
    entry = cultivation.fill_league_nomination(uow, tree, row, entry)
    entry["recorded_by"] = actor.name
    outcome = engine.record_step(dossier, entry, today, reason=reason)
    index = _new_index(dossier, outcome.dossier)
    step = outcome.dossier.steps[index]
    _write(uow, row, dossier, outcome.dossier, kind="step_recorded", actor=actor,
           info={"step": step.step, "index": index, "date": step.date.isoformat(), "reason": reason,
                 "warnings": [w.code for w in outcome.warnings]},
           index=((StepRecord, {"step_index": index, "step": step.step, "date": step.date,
                                "recorded_by_user_id": actor.user_id}),), complete=True)
    uow.commit()
    return {"index": index, "step": step.step, "state": row.state, "version": row.version,
            "warnings": [w.to_dict() for w in outcome.warnings]}


def _step_index(dossier: Dossier, index: Any) -> int:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(dossier.steps):
        raise NotFound(f"该档案没有第 {index} 条步骤记录", code="STEP_NOT_FOUND", field="index")
    return index


def review_step(uow: UnitOfWork, actor: Actor, dossier_id: str, index: int, *, today: dt.date) -> dict:
    """一步一审: a reviewer above the branch (or of it, when the overlay allows) who did not record it."""
    row, tree, dossier = _load(uow, actor, dossier_id)
    index = _step_index(dossier, index)
    if not tree.may_review(actor, row.organisation_id, _same_branch_review(dossier)):
        raise Forbidden("只有上级党组织中具有审核角色的人员才能审核该步骤", code="FORBIDDEN")
    after, source = provenance.sign_off(dossier, index, actor.name, today)  # or confirms a paper review
    step = after.steps[index]
    info = {"step": step.step, "index": index, "reviewed_on": today.isoformat(), "source": source}
    if source == provenance.PAPER:
        info["paper_reviewer"] = step.reviewed_by
    _write(uow, row, dossier, after, kind="step_reviewed", actor=actor, info=info,
           index=((Review, {"step_index": index, "step": step.step, "reviewer_user_id": actor.user_id,
                            "reviewed_on": today, "source": source}),), complete=True)
    uow.commit()
    return {"index": index, "step": step.step, "state": row.state, "version": row.version}


def confirm_paper_reviews(uow: UnitOfWork, actor: Actor, dossier_id: str, *, today: dt.date) -> dict:
    """Confirms every paper review an import brought, in one event: the review of the import itself.

    Each passes the same checks as one review route call; if any is refused, none is confirmed."""
    row, tree, dossier = _load(uow, actor, dossier_id)
    if not tree.may_review(actor, row.organisation_id, _same_branch_review(dossier)):
        raise Forbidden("只有上级党组织中具有审核角色的人员才能确认纸质审核记录", code="FORBIDDEN")
    pending = provenance.pending_indices(dossier)
    if not pending:
        raise Conflict("该档案没有待确认的纸质审核记录", code="NOTHING_TO_CONFIRM")
    after = dossier
    for index in pending:
        after, _ = provenance.sign_off(after, index, actor.name, today)
    event = _write(uow, row, dossier, after, kind="paper_reviews_confirmed", actor=actor,
                   info={"indices": pending, "steps": [after.steps[i].step for i in pending],
                         "reviewed_on": today.isoformat(), "source": provenance.PAPER})
    for index in pending:
        uow.session.add(Review(dossier_id=row.id, event_seq=event.seq, step_index=index,
                               step=after.steps[index].step, reviewer_user_id=actor.user_id, reviewed_on=today,
                               source=provenance.PAPER))
    uow.commit()
    return {"confirmed": pending, "state": row.state, "version": row.version}


def correct_step(uow: UnitOfWork, actor: Actor, dossier_id: str, index: int, entry: Any, *, reason: str,
                 today: dt.date, warning_reason: str | None = None) -> dict:
    """A new event replacing a recorded step, naming the event it corrects and why; it needs a new review."""
    row, tree, dossier = _load(uow, actor, dossier_id)
    index = _step_index(dossier, index)
    archived = archive.is_archived(dossier)
    if archived:  # only a reviewer above the branch, and the step says so
        authority = archive.correction_authority(tree, actor, row.organisation_id)
    else:
        tree.require_role(actor, row.organisation_id, WRITE_ROLES, "更正步骤记录")
    if not isinstance(entry, dict):
        raise InputError("步骤记录应为一个 JSON 对象", code="VALUE_INVALID", path="$")
    entry = {k: v for k, v in entry.items() if k not in SERVER_FIELDS and k != "warning_reason"}
    entry = _fill_people(uow, tree, row, entry)
    printable.check_entry(entry)
    entry = cultivation.fill_league_nomination(uow, tree, row, entry)
    entry["recorded_by"] = actor.name
    outcome = engine.correct_step(dossier, index, entry, today, reason=reason, warning_reason=warning_reason)
    corrected = uow.session.exec(select(StepRecord.event_seq).where(
        StepRecord.dossier_id == row.id, StepRecord.step_index == index).order_by(StepRecord.id.desc())).first()
    after = outcome.dossier
    info = {"step": after.steps[index].step, "index": index, "date": after.steps[index].date.isoformat(),
            "corrects_event": corrected, "reason": reason}
    if archived:
        after = archive.mark(after, index, actor.name, today, authority, reason)
        info.update(after_archive=True, authority=authority)
    step = after.steps[index]
    event = _write(uow, row, dossier, after, kind="step_corrected", actor=actor, info=info)
    uow.session.add(StepRecord(dossier_id=row.id, event_seq=event.seq, step_index=index, step=step.step,
                               date=step.date, recorded_by_user_id=actor.user_id, corrects_event_seq=corrected))
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


# ---------------------------------------------------------------- case events

def case_event(uow: UnitOfWork, actor: Actor, dossier_id: str, event: Any, *, info: dict | None = None) -> dict:
    """Withdraw, not admitted, transfer out (to an organisation here or elsewhere) and transfer in.

    `info` (who approved it) is added to the event's info. No live caller applies an event directly: the
    web and the API (`POST /api/dossiers/{id}/events`) propose it (workflow/store/reviewed_changes.py),
    which calls this for the proposer once a second person has approved it (一事一审). An imported paper
    history brings its events inside the document instead (`import_dossier`, audited, not gated)."""
    row, tree, dossier = _load(uow, actor, dossier_id)
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
        _check_person(uow, tree, dossier, destination, exclude=row.id)  # 一人一档 in the receiving tree
    else:
        tree.require_role(actor, row.organisation_id, WRITE_ROLES, "办理该事项")
        if kind == "transfer_out" and target is not None:
            if not isinstance(target, int) or isinstance(target, bool) or target not in tree.orgs:
                raise NotFound("找不到转入的组织", code="ORGANISATION_NOT_FOUND", path="$.to_organisation_id",
                               field="to_organisation_id")
            if target == row.organisation_id:
                raise InputError("不能转入本组织", code="VALUE_INVALID", path="$.to_organisation_id",
                                 field="to_organisation_id")
            event.setdefault("organisation", tree.orgs[target].name)
            columns = {"pending_organisation_id": target}
    after = engine.apply_case_event(dossier, event)
    added = after.case_events[-1]
    _write(uow, row, dossier, after, kind=f"case_{added.kind}", actor=actor,
           info={"kind": added.kind, "date": added.date.isoformat(), "reason": added.reason,
                 "organisation": added.organisation, **(info or {}), **columns},
           **columns)  # the ids too: verify replays them
    for key, value in columns.items():
        setattr(row, key, value)
    uow.commit()
    return {"state": row.state, "version": row.version, **{k: v for k, v in columns.items() if "organisation" in k}}


# ---------------------------------------------------------------- facts and materials

def add_fact(uow: UnitOfWork, actor: Actor, dossier_id: str, key: str, item: Any) -> dict:
    """An assessment, a publicity notice or a thought report; judged by the audit, not gated here."""
    row, tree, dossier = _load(uow, actor, dossier_id)
    tree.require_role(actor, row.organisation_id, WRITE_ROLES, "记录该事项")
    archive.require_open(dossier, "再记录考察、公示或思想汇报")
    parsed = _validate_part(key, item, dossier)
    after = dossier.model_copy(update={key: [*getattr(dossier, key), parsed]})
    _write(uow, row, dossier, after, kind=f"{FACT_LISTS[key]}_added", actor=actor,
           info={"list": key, "date": str(getattr(parsed, "date", None) or getattr(parsed, "start", None))})
    uow.commit()
    return {"state": row.state, "version": row.version, "index": len(after.model_dump()[key]) - 1}


def attach_material(uow: UnitOfWork, actor: Actor, dossier_id: str, meta: dict, data: bytes, *,
                    declared_type: str | None, filename: str | None, max_bytes: int) -> dict:
    """Stores the file by SHA-256 and adds the material entry to the dossier in one transaction."""
    row, tree, dossier = _load(uow, actor, dossier_id)
    roles = ARCHIVE_ROLES if meta.get("step") == ARCHIVE_STEP else WRITE_ROLES
    tree.require_role(actor, row.organisation_id, roles, "上传材料")
    archive.require_open(dossier, "再上传材料")
    media = blobs.check_upload(data, declared_type, max_bytes)
    digest = blobs.store(uow.session, data, media)
    item = {**meta, "sha256": digest}
    if filename:
        item["file"] = filename[:200]
    parsed = _validate_part("materials", item, dossier)
    after = dossier.model_copy(update={"materials": [*(dossier.materials or []), parsed]})
    event = _write(uow, row, dossier, after, kind="material_attached", actor=actor,
                   info={"material": parsed.id, "step": parsed.step, "sha256": digest})
    uow.session.add(Material(dossier_id=row.id, event_seq=event.seq, material_id=parsed.id, step=parsed.step,
                             sha256=digest, filename=item.get("file")))
    uow.commit()
    return {"sha256": digest, "media_type": media, "size": len(data), "version": row.version}


def read_material(uow: UnitOfWork, actor: Actor, dossier_id: str, digest: str) -> tuple[bytes, str, str | None]:
    row, _, _ = _load(uow, actor, dossier_id)
    material = uow.session.exec(select(Material).where(Material.dossier_id == row.id,
                                                       Material.sha256 == digest)).first()
    if material is None:
        raise NotFound("该档案没有这份材料", code="MATERIAL_NOT_FOUND", field="sha256")
    blob = blobs.read(uow.session, digest)
    return blob.data, blob.media_type, material.filename


def material_files(uow: UnitOfWork, actor: Actor, dossier_id: str) -> dict[str, bytes]:
    """Every uploaded file the dossier names, by SHA-256 and re-verified, for its archive bundle.

    A SHA-256 with no stored file (a paper original an import described) is left out: the bundle
    lists it as not provided. A stored file that no longer matches its SHA-256 is refused."""
    dossier = load_dossier(uow, actor, dossier_id)
    wanted = {m.sha256 for m in dossier.materials or [] if m.sha256}
    return {digest: blobs.read(uow.session, digest).data for digest in sorted(wanted)
            if blobs.exists(uow.session, digest)}


# ---------------------------------------------------------------- history, audit, plan

def events(uow: UnitOfWork, actor: Actor, dossier_id: str) -> list[dict]:
    """The history for people: what happened, by whom, when; patches (with personal data) stay inside."""
    row, _, _ = _load(uow, actor, dossier_id)
    out = []
    for event in uow.session.exec(select(Event).where(Event.dossier_id == row.id).order_by(Event.seq)).all():
        from workflow.store.repository import loads
        info = loads(event.payload).get("info", {})
        out.append({"seq": event.seq, "kind": event.kind, "actor": event.actor, "at": event.at, "info": info,
                    "hash": event.hash, "prev_hash": event.prev_hash})
    return out


def audit_one(uow: UnitOfWork, actor: Actor, dossier_id: str, as_of: dt.date) -> dict:
    _, _, dossier = _load(uow, actor, dossier_id)
    return audit_document([audit_dossier(dossier, as_of)], as_of)


def _subtree_dossiers(uow: UnitOfWork, actor: Actor, organisation_id: int | None) -> list[Dossier]:
    tree = OrgTree.load(uow.session)
    reach = tree.reach(actor, READ_ROLES)
    if organisation_id is not None:
        tree.require_visible_org(actor, organisation_id)
        reach &= tree.subtree(organisation_id)
    rows = uow.session.exec(select(DossierRow).where(DossierRow.organisation_id.in_(reach or {-1}))
                            .order_by(DossierRow.id)).all()
    return [uow.dossiers.document(r) for r in rows]


def audit_subtree(uow: UnitOfWork, actor: Actor, organisation_id: int | None, as_of: dt.date) -> dict:
    return audit_document([audit_dossier(d, as_of) for d in _subtree_dossiers(uow, actor, organisation_id)], as_of)


def plan_one(uow: UnitOfWork, actor: Actor, dossier_id: str, as_of: dt.date) -> dict:
    _, _, dossier = _load(uow, actor, dossier_id)
    return plan_document([plan_dossier(dossier, as_of)], as_of, [dossier])  # with `leaving` (issue 12)


def plan_subtree(uow: UnitOfWork, actor: Actor, organisation_id: int | None, as_of: dt.date) -> dict:
    dossiers = _subtree_dossiers(uow, actor, organisation_id)
    return plan_document([plan_dossier(d, as_of) for d in dossiers], as_of, dossiers)


def known_rule_sets() -> list[str]:
    return list(default_catalogue().national)
