"""Cultivation quality in the store: a branch secretary enters a semester's scores for a class of 40,
a second person reviews the final scores (一步一审), the ranking is published and the best are
proposed within the quota (the scheme's 20 % and what is left of the committee's annual plan); an
attempt beyond the quota is refused with the reason; 推优 records back s03's nomination."""
from __future__ import annotations

import datetime as dt

import pytest
from cultivation_support import entries_000, generated_class_000

from workflow import engine as domain
from workflow.cultivation.scoring import ProposalRefused
from workflow.dossier import parse_dossier
from workflow.errors import InputError
from workflow.service_layer import dossiers, reviews, steps
from workflow.store import admin
from workflow.store import cultivation as store
from workflow.store.access import Actor
from workflow.store.errors import Conflict, Forbidden, NotFound

D = dt.date.fromisoformat
PASSWORD = "Lantern-Orchid-Quarry-91"


def _actor(user, grants):
    return Actor(user_id=user["id"], login=user["login"], name=user["display_name"], grants=tuple(grants))


@pytest.fixture
def world(uow):
    with uow() as u:
        root = admin.create_organisation(u, None, name="公共卫生学院党委", level="committee", parent_id=None)["id"]
    with uow() as u:
        boss = admin.create_user(u, None, login="zuzhi", display_name="王组织员", password=PASSWORD,
                                 grants=[(root, "admin"), (root, "reviewer")])
    committee = _actor(boss, [(root, "admin"), (root, "reviewer")])
    with uow() as u:
        branch = admin.create_organisation(u, committee, name="学生第一党支部", level="branch", parent_id=root)["id"]
    with uow() as u:
        sec = admin.create_user(u, None, login="shuji", display_name="李书记", password=PASSWORD,
                                grants=[(branch, "organiser"), (branch, "reviewer")])
    secretary = _actor(sec, [(branch, "organiser"), (branch, "reviewer")])
    for i in range(40):
        with uow() as u:
            dossiers.create_dossier(u, secretary, branch, {"name": f"学生{i + 1:02d}", "birth_date": "2005-03-01",
                                                           "gender": "女" if i % 2 else "男"},
                                    dossier_id=f"S{i + 1:02d}")
    return {"root": root, "branch": branch, "committee": committee, "secretary": secretary}


def _entries():
    return [{k: v for k, v in e.model_dump(mode="json", exclude_none=True).items() if k not in ("scored_by", "scored_on")}
            for e in entries_000(generated_class_000())]


def test_scores_reviewed_ranking_published_and_proposals_within_the_quota(uow, world):
    branch, secretary, committee = world["branch"], world["secretary"], world["committee"]
    today = D("2026-03-10")
    with uow() as u:
        plan = store.set_plan(u, committee, branch, 2026, 5, women=3, today=today)
    assert plan["total"] == 5
    with uow() as u, pytest.raises(Forbidden):
        store.set_plan(u, secretary, branch, 2027, 5, today=today)  # a branch does not set its own plan

    with uow() as u:
        saved = store.add_entries(u, secretary, branch, "seed000", _entries(), today=today)
    assert {e["scored_by"] for e in saved} == {"李书记"} and {e["scored_on"] for e in saved} == {"2026-03-10"}
    assert {e["period"] for e in saved} == {"2025-2026-1", "2025-2026-2"}

    with uow() as u:
        scores = store.compute_scores(u, secretary, branch, "seed000", "2025-2026-1", today=today)
    assert len(scores) == 40 and all(s["reviewed_by"] is None for s in scores)
    with uow() as u, pytest.raises(Conflict) as caught:
        store.publish_ranking(u, secretary, branch, "seed000", "2025-2026-1", group_size=40, today=today)
    assert caught.value.code == "SCORE_NOT_REVIEWED"
    with uow() as u, pytest.raises(Forbidden) as caught:
        store.review_score(u, secretary, scores[0]["id"], today=today)
    assert caught.value.code == "SELF_REVIEW"
    with uow() as u, pytest.raises(Conflict) as caught:
        store.cite_in_assessment(u, secretary, scores[0]["id"], on=today)
    assert caught.value.code == "SCORE_NOT_REVIEWED"
    for score in scores:
        with uow() as u:
            store.review_score(u, committee, score["id"], today=today)

    # a correction after the review: the person's score must be computed and reviewed again
    with uow() as u:
        s10 = next(e for e in saved if e["person"] == "S10" and e["indicator"] == "cet")
        store.replace_entry(u, secretary, s10["id"], {"date": "2025-12-20", "value": "六级",
                                                      "evidence": {"material": "成绩单.pdf"}}, today=today)
    with uow() as u, pytest.raises(Conflict) as caught:
        store.publish_ranking(u, secretary, branch, "seed000", "2025-2026-1", group_size=40, today=today)
    assert caught.value.code == "SCORE_NOT_REVIEWED" and "学生10（未计算）" in caught.value.message
    with uow() as u:
        again = {s["person"]: s for s in store.compute_scores(u, secretary, branch, "seed000", "2025-2026-1", today=today)}
    assert again["S10"]["reviewed_by"] is None and again["S09"]["reviewed_by"] == "王组织员"
    with uow() as u:
        store.review_score(u, committee, again["S10"]["id"], today=today)

    with uow() as u:
        ranking = store.publish_ranking(u, secretary, branch, "seed000", "2025-2026-1", group_size=40, today=today)
    assert ranking["quota"]["limit"] == 5 and ranking["quota"]["share_limit"] == 8 and ranking["quota"]["plan_limit"] == 5
    eligible = [r["person"] for r in ranking["ranking"] if r["eligible"]]
    assert ranking["selection"]["proposed"] == ["S01", "S02", *eligible[2:5]]
    with uow() as u, pytest.raises(Conflict):
        store.publish_ranking(u, secretary, branch, "seed000", "2025-2026-1", group_size=40, today=today)

    with uow() as u:
        first = store.propose(u, secretary, ranking["id"], eligible[:3], today=today)
    assert [p["person"] for p in first["proposed"]] == eligible[:3] and first["ranking_sha256"] == ranking["sha256"]
    with uow() as u, pytest.raises(ProposalRefused) as caught:
        store.propose(u, secretary, ranking["id"], eligible[3:6], today=today)
    assert caught.value.code == "QUOTA_EXCEEDED"
    assert "推荐 6 人，超过名额 5 人（40 人的 20% 为 8 人，年度计划名额 5 人）" in caught.value.message
    with uow() as u:
        second = store.propose(u, secretary, ranking["id"], eligible[3:5], today=today)
    assert second["used"] == 5
    with uow() as u:
        cited = store.cite_in_assessment(u, secretary, again["S01"]["id"], on=today)
    with uow() as u:
        assessment = dossiers.load_dossier(u, secretary, "S01").assessments[-1]
    assert assessment.result == "优秀" and assessment.score == cited["score"]
    assert cited["score"]["period"] == "2025-2026-1" and cited["score"]["reviewed_by"] == "王组织员"
    with uow() as u:
        progress = store.plan_progress(u, committee, branch, 2026)
    assert progress["proposed"] == 5 and progress["targets"]["women"] == 3 and progress["developed"]["total"] == 0


def test_entries_are_refused_for_people_outside_the_branch_and_without_evidence(uow, world):
    branch, secretary = world["branch"], world["secretary"]
    item = {"person": "S01", "indicator": "volunteer_hours", "date": "2025-10-01", "value": 3,
            "evidence": {"note": "社区义诊"}}
    with uow() as u, pytest.raises(NotFound) as caught:
        store.add_entries(u, secretary, branch, "seed000", [item, {**item, "person": "X99"}], today=D("2026-01-05"))
    assert caught.value.code == "DOSSIER_NOT_FOUND"
    with uow() as u, pytest.raises(InputError) as caught:
        store.add_entries(u, secretary, branch, "seed000", [{**item, "evidence": {}}], today=D("2026-01-05"))
    assert caught.value.code == "EVIDENCE_MISSING"
    with uow() as u:
        assert store.add_entries(u, secretary, branch, "seed000", [item], today=D("2026-01-05"))[0]["value"] == 3


def test_a_league_nomination_backs_s03_within_its_quorum_majority_quota_and_validity(uow, world):
    branch, secretary = world["branch"], world["secretary"]
    votes = {"expected": 38, "present": 30, "yes": 25, "no": 3, "abstain": 2}
    common = {"league_branch": "公卫2023级1班团支部", "league_members": 40, "today": D("2025-12-01")}
    with uow() as u, pytest.raises(InputError) as caught:
        store.record_league_nomination(u, secretary, branch, "S01", meeting_on=D("2025-10-10"),
                                       votes={**votes, "present": 25, "yes": 20, "no": 5, "abstain": 0}, **common)
    assert caught.value.code == "LEAGUE_QUORUM_NOT_MET"  # 25 of 38 is under two thirds
    with uow() as u, pytest.raises(InputError) as caught:
        store.record_league_nomination(u, secretary, branch, "S01", meeting_on=D("2025-10-10"),
                                       votes={**votes, "yes": 19, "no": 9}, **common)
    assert caught.value.code == "LEAGUE_VOTE_NOT_PASSED"  # 19 of 38 expected is not more than half
    for i in range(8):  # 20 % of 40 League members
        with uow() as u:
            record = store.record_league_nomination(u, secretary, branch, f"S{i + 1:02d}", meeting_on=D("2025-10-10"),
                                                    votes=votes, **common)
    assert record["valid_until"] == "2027-10-10"
    with uow() as u, pytest.raises(InputError) as caught:
        store.record_league_nomination(u, secretary, branch, "S09", meeting_on=D("2025-10-10"), votes=votes, **common)
    assert caught.value.code == "LEAGUE_QUOTA_EXCEEDED" and "至多 20%（8 人），已推优 8 人" in caught.value.message

    with uow() as u:
        fields = store.s03_nomination(u, secretary, "S01", D("2026-01-10"))
    assert fields["nomination"] == ["league"]
    for who, day in (("S09", "2026-01-10"), ("S01", "2027-10-11"), ("S01", "2025-10-09")):
        with uow() as u, pytest.raises(InputError) as caught:
            store.s03_nomination(u, secretary, who, D(day))
        assert caught.value.code == "LEAGUE_NOMINATION_MISSING"

    dossier = parse_dossier({"format": "dossier/1", "id": "S01", "person": {"name": "学生01", "birth_date": "2005-03-01"},
                             "steps": [{"step": "s01_application", "date": "2025-09-10"},
                                       {"step": "s02_applicant_talk", "date": "2025-09-20"}]})
    outcome = domain.record_step(dossier, {"step": "s03_activist_determined", "date": "2026-01-10", **fields},
                                 D("2026-01-10"))
    assert outcome.state == "activist"  # the engine's NOMINATION_MISSING is satisfied by the 推优


def test_s03_recorded_with_a_league_record_gets_the_league_nomination_and_keeps_the_record(uow, world):
    branch, secretary = world["branch"], world["secretary"]
    votes = {"expected": 38, "present": 30, "yes": 25, "no": 3, "abstain": 2}
    common = {"league_branch": "公卫2023级1班团支部", "league_members": 40, "today": D("2025-12-01")}
    ids = {}
    with uow() as u:  # a case whose materials are kept on paper, so the steps pass review without uploads
        dossiers.create_dossier(u, secretary, branch, {"name": "学生41", "birth_date": "2005-03-01"}, dossier_id="P01",
                                track_materials=False)
    for who in ("P01", "S02"):
        with uow() as u:
            ids[who] = store.record_league_nomination(u, secretary, branch, who, meeting_on=D("2025-10-10"),
                                                      votes=votes, **common)["id"]
    with uow() as u:  # another Party committee's 推优 record, for a person of its own
        other_root = admin.create_organisation(u, None, name="药学院党委", level="committee", parent_id=None)["id"]
    with uow() as u:
        them = admin.create_user(u, None, login="yaoxue", display_name="赵书记", password=PASSWORD,
                                 grants=[(other_root, "organiser")])
    outsider = _actor(them, [(other_root, "organiser")])
    with uow() as u:
        dossiers.create_dossier(u, outsider, other_root, {"name": "药学01", "birth_date": "2005-03-01"}, dossier_id="Y01")
    with uow() as u:
        ids["Y01"] = store.record_league_nomination(u, outsider, other_root, "Y01", meeting_on=D("2025-10-10"),
                                                    votes=votes, **{**common, "league_branch": "药学团支部"})["id"]
    for step, day in (("s01_application", "2025-09-10"), ("s02_applicant_talk", "2025-09-20")):
        with uow() as u:
            index = steps.record_step(u, secretary, "P01", {"step": step, "date": day},
                                      today=D("2025-12-01"))["index"]
        with uow() as u:
            reviews.review_step(u, world["committee"], "P01", index, today=D("2025-12-01"))

    s03 = {"step": "s03_activist_determined", "date": "2026-01-10"}
    refusals = ((ids["S02"], "2026-01-10", InputError, "LEAGUE_NOMINATION_FOREIGN"),
                (ids["Y01"], "2026-01-10", NotFound, "LEAGUE_NOMINATION_NOT_FOUND"),
                (987654, "2026-01-10", NotFound, "LEAGUE_NOMINATION_NOT_FOUND"),
                ("1", "2026-01-10", NotFound, "LEAGUE_NOMINATION_NOT_FOUND"),
                (ids["P01"], "2027-10-11", InputError, "LEAGUE_NOMINATION_EXPIRED"),
                (ids["P01"], "2025-10-09", InputError, "LEAGUE_NOMINATION_LATER"))
    for record, day, error, code in refusals:
        with uow() as u, pytest.raises(error) as caught:
            steps.record_step(u, secretary, "P01", {**s03, "date": day, "league_recommendation_id": record},
                              today=D("2027-10-12"))
        assert caught.value.code == code and caught.value.field == "league_recommendation_id"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)
    with uow() as u, pytest.raises(InputError) as caught:  # only s03's nomination is backed by a 推优
        steps.record_step(u, secretary, "P01", {"step": "s04_activist_filed", "date": "2026-01-10",
                                                "league_recommendation_id": ids["P01"]}, today=D("2026-01-10"))
    assert caught.value.field == "league_recommendation_id"

    with uow() as u:
        done = steps.record_step(u, secretary, "P01", {**s03, "league_recommendation_id": ids["P01"]},
                                 today=D("2026-01-10"))
    assert done["state"] == "activist"
    with uow() as u:
        step = dossiers.load_dossier(u, secretary, "P01").steps[2]
    assert step.nomination == ["league"] and step.model_dump()["league_recommendation_id"] == ids["P01"]

    with uow() as u, pytest.raises(InputError) as caught:  # a correction is checked the same way
        steps.correct_step(u, secretary, "P01", 2, {**s03, "league_recommendation_id": ids["S02"]},
                           reason="补记党员推荐", today=D("2026-01-12"))
    assert caught.value.code == "LEAGUE_NOMINATION_FOREIGN"
    with uow() as u:
        steps.correct_step(u, secretary, "P01", 2, {**s03, "nomination": ["party_members"],
                                                    "league_recommendation_id": ids["P01"]},
                           reason="补记党员推荐", today=D("2026-01-12"))
    with uow() as u:
        step = dossiers.load_dossier(u, secretary, "P01").steps[2]
    assert step.nomination == ["party_members", "league"]
