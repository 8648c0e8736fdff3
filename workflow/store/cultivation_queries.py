"""What the cultivation pages (issue 12) read: the year's plan and its progress, the 推优 records and the
League branches' quota, the pairing board, the leaving-date cohorts and a published ranking's notice.

Read-only, and scoped here rather than in the pages: every function first checks that the user may
see the organisation (or the record) and answers `may_*` flags from the same grants the use cases in
`workflow.store.cultivation` and `workflow.store.pairing` check, so a page only shows or hides a form;
the use case still decides. The arithmetic is the domain's (`workflow.cultivation.*`, the checklist
policies); nothing here knows a quota, a load limit or a number of months.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlmodel import select

from checklists.loader import default_catalogue
from checklists.pairing import TEACHER_ROLE, member_roles
from checklists.step_fields import step_schema
from workflow.cultivation.forecast import NO_COHORT, CohortGroup, cohort_view
from workflow.cultivation.pairing import assessment_window
from workflow.cultivation.returns import STRUCTURE
from workflow.dossier import Dossier
from workflow.errors import InputError
from workflow.store import cultivation, pairing
from workflow.store.access import READ_ROLES, WRITE_ROLES, Actor, OrgTree
from workflow.store.cultivation_tables import (
    CultivationPairing,
    CultivationProposal,
    CultivationRanking,
    DevelopmentPlan,
    LeagueNomination,
)
from workflow.store.errors import NotFound
from workflow.store.repository import UnitOfWork
from workflow.store.tables import Dossier as DossierRow
from workflow.store.tables import Member

MAX_ROWS = 500          # records, people and members listed on one page
MAX_FORECAST = 150      # dossiers forecast for one cohort (each is a walk through the engine, ~35 ms)
PLAN_TARGETS = ("total", *STRUCTURE)
MEMBER_STATUS = step_schema().words("member_status")  # checklists/data/step_fields.toml


def _visible(uow: UnitOfWork, actor: Actor, organisation_id: int | None) -> OrgTree:
    tree = OrgTree.load(uow.session)
    tree.require_visible_org(actor, organisation_id)
    return tree


def _order(tree: OrgTree, organisation_id: int) -> list[int]:
    """The organisation, then its subtree depth first, siblings by name."""
    out, todo = [], [organisation_id]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(sorted(tree.children.get(current, []), key=lambda i: tree.orgs[i].name, reverse=True))
    return out


def state_names() -> dict[str, str]:
    return {s.id: s.name for rs in default_catalogue().ordered() for s in rs.states}


def live_states() -> set[str]:
    """The states of people still in the procedure (the checklist's `live` flag)."""
    return {s.id for rs in default_catalogue().ordered() for s in rs.states if s.live}


# ---------------------------------------------------------------- the annual plan

def plan_setters(tree: OrgTree, actor: Actor, organisation_id: int) -> list[int]:
    """The organisations of the subtree whose plan this user may set: those with a 党委 at or above them
    on which the user may write (the rule `cultivation.set_plan` applies)."""
    reach = tree.reach(actor, WRITE_ROLES)
    out = []
    for org in _order(tree, organisation_id):
        if any(tree.orgs[o].level == "committee" and o in reach for o in [org, *tree.ancestors(org)]):
            out.append(org)
    return out


def _plan_dict(tree: OrgTree, plan: DevelopmentPlan) -> dict:
    return {"id": plan.id, "organisation_id": plan.organisation_id, "organisation": tree.orgs[plan.organisation_id].name,
            "year": plan.year, "targets": {k: getattr(plan, k) for k in PLAN_TARGETS},
            "set_by": tree.orgs[plan.set_by_organisation_id].name, "set_on": plan.set_on.isoformat()}


def plan_board(uow: UnitOfWork, actor: Actor, organisation_id: int, year: int) -> dict:
    """The organisation's plan for the year (or the plan above it that governs it, e.g. a branch under
    its committee's), the plans of the organisations below it with their progress (`plan_progress`:
    admissions counted by the committee's approval date), what is left of the quota for proposals,
    and the organisations whose plan this user may set."""
    tree = _visible(uow, actor, organisation_id)
    visible = tree.reach(actor, READ_ROLES)
    chain = [organisation_id, *tree.ancestors(organisation_id)]
    wanted = set(chain) | tree.subtree(organisation_id)
    plans = {p.organisation_id: p for p in uow.session.exec(select(DevelopmentPlan).where(
        DevelopmentPlan.year == year, DevelopmentPlan.organisation_id.in_(wanted)))}
    governing = next((plans[o] for o in chain if o in plans), None)
    rows = []
    for org in _order(tree, organisation_id):
        if org not in visible:
            continue
        plan = plans.get(org)
        progress = cultivation.plan_progress(uow, actor, org, year) if plan is not None else None
        rows.append({"organisation_id": org, "organisation": tree.orgs[org].name, "level": tree.orgs[org].level,
                     "depth": len(tree.ancestors(org)) - len(tree.ancestors(organisation_id)),
                     "plan": _plan_dict(tree, plan) if plan else None, "progress": progress})
    quota = None
    if governing is not None:
        used = _proposed_under(uow, governing)
        quota = {"plan": _plan_dict(tree, governing), "proposed": used,
                 "remaining": max(governing.total - used, 0), "inherited": governing.organisation_id != organisation_id}
    below = [r for r in rows if r["organisation_id"] != organisation_id and r["plan"]]
    return {"organisation_id": organisation_id, "organisation": tree.orgs[organisation_id].name, "year": year,
            "own": _plan_dict(tree, plans[organisation_id]) if organisation_id in plans else None,
            "quota": quota, "rows": rows,
            "below_total": sum(r["plan"]["targets"]["total"] for r in below) if below else None,
            "settable": [{"id": o, "name": tree.orgs[o].name} for o in plan_setters(tree, actor, organisation_id)]}


def _proposed_under(uow: UnitOfWork, plan: DevelopmentPlan) -> int:
    """Proposals made from rankings published under this plan (what `publish_ranking` subtracts)."""
    ids = [r.id for r in uow.session.exec(select(CultivationRanking).where(CultivationRanking.plan_id == plan.id))]
    if not ids:
        return 0
    return len(list(uow.session.exec(select(CultivationProposal.id).where(CultivationProposal.ranking_id.in_(ids)))))


# ---------------------------------------------------------------- 推优

def _s03_backing(uow: UnitOfWork, dossier_ids: set[str]) -> dict[int, dict]:
    """Record id → the step it backs ({dossier_id, date, index}): a nomination step carrying its id."""
    out: dict[int, dict] = {}
    if not dossier_ids:
        return out
    for row in uow.session.exec(select(DossierRow).where(DossierRow.id.in_(dossier_ids))):
        for index, step in enumerate(uow.dossiers.document(row).steps):
            record = (step.model_extra or {}).get(cultivation.LEAGUE_FIELD)
            if isinstance(record, int) and not isinstance(record, bool):
                out[record] = {"dossier_id": row.id, "date": step.date.isoformat(), "index": index, "step": step.step}
    return out


def _league_row(row: LeagueNomination, names: dict[str, str], backs: dict[int, dict], today: dt.date) -> dict:
    return {"id": row.id, "dossier_id": row.dossier_id, "name": names.get(row.dossier_id, row.dossier_id),
            "league_branch": row.league_branch, "league_members": row.league_members,
            "meeting_on": row.meeting_on.isoformat(), "valid_until": row.valid_until.isoformat(),
            "valid_today": row.meeting_on <= today <= row.valid_until,
            "votes": {"expected": row.expected, "present": row.present, "yes": row.yes, "no": row.no,
                      "abstain": row.abstain},
            "policy_words": row.policy_words, "recorded_by": row.recorded_by, "backs": backs.get(row.id)}


def league_quota_used(records: list[LeagueNomination], year: int) -> list[dict]:
    """Per League branch, the 推优 of `year` against its share (the latest recorded size of the branch
    times the policy's share, rounded down, as `record_league_nomination` counts it)."""
    by_branch: dict[str, list[LeagueNomination]] = {}
    for r in records:
        if r.meeting_on.year == year:
            by_branch.setdefault(r.league_branch, []).append(r)
    out = []
    for branch, rows in sorted(by_branch.items()):
        latest = max(rows, key=lambda r: (r.meeting_on, r.id))
        out.append({"league_branch": branch, "members": latest.league_members, "used": len(rows)})
    return out


def league_board(uow: UnitOfWork, actor: Actor, organisation_id: int, year: int, *, today: dt.date) -> dict:
    """The organisation's 推优 policy in words, its records (newest first, with whether each is valid
    today and which s03 it backs), each League branch's use of its yearly share, the people a record
    may be made for, and whether this user may record one."""
    tree = _visible(uow, actor, organisation_id)
    rules = cultivation.league_policy_for(tree, organisation_id)
    subtree = tree.subtree(organisation_id)
    rows = list(uow.session.exec(select(LeagueNomination).where(LeagueNomination.organisation_id.in_(subtree))
                                 .order_by(LeagueNomination.meeting_on.desc(), LeagueNomination.id.desc())
                                 .limit(MAX_ROWS)))
    tree_rows = list(uow.session.exec(select(LeagueNomination).where(
        LeagueNomination.organisation_id.in_(tree.subtree(tree.root(organisation_id))))))
    people = list(uow.session.exec(select(DossierRow).where(DossierRow.organisation_id.in_(subtree))
                                   .order_by(DossierRow.id).limit(MAX_ROWS)))
    names = {p.id: p.person_name for p in people}
    missing = {r.dossier_id for r in rows} - set(names)
    if missing:
        names.update({p.id: p.person_name for p in uow.session.exec(select(DossierRow).where(DossierRow.id.in_(missing)))})
    backs = _s03_backing(uow, {r.dossier_id for r in rows})
    share = rules.max_share
    quota = [{**q, "limit": int(q["members"] * share // 100)} for q in league_quota_used(tree_rows, year)]
    live = live_states()
    return {"organisation_id": organisation_id, "organisation": tree.orgs[organisation_id].name, "year": year,
            "policy": {"id": rules.id, "name": rules.name, "words": rules.words(), "max_share": f"{share:g}",
                       "valid_for": rules.valid_for.chinese()},
            "records": [_league_row(r, names, backs, today) for r in rows], "quota": quota,
            "people": [{"id": p.id, "name": p.person_name, "state": state_names().get(p.state, "")}
                       for p in people if p.state in live],
            "may_record": organisation_id in tree.reach(actor, WRITE_ROLES),
            "branches": sorted({r.league_branch for r in tree_rows})}


def league_record(uow: UnitOfWork, actor: Actor, record_id: int, *, today: dt.date) -> dict:
    """One 推优 record with the vote, the rules it was judged by, its validity and the s03 it backs."""
    tree = OrgTree.load(uow.session)
    row = uow.session.get(LeagueNomination, record_id) if isinstance(record_id, int) else None
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该推优记录，或您无权查看", code="LEAGUE_NOMINATION_NOT_FOUND", field="record")
    person = uow.dossiers.get(row.dossier_id)
    out = _league_row(row, {row.dossier_id: person.person_name}, _s03_backing(uow, {row.dossier_id}), today)
    steps = default_catalogue().ordered()[-1].step_by_id
    if out["backs"]:
        step = steps.get(out["backs"]["step"])
        out["backs"]["step_name"] = step.name if step else out["backs"]["step"]
    return {**out, "organisation_id": row.organisation_id, "organisation": tree.orgs[row.organisation_id].name,
            "state": person.state, "created_at": row.created_at}


# ---------------------------------------------------------------- pairing

def pairing_board(uow: UnitOfWork, actor: Actor, organisation_id: int) -> dict:
    """The branch's pairing policy in words; its members with their current load (in the policy's unit,
    over every open pairing of the tree) and whether they may be contacts; its activists and anyone
    else with an open pairing, with their contacts now and how many they still need."""
    tree = _visible(uow, actor, organisation_id)
    tree.require_role(actor, organisation_id, READ_ROLES, "查看结对情况")
    policy = pairing.policy_for(tree, organisation_id)
    subtree = tree.subtree(organisation_id)
    members = list(uow.session.exec(select(Member).where(Member.organisation_id.in_(subtree))
                                    .order_by(Member.organisation_id, Member.id).limit(MAX_ROWS)))
    open_rows = list(uow.session.exec(select(CultivationPairing).where(
        CultivationPairing.organisation_id.in_(tree.subtree(tree.root(organisation_id))),
        CultivationPairing.end.is_(None)).order_by(CultivationPairing.id)))
    dossier_ids = {p.dossier_id for p in open_rows}
    activists = list(uow.session.exec(select(DossierRow).where(
        DossierRow.organisation_id.in_(subtree), DossierRow.state == pairing.ACTIVIST_STATE)
        .order_by(DossierRow.id).limit(MAX_ROWS)))
    people = {r.id: r for r in activists}
    for row in uow.session.exec(select(DossierRow).where(DossierRow.id.in_(dossier_ids or {"-"}))):
        people.setdefault(row.id, row)
    klass = {}
    for row in people.values():
        person = uow.dossiers.document(row).person
        value = (person.model_extra or {}).get("class")
        klass[row.id] = value if isinstance(value, str) and value else None
    per_class = policy.scheme == "per_class"
    load: dict[int, set] = {}
    for p in open_rows:
        load.setdefault(p.member_id, set()).add(klass.get(p.dossier_id) if per_class else p.dossier_id)
    member_names = {m.id: m.name for m in uow.session.exec(select(Member).where(
        Member.id.in_({p.member_id for p in open_rows} or {-1})))}
    labels = member_roles()
    member_rows = []
    for m in members:
        roles = sorted(pairing.roles_of(m))
        teacher_needed = policy.scheme == "teacher_per_activist" and TEACHER_ROLE not in roles
        eligible = m.status == "full" and not teacher_needed
        why = "不是正式党员" if m.status != "full" else (f"不是{labels.get(TEACHER_ROLE, '')}" if teacher_needed else None)
        used = len(load.get(m.id, ()))
        member_rows.append({"id": m.id, "name": m.name, "organisation": tree.orgs[m.organisation_id].name,
                            "status": MEMBER_STATUS.get(m.status, m.status),
                            "roles": [labels.get(r, r) for r in roles], "load": used, "max_load": policy.max_load,
                            "eligible": eligible, "why_not": why, "full": used >= policy.max_load})
    names = state_names()
    person_rows = []
    for row in sorted(people.values(), key=lambda r: (r.organisation_id not in subtree, r.id)):
        if row.organisation_id not in subtree:
            continue
        contacts = [{"pairing_id": p.id, "member_id": p.member_id, "member": member_names.get(p.member_id, ""),
                     "start": p.start.isoformat()} for p in open_rows if p.dossier_id == row.id]
        person_rows.append({"id": row.id, "name": row.person_name, "state": names.get(row.state, ""),
                            "class": klass.get(row.id), "contacts": contacts,
                            "short": max(policy.contacts_needed - len(contacts), 0)
                            if row.state == pairing.ACTIVIST_STATE else 0})
    return {"organisation_id": organisation_id, "organisation": tree.orgs[organisation_id].name,
            "policy": {"id": policy.id, "name": policy.name, "words": policy.words(), "scheme": policy.scheme,
                       "needed": policy.contacts_needed, "max_load": policy.max_load},
            "members": member_rows, "people": person_rows,
            "may_assign": organisation_id in tree.reach(actor, WRITE_ROLES)}


def pairing_person(uow: UnitOfWork, actor: Actor, dossier_id: str, *, today: dt.date) -> dict:
    """One person's contacts over time (closed ones with the day and the reason), the pairing work, the
    counts since the last assessment of the person's current kind, and who could replace a contact."""
    tree = OrgTree.load(uow.session)
    row = uow.dossiers.get(dossier_id) if isinstance(dossier_id, str) else None
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该档案，或您无权查看", code="DOSSIER_NOT_FOUND", field="dossier_id")
    dossier = uow.dossiers.document(row)
    period = "probation" if row.state == "probationary" else "activist"
    try:
        window = assessment_window(dossier, period, today)
    except InputError:
        window = None
    history = pairing.pairing_history(uow, actor, dossier_id, window=window)
    root = tree.root(row.organisation_id)
    members = list(uow.session.exec(select(Member).where(
        Member.organisation_id.in_(tree.subtree(root) & tree.reach(actor, READ_ROLES)))
        .order_by(Member.organisation_id, Member.id).limit(MAX_ROWS)))
    return {"dossier_id": row.id, "name": row.person_name, "state": state_names().get(row.state, ""),
            "organisation_id": row.organisation_id, "organisation": tree.orgs[row.organisation_id].name,
            "period": period, "window": [d.isoformat() for d in window] if window else None, **history,
            "members": [{"id": m.id, "name": m.name, "organisation": tree.orgs[m.organisation_id].name,
                         "status": MEMBER_STATUS.get(m.status, m.status)} for m in members],
            "may_write": row.organisation_id in tree.reach(actor, WRITE_ROLES)}


# ---------------------------------------------------------------- leaving dates: the cohorts

def cohort_of(dossier: Dossier) -> str:
    """The year group a person belongs to, as the forecast groups (the person's `cohort`, else the
    year of the expected leaving date as 届)."""
    extra = (dossier.person.model_extra or {}).get("cohort")
    if extra:
        return str(extra)
    leave = dossier.person.expected_leave_date
    return f"{leave.year}届" if leave else NO_COHORT


def cohort_board(uow: UnitOfWork, actor: Actor, organisation_id: int, cohort: str | None, *,
                 today: dt.date) -> dict:
    """The year groups of the organisation's people still in the procedure (with how many each has and
    the earliest leaving date), and, for the chosen group (else the one leaving first), every person's
    forecast: earliest admission and conversion, the last day to admit without the leaving-date
    warning, and who cannot be admitted before leaving or is at RUSHED_ADMISSION risk."""
    from workflow.service_layer import web_queries

    tree = _visible(uow, actor, organisation_id)
    live = live_states()
    items = [v for v in web_queries.visible_dossiers(uow, actor, organisation_id) if v.summary["state"] in live]
    groups: dict[str, list[Dossier]] = {}
    leaving: dict[str, dt.date] = {}
    for item in items:
        label = cohort_of(item.dossier)
        groups.setdefault(label, []).append(item.dossier)
        leave = item.dossier.person.expected_leave_date
        if leave is not None:
            leaving[label] = min(leaving.get(label, dt.date.max), leave)
    order = sorted(groups, key=lambda label: (label == NO_COHORT, leaving.get(label, dt.date.max), label))
    chosen = cohort if cohort in groups else (order[0] if order else None)
    if cohort is not None and cohort not in groups:
        raise NotFound(f"本组织没有“{cohort[:40]}”的人员", code="COHORT_NOT_FOUND", field="cohort")
    detail: CohortGroup | None = None
    cut = 0
    if chosen is not None:
        people = groups[chosen]
        cut = max(len(people) - MAX_FORECAST, 0)
        detail = cohort_view(people[:MAX_FORECAST], today)[0]
    return {"organisation_id": organisation_id, "organisation": tree.orgs[organisation_id].name, "groups": [{"label": g, "people": len(groups[g]),
                                                            "leaving": leaving.get(g)} for g in order],
            "chosen": chosen, "detail": detail, "not_forecast": cut}


# ---------------------------------------------------------------- a published ranking's notice

def ranking_notice(uow: UnitOfWork, actor: Actor, ranking_id: int) -> dict:
    """A published ranking as its notice prints it: the stored document and SHA-256, who published it,
    the organisation's name and the proposals made from it (person, position, day)."""
    tree = OrgTree.load(uow.session)
    row = uow.session.get(CultivationRanking, ranking_id) if isinstance(ranking_id, int) else None
    if row is None or row.organisation_id not in tree.reach(actor, READ_ROLES):
        raise NotFound("找不到该排名，或您无权查看", code="RANKING_NOT_FOUND", field="ranking_id")
    proposals = list(uow.session.exec(select(CultivationProposal).where(CultivationProposal.ranking_id == row.id)
                                      .order_by(CultivationProposal.position, CultivationProposal.id)))
    return {"id": row.id, "organisation_id": row.organisation_id, "organisation": tree.orgs[row.organisation_id].name,
            "scheme": row.scheme, "period": row.period, "document": json.loads(row.document), "sha256": row.sha256,
            "published_on": row.published_on, "published_by": row.published_by,
            "proposals": [{"person": p.person, "position": p.position, "proposed_on": p.proposed_on}
                          for p in proposals]}
