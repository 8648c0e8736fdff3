"""Cultivation policy in the store (issue 12): the 推优 policy is the organisation's overlay's (tighter
share and validity refused beyond it, never loosened by a caller); members carry role tags and the
one-teacher-per-activist scheme pairs only teachers; the half-year (s06) and probation (s21)
assessments cite the pairing work of their time, across a replaced contact; the published ranking
prints as a notice traceable to the proposals made from it; the annual return counts the subtree."""
from __future__ import annotations

import copy
import datetime as dt
import io
import re

import pytest
from cultivation_support import entries_000, generated_class_000
from pypdf import PdfReader
from tests_support import cut_after, load_case

from workflow.errors import InputError
from workflow.service_layer import dossiers
from workflow.store import admin
from workflow.store import cultivation as store
from workflow.store import pairing
from workflow.store.access import Actor
from workflow.store.cultivation_tables import CultivationRanking
from workflow.store.errors import Conflict, Forbidden

D = dt.date.fromisoformat
PASSWORD = "Lantern-Orchid-Quarry-91"
TODAY = D("2026-09-01")


def _actor(user, grants):
    return Actor(user_id=user["id"], login=user["login"], name=user["display_name"], grants=tuple(grants))


def _activist(dossier_id: str, name: str, s03: str = "2026-01-10") -> dict:
    return {"format": "dossier/1", "id": dossier_id, "person": {"name": name, "birth_date": "2005-03-01"},
            "steps": [{"step": "s01_application", "date": "2025-09-10"},
                      {"step": "s02_applicant_talk", "date": "2025-09-20"},
                      {"step": "s03_activist_determined", "date": s03, "nomination": ["league"]}]}


@pytest.fixture
def world(uow):
    with uow() as u:
        root = admin.create_organisation(u, None, name="某大学党委", level="committee", parent_id=None,
                                         overlay="example-university")["id"]
    with uow() as u:
        boss = admin.create_user(u, None, login="zuzhi", display_name="王组织员", password=PASSWORD,
                                 grants=[(root, "admin"), (root, "reviewer")])
    committee = _actor(boss, [(root, "admin"), (root, "reviewer")])
    with uow() as u:
        branch = admin.create_organisation(u, committee, name="学生第一党支部", level="branch", parent_id=root)["id"]
    with uow() as u:
        sec = admin.create_user(u, None, login="shuji", display_name="李书记", password=PASSWORD,
                                grants=[(branch, "organiser")])
    with uow() as u:
        aud = admin.create_user(u, None, login="shenji", display_name="审计员", password=PASSWORD,
                                grants=[(branch, "auditor")])
    return {"root": root, "branch": branch, "committee": committee,
            "secretary": _actor(sec, [(branch, "organiser")]), "auditor": _actor(aud, [(branch, "auditor")])}


# ---------------------------------------------------------------- 推优 under the overlay

def test_the_league_policy_is_the_organisations_overlay_and_cannot_be_loosened(uow, world):
    branch, secretary = world["branch"], world["secretary"]
    for i in range(7):
        with uow() as u:
            dossiers.create_dossier(u, secretary, branch, {"name": f"团员{i + 1}", "birth_date": "2005-03-01"},
                                    dossier_id=f"L{i + 1}")
    votes = {"expected": 38, "present": 30, "yes": 25, "no": 3, "abstain": 2}
    common = {"league_branch": "2024级1班团支部", "league_members": 40, "meeting_on": D("2025-10-10"), "votes": votes,
              "today": D("2025-12-01")}
    with uow() as u, pytest.raises(InputError) as caught:  # the common practice is looser than the overlay
        store.record_league_nomination(u, secretary, branch, "L1", policy="default", **common)
    assert caught.value.code == "OVERLAY_LOOSENS" and caught.value.field == "policy"
    assert "max_share" in caught.value.message and "20%" in caught.value.message and "15%" in caught.value.message
    for i in range(6):  # example-university: at most 15 % of 40 League members a year
        with uow() as u:
            record = store.record_league_nomination(u, secretary, branch, f"L{i + 1}", **common)
    assert record["policy"] == "example-university" and record["valid_until"] == "2026-10-10"  # 12 months
    assert "到会人数不少于应到会团员的 2/3" in record["policy_words"] and "15%" in record["policy_words"]
    with uow() as u, pytest.raises(InputError) as caught:
        store.record_league_nomination(u, secretary, branch, "L7", **common)
    assert caught.value.code == "LEAGUE_QUOTA_EXCEEDED" and "至多 15%（6 人），已推优 6 人" in caught.value.message
    with uow() as u, pytest.raises(InputError) as caught:  # valid for 12 months, not the common 24
        store.s03_nomination(u, secretary, "L1", D("2026-10-11"))
    assert caught.value.code == "LEAGUE_NOMINATION_MISSING"
    with uow() as u:
        assert store.s03_nomination(u, secretary, "L1", D("2026-10-10"))["nomination"] == ["league"]


# ---------------------------------------------------------------- role tags and the teacher scheme

def test_members_carry_role_tags_and_the_teacher_scheme_pairs_only_teachers(uow, world):
    """A branch pinned to example-college, whose overlay's [pairing] chooses one teacher member per
    activist (seed 003), at most two each."""
    with uow() as u:
        branch = admin.create_organisation(u, world["committee"], name="教工结对党支部", level="branch",
                                           parent_id=world["root"], overlay="example-college")["id"]
    with uow() as u:
        user = admin.create_user(u, None, login="jiaogong", display_name="赵书记", password=PASSWORD,
                                 grants=[(branch, "organiser")])
    secretary = _actor(user, [(branch, "organiser")])
    with uow() as u:
        reader = admin.create_user(u, None, login="jiaogong-shenji", display_name="钱审计", password=PASSWORD,
                                   grants=[(branch, "auditor")])
    auditor = _actor(reader, [(branch, "auditor")])
    with uow() as u:
        board = pairing.suggest_pairs(u, secretary, branch)
    assert board["policy"] == "example-college" and "每名积极分子由 1 名教工党员联系" in board["policy_words"]
    with uow() as u, pytest.raises(InputError) as caught:
        admin.create_member(u, secretary, organisation_id=branch, name="党员甲", status="full", roles=["professor"])
    assert caught.value.code == "MEMBER_ROLE_UNKNOWN" and "teacher（教工党员）" in caught.value.message
    ids = {}
    for name, roles in (("张老师", ["teacher"]), ("学生党员乙", ["student"]), ("李老师", ["teacher", "retired"])):
        with uow() as u:
            member = admin.create_member(u, secretary, organisation_id=branch, name=name, status="full", roles=roles)
        ids[name] = member["id"]
        assert member["roles"] == sorted(roles)
    for i in range(3):
        with uow() as u:
            dossiers.import_dossier(u, secretary, branch, _activist(f"T{i + 1}", f"积极分子{i + 1}"), today=TODAY)
    with uow() as u:
        suggestion = pairing.suggest_pairs(u, secretary, branch)
    assert {p["member"] for p in suggestion["pairs"]} == {"张老师", "李老师"} and len(suggestion["pairs"]) == 3
    assert sorted(p["dossier_id"] for p in suggestion["pairs"]) == ["T1", "T2", "T3"]  # one teacher each
    with uow() as u, pytest.raises(InputError) as caught:
        pairing.assign_pairs(u, secretary, branch, [{"dossier_id": "T1", "member_id": ids["学生党员乙"]}],
                             start="2026-03-01", today=TODAY)
    assert caught.value.code == "PAIRING_NOT_TEACHER" and "学生党员乙 不是教工党员" in caught.value.message
    with uow() as u, pytest.raises(Forbidden):
        pairing.set_member_roles(u, auditor, ids["学生党员乙"], ["teacher"])
    with uow() as u:
        assert pairing.set_member_roles(u, secretary, ids["学生党员乙"], ["teacher"])["roles"] == ["teacher"]
    with uow() as u:
        saved = pairing.assign_pairs(u, secretary, branch, [{"dossier_id": "T1", "member_id": ids["学生党员乙"]}],
                                     start="2026-03-01", today=TODAY)
    assert saved[0]["member"] == "学生党员乙" and saved[0]["policy"] == "example-college"
    with uow() as u:
        assert admin.get_member(u, secretary, ids["李老师"])["roles"] == ["retired", "teacher"]


# ---------------------------------------------------------------- assessments cite the pairing work

def test_the_half_year_assessment_cites_the_pairing_work_of_both_contacts_after_a_replacement(uow, world):
    branch, secretary = world["branch"], world["secretary"]
    members = {}
    for name in ("党员甲", "党员乙", "党员丙"):
        with uow() as u:
            members[name] = admin.create_member(u, secretary, organisation_id=branch, name=name, status="full")["id"]
    with uow() as u:
        dossiers.import_dossier(u, secretary, branch, _activist("A1", "积极分子一"), today=TODAY)
    with uow() as u:
        first, other = pairing.assign_pairs(u, secretary, branch, [{"dossier_id": "A1", "member_id": members["党员甲"]},
                                                                   {"dossier_id": "A1", "member_id": members["党员乙"]}],
                                            start="2026-01-10", today=TODAY)
    with uow() as u:
        pairing.record_activity(u, secretary, first["id"], kind="谈心谈话", on="2026-02-01", today=TODAY)
    with uow() as u:
        changed = pairing.replace_pair(u, secretary, first["id"], members["党员丙"], on="2026-04-01", reason="毕业离校",
                                       today=TODAY)
    for pid, kind, day in ((changed["opened"]["id"], "帮扶", "2026-05-01"), (other["id"], "谈心谈话", "2026-06-20"),
                           (other["id"], "帮扶", "2026-07-15")):
        with uow() as u:
            pairing.record_activity(u, secretary, pid, kind=kind, on=day, today=TODAY)
    with uow() as u, pytest.raises(InputError) as caught:
        store.record_assessment(u, secretary, "A1", on="2026-07-10", period="half-year", today=TODAY)
    assert caught.value.code == "VALUE_INVALID" and caught.value.field == "period"
    with uow() as u, pytest.raises(Forbidden):
        store.record_assessment(u, world["auditor"], "A1", on="2026-07-10", period="activist", today=TODAY)
    with uow() as u:
        cited = store.record_assessment(u, secretary, "A1", on="2026-07-10", period="activist", result="合格",
                                        today=TODAY)
    work = cited["pairing"]
    assert (work["from"], work["to"]) == ("2026-01-10", "2026-07-10")  # from s03
    assert work["contacts"] == ["党员甲", "党员乙", "党员丙"]  # the replaced contact too, for his months
    assert (work["talks"], work["help"]) == (2, 1)
    assert [(a["date"], a["member"]) for a in work["activities"]] == [
        ("2026-02-01", "党员甲"), ("2026-05-01", "党员丙"), ("2026-06-20", "党员乙")]
    with uow() as u:
        stored = dossiers.load_dossier(u, secretary, "A1").assessments[-1]
    assert stored.result == "合格" and stored.pairing == work and stored.by == "李书记"
    with uow() as u:  # the next one looks back from the day after the previous assessment
        second = store.record_assessment(u, secretary, "A1", on="2026-08-31", period="activist", today=TODAY)
    assert (second["pairing"]["from"], second["pairing"]["talks"], second["pairing"]["help"]) == ("2026-07-11", 0, 1)
    assert second["pairing"]["contacts"] == ["党员乙", "党员丙"]
    with uow() as u:
        overview = pairing.pairing_overview(u, secretary, branch, today=TODAY)
    assert overview["people"] == [{"dossier_id": "A1", "name": "积极分子一", "state": "activist", "period": "activist",
                                   "contacts": ["党员乙", "党员丙"], "since": "2026-09-01", "talks": 0, "help": 0,
                                   "last_activity": None}]
    with uow() as u:
        history = pairing.pairing_history(u, secretary, "A1")
    assert [(p["member"], p["end"], p["end_reason"]) for p in history["pairings"]] == [
        ("党员甲", "2026-04-01", "毕业离校"), ("党员乙", None, None), ("党员丙", None, None)]


def test_the_probation_assessment_cites_the_pairing_work_since_admission(uow, world):
    branch, secretary = world["branch"], world["secretary"]
    data = copy.deepcopy(load_case("02_valid_2026_to_oath")["dossier"])  # s15 on 2026-08-12, s20 on 2026-09-25
    data["id"] = "P1"
    cut_after(data, "s17_admission_approved")
    data["assessments"] = [a for a in data["assessments"] if a["date"] <= "2026-09-10"]
    members = []
    for name in ("老党员", "新教师"):
        with uow() as u:
            members.append(admin.create_member(u, secretary, organisation_id=branch, name=name, status="full")["id"])
    with uow() as u:
        dossiers.import_dossier(u, secretary, branch, data, today=D("2026-11-01"))
    with uow() as u:  # the contacts of the activist years go on helping the new member (seed 002: 老带新)
        paired, _ = pairing.assign_pairs(u, secretary, branch, [{"dossier_id": "P1", "member_id": m} for m in members],
                                         start="2026-07-01", today=D("2026-11-01"))
    for day in ("2026-07-20", "2026-08-20", "2026-10-08"):
        with uow() as u:
            pairing.record_activity(u, secretary, paired["id"], kind="谈心谈话", on=day, today=D("2026-11-01"))
    with uow() as u, pytest.raises(InputError) as caught:
        store.record_assessment(u, secretary, "P1", on="2026-10-30", period="probation", score_id=1,
                                today=D("2026-11-01"))
    assert caught.value.field == "score_id"  # a period score is an activist's
    with uow() as u:
        cited = store.record_assessment(u, secretary, "P1", on="2026-10-30", period="probation", result="合格",
                                        today=D("2026-11-01"))
    assert (cited["pairing"]["from"], cited["pairing"]["talks"]) == ("2026-08-12", 2)  # from the admission meeting
    with uow() as u:
        dossier = dossiers.load_dossier(u, secretary, "P1")
    assert dossier.assessments[-1].period == "probation" and dossier.assessments[-1].pairing["contacts"] == ["老党员", "新教师"]


# ---------------------------------------------------------------- the notice of a published ranking

def test_a_published_ranking_prints_as_a_notice_naming_its_proposals(uow, world):
    branch, secretary, committee = world["branch"], world["secretary"], world["committee"]
    people = [f"S{i:02d}" for i in range(1, 6)]
    for person in people:
        with uow() as u:
            dossiers.create_dossier(u, secretary, branch, {"name": f"学生{person}", "birth_date": "2005-03-01"},
                                    dossier_id=person)
    entries = [{k: v for k, v in e.model_dump(mode="json", exclude_none=True).items() if k not in ("scored_by", "scored_on")}
               for e in entries_000(generated_class_000()) if e.person in people]
    today = D("2026-03-10")
    with uow() as u:
        store.add_entries(u, secretary, branch, "seed000", entries, today=today)
    with uow() as u:
        scores = store.compute_scores(u, secretary, branch, "seed000", "2025-2026-1", today=today)
    for score in scores:
        with uow() as u:
            store.review_score(u, committee, score["id"], today=today)
    by_person = {score["person"]: score for score in scores}
    with uow() as u, pytest.raises(InputError) as caught:  # someone else's score is not this person's evidence
        store.record_assessment(u, secretary, "S02", on="2026-03-10", period="activist",
                                score_id=by_person["S01"]["id"], today=today)
    assert caught.value.code == "SCORE_FOREIGN"
    with uow() as u, pytest.raises(InputError) as caught:  # the result is the cited score's grade
        store.record_assessment(u, secretary, "S01", on="2026-03-10", period="activist", result="不合格",
                                score_id=by_person["S01"]["id"], today=today)
    assert caught.value.code == "VALUE_INVALID" and caught.value.field == "result"
    with uow() as u:  # no s03 yet: no pairing time to cite, the score alone
        cited = store.cite_in_assessment(u, secretary, by_person["S01"]["id"], on=today)
    assert cited["pairing"] is None and cited["score"]["grade"] == by_person["S01"]["grade"]
    with uow() as u:
        ranking = store.publish_ranking(u, secretary, branch, "seed000", "2025-2026-1", group_size=10, today=today)
    assert ranking["quota"]["limit"] == 2
    chosen = ranking["selection"]["proposed"][:1]
    with uow() as u:
        store.propose(u, secretary, ranking["id"], chosen, today=D("2026-03-12"))
    with uow() as u:
        shown = store.get_ranking(u, world["auditor"], ranking["id"])
    assert shown["sha256"] == ranking["sha256"] and shown["organisation"] == "学生第一党支部"
    assert [p["person"] for p in shown["proposals"]] == chosen and shown["document"]["format"] == "ranking/1"
    with uow() as u:
        known = store.ranking_notice(u, world["auditor"], ranking["id"])
    from documents.notice import render_ranking_notice

    rendered = render_ranking_notice(known.pop("scheme"), known.pop("document"), **known)
    text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(rendered.pdf)).pages))
    assert rendered.sha256 == ranking["sha256"] and ranking["sha256"] in text
    assert f"学生{chosen[0]}（第1名，2026年3月12日推荐）" in text and "学生第一党支部" in text
    with uow() as u:  # someone edits the stored ranking behind the application's back
        row = u.session.get(CultivationRanking, ranking["id"])
        row.document = row.document.replace('"position": 1', '"position": 2', 1)
        u.session.add(row)
        u.commit()
    with uow() as u, pytest.raises(Conflict) as caught:
        store.ranking_notice(u, secretary, ranking["id"])
    assert caught.value.code == "RANKING_ALTERED"


def test_the_annual_return_counts_the_subtree_by_approval_date(uow, world):
    branch, secretary = world["branch"], world["secretary"]
    data = copy.deepcopy(load_case("02_valid_2026_to_oath")["dossier"])  # s17 on 2026-09-10
    data["person"].update(ethnicity="壮族", occupation="学生")
    with uow() as u:
        dossiers.import_dossier(u, secretary, branch, data, today=D("2026-11-01"))
    with uow() as u:
        before = store.annual_return_of(u, world["auditor"], branch, 2026, today=D("2026-09-09"))
    assert before["rows"]["developed"]["total"] == 0 and before["rows"]["candidates"]["total"] == 1
    with uow() as u:
        after = store.annual_return_of(u, world["auditor"], branch, 2026, today=D("2026-11-01"))
    developed = after["rows"]["developed"]
    assert (developed["total"], developed["minority"], developed["women"], developed["occupation:student"]) == (1, 1, 1, 1)
    assert after["columns"]["minority"] == "少数民族" and after["measures"]["developed"] == "发展党员（预备党员）"
