"""What the cultivation pages read (workflow/store/cultivation_queries.py): who may set which plan, the
quota a branch sees from its committee's plan, the League branches' yearly share and the s03 a 推优
backs, members' pairing load, the leaving-date cohorts, and that nothing is shown outside a user's reach."""
from __future__ import annotations

import datetime as dt

import pytest

from workflow.service_layer import dossiers, reviews, steps
from workflow.store import admin
from workflow.store import cultivation as store
from workflow.store import cultivation_queries as queries
from workflow.store import pairing
from workflow.store.access import Actor
from workflow.store.errors import NotFound

D = dt.date.fromisoformat
PASSWORD = "Lantern-Orchid-Quarry-91"
TODAY = D("2026-11-21")


def _actor(user, grants):
    return Actor(user_id=user["id"], login=user["login"], name=user["display_name"], grants=tuple(grants))


def _case(dossier_id, name, leave=None, s03="2026-06-01"):
    person = {"name": name, "birth_date": "2005-03-01", **({"expected_leave_date": leave} if leave else {})}
    return {"format": "dossier/1", "id": dossier_id, "person": person,
            "steps": [{"step": "s01_application", "date": "2026-03-01"},
                      {"step": "s02_applicant_talk", "date": "2026-03-20"},
                      {"step": "s03_activist_determined", "date": s03, "nomination": ["party_members"]}]}


@pytest.fixture
def world(uow):
    def user(login, name, grants):
        with uow() as u:
            return _actor(admin.create_user(u, None, login=login, display_name=name, password=PASSWORD, grants=grants),
                          grants)
    with uow() as u:
        root = admin.create_organisation(u, None, name="公共卫生学院党委", level="committee", parent_id=None)["id"]
    with uow() as u:
        branch = admin.create_organisation(u, None, name="学生第一党支部", level="branch", parent_id=root)["id"]
    with uow() as u:
        sibling = admin.create_organisation(u, None, name="学生第二党支部", level="branch", parent_id=root)["id"]
    with uow() as u:
        other = admin.create_organisation(u, None, name="药学院党委", level="committee", parent_id=None)["id"]
    committee = user("zuzhi", "王组织员", [(root, "admin"), (root, "reviewer")])
    secretary = user("shuji", "李书记", [(branch, "organiser")])
    outsider = user("waibu", "赵书记", [(other, "organiser")])
    for i, leave in enumerate(("2027-05-31", "2027-06-30", "2028-06-30")):
        with uow() as u:
            dossiers.import_dossier(u, secretary, branch, _case(f"A{i + 1}", f"积极分子{i + 1}", leave), today=TODAY)
    with uow() as u:
        dossiers.create_dossier(u, secretary, branch, {"name": "申请人甲", "birth_date": "2005-03-01"},
                                dossier_id="P1", track_materials=False)
    return {"root": root, "branch": branch, "sibling": sibling, "committee": committee, "secretary": secretary,
            "outsider": outsider}


def test_a_committee_sets_plans_below_it_and_a_branch_sees_its_quota_from_the_plan_above(uow, world):
    root, branch, sibling = world["root"], world["branch"], world["sibling"]
    with uow() as u:
        board = queries.plan_board(u, world["committee"], root, 2026)
    assert [o["id"] for o in board["settable"]] == [root, branch, sibling] and board["quota"] is None
    with uow() as u:
        assert queries.plan_board(u, world["secretary"], branch, 2026)["settable"] == []  # a branch sets no plan
    with uow() as u:
        store.set_plan(u, world["committee"], root, 2026, 5, women=3, today=TODAY)
    with uow() as u:
        store.set_plan(u, world["committee"], sibling, 2026, 4, today=TODAY)
    with uow() as u:
        seen = queries.plan_board(u, world["secretary"], branch, 2026)
    assert seen["quota"]["inherited"] and seen["quota"]["plan"]["targets"]["total"] == 5
    assert seen["quota"]["remaining"] == 5 and seen["quota"]["proposed"] == 0
    assert [r["organisation_id"] for r in seen["rows"]] == [branch]  # not the sibling's plan
    with uow() as u:
        full = queries.plan_board(u, world["committee"], root, 2026)
    planned = {r["organisation_id"]: r["progress"]["targets"]["total"] for r in full["rows"] if r["plan"]}
    assert planned == {root: 5, sibling: 4} and full["below_total"] == 4
    for who, org in ((world["outsider"], root), (world["secretary"], root)):
        with uow() as u, pytest.raises(NotFound):
            queries.plan_board(u, who, org, 2026)


def test_league_board_counts_each_league_branch_share_and_names_the_s03_a_record_backs(uow, world):
    branch, secretary = world["branch"], world["secretary"]
    votes = {"expected": 10, "present": 9, "yes": 8}
    common = {"league_branch": "公卫2025级1班团支部", "league_members": 10, "meeting_on": D("2026-10-10"), "today": TODAY}
    with uow() as u:
        record = store.record_league_nomination(u, secretary, branch, "P1", votes=votes, **common)
    with uow() as u:
        board = queries.league_board(u, secretary, branch, 2026, today=TODAY)
    assert board["quota"] == [{"league_branch": "公卫2025级1班团支部", "members": 10, "used": 1, "limit": 2}]
    assert board["policy"]["words"].startswith("到会人数不少于") and board["may_record"]
    assert board["records"][0]["backs"] is None and board["records"][0]["valid_today"]
    step = {"step": "s03_activist_determined", "date": "2026-11-20", "nomination": ["league"],
            "league_recommendation_id": record["id"]}
    for before, day in (("s01_application", "2026-09-01"), ("s02_applicant_talk", "2026-09-20")):
        with uow() as u:
            index = steps.record_step(u, secretary, "P1", {"step": before, "date": day}, today=TODAY)["index"]
        with uow() as u:
            reviews.review_step(u, world["committee"], "P1", index, today=TODAY)
    with uow() as u:
        steps.record_step(u, secretary, "P1", step, today=TODAY)
    with uow() as u:
        shown = queries.league_record(u, secretary, record["id"], today=TODAY)
    assert shown["backs"]["step"] == "s03_activist_determined" and shown["backs"]["date"] == "2026-11-20"
    assert shown["backs"]["step_name"]  # the step's name from the checklist
    with uow() as u, pytest.raises(NotFound):
        queries.league_record(u, world["outsider"], record["id"], today=TODAY)


def test_pairing_board_shows_each_members_load_against_the_limit_and_who_is_short(uow, world):
    branch, secretary = world["branch"], world["secretary"]
    ids = {}
    for name, status in (("党员甲", "full"), ("党员乙", "full"), ("党员戊", "probationary")):
        with uow() as u:
            ids[name] = admin.create_member(u, secretary, organisation_id=branch, name=name, status=status)["id"]
    with uow() as u:
        pairing.assign_pairs(u, secretary, branch, [{"dossier_id": "A1", "member_id": ids["党员甲"]},
                                                    {"dossier_id": "A1", "member_id": ids["党员乙"]}],
                             start="2026-07-01", today=TODAY)
    with uow() as u:
        board = queries.pairing_board(u, secretary, branch)
    load = {m["name"]: (m["load"], m["eligible"]) for m in board["members"]}
    assert load == {"党员甲": (1, True), "党员乙": (1, True), "党员戊": (0, False)}
    short = {p["id"]: p["short"] for p in board["people"]}
    assert short == {"A1": 0, "A2": 2, "A3": 2} and board["policy"]["max_load"] == 3
    with uow() as u:
        person = queries.pairing_person(u, secretary, "A1", today=TODAY)
    assert [p["member"] for p in person["pairings"]] == ["党员甲", "党员乙"] and person["may_write"]
    with uow() as u, pytest.raises(NotFound):
        queries.pairing_board(u, world["outsider"], branch)


def test_cohorts_group_by_leaving_year_and_flag_who_cannot_be_admitted_in_time(uow, world):
    with uow() as u:
        board = queries.cohort_board(u, world["secretary"], world["branch"], None, today=TODAY)
    assert [(g["label"], g["people"]) for g in board["groups"]] == [("2027届", 2), ("2028届", 1), ("未填预计离校日期", 1)]
    rows = {f.id: f for f in board["detail"].rows}
    assert board["chosen"] == "2027届" and set(rows) == {"A1", "A2"}
    # one year of cultivation from 2026-06-01 puts the earliest admission after 31 May 2027 but within June
    assert rows["A1"].cannot_admit_before_leaving and not rows["A2"].cannot_admit_before_leaving
    assert rows["A2"].rushed_admission_risk and rows["A2"].admission < D("2027-06-30")
    with uow() as u:
        later = queries.cohort_board(u, world["secretary"], world["branch"], "2028届", today=TODAY)
    only = later["detail"].rows[0]
    assert not only.cannot_admit_before_leaving and not only.rushed_admission_risk
    with uow() as u, pytest.raises(NotFound):
        queries.cohort_board(u, world["secretary"], world["branch"], "2031届", today=TODAY)
