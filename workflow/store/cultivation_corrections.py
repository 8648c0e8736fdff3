"""Correcting a score entry with a reason, so that the person's score is computed again and has to be
reviewed again by a second person (一步一审), and the period's sheet of scores the correction page lists.

`cultivation.replace_entry` keeps the old entry and adds the new one naming it; this use case adds
what a correction needs beyond that: a stated reason (kept with the new entry's evidence, beside
the original basis), the day must stay inside the entry's own period (a correction never moves a
score to another semester), the value must be one the scheme can score, and a period whose ranking
has been published (一学年一公开) is closed: its notice and the proposals made from it stay as
published, so a correction is refused there (a republication would have to supersede the notice).
The new score is computed at once and, like every computed score, counts only once someone other
than the one who computed it has reviewed it.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlmodel import select

from checklists.errors import ChecklistError
from checklists.schemes import load_scheme
from workflow.cultivation.entries import parse_entries
from workflow.cultivation.periods import period_named
from workflow.cultivation.scoring import score_person
from workflow.errors import InputError
from workflow.store import cultivation
from workflow.store.access import READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.cultivation_tables import CultivationRanking, CultivationScore, CultivationScoreEntry
from workflow.store.errors import Conflict, NotFound
from workflow.store.repository import UnitOfWork

MAX_REASON = 300
CORRECTION_PREFIX = "更正原因："


def _entry(uow: UnitOfWork, tree: OrgTree, actor: Actor, entry_id: Any) -> CultivationScoreEntry:
    row = uow.session.get(CultivationScoreEntry, entry_id) \
        if isinstance(entry_id, int) and not isinstance(entry_id, bool) else None
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该记分记录", code="ENTRY_NOT_FOUND", field="entry_id")
    return row


def _published(uow: UnitOfWork, organisation_id: int, scheme: str, period: str) -> CultivationRanking | None:
    return uow.session.exec(select(CultivationRanking).where(
        CultivationRanking.organisation_id == organisation_id, CultivationRanking.scheme == scheme,
        CultivationRanking.period == period)).first()


def correct_entry(uow: UnitOfWork, actor: Actor, entry_id: Any, *, value: Any, on: Any, reason: Any,
                  today: dt.date) -> dict:
    """Replaces one current entry with a corrected value and day, with the reason, and computes the
    person's score again (to be reviewed by someone else). Refused: no reason, a day outside the
    entry's period or after today, a value the scheme cannot score, an entry already replaced, a
    period whose ranking is published."""
    tree = OrgTree.load(uow.session)
    old = _entry(uow, tree, actor, entry_id)
    tree.require_role(actor, old.organisation_id, WRITE_ROLES, "更正考核记分")
    if not isinstance(reason, str) or not reason.strip():
        raise InputError("更正记分须写明原因", code="CORRECTION_REASON_MISSING", field="reason")
    if len(reason) > MAX_REASON:
        raise InputError(f"更正原因不超过 {MAX_REASON} 字", code="VALUE_INVALID", field="reason")
    try:
        scheme = load_scheme(old.scheme)
    except ChecklistError as exc:
        raise InputError(exc.message, code=exc.code, field="scheme") from None
    ranking = _published(uow, old.organisation_id, old.scheme, old.period)
    if ranking is not None:
        raise Conflict(f"考核期 {old.period} 的排名已于 {ranking.published_on} 公布，记分不能再更正"
                       f"（公示和据此作出的推荐保持公布时的样子）", code="RANKING_PUBLISHED", field="entry_id")
    period = period_named(scheme, old.period)
    try:
        day = on if isinstance(on, dt.date) else dt.date.fromisoformat(on)
    except (TypeError, ValueError):
        raise InputError("事项日期应为 YYYY-MM-DD", code="DATE_INVALID", field="date") from None
    if not period.contains(day):
        raise InputError(f"日期 {day} 不在该记分所属考核期 {period.label}（{period.start} 至 {period.end}）内",
                         code="CORRECTION_PERIOD", field="date")
    if day > today:
        raise InputError(f"事项日期 {day} 晚于今天", code="DATE_IN_FUTURE", field="date")
    basis = old.evidence_note or old.evidence_material or ""
    note = f"{CORRECTION_PREFIX}{reason.strip()}" + (f"；原依据：{basis}" if basis else "")
    evidence = {"note": note[:1000], **({"material": old.evidence_material} if old.evidence_material else {})}
    item = {"date": day.isoformat(), "value": value, "evidence": evidence}
    # the corrected value must be one the scheme can score, with the person's other current entries
    rows = uow.session.exec(select(CultivationScoreEntry).where(
        CultivationScoreEntry.organisation_id == old.organisation_id, CultivationScoreEntry.scheme == old.scheme,
        CultivationScoreEntry.period == old.period, CultivationScoreEntry.person == old.person)).all()
    replaced = {r.replaces_id for r in rows if r.replaces_id is not None}
    if old.id in replaced:
        raise Conflict("该记分记录已被更正或撤回", code="ENTRY_REPLACED", field="entry_id")
    others = [{"person": r.person, "indicator": r.indicator, "date": r.happened_on.isoformat(),
               "value": json.loads(r.value), "evidence": {"material": r.evidence_material, "note": r.evidence_note},
               "scored_by": r.scored_by, "scored_on": r.scored_on.isoformat()}
              for r in rows if r.id not in replaced and not r.withdrawn and r.id != old.id]
    parsed = parse_entries([*others, {**item, "person": old.person, "indicator": old.indicator,
                                      "scored_by": actor.name, "scored_on": today.isoformat()}], "<request>")
    score_person(scheme, old.person, parsed, period)
    new = cultivation.replace_entry(uow, actor, old.id, item, today=today)
    scores = cultivation.compute_scores(uow, actor, old.organisation_id, old.scheme, old.period, today=today)
    score = next((s for s in scores if s["person"] == old.person), None)
    return {"entry": new, "replaces": old.id, "reason": reason.strip(), "score": score}


def period_scores(uow: UnitOfWork, actor: Actor, organisation_id: int, scheme_id: str, period: str) -> dict:
    """The period's people with their latest computed score (its reviewer, or none yet), whether the
    ranking is published, and whether this user may correct (write) and review (a reviewer at or above)."""
    tree = OrgTree.load(uow.session)
    tree.require_visible_org(actor, organisation_id)
    rows = uow.session.exec(select(CultivationScore).where(
        CultivationScore.organisation_id == organisation_id, CultivationScore.scheme == scheme_id,
        CultivationScore.period == period).order_by(CultivationScore.id)).all()
    latest: dict[str, CultivationScore] = {}
    history: dict[str, int] = {}
    for row in rows:
        latest[row.person] = row
        history[row.person] = history.get(row.person, 0) + 1
    ranking = _published(uow, organisation_id, scheme_id, period)
    return {"scores": [{"id": s.id, "person": s.person, "name": s.person_name or s.person, "total": s.total,
                        "grade": s.grade, "computed_by": s.computed_by, "computed_on": s.computed_on.isoformat(),
                        "reviewed_by": s.reviewed_by,
                        "reviewed_on": s.reviewed_on.isoformat() if s.reviewed_on else None,
                        "versions": history[s.person]}
                       for s in sorted(latest.values(), key=lambda s: s.person)],
            "published": {"id": ranking.id, "on": ranking.published_on.isoformat()} if ranking else None,
            "may_correct": organisation_id in tree.reach(actor, WRITE_ROLES),
            "may_review": organisation_id in tree.reach(actor, frozenset({cultivation.REVIEW_ROLE}))}


def person_entries(uow: UnitOfWork, actor: Actor, organisation_id: int, scheme_id: str, period: str,
                   person: str) -> dict:
    """One person's entries of the period, current ones first; each replaced or corrected entry keeps
    who entered it, the day and the basis (a correction's reason is its basis' first words); and the
    person's scores over time (each computed from a different set of entries, each with its review)."""
    tree = OrgTree.load(uow.session)
    tree.require_visible_org(actor, organisation_id)
    rows = list(uow.session.exec(select(CultivationScoreEntry).where(
        CultivationScoreEntry.organisation_id == organisation_id, CultivationScoreEntry.scheme == scheme_id,
        CultivationScoreEntry.period == period, CultivationScoreEntry.person == person)
        .order_by(CultivationScoreEntry.id)))
    if not rows:
        raise NotFound(f"{period} 没有 {person[:64]} 的记分记录", code="ENTRY_NOT_FOUND", field="person")
    replaced_by = {r.replaces_id: r.id for r in rows if r.replaces_id is not None}
    entries = []
    for r in rows:
        note = r.evidence_note or ""
        entries.append({"id": r.id, "indicator": r.indicator, "date": r.happened_on.isoformat(),
                        "value": json.loads(r.value), "note": note, "material": r.evidence_material,
                        "scored_by": r.scored_by, "scored_on": r.scored_on.isoformat(), "replaces_id": r.replaces_id,
                        "replaced_by": replaced_by.get(r.id), "withdrawn": r.withdrawn,
                        "current": r.id not in replaced_by and not r.withdrawn,
                        "reason": note[len(CORRECTION_PREFIX):].split("；原依据：")[0]
                        if r.replaces_id is not None and note.startswith(CORRECTION_PREFIX) else None})
    scores = uow.session.exec(select(CultivationScore).where(
        CultivationScore.organisation_id == organisation_id, CultivationScore.scheme == scheme_id,
        CultivationScore.period == period, CultivationScore.person == person).order_by(CultivationScore.id)).all()
    return {"person": person, "name": rows[0].person_name or person,
            "entries": sorted(entries, key=lambda e: (not e["current"], e["id"])),
            "scores": [{"id": s.id, "total": s.total, "grade": s.grade, "computed_by": s.computed_by,
                        "computed_on": s.computed_on.isoformat(), "reviewed_by": s.reviewed_by,
                        "reviewed_on": s.reviewed_on.isoformat() if s.reviewed_on else None} for s in scores]}
