"""`fazhan demo-seed`: a small, idempotent demonstration installation built through the use cases.

The full case follows the national 2014 procedure from application to archiving; the same data
drives the API's end-to-end test and the load benchmark.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import select

from workflow.adapters.sql import UnitOfWork
from workflow.service_layer import dossiers, reviews, steps
from workflow.store import admin
from workflow.store.access import Actor
from workflow.store.accounts import actor_for
from workflow.store.tables import Member, Organisation, User

_VOTES = {"expected": 9, "present": 8, "yes": 8, "no": 0, "abstain": 0, "written_yes": 0, "written_no": 0}
_PEOPLE = [{"name": "赵六", "status": "full", "discipline": None}, {"name": "钱七", "status": "full", "discipline": None}]

FULL_CASE_STEPS: list[dict] = [
    {"step": "s01_application", "date": "2020-08-11"},
    {"step": "s02_applicant_talk", "date": "2020-09-05", "by": "李书记"},
    {"step": "s03_activist_determined", "date": "2021-02-08", "nomination": ["party_members", "league"]},
    {"step": "s04_activist_filed", "date": "2021-02-18"},
    {"step": "s05_contacts_assigned", "date": "2021-02-08", "people": _PEOPLE},
    {"step": "s06_activist_cultivation", "date": "2022-02-03"},
    {"step": "s07_candidate_determined", "date": "2022-02-13"},
    {"step": "s08_candidate_filed", "date": "2022-02-21"},
    {"step": "s09_introducers_assigned", "date": "2022-02-25", "people": _PEOPLE},
    {"step": "s10_political_review", "date": "2022-04-05", "conclusion": "qualified"},
    {"step": "s11_training", "date": "2022-03-16", "start": "2022-03-14", "days": 3, "hours": 24},
    {"step": "s12_branch_committee_review", "date": "2022-04-10"},
    {"step": "s13_pre_review", "date": "2022-04-20", "result": "passed"},
    {"step": "s14_application_form", "date": "2022-04-27", "serial": "0012345"},
    {"step": "s15_admission_meeting", "date": "2022-05-06", "votes": _VOTES},
    {"step": "s16_committee_talk", "date": "2022-05-16"},
    {"step": "s17_admission_approved", "date": "2022-05-31", "special_reason": None},
    {"step": "s18_admission_filed_upper", "date": "2022-06-10"},
    {"step": "s19_assigned_to_branch", "date": "2022-06-01"},
    {"step": "s20_oath", "date": "2022-06-05"},
    {"step": "s21_probation_education", "date": "2023-04-26"},
    {"step": "s22_conversion_applied", "date": "2023-04-28"},
    {"step": "s23_conversion_meeting", "date": "2023-05-09", "votes": {"expected": 9, "present": 9, "yes": 9},
     "outcome": "convert"},
    {"step": "s24_conversion_approved", "date": "2023-06-16", "party_standing_from": "2023-05-06"},
    {"step": "s25_archived", "date": "2023-06-28"},
]

# Facts that must exist before the step they are keyed to (the half-yearly assessments before s07 and s23).
FULL_CASE_FACTS: dict[str, list[tuple[str, dict]]] = {
    "s06_activist_cultivation": [
        ("assessments", {"date": "2021-08-06", "period": "activist", "by": "赵六", "result": "合格"}),
        ("assessments", {"date": "2022-02-03", "period": "activist", "by": "赵六", "result": "合格"})],
    "s21_probation_education": [
        ("assessments", {"date": "2022-11-05", "period": "probation", "by": "赵六", "result": "合格"}),
        ("assessments", {"date": "2023-04-26", "period": "probation", "by": "赵六", "result": "合格"})],
}

FULL_CASE_MATERIALS: list[tuple[str, str]] = [
    ("application_letter", "s01_application"), ("applicant_talk_record", "s02_applicant_talk"),
    ("nomination", "s03_activist_determined"), ("committee_minutes_activist", "s03_activist_determined"),
    ("activist_filing", "s04_activist_filed"), ("contacts_record", "s05_contacts_assigned"),
    ("activist_assessment_form", "s06_activist_cultivation"), ("opinions_record", "s07_candidate_determined"),
    ("committee_minutes_candidate", "s07_candidate_determined"), ("candidate_publicity", "s07_candidate_determined"),
    ("candidate_filing", "s08_candidate_filed"), ("introducers_record", "s09_introducers_assigned"),
    ("autobiography", "s10_political_review"), ("inquiry_letters", "s10_political_review"),
    ("political_review_report", "s10_political_review"), ("training_certificate", "s11_training"),
    ("committee_review_opinion", "s12_branch_committee_review"), ("pre_review_result", "s13_pre_review"),
    ("application_form", "s14_application_form"), ("admission_minutes", "s15_admission_meeting"),
    ("admission_resolution", "s15_admission_meeting"), ("committee_talk_record", "s16_committee_talk"),
    ("admission_approval", "s17_admission_approved"), ("upper_filing", "s18_admission_filed_upper"),
    ("oath_record", "s20_oath"), ("probation_assessment_form", "s21_probation_education"),
    ("conversion_application", "s22_conversion_applied"), ("conversion_minutes", "s23_conversion_meeting"),
    ("conversion_resolution", "s23_conversion_meeting"), ("conversion_approval", "s24_conversion_approved"),
    ("archive_catalogue", "s25_archived"),
]

ROOT_NAME = "示范大学党委"
DEMO_USERS = [
    # login, display name, password, [(organisation key, role)]
    ("zuzhi", "李书记", "demo-zuzhi-2024", [("branch", "organiser"), ("branch", "archivist")]),
    ("shenhe", "王组织员", "demo-shenhe-2024", [("root", "reviewer")]),
    ("shenji", "陈审计", "demo-shenji-2024", [("root", "auditor")]),
    ("guanli", "周管理员", "demo-guanli-2024", [("root", "admin")]),
]
DEMO_DOSSIERS = [
    # id, person, number of FULL_CASE_STEPS to record (all reviewed except possibly the last)
    ("DEMO-001", {"name": "王小明", "gender": "男", "birth_date": "2001-02-11", "ethnicity": "汉族",
                  "education": "本科在读", "league_member": True}, 25),
    ("DEMO-002", {"name": "张三", "gender": "男", "birth_date": "2001-03-02", "education": "本科在读"}, 2),
    ("DEMO-003", {"name": "李四", "gender": "女", "birth_date": "2000-11-20", "education": "硕士在读"}, 5),
    ("DEMO-004", {"name": "赵敏", "gender": "女", "birth_date": "2000-06-15", "education": "硕士在读"}, 17),
]


@dataclass
class SeedReport:
    created: list[str]
    users: list[tuple[str, str, str]]


def _org(uow: UnitOfWork, name: str, parent_id: int | None) -> Organisation | None:
    return uow.session.exec(select(Organisation).where(Organisation.name == name,
                                                       Organisation.parent_id == parent_id)).first()


def _ensure_org(engine: Engine, name: str, level: str, parent_id: int | None, created: list[str]) -> int:
    with UnitOfWork(engine) as uow:
        found = _org(uow, name, parent_id)
        if found is not None:
            return found.id
        org = admin.create_organisation(uow, None, name=name, level=level, parent_id=parent_id)
        created.append(f"组织 {name}")
        return org["id"]


def _actor(engine: Engine, login: str) -> Actor:
    with UnitOfWork(engine) as uow:
        user = uow.session.exec(select(User).where(User.login == login)).one()
        return actor_for(uow.session, user)


def run_case(engine: Engine, recorder: Actor, reviewer: Actor, dossier_id: str, upto: int, today: dt.date) -> None:
    """Records (and has reviewed) the first `upto` steps of the full case, with their assessments."""
    for i, entry in enumerate(FULL_CASE_STEPS[:upto]):
        for key, item in FULL_CASE_FACTS.get(entry["step"], []):
            with UnitOfWork(engine) as uow:
                steps.add_fact(uow, recorder, dossier_id, key, item)
        with UnitOfWork(engine) as uow:
            steps.record_step(uow, recorder, dossier_id, entry, today=today)
        if i < upto - 1 or upto == len(FULL_CASE_STEPS):
            with UnitOfWork(engine) as uow:
                reviews.review_step(uow, reviewer, dossier_id, i, today=today)


def seed(engine: Engine, today: dt.date | None = None) -> SeedReport:
    today = today or dt.date.today()
    created: list[str] = []
    root = _ensure_org(engine, ROOT_NAME, "committee", None, created)
    general = _ensure_org(engine, "信息学院党总支", "general_branch", root, created)
    branch = _ensure_org(engine, "信息学院学生第二党支部", "branch", general, created)
    orgs = {"root": root, "general": general, "branch": branch}
    for login, name, password, grants in DEMO_USERS:
        with UnitOfWork(engine) as uow:
            if uow.session.exec(select(User).where(User.login == login)).first() is None:
                admin.create_user(uow, None, login=login, display_name=name, password=password,
                                  grants=[(orgs[key], role) for key, role in grants])
                created.append(f"用户 {login}")
    organiser, reviewer = _actor(engine, "zuzhi"), _actor(engine, "shenhe")
    for name in ("赵六", "钱七"):
        with UnitOfWork(engine) as uow:
            if uow.session.exec(select(Member).where(Member.organisation_id == branch, Member.name == name)).first() is None:
                admin.create_member(uow, organiser, organisation_id=branch, name=name, status="full")
                created.append(f"党员 {name}")
    for dossier_id, person, upto in DEMO_DOSSIERS:
        with UnitOfWork(engine) as uow:
            if uow.dossiers.get(dossier_id) is not None:
                continue
            dossiers.create_dossier(uow, organiser, branch, person, dossier_id=dossier_id, track_materials=False)
        run_case(engine, organiser, reviewer, dossier_id, upto, today)
        created.append(f"档案 {dossier_id}（{person['name']}）")
    return SeedReport(created=created, users=[(u[0], u[1], u[2]) for u in DEMO_USERS])
