"""Work in batches, as branches do (issue 11): one branch meeting votes on several candidates, one sheet
of half-year assessments for a branch's activists, one pass of a reviewer over a dossier's waiting steps.

Each item of a batch goes through the very use case that records it alone (`step_cases.record_step`,
`fact_checks.add_fact`, `reviews.review_step`): the same scope checks, the same engine gate, one event
per step, and every step recorded here still waits for its own review. What this module adds is the
transaction: all items are tried inside one database transaction, each in a savepoint of its own, and
the batch is written only if every item passed. Otherwise nothing is kept and the refusal lists each
item that failed with its own code and findings (`BatchRefused.details`), so a page can show which
candidate or row was refused and why, and nothing is ever half-written.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from sqlmodel import select

from checklists.loader import default_catalogue
from workflow.adapters.sql import UnitOfWork
from workflow.dossier import parse_dossier
from workflow.errors import FazhanError, InputError, ReasonRequired, StepRefused
from workflow.plan import plan_dossier
from workflow.service_layer import dossiers, fact_checks, parts, reviews, scope, steps as step_cases, web_queries
from workflow.service_layer.unit_of_work import REPOSITORIES
from workflow.store.access import READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.batch_tables import BranchMeeting, BranchMeetingCandidate
from workflow.store.errors import NotFound

MAX_CANDIDATES = 60  # one meeting; a branch votes on far fewer
MAX_ROWS = 200  # one assessment sheet
MAX_REVIEWS = 60  # one reviewer's pass over one dossier
MAX_TEXT = {"by": 100, "result": 200, "reason": 1000}
VOTE_NUMBERS = ("yes", "no", "abstain", "written_yes", "written_no")
# the assessment periods of dossier/1 and the state a case is in while each runs (workflow/dossier.py)
PERIOD_STATES = {"activist": "activist", "probation": "probationary"}


class BatchRefused(StepRefused):
    """At least one item of a batch was refused; `details` has one entry per refused item."""

    code = "BATCH_REFUSED"


class _OneTransaction:
    """The unit of work handed to each use case of a batch: the same session, but its `commit()` only
    flushes, so the batch commits (or rolls back) once. Objects are expired after each flush, so a
    second use case on the same dossier reads the version and head the first one wrote."""

    def __init__(self, uow: UnitOfWork):
        self.engine, self.session = uow.engine, uow.session
        for name in REPOSITORIES:  # the use cases' repositories, every one of them
            setattr(self, name, getattr(uow, name))

    def commit(self) -> None:
        self.session.flush()
        self.session.expire_all()


def _refusal(exc: FazhanError, **where) -> dict:
    return {**where, "code": exc.code, "message": exc.message, "field": exc.field,
            "reason_required": isinstance(exc, ReasonRequired), "findings": list(exc.details or [])}


def _run_all(uow: UnitOfWork, items: list[tuple[dict, Callable[[_OneTransaction], Any]]],
             what: str) -> list[Any]:
    """Runs each item's use case in a savepoint of one transaction; any refusal undoes them all."""
    batch, results, refusals = _OneTransaction(uow), [], []
    for where, action in items:
        try:
            with uow.session.begin_nested():
                results.append(action(batch))
        except FazhanError as exc:
            refusals.append(_refusal(exc, **where))
    if refusals:
        uow.session.rollback()
        raise BatchRefused(f"{what}：共 {len(items)} 项，其中 {len(refusals)} 项未通过，全部未保存", details=refusals)
    return results


def _text(value: Any, name: str, *, where: str) -> str | None:
    text = value.strip() if isinstance(value, str) else None
    if text and len(text) > MAX_TEXT[name]:
        raise InputError(f"内容过长（最多 {MAX_TEXT[name]} 字）", code="VALUE_TOO_LONG", field=name, path=where)
    return text or None


def _day(value: Any, field: str = "date") -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InputError("请填写日期", code="FIELD_REQUIRED", field=field)
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise InputError(f"“{text[:20]}”不是存在的 YYYY-MM-DD 日期", code="DATE_INVALID", field=field) from None


def _branch(uow: UnitOfWork, actor: Actor, organisation_id: Any, what: str) -> OrgTree:
    tree = OrgTree.load(uow.session)
    if not isinstance(organisation_id, int) or isinstance(organisation_id, bool):
        raise NotFound("找不到该组织，或您无权查看", code="ORGANISATION_NOT_FOUND", field="organisation_id")
    tree.require_visible_org(actor, organisation_id)
    tree.require_role(actor, organisation_id, WRITE_ROLES, what)
    return tree


def _members_of(uow: UnitOfWork, actor: Actor, organisation_id: int) -> list[web_queries.Visible]:
    """The dossiers kept by this organisation itself (not those of organisations below it)."""
    return [item for item in web_queries.visible_dossiers(uow, actor, organisation_id)
            if item.summary["organisation_id"] == organisation_id]


# ---------------------------------------------------------------- a branch meeting, a vote per candidate

def meeting_steps() -> list[str]:
    """The steps decided by a branch meeting: those a `quorum` rule constrains (s15 and s23), from the data."""
    out: list[str] = []
    for rs in default_catalogue().ordered():
        for rule in rs.rules:
            if rule.kind == "quorum":
                out += [s for s in rule.steps if s not in out]
    return out


def _meeting_step(step: Any) -> str:
    if step not in meeting_steps():
        raise InputError("该步骤不是支部大会表决的步骤", code="VALUE_INVALID", field="step")
    return step


def meeting_candidates(uow: UnitOfWork, actor: Actor, organisation_id: int, step: str,
                       today: dt.date) -> list[dict]:
    """The branch's cases for which the meeting step comes next, with what (if anything) blocks each."""
    _branch(uow, actor, organisation_id, "召开支部大会")
    step = _meeting_step(step)
    out = []
    for item in _members_of(uow, actor, organisation_id):
        planned = next((n for n in plan_dossier(item.dossier, today).next if n.step == step), None)
        if planned is None:
            continue
        out.append({"dossier_id": item.summary["id"], "name": item.dossier.person.name, "dossier": item.dossier,
                    "earliest": planned.earliest, "deadline": planned.deadline, "blocked_by": list(planned.blocked_by)})
    out.sort(key=lambda c: (c["blocked_by"] != [], c["dossier_id"]))
    return out


def _check_meeting(step: str, date: str, expected: Any, present: Any) -> tuple[int, int]:
    """E, P and the date as the dossier/1 parser judges them, once for the whole meeting."""
    scratch = parse_dossier({"format": "dossier/1", "id": "meeting", "steps": [],
                            "person": {"name": "meeting", "birth_date": "2000-01-01"}})
    try:
        parsed = parts.validate_part("steps", {"step": step, "date": date, "votes": {
            "expected": expected, "present": present, "yes": 0}}, scratch)
        return parsed.votes.expected, parsed.votes.present
    except InputError as exc:
        fields = {"votes": "present"}
        details = [{**d, "field": fields.get(d.get("field"), d.get("field"))} for d in exc.details]
        first = details[0] if details else {}
        raise InputError(exc.message, code=exc.code, field=first.get("field"), details=details) from None


def record_meeting(uow: UnitOfWork, actor: Actor, *, organisation_id: int, step: str, date: Any, expected: Any,
                   present: Any, candidates: list[dict], today: dt.date) -> dict:
    """One meeting, one vote per candidate (逐个表决): each candidate's step is recorded through
    `step_cases.record_step` with the meeting's date, E and P and their own votes and outcome; the
    meeting is stored only if every candidate's step was accepted."""
    _branch(uow, actor, organisation_id, "记录支部大会")
    step = _meeting_step(step)
    day = _day(date)
    expected, present = _check_meeting(step, day, expected, present)
    if not isinstance(candidates, list) or not candidates:
        raise InputError("请至少选择一名表决对象", code="FIELD_REQUIRED", field="candidates")
    if len(candidates) > MAX_CANDIDATES:
        raise InputError(f"一次会议最多记录 {MAX_CANDIDATES} 名表决对象", code="TOO_MANY_ROWS", field="candidates")
    ids = [c.get("dossier_id") if isinstance(c, dict) else None for c in candidates]
    if len(set(ids)) != len(ids):
        raise InputError("同一人在一次会议中只能表决一次", code="DUPLICATE_CANDIDATE", field="candidates")

    def one(position: int, candidate: dict) -> Callable[[_OneTransaction], dict]:
        def run(batch: _OneTransaction) -> dict:
            dossier_id = candidate.get("dossier_id")
            row = uow.dossiers.get(dossier_id) if isinstance(dossier_id, str) else None
            if row is None or row.organisation_id != organisation_id:  # same words as an invisible dossier
                raise NotFound("本党支部没有该档案，或您无权查看", code="DOSSIER_NOT_FOUND", field="dossier_id")
            votes = {"expected": expected, "present": present}
            votes.update({k: v for k, v in (candidate.get("votes") or {}).items() if k in VOTE_NUMBERS})
            entry: dict[str, Any] = {"step": step, "date": day, "votes": votes}
            for key in ("outcome", "extend_months"):
                if candidate.get(key) not in (None, ""):
                    entry[key] = candidate[key]
            reason = _text(candidate.get("reason"), "reason", where=f"$.candidates[{position}].reason")
            result = step_cases.record_step(batch, actor, dossier_id, entry, today=today, reason=reason)
            return {"dossier_id": dossier_id, "position": position, **result}
        return run

    items = [({"row": i, "dossier_id": c.get("dossier_id")}, one(i, c)) for i, c in enumerate(candidates)]
    results = _run_all(uow, items, "支部大会记录")
    meeting = BranchMeeting(organisation_id=organisation_id, step=step, date=dt.date.fromisoformat(day),
                            expected=expected, present=present, recorded_by_user_id=actor.user_id,
                            recorded_by=actor.name)
    uow.session.add(meeting)
    uow.session.flush()
    for result in results:
        uow.session.add(BranchMeetingCandidate(meeting_id=meeting.id, dossier_id=result["dossier_id"],
                                               event_seq=result["version"], step_index=result["index"],
                                               position=result["position"]))
    uow.commit()
    return {"id": meeting.id, "organisation_id": organisation_id, "step": step, "date": day,
            "expected": expected, "present": present, "recorded": results}


def _meeting_dict(meeting: BranchMeeting) -> dict:
    return {"id": meeting.id, "organisation_id": meeting.organisation_id, "step": meeting.step,
            "date": meeting.date, "expected": meeting.expected, "present": meeting.present,
            "recorded_by": meeting.recorded_by, "recorded_at": meeting.recorded_at}


def get_meeting(uow: UnitOfWork, actor: Actor, meeting_id: int) -> dict:
    """A meeting with each candidate's step as it stands now (its votes, outcome and review)."""
    meeting = uow.session.get(BranchMeeting, meeting_id) if isinstance(meeting_id, int) else None
    tree = OrgTree.load(uow.session)
    if meeting is None or meeting.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该会议记录，或您无权查看", code="MEETING_NOT_FOUND", field="meeting_id")
    lines = uow.session.exec(select(BranchMeetingCandidate).where(BranchMeetingCandidate.meeting_id == meeting.id)
                             .order_by(BranchMeetingCandidate.position)).all()
    candidates = []
    for line in lines:
        try:
            answer = dossiers.get_dossier(uow, actor, line.dossier_id)
        except NotFound:
            continue  # transferred out of what the reader sees
        steps = answer["dossier"]["steps"]
        entry = steps[line.step_index] if line.step_index < len(steps) else {}
        candidates.append({"dossier_id": line.dossier_id, "name": answer["dossier"]["person"]["name"],
                           "index": line.step_index, "entry": entry, "event_seq": line.event_seq,
                           "corrected": _corrected_since(uow, line)})
    return {**_meeting_dict(meeting), "candidates": candidates}


def _corrected_since(uow: UnitOfWork, line: BranchMeetingCandidate) -> bool:
    from workflow.store.tables import StepRecord

    return uow.session.exec(select(StepRecord.id).where(
        StepRecord.dossier_id == line.dossier_id, StepRecord.step_index == line.step_index,
        StepRecord.event_seq > line.event_seq)).first() is not None


def list_meetings(uow: UnitOfWork, actor: Actor, organisation_id: int | None = None, limit: int = 50) -> list[dict]:
    tree = OrgTree.load(uow.session)
    reach = tree.reach(actor, READ_ROLES)
    if organisation_id is not None:
        tree.require_visible_org(actor, organisation_id)
        reach &= {organisation_id}
    rows = uow.session.exec(select(BranchMeeting).where(BranchMeeting.organisation_id.in_(reach or {-1}))
                            .order_by(BranchMeeting.date.desc(), BranchMeeting.id.desc()).limit(limit)).all()
    counts: dict[int, int] = {}
    if rows:
        for line in uow.session.exec(select(BranchMeetingCandidate.meeting_id).where(
                BranchMeetingCandidate.meeting_id.in_([r.id for r in rows]))).all():
            counts[line] = counts.get(line, 0) + 1
    return [{**_meeting_dict(r), "candidates": counts.get(r.id, 0)} for r in rows]


def meeting_of_step(uow: UnitOfWork, dossier_id: str, step_index: int) -> dict | None:
    """The shared meeting a recorded step came from, for a form or the audit of a dossier the caller
    has already loaded within the user's scope; None when the step was recorded on its own."""
    line = uow.session.exec(select(BranchMeetingCandidate).where(
        BranchMeetingCandidate.dossier_id == dossier_id, BranchMeetingCandidate.step_index == step_index)
        .order_by(BranchMeetingCandidate.id.desc())).first()
    if line is None:
        return None
    meeting = uow.session.get(BranchMeeting, line.meeting_id)
    total = len(uow.session.exec(select(BranchMeetingCandidate.id).where(
        BranchMeetingCandidate.meeting_id == line.meeting_id)).all())
    return {**_meeting_dict(meeting), "candidates": total, "position": line.position,
            "corrected": _corrected_since(uow, line)}


# ---------------------------------------------------------------- half-year assessments on one sheet

def assessment_rows(uow: UnitOfWork, actor: Actor, organisation_id: int) -> list[dict]:
    """The branch's cases under assessment (入党积极分子, 预备党员), each with its period and last one."""
    _branch(uow, actor, organisation_id, "记录考察")
    by_state = {state: period for period, state in PERIOD_STATES.items()}
    out = []
    for item in _members_of(uow, actor, organisation_id):
        period = by_state.get(item.summary["state"])
        if period is None:
            continue
        done = sorted(a.date for a in item.dossier.assessments if a.period == period)
        out.append({"dossier_id": item.summary["id"], "name": item.dossier.person.name,
                    "state": item.summary["state"], "period": period, "last": done[-1] if done else None,
                    "count": len(done)})
    out.sort(key=lambda r: (r["period"], r["dossier_id"]))
    return out


def record_assessments(uow: UnitOfWork, actor: Actor, *, organisation_id: int, rows: list[dict],
                       today: dt.date) -> dict:
    """One assessment per row, each through `fact_checks.add_fact` (its dates checked as a step's, then
    `step_cases.add_fact`); all are kept or none."""
    _branch(uow, actor, organisation_id, "记录考察")
    if not isinstance(rows, list) or not rows:
        raise InputError("请至少填写一行考察记录（日期）", code="FIELD_REQUIRED", field="rows")
    if len(rows) > MAX_ROWS:
        raise InputError(f"一次最多记录 {MAX_ROWS} 行", code="TOO_MANY_ROWS", field="rows")
    ids = [r.get("dossier_id") if isinstance(r, dict) else None for r in rows]
    if len(set(ids)) != len(ids):
        raise InputError("同一人在一张考察表中只能有一行", code="DUPLICATE_ROW", field="rows")

    def one(row: dict) -> Callable[[_OneTransaction], dict]:
        def run(batch: _OneTransaction) -> dict:
            dossier_id = row.get("dossier_id")
            stored = uow.dossiers.get(dossier_id) if isinstance(dossier_id, str) else None
            if stored is None or stored.organisation_id != organisation_id:
                raise NotFound("本党支部没有该档案，或您无权查看", code="DOSSIER_NOT_FOUND", field="dossier_id")
            item = {"date": _day(row.get("date")), "period": row.get("period"),
                    "by": _text(row.get("by"), "by", where="$.by"),
                    "result": _text(row.get("result"), "result", where="$.result")}
            return {"dossier_id": dossier_id,
                    **fact_checks.add_fact(batch, actor, dossier_id, "assessments", item, today=today)}
        return run

    results = _run_all(uow, [({"row": i, "dossier_id": r.get("dossier_id")}, one(r)) for i, r in enumerate(rows)],
                       "考察记录")
    uow.commit()
    return {"recorded": results}


# ---------------------------------------------------------------- one reviewer's pass over a dossier

def review_steps(uow: UnitOfWork, actor: Actor, dossier_id: str, indices: list[int], *, today: dt.date) -> dict:
    """Signs off several waiting steps of one dossier: one `reviews.review_step` (one review event,
    one review row) per step, each refused as it would be alone (own record, missing materials…)."""
    if not isinstance(indices, list) or not indices:
        raise InputError("请至少选择一个待审核的步骤", code="FIELD_REQUIRED", field="indices")
    if len(indices) > MAX_REVIEWS:
        raise InputError(f"一次最多审核 {MAX_REVIEWS} 个步骤", code="TOO_MANY_ROWS", field="indices")
    if len(set(indices)) != len(indices):
        raise InputError("同一步骤只能审核一次", code="DUPLICATE_ROW", field="indices")

    def one(index: int) -> Callable[[_OneTransaction], dict]:
        return lambda batch: reviews.review_step(batch, actor, dossier_id, index, today=today)

    scope.load_visible(uow, actor, dossier_id)  # an invisible dossier is absent, not a list of refusals
    results = _run_all(uow, [({"index": i}, one(i)) for i in sorted(indices)], "批量审核")
    uow.commit()
    return {"reviewed": results}
