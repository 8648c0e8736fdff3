"""Use cases of cultivation quality (issue 12), each one transaction: score entries, the final score
and its review (一步一审), the annual plan, the published ranking and the proposals made from it, and
推优 records.

The arithmetic is workflow.cultivation's; this layer adds who may act where, what the server
itself vouches for (who entered a score and on which day), and persistence. The people scored are
dossiers of the organisation's subtree, so a proposal leads back to the ranking it came from and
forward to the person's one dossier.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlmodel import select

from checklists.errors import ChecklistError
from checklists.league import load_policy, policy_for_overlay, refuse_if_looser
from checklists.schemes import load_scheme
from workflow.cultivation.document import quota_of, ranking_document, rows_from_document
from workflow.cultivation.entries import ScoreEntry, parse_entries
from workflow.cultivation.periods import period_named, period_of
from workflow.cultivation.returns import STRUCTURE, development_counts
from workflow.cultivation.scoring import check_proposal, quota_for, rank, score_person, select_top
from workflow.dates import add_gap
from workflow.errors import InputError
from workflow.store.access import READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.cultivation_tables import (
    CultivationProposal,
    CultivationRanking,
    CultivationScore,
    CultivationScoreEntry,
    DevelopmentPlan,
    LeagueNomination,
)
from workflow.store.errors import Conflict, Forbidden, NotFound
from workflow.store.repository import UnitOfWork
from workflow.store.tables import Dossier as DossierRow

REVIEW_ROLE = "reviewer"


def _scheme(scheme_id: str):
    try:
        return load_scheme(scheme_id)
    except ChecklistError as exc:
        raise InputError(exc.message, code=exc.code, field="scheme") from None


def _require(tree: OrgTree, actor: Actor, org_id: int, roles: frozenset[str], what: str) -> None:
    tree.require_visible_org(actor, org_id)
    tree.require_role(actor, org_id, roles, what)


def _dossier_in(uow: UnitOfWork, tree: OrgTree, org_id: int, dossier_id: str) -> DossierRow:
    row = uow.dossiers.get(dossier_id) if isinstance(dossier_id, str) else None
    if row is None or row.organisation_id not in tree.subtree(org_id):
        raise NotFound(f"本组织没有档案 {dossier_id}", code="DOSSIER_NOT_FOUND", field="person")
    return row


# ---------------------------------------------------------------- entries

def add_entries(uow: UnitOfWork, actor: Actor, organisation_id: int, scheme_id: str, entries: Any, *,
                today: dt.date) -> list[dict]:
    """Records score entries (all or none). The scorer and the day are the server's, never the request's."""
    tree = OrgTree.load(uow.session)
    _require(tree, actor, organisation_id, WRITE_ROLES, "录入考核记分")
    scheme = _scheme(scheme_id)
    if not isinstance(entries, list) or not entries:
        raise InputError("记分记录应为非空列表", code="VALUE_INVALID", path="$")
    stamped = [{**item, "scored_by": actor.name, "scored_on": today.isoformat()} if isinstance(item, dict) else item
               for item in entries]
    parsed = parse_entries(stamped, "<request>")
    rows = []
    for i, entry in enumerate(parsed):
        if entry.indicator not in scheme.indicator_by_id:
            raise InputError(f"方案 {scheme.id} 没有指标“{entry.indicator}”", code="INDICATOR_UNKNOWN",
                             path=f"$[{i}].indicator", field="indicator")
        if entry.date > today:
            raise InputError(f"事项日期 {entry.date} 晚于今天", code="DATE_IN_FUTURE", path=f"$[{i}].date", field="date")
        dossier = _dossier_in(uow, tree, organisation_id, entry.person)
        rows.append(CultivationScoreEntry(
            organisation_id=organisation_id, scheme=scheme.id, period=period_of(scheme, entry.date).label,
            person=entry.person, person_name=dossier.person_name, indicator=entry.indicator, happened_on=entry.date,
            value=json.dumps(entry.model_dump(mode="json")["value"], ensure_ascii=False),
            evidence_material=entry.evidence.material, evidence_note=entry.evidence.note,
            scored_by_user_id=actor.user_id, scored_by=actor.name, scored_on=today))
    uow.session.add_all(rows)
    uow.commit()
    return [_entry_dict(row) for row in rows]


def replace_entry(uow: UnitOfWork, actor: Actor, entry_id: int, entry: Any | None, *, today: dt.date) -> dict:
    """A correction (a new entry naming the one it replaces) or, with `entry` None, a withdrawal."""
    old = uow.session.get(CultivationScoreEntry, entry_id)
    tree = OrgTree.load(uow.session)
    if old is None or old.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该记分记录", code="ENTRY_NOT_FOUND", field="entry_id")
    _require(tree, actor, old.organisation_id, WRITE_ROLES, "更正考核记分")
    if uow.session.exec(select(CultivationScoreEntry).where(CultivationScoreEntry.replaces_id == entry_id)).first():
        raise Conflict("该记分记录已被更正或撤回", code="ENTRY_REPLACED", field="entry_id")
    if entry is None:
        row = CultivationScoreEntry(**{k: getattr(old, k) for k in (
            "organisation_id", "scheme", "period", "person", "person_name", "indicator", "happened_on", "value",
            "evidence_material", "evidence_note")}, scored_by_user_id=actor.user_id, scored_by=actor.name,
            scored_on=today, replaces_id=old.id, withdrawn=True)
        uow.session.add(row)
        uow.commit()
        return _entry_dict(row)
    if not isinstance(entry, dict) or entry.get("person", old.person) != old.person \
            or entry.get("indicator", old.indicator) != old.indicator:
        raise InputError("更正不能改变人员或指标", code="VALUE_INVALID", field="entry")
    parsed = parse_entries([{**entry, "person": old.person, "indicator": old.indicator, "scored_by": actor.name,
                             "scored_on": today.isoformat()}], "<request>")[0]
    scheme = _scheme(old.scheme)
    row = CultivationScoreEntry(
        organisation_id=old.organisation_id, scheme=old.scheme, period=period_of(scheme, parsed.date).label,
        person=old.person, person_name=old.person_name, indicator=old.indicator, happened_on=parsed.date,
        value=json.dumps(parsed.model_dump(mode="json")["value"], ensure_ascii=False),
        evidence_material=parsed.evidence.material, evidence_note=parsed.evidence.note,
        scored_by_user_id=actor.user_id, scored_by=actor.name, scored_on=today, replaces_id=old.id)
    uow.session.add(row)
    uow.commit()
    return _entry_dict(row)


def _entry_dict(row: CultivationScoreEntry) -> dict:
    return {"id": row.id, "person": row.person, "indicator": row.indicator, "date": row.happened_on.isoformat(),
            "period": row.period, "value": json.loads(row.value), "scored_by": row.scored_by,
            "scored_on": row.scored_on.isoformat(), "replaces_id": row.replaces_id, "withdrawn": row.withdrawn}


def _current(uow: UnitOfWork, organisation_id: int, scheme: str, period: str) -> list[CultivationScoreEntry]:
    rows = uow.session.exec(select(CultivationScoreEntry).where(
        CultivationScoreEntry.organisation_id == organisation_id, CultivationScoreEntry.scheme == scheme,
        CultivationScoreEntry.period == period).order_by(CultivationScoreEntry.id)).all()
    replaced = {row.replaces_id for row in rows if row.replaces_id is not None}
    return [row for row in rows if row.id not in replaced and not row.withdrawn]


def _as_entry(row: CultivationScoreEntry) -> ScoreEntry:
    return parse_entries([{"person": row.person, "name": row.person_name, "indicator": row.indicator,
                           "date": row.happened_on.isoformat(), "value": json.loads(row.value),
                           "evidence": {"material": row.evidence_material, "note": row.evidence_note},
                           "scored_by": row.scored_by, "scored_on": row.scored_on.isoformat()}], f"entry:{row.id}")[0]


def _digest(rows: list[CultivationScoreEntry]) -> str:
    canonical = [[r.id, r.indicator, r.happened_on.isoformat(), r.value] for r in sorted(rows, key=lambda r: r.id)]
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()


def _by_person(rows: list[CultivationScoreEntry]) -> dict[str, list[CultivationScoreEntry]]:
    out: dict[str, list[CultivationScoreEntry]] = {}
    for row in rows:
        out.setdefault(row.person, []).append(row)
    return dict(sorted(out.items()))


# ---------------------------------------------------------------- final scores and their review

def compute_scores(uow: UnitOfWork, actor: Actor, organisation_id: int, scheme_id: str, period: str, *,
                   today: dt.date) -> list[dict]:
    """Each person's final score from the current entries; a score already computed from exactly these
    entries is kept (with its review), a changed set of entries gives a new score to be reviewed."""
    tree = OrgTree.load(uow.session)
    _require(tree, actor, organisation_id, WRITE_ROLES, "计算考核结果")
    scheme = _scheme(scheme_id)
    label = period_named(scheme, period).label
    out = []
    for person, rows in _by_person(_current(uow, organisation_id, scheme.id, label)).items():
        digest = _digest(rows)
        existing = uow.session.exec(select(CultivationScore).where(
            CultivationScore.organisation_id == organisation_id, CultivationScore.scheme == scheme.id,
            CultivationScore.period == label, CultivationScore.person == person,
            CultivationScore.entries_digest == digest)).first()
        if existing is None:
            score = score_person(scheme, person, [_as_entry(r) for r in rows])
            detail = score.to_dict(scheme)
            existing = CultivationScore(
                organisation_id=organisation_id, scheme=scheme.id, period=label, person=person,
                person_name=rows[0].person_name, entries_digest=digest, total=detail["total"], grade=score.grade,
                detail=json.dumps(detail, ensure_ascii=False), computed_by_user_id=actor.user_id,
                computed_by=actor.name, computed_on=today)
            uow.session.add(existing)
        out.append(existing)
    uow.session.flush()
    uow.commit()
    return [_score_dict(s) for s in out]


def _score_dict(row: CultivationScore) -> dict:
    return {"id": row.id, "person": row.person, "name": row.person_name, "period": row.period, "total": row.total,
            "grade": row.grade, "computed_by": row.computed_by, "computed_on": row.computed_on.isoformat(),
            "reviewed_by": row.reviewed_by, "reviewed_on": row.reviewed_on.isoformat() if row.reviewed_on else None}


def review_score(uow: UnitOfWork, actor: Actor, score_id: int, *, today: dt.date) -> dict:
    """The second person's sign-off: a reviewer of the organisation or above, never the one who computed
    it, and only while the score still matches the current entries."""
    row = uow.session.get(CultivationScore, score_id)
    tree = OrgTree.load(uow.session)
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该考核结果", code="SCORE_NOT_FOUND", field="score_id")
    if row.organisation_id not in tree.reach(actor, frozenset({REVIEW_ROLE})):
        raise Forbidden("只有本组织或上级组织的审核人可以审核考核结果", code="FORBIDDEN")
    if row.computed_by_user_id == actor.user_id:
        raise Forbidden("考核结果须由另一人审核（一步一审）：您计算了这一结果", code="SELF_REVIEW")
    if row.reviewed_by is not None:
        raise Conflict(f"该考核结果已由 {row.reviewed_by} 审核", code="ALREADY_REVIEWED")
    current = [r for r in _current(uow, row.organisation_id, row.scheme, row.period) if r.person == row.person]
    if _digest(current) != row.entries_digest:
        raise Conflict("该人员的记分记录在计算后有变动，请重新计算再审核", code="SCORE_STALE")
    row.reviewed_by_user_id, row.reviewed_by, row.reviewed_on = actor.user_id, actor.name, today
    uow.session.add(row)
    uow.commit()
    return _score_dict(row)


# ---------------------------------------------------------------- the annual plan

def set_plan(uow: UnitOfWork, actor: Actor, organisation_id: int, year: int, total: int, *, today: dt.date,
             **targets: int | None) -> dict:
    """A committee (基层党委) at or above the organisation sets its development plan for the year."""
    tree = OrgTree.load(uow.session)
    tree.require_visible_org(actor, organisation_id)
    committees = [o for o in [organisation_id, *tree.ancestors(organisation_id)]
                  if tree.orgs[o].level == "committee" and o in tree.reach(actor, WRITE_ROLES)]
    if not committees:
        raise Forbidden("年度发展计划由党委下达：您在本组织及其上级党委都没有相应角色", code="FORBIDDEN")
    unknown = sorted(set(targets) - set(STRUCTURE))
    if unknown:
        raise InputError(f"未知的结构指标：{'、'.join(unknown)}（可用：{'、'.join(STRUCTURE)}）", code="VALUE_INVALID",
                         field=unknown[0])
    for name, value in {"total": total, **targets}.items():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise InputError(f"{name} 应为非负整数", code="VALUE_INVALID", field=name)
        if value is not None and name != "total" and value > total:
            raise InputError(f"{STRUCTURE[name]}指标 {value} 大于计划总数 {total}", code="VALUE_INVALID", field=name)
    if uow.session.exec(select(DevelopmentPlan).where(DevelopmentPlan.organisation_id == organisation_id,
                                                      DevelopmentPlan.year == year)).first():
        raise Conflict(f"{tree.orgs[organisation_id].name} 已有 {year} 年发展计划", code="PLAN_EXISTS", field="year")
    row = DevelopmentPlan(organisation_id=organisation_id, year=year, total=total, set_by_organisation_id=committees[0],
                          set_by_user_id=actor.user_id, set_on=today, **targets)
    uow.session.add(row)
    uow.commit()
    return {"id": row.id, "organisation_id": organisation_id, "year": year, "total": total,
            **{k: getattr(row, k) for k in STRUCTURE}}


def _plan_for(uow: UnitOfWork, tree: OrgTree, organisation_id: int, year: int) -> DevelopmentPlan | None:
    for org in [organisation_id, *tree.ancestors(organisation_id)]:
        plan = uow.session.exec(select(DevelopmentPlan).where(DevelopmentPlan.organisation_id == org,
                                                              DevelopmentPlan.year == year)).first()
        if plan is not None:
            return plan
    return None


def _proposed_under(uow: UnitOfWork, plan: DevelopmentPlan) -> list[CultivationProposal]:
    rankings = [r.id for r in uow.session.exec(select(CultivationRanking).where(CultivationRanking.plan_id == plan.id))]
    if not rankings:
        return []
    return list(uow.session.exec(select(CultivationProposal).where(CultivationProposal.ranking_id.in_(rankings))))


def plan_progress(uow: UnitOfWork, actor: Actor, organisation_id: int, year: int) -> dict:
    """The plan against what happened: proposals made from rankings, admissions approved in the year
    (党内统计: by the s17 approval date) with their structure."""
    tree = OrgTree.load(uow.session)
    tree.require_visible_org(actor, organisation_id)
    plan = uow.session.exec(select(DevelopmentPlan).where(DevelopmentPlan.organisation_id == organisation_id,
                                                          DevelopmentPlan.year == year)).first()
    if plan is None:
        raise NotFound(f"{tree.orgs[organisation_id].name} 没有 {year} 年发展计划", code="PLAN_NOT_FOUND", field="year")
    rows = uow.session.exec(select(DossierRow).where(DossierRow.organisation_id.in_(tree.subtree(organisation_id))))
    counts = development_counts([uow.dossiers.document(r) for r in rows], year)
    targets = {"total": plan.total, **{k: getattr(plan, k) for k in STRUCTURE}}
    actual = {"total": counts.developed, **counts.structure}
    return {"organisation_id": organisation_id, "year": year, "targets": targets, "developed": actual,
            "converted": counts.converted, "proposed": len(_proposed_under(uow, plan)),
            "remaining": max(plan.total - counts.developed, 0)}


def annual_return_of(uow: UnitOfWork, actor: Actor, organisation_id: int, year: int, *, today: dt.date) -> dict:
    """The annual return (党内统计) of the subtree for `year` as the dossiers stand today: each measure
    (申请入党 … 延长预备期) in the bulletin's dimensions (sex, ethnicity, age, education, front line,
    occupation), counted by the step's or the approval's date."""
    from workflow.cultivation.returns import annual_return

    tree = OrgTree.load(uow.session)
    tree.require_visible_org(actor, organisation_id)
    tree.require_role(actor, organisation_id, READ_ROLES, "查看年报统计")
    rows = uow.session.exec(select(DossierRow).where(DossierRow.organisation_id.in_(tree.subtree(organisation_id))))
    dossiers = [uow.dossiers.document(r) for r in rows]
    cut = [d.model_copy(update={"steps": [s for s in d.steps if s.date <= today]}) for d in dossiers]
    return {"organisation_id": organisation_id, "as_of": today.isoformat(), **annual_return(cut, year).to_dict()}


# ---------------------------------------------------------------- the published ranking and proposals

def publish_ranking(uow: UnitOfWork, actor: Actor, organisation_id: int, scheme_id: str, period: str, *,
                    group_size: int, today: dt.date) -> dict:
    """Publishes the period's ranking (一学年一公开) once every current score has been reviewed; the quota
    is the scheme's share of the group and what is left of the year's plan, whichever is smaller."""
    tree = OrgTree.load(uow.session)
    _require(tree, actor, organisation_id, WRITE_ROLES, "公布考核排名")
    scheme = _scheme(scheme_id)
    named = period_named(scheme, period)
    if uow.session.exec(select(CultivationRanking).where(
            CultivationRanking.organisation_id == organisation_id, CultivationRanking.scheme == scheme.id,
            CultivationRanking.period == named.label)).first():
        raise Conflict(f"{named.label} 的排名已经公布", code="RANKING_PUBLISHED", field="period")
    people = _by_person(_current(uow, organisation_id, scheme.id, named.label))
    if not people:
        raise InputError(f"{named.label} 没有记分记录", code="SCORES_EMPTY", field="period")
    unreviewed = []
    for person, rows in people.items():
        score = uow.session.exec(select(CultivationScore).where(
            CultivationScore.organisation_id == organisation_id, CultivationScore.scheme == scheme.id,
            CultivationScore.period == named.label, CultivationScore.person == person,
            CultivationScore.entries_digest == _digest(rows))).first()
        if score is None or score.reviewed_by is None:
            unreviewed.append(f"{rows[0].person_name or person}（{'未计算' if score is None else '未审核'}）")
    if unreviewed:
        raise Conflict("以下人员的考核结果尚未经审核，不能公布排名：" + "、".join(unreviewed), code="SCORE_NOT_REVIEWED",
                       details=[{"reason": u} for u in unreviewed])
    entries = [_as_entry(r) for rows in people.values() for r in rows]
    rows = rank(scheme, [score_person(scheme, person, entries, named) for person in people])
    plan = _plan_for(uow, tree, organisation_id, today.year)
    remaining = None if plan is None else max(plan.total - len(_proposed_under(uow, plan)), 0)
    quota = quota_for(scheme, group_size, remaining)
    document = ranking_document(scheme, named, rows, quota, select_top(rows, quota))
    text = json.dumps(document, ensure_ascii=False, sort_keys=True)
    row = CultivationRanking(organisation_id=organisation_id, scheme=scheme.id, period=named.label,
                             group_size=group_size, quota_limit=quota.limit, plan_id=plan.id if plan else None,
                             document=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
                             published_by_user_id=actor.user_id, published_by=actor.name, published_on=today)
    uow.session.add(row)
    uow.commit()
    return {"id": row.id, "sha256": row.sha256, "published_on": today.isoformat(), **document}


def propose(uow: UnitOfWork, actor: Actor, ranking_id: int, persons: list[str], *, today: dt.date) -> dict:
    """Proposes people from a published ranking: within its quota (with those proposed before), eligible,
    best first; otherwise ProposalRefused with every reason. Each proposal names the ranking and position."""
    ranking = uow.session.get(CultivationRanking, ranking_id)
    tree = OrgTree.load(uow.session)
    if ranking is None or ranking.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该排名", code="RANKING_NOT_FOUND", field="ranking_id")
    _require(tree, actor, ranking.organisation_id, WRITE_ROLES, "推荐发展对象")
    if not isinstance(persons, list) or not all(isinstance(p, str) for p in persons) or not persons:
        raise InputError("推荐人员应为编号列表", code="VALUE_INVALID", field="persons")
    document = json.loads(ranking.document)
    before = [p.person for p in uow.session.exec(select(CultivationProposal).where(
        CultivationProposal.ranking_id == ranking_id))]
    again = sorted(set(before) & set(persons))
    if again:
        raise Conflict(f"已经推荐过：{'、'.join(again)}", code="ALREADY_PROPOSED", field="persons")
    scheme = _scheme(ranking.scheme)
    accepted = check_proposal(scheme, rows_from_document(document), quota_of(document), [*before, *persons])
    new = [CultivationProposal(ranking_id=ranking_id, person=row.person, position=row.position,
                               proposed_by_user_id=actor.user_id, proposed_by=actor.name, proposed_on=today)
           for row in accepted if row.person in persons]
    uow.session.add_all(new)
    uow.commit()
    return {"ranking_id": ranking_id, "ranking_sha256": ranking.sha256,
            "proposed": [{"person": p.person, "position": p.position} for p in new],
            "quota": ranking.quota_limit, "used": len(before) + len(new)}


def _ranking(uow: UnitOfWork, tree: OrgTree, actor: Actor, ranking_id: Any) -> CultivationRanking:
    row = uow.session.get(CultivationRanking, ranking_id) \
        if isinstance(ranking_id, int) and not isinstance(ranking_id, bool) else None
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该排名", code="RANKING_NOT_FOUND", field="ranking_id")
    return row


def _proposals(uow: UnitOfWork, ranking_id: int) -> list[dict]:
    rows = uow.session.exec(select(CultivationProposal).where(CultivationProposal.ranking_id == ranking_id)
                            .order_by(CultivationProposal.position, CultivationProposal.id))
    return [{"person": p.person, "position": p.position, "proposed_by": p.proposed_by,
             "proposed_on": p.proposed_on.isoformat()} for p in rows]


def get_ranking(uow: UnitOfWork, actor: Actor, ranking_id: Any) -> dict:
    """A published ranking as published (`ranking/1`), its SHA-256, and the proposals made from it."""
    tree = OrgTree.load(uow.session)
    row = _ranking(uow, tree, actor, ranking_id)
    return {"id": row.id, "organisation_id": row.organisation_id, "organisation": tree.orgs[row.organisation_id].name,
            "sha256": row.sha256, "published_by": row.published_by, "published_on": row.published_on.isoformat(),
            "plan_id": row.plan_id, "document": json.loads(row.document), "proposals": _proposals(uow, row.id)}


def ranking_notice(uow: UnitOfWork, actor: Actor, ranking_id: Any) -> dict:
    """What the printed notice of a published ranking needs (documents.notice.render_ranking_notice's
    arguments): the scheme, the document as published with its stored SHA-256 (the renderer refuses
    a document that no longer matches it), the organisation, who published it and when, and the
    proposals made from it."""
    tree = OrgTree.load(uow.session)
    row = _ranking(uow, tree, actor, ranking_id)
    if hashlib.sha256(row.document.encode()).hexdigest() != row.sha256:
        raise Conflict(f"排名 {row.id} 的内容与公布时的 SHA-256 不一致，不能印发公示", code="RANKING_ALTERED",
                       field="ranking_id")
    return {"scheme": _scheme(row.scheme), "document": json.loads(row.document),
            "organisation": tree.orgs[row.organisation_id].name, "published_on": row.published_on,
            "published_by": row.published_by, "sha256": row.sha256, "ranking_id": row.id,
            "proposals": [{**p, "proposed_on": dt.date.fromisoformat(p["proposed_on"])} for p in _proposals(uow, row.id)]}


# ---------------------------------------------------------------- 推优

def league_policy_for(tree: OrgTree, organisation_id: int, policy: str | None = None):
    """The organisation's 推优 policy: the common practice tightened by its overlay's `[league]`. A policy
    named by the caller is used only when it is at least as strict (never a way round the overlay)."""
    try:
        rules = policy_for_overlay(tree.pinned(organisation_id)[1])
        if policy is not None and policy != rules.id:
            chosen = load_policy(policy)
            refuse_if_looser(rules, chosen, f"推优规则 {chosen.id}", "", path="policy")
            rules = chosen
    except ChecklistError as exc:
        raise InputError(exc.message, code=exc.code, field="policy", details=exc.details) from None
    return rules


def record_league_nomination(uow: UnitOfWork, actor: Actor, organisation_id: int, dossier_id: str, *,
                             league_branch: str, league_members: int, meeting_on: dt.date, votes: dict,
                             policy: str | None = None, today: dt.date) -> dict:
    """The League branch meeting's vote on one person, judged under the organisation's 推优 policy (its
    overlay's `[league]` over the common practice): quorum, majority and the share of the League branch
    recommended in the calendar year; valid for the policy's time. The policy's words are kept with it."""
    tree = OrgTree.load(uow.session)
    _require(tree, actor, organisation_id, WRITE_ROLES, "记录推优")
    dossier = _dossier_in(uow, tree, organisation_id, dossier_id)
    rules = league_policy_for(tree, organisation_id, policy)
    if not isinstance(league_branch, str) or not league_branch.strip() or len(league_branch) > 200:
        raise InputError("团支部名称不能为空，且不超过 200 字", code="VALUE_INVALID", field="league_branch")
    numbers = {"league_members": league_members, **{k: votes.get(k, 0) for k in ("expected", "present", "yes", "no",
                                                                                 "abstain")}}
    for name, value in numbers.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InputError(f"{name} 应为非负整数", code="VALUE_INVALID", field=name)
    if meeting_on > today:
        raise InputError(f"团支部大会日期 {meeting_on} 晚于今天", code="DATE_IN_FUTURE", field="meeting_on")
    expected, present, yes = numbers["expected"], numbers["present"], numbers["yes"]
    if not 0 < expected <= league_members or present > expected or yes + numbers["no"] + numbers["abstain"] > present:
        raise InputError("票数不一致：应到不超过团支部人数，实到不超过应到，票数合计不超过实到", code="VOTES_INCONSISTENT",
                         field="votes")
    reasons = []
    if not rules.has_quorum(expected, present):
        reasons.append({"code": "LEAGUE_QUORUM_NOT_MET", "reason": f"应到 {expected} 人，实到 {present} 人（{rules.words()}）"})
    elif not rules.carried(expected, present, yes):
        reasons.append({"code": "LEAGUE_VOTE_NOT_PASSED", "reason": f"赞成 {yes} 票（{rules.words()}）"})
    same_year = uow.session.exec(select(LeagueNomination).where(
        LeagueNomination.league_branch == league_branch.strip(),
        LeagueNomination.organisation_id.in_(tree.subtree(tree.root(organisation_id))))).all()
    count = sum(1 for n in same_year if n.meeting_on.year == meeting_on.year)
    limit = int(league_members * rules.max_share // 100)
    if count + 1 > limit:
        reasons.append({"code": "LEAGUE_QUOTA_EXCEEDED",
                        "reason": f"{league_branch} 共 {league_members} 名团员，{meeting_on.year} 年推优至多 "
                                  f"{rules.max_share:g}%（{limit} 人），已推优 {count} 人"})
    if reasons:
        raise InputError("不能记录推优：" + "；".join(r["reason"] for r in reasons), code=reasons[0]["code"],
                         field="votes", details=reasons)
    row = LeagueNomination(organisation_id=organisation_id, dossier_id=dossier.id, league_branch=league_branch.strip(),
                           league_members=league_members, meeting_on=meeting_on, expected=expected, present=present,
                           yes=yes, no=numbers["no"], abstain=numbers["abstain"], policy=rules.id,
                           policy_words=f"{rules.words()}；每年至多 {rules.max_share:g}%；有效期{rules.valid_for.chinese()}",
                           valid_until=add_gap(meeting_on, rules.valid_for), recorded_by_user_id=actor.user_id,
                           recorded_by=actor.name)
    uow.session.add(row)
    uow.commit()
    return _league_dict(row)


def _league_dict(row: LeagueNomination) -> dict:
    return {"id": row.id, "dossier_id": row.dossier_id, "league_branch": row.league_branch,
            "meeting_on": row.meeting_on.isoformat(), "valid_until": row.valid_until.isoformat(),
            "votes": {"expected": row.expected, "present": row.present, "yes": row.yes, "no": row.no,
                      "abstain": row.abstain}, "policy": row.policy, "policy_words": row.policy_words}


def s03_nomination(uow: UnitOfWork, actor: Actor, dossier_id: str, on: dt.date) -> dict:
    """What s03 records when a 推优 backs it: the nomination `league` and the record's id; refused when no
    推优 of this person is valid on that day (held on or before it, and not expired)."""
    row = uow.dossiers.get(dossier_id) if isinstance(dossier_id, str) else None
    tree = OrgTree.load(uow.session)
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该档案，或您无权查看", code="DOSSIER_NOT_FOUND", field="dossier_id")
    records = uow.session.exec(select(LeagueNomination).where(LeagueNomination.dossier_id == dossier_id)
                               .order_by(LeagueNomination.meeting_on.desc())).all()
    valid = [r for r in records if r.meeting_on <= on <= r.valid_until]
    if not valid:
        latest = f"（最近一次推优 {records[0].meeting_on}，有效期至 {records[0].valid_until}）" if records else ""
        raise InputError(f"{on} 没有有效的团组织推优记录{latest}", code="LEAGUE_NOMINATION_MISSING",
                         field="nomination")
    return {"nomination": ["league"], LEAGUE_FIELD: valid[0].id}


LEAGUE_FIELD = "league_recommendation_id"


def _nomination_steps() -> set[str]:
    """The steps whose nomination a 推优 backs, from the rule data (kind `nomination`, accepting `league`)."""
    from checklists.loader import default_catalogue

    return {rule.params.step for rs in default_catalogue().ordered() for rule in rs.rules
            if rule.kind == "nomination" and "league" in rule.params.accepted}


def fill_league_nomination(uow: UnitOfWork, tree: OrgTree, row: DossierRow, entry: dict) -> dict:
    """s03 recorded with `league_recommendation_id`: the 推优 record must be this person's, held on or
    before the step's date and not expired then; `nomination` then gets `league` and the step keeps
    the record's id, so the step leads back to the League branch's vote."""
    if LEAGUE_FIELD not in entry:
        return entry
    entry = dict(entry)
    wanted = entry[LEAGUE_FIELD]
    where = {"path": f"$.{LEAGUE_FIELD}", "field": LEAGUE_FIELD}
    if entry.get("step") not in _nomination_steps():
        raise InputError("只有确定入党积极分子（s03）可以引用团组织推优记录", code="VALUE_INVALID", **where)
    record = uow.league.get(wanted) if isinstance(wanted, int) and not isinstance(wanted, bool) else None
    if record is None or tree.orgs.get(record.organisation_id) is None \
            or tree.root(record.organisation_id) != row.root_organisation_id:
        raise NotFound(f"找不到推优记录 {wanted}", code="LEAGUE_NOMINATION_NOT_FOUND", **where)
    if record.dossier_id != row.id:
        raise InputError(f"推优记录 {wanted} 不是本档案人员的推优记录", code="LEAGUE_NOMINATION_FOREIGN", **where)
    try:
        on = dt.date.fromisoformat(entry.get("date"))
    except (TypeError, ValueError):
        return entry  # the engine refuses the date itself, with its own words
    if on < record.meeting_on:
        raise InputError(f"推优记录 {wanted} 的团支部大会（{record.meeting_on}）晚于本步骤日期 {on}",
                         code="LEAGUE_NOMINATION_LATER", **where)
    if on > record.valid_until:
        raise InputError(f"推优记录 {wanted} 已于 {record.valid_until} 过期（团支部大会 {record.meeting_on}），"
                         f"本步骤日期为 {on}", code="LEAGUE_NOMINATION_EXPIRED", **where)
    given = entry.get("nomination")
    nomination = list(given) if isinstance(given, list) else []
    if "league" not in nomination:
        nomination.append("league")
    return {**entry, "nomination": nomination}


# ---------------------------------------------------------------- assessments cite the score and the pairing work

def _score_cited(uow: UnitOfWork, tree: OrgTree, actor: Actor, score_id: Any) -> CultivationScore:
    row = uow.session.get(CultivationScore, score_id) \
        if isinstance(score_id, int) and not isinstance(score_id, bool) else None
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该考核结果", code="SCORE_NOT_FOUND", field="score_id")
    if row.reviewed_by is None:
        raise Conflict("考核结果尚未审核，不能作为半年考察的依据", code="SCORE_NOT_REVIEWED", field="score_id")
    if row.grade is None:
        raise Conflict("考核不完整，没有等次，不能作为半年考察的依据", code="SCORE_INCOMPLETE", field="score_id")
    return row


def record_assessment(uow: UnitOfWork, actor: Actor, dossier_id: str, *, on: Any, period: Any,
                      result: Any = None, score_id: Any = None, today: dt.date) -> dict:
    """Adds a half-year assessment (s06, `activist`) or a probation assessment (s21, `probation`) to the
    dossier, citing the pairing work of the time it looks back over (from the previous assessment of
    its kind, else from the step the period counts from: workflow.cultivation.pairing.assessment_window)
    and, for an activist, a reviewed period score, whose grade is then the result. The assessment
    form prints both; the audit judges the assessment as any other."""
    from workflow.cultivation.pairing import assessment_window
    from workflow.service_layer import steps
    from workflow.store.pairing import pairing_citation

    tree = OrgTree.load(uow.session)
    row = uow.dossiers.get(dossier_id) if isinstance(dossier_id, str) else None
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该档案，或您无权查看", code="DOSSIER_NOT_FOUND", field="dossier_id")
    tree.require_role(actor, row.organisation_id, WRITE_ROLES, "记录考察")
    if period not in ("activist", "probation"):
        raise InputError("period 应为 activist（入党积极分子半年考察）或 probation（预备党员考察）",
                         code="VALUE_INVALID", field="period")
    try:
        day = on if isinstance(on, dt.date) else dt.date.fromisoformat(on)
    except (TypeError, ValueError):
        raise InputError("考察日期应为 YYYY-MM-DD", code="DATE_INVALID", field="date") from None
    if day > today:
        raise InputError(f"考察日期 {day} 晚于今天", code="DATE_IN_FUTURE", field="date")
    if result is not None and (not isinstance(result, str) or not result.strip() or len(result) > 30):
        raise InputError("考察结果应为不超过 30 字的文字", code="VALUE_INVALID", field="result")
    cited = None
    if score_id is not None:
        if period != "activist":
            raise InputError("量化考核结果只用于入党积极分子的半年考察", code="VALUE_INVALID", field="score_id")
        score = _score_cited(uow, tree, actor, score_id)
        if score.person != row.id:
            raise InputError(f"考核结果 {score_id} 不是档案 {row.id} 的", code="SCORE_FOREIGN", field="score_id")
        if result is not None and result != score.grade:
            raise InputError(f"考察结果“{result}”与所引用考核结果的等次“{score.grade}”不一致", code="VALUE_INVALID",
                             field="result")
        cited = {"score_id": score.id, "scheme": score.scheme, "period": score.period, "total": score.total,
                 "grade": score.grade, "reviewed_by": score.reviewed_by}
        result = score.grade
    try:
        start, end = assessment_window(uow.dossiers.document(row), period, day)
    except InputError:  # the period has not begun (no s03 / no admission): there is no pairing time to cite
        pairing = None
    else:
        pairing = pairing_citation(uow, row.id, start, end)
    item = {"date": day.isoformat(), "period": period, "by": actor.name, "result": result}
    item.update({k: v for k, v in (("pairing", pairing), ("score", cited)) if v is not None})
    written = steps.add_fact(uow, actor, row.id, "assessments", item)
    return {**written, "pairing": pairing, **({"score": cited} if cited else {})}


def cite_in_assessment(uow: UnitOfWork, actor: Actor, score_id: int, *, on: dt.date) -> dict:
    """Adds the half-year assessment (s06) to the person's dossier citing a reviewed period score: its
    result is the score's grade, and the score (scheme, period, total, who reviewed it) travels with it,
    beside the pairing work of the half-year (record_assessment)."""
    tree = OrgTree.load(uow.session)
    row = _score_cited(uow, tree, actor, score_id)
    return record_assessment(uow, actor, row.person, on=on, period="activist", score_id=row.id, today=on)
