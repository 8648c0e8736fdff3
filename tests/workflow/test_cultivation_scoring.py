"""Scoring a class under both seed schemes, ranking it and proposing within the quota.

The expected totals and order are computed here by hand from the papers' weights and the scheme
files' points (written out as literal figures below), never by calling the code under test.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import pytest
from cultivation_support import entries_000, entries_004, entry, generated_class_000, generated_class_004, vote

from checklists.schemes import load_scheme, parse_scheme
from workflow.cultivation.entries import parse_entries
from workflow.cultivation.periods import period_named, period_of, publication_period
from workflow.cultivation.scoring import (
    ProposalRefused,
    ScoreValueError,
    check_proposal,
    display,
    quota_for,
    rank,
    score_group,
    score_person,
    select_top,
)
from workflow.errors import InputError

S000 = load_scheme("seed000")
S004 = load_scheme("seed004")
SEMESTER = period_named(S000, "2025-2026-1")
YEAR = period_named(S004, "2025-2026")


# ---------------------------------------------------------------- seed 000: 学业 20 / 成长手册 60 / 民主评议 20

def rank_points_000(rank, of):
    """学业成绩排名: top 10 % → 100, 30 % → 90, 55 % → 80, 80 % → 70, the rest 60."""
    percent = F(rank * 100, of)
    for up_to, points in ((10, 100), (30, 90), (55, 80), (80, 70), (100, 60)):
        if percent <= up_to:
            return F(points)


def by_hand_000(p):
    """The total and the tie-break key (handbook, academic, class) of one generated student."""
    academic = F(7, 10) * rank_points_000(p["rank"], 40) + F(3, 10) * {"六级": 100, "四级": 80, "未通过": 0}[p["cet"]]
    academic = min(academic + min(5 * p["research"], 10), 100)
    handbook = (F(3, 10) * min(20 * p["notes"], 100) + F(2, 10) * min(50 * p["reports"], 100)
                + F(3, 10) * min(5 * sum(F(str(h)) for h in p["hours"]), 100) + F(2, 10) * min(25 * p["peer"], 100))
    expected, present, good, fair, weak, bad = p["vote"]
    if 3 * present < 2 * expected:
        return None  # no quorum (2/3 present): incomplete
    klass = F(100 * (good + fair), present)
    total = F(2, 10) * academic + F(6, 10) * handbook + F(2, 10) * klass
    vetoed = p["failed"] >= 1 or klass < 50
    return total, (handbook, academic, klass), vetoed


def expected_order(people, by_hand, grade):
    ranked, vetoed, incomplete = [], [], []
    for p in people:
        result = by_hand(p)
        if result is None:
            incomplete.append(p["id"])
        elif result[2]:
            vetoed.append((-result[0], p["id"]))
        else:
            ranked.append(((-result[0], *(-x for x in result[1])), p["id"], grade(result[0])))
    ranked.sort()
    return ranked, [pid for _, pid in sorted(vetoed)], sorted(incomplete)


def grade_000(total):
    return "优秀" if total >= 90 else "良好" if total >= 80 else "合格" if total >= 60 else "不合格"


def test_seed000_scores_a_class_of_40_and_reproduces_the_hand_computed_ranking():
    people = generated_class_000()
    rows = rank(S000, score_group(S000, entries_000(people), SEMESTER))
    assert len(rows) == 40
    ranked, vetoed, incomplete = expected_order(people, by_hand_000, grade_000)
    assert [r.person for r in rows if r.status == "ranked"] == [pid for _, pid, _ in ranked]
    assert [r.person for r in rows if r.status == "vetoed"] == vetoed == ["S05", "S07"]
    assert [r.person for r in rows if r.status == "incomplete"] == incomplete == ["S06"]
    for row, (key, pid, grade) in zip(rows, ranked):
        assert row.score.total == -key[0] and row.score.grade == grade
    by_id = {r.person: r for r in rows}
    # equal in everything: the same position, listed by id
    assert by_id["S01"].score.total == by_id["S02"].score.total
    assert by_id["S01"].position == by_id["S02"].position
    assert "academic" in by_id["S02"].score.capped_dimensions and by_id["S02"].score.dimensions["academic"] == 100
    # equal totals of 84: the handbook decides
    assert by_id["S03"].score.total == by_id["S04"].score.total == 84
    assert by_id["S03"].position < by_id["S04"].position
    assert by_id["S05"].score.grade == "不合格" and by_id["S05"].score.vetoes[0].id == "failed_course"
    assert by_id["S07"].score.vetoes[0].id == "class_rejects"
    assert [p.code for p in by_id["S06"].score.problems] == ["VOTE_NO_QUORUM"]


def test_a_worked_example_by_hand():
    """S01 above: academic 0.7·100 + 0.3·100 = 100; handbook 0.3·min(120,100) + 0.2·100 + 0.3·min(5·24,100)
    + 0.2·min(125,100) = 100; class 100·40/40 = 100: total 100. S03: academic 100; handbook 0.3·100 + 0.2·100
    + 0.3·50 + 0.2·75 = 80; class 100·32/40 = 80; total 20 + 48 + 16 = 84."""
    people = generated_class_000()
    scores = {s.person: s for s in score_group(S000, entries_000(people), SEMESTER)}
    assert scores["S01"].total == 100 and scores["S01"].grade == "优秀"
    assert scores["S03"].dimensions == {"academic": 100, "handbook": 80, "class_review": 80}
    assert scores["S03"].total == 84 and scores["S03"].grade == "良好"
    hours = scores["S01"].indicators["volunteer_hours"]
    assert hours.input == 24 and hours.points == 100 and hours.capped  # 24 h × 5 capped at 100


# ---------------------------------------------------------------- seed 004: five dimensions on 5 points

def att_points(percent):
    return 5 if percent >= 100 else 4 if percent >= 90 else 3 if percent >= 80 else 0


def exam_points(mark):
    return 5 if mark >= 90 else 4 if mark >= 80 else 3 if mark >= 70 else 2 if mark >= 60 else 0


def rank_points_004(rank, of):
    percent = F(rank * 100, of)
    return 5 if percent <= 10 else 4 if percent <= 30 else 3 if percent <= 60 else 2


def class_att_points(percent):
    return 5 if percent >= 98 else 4 if percent >= 95 else 3 if percent >= 90 else 0


def by_hand_004(p):
    political = (F(20, 100) * att_points(p["att"]) + F(30, 100) * exam_points(p["exam"])
                 + F(20, 100) * min(F(5, 4) * p["reports"], 5) + F(15, 100) * min(F(5, 2) * p["notes"], 5)
                 + F(15, 100) * min(F(5, 2) * p["talks"], 5))
    study = (F(60, 100) * rank_points_004(p["rank"], 40) + F(20, 100) * min(F(5, 2) * p["contests"], 5)
             + F(20, 100) * min(F(5, 2) * p["certs"], 5))
    volunteer = (F(30, 100) * min(F(1, 2) * sum(F(str(h)) for h in p["campus"]), 5) + F(30, 100) * min(F(1, 2) * sum(F(str(h)) for h in p["community"]), 5)
                 + F(20, 100) * F(str(p["serving"])) + F(20, 100) * {"优秀": 5, "合格": 3, "未参加": 0}[p["summer"]])
    expected, present, a, b, c, d = p["students"]
    if 2 * present <= expected:
        return None  # more than half must be present
    students = F(5 * a + 4 * b + 2 * c, a + b + c + d)
    review = (F(25, 100) * F(str(p["contact"])) + F(25, 100) * F(str(p["counsellor"]))
              + F(20, 100) * F(str(p["teacher"])) + F(30, 100) * students)
    conduct = F(30, 100) * F(str(p["dorm"])) + F(40, 100) * class_att_points(p["class_att"]) + F(30, 100) * F(str(p["manners"]))
    total = (political * 25 + study * 20 + volunteer * 20 + review * 20 + conduct * 15) / 5
    vetoed = p["failed"] >= 1 or p["exam"] < 60 or p["sanctions"] >= 1
    return total, (political, study, review, volunteer, conduct), vetoed


def grade_004(total):
    return "优秀" if total >= 85 else "良好" if total >= 75 else "合格" if total >= 60 else "不合格"


def test_seed004_scores_a_class_of_40_and_reproduces_the_hand_computed_ranking():
    people = generated_class_004()
    rows = rank(S004, score_group(S004, entries_004(people), YEAR))
    ranked, vetoed, incomplete = expected_order(people, by_hand_004, grade_004)
    assert [r.person for r in rows if r.status == "ranked"] == [pid for _, pid, _ in ranked]
    assert sorted(vetoed) == ["G01", "G02"] and incomplete == ["G03"]
    assert [r.person for r in rows if r.status == "vetoed"] == vetoed
    assert [r.person for r in rows if r.status == "incomplete"] == incomplete
    for row, (key, pid, grade) in zip(rows, ranked):
        assert row.score.total == -key[0] and row.score.grade == grade
    g04 = next(r for r in rows if r.person == "G04").score
    assert g04.indicators["campus_hours"].capped and g04.indicators["campus_hours"].points == 5
    assert g04.indicators["community_hours"].points == 5  # 12 h × 0.5 = 6, capped at 5
    assert {v.id for r in rows for v in r.score.vetoes} == {"exam_failed", "sanctioned"}
    # only 优秀 may be proposed under seed 004: the quota of 8 is not filled by lower grades
    selection = select_top(rows, quota_for(S004, 40))
    assert [r.person for r in selection.proposed] == [pid for _, pid, grade in ranked if grade == "优秀"]
    assert 1 < len(selection.proposed) < 8


# ---------------------------------------------------------------- quota and proposal

def _class_000():
    people = generated_class_000()
    return rank(S000, score_group(S000, entries_000(people), SEMESTER)), people


def test_the_top_candidates_within_a_fifth_of_the_class():
    rows, people = _class_000()
    quota = quota_for(S000, 40)
    assert (quota.limit, quota.share_limit) == (8, 8)  # 20 % of 40
    chosen = select_top(rows, quota)
    ranked, _, _ = expected_order(people, by_hand_000, grade_000)
    eligible = [pid for _, pid, grade in ranked if grade in ("优秀", "良好")]
    assert [r.person for r in chosen.proposed] == eligible[:8]
    assert check_proposal(S000, rows, quota, eligible[:8])


def test_a_proposal_beyond_the_quota_is_refused_with_the_reason():
    rows, _ = _class_000()
    quota = quota_for(S000, 40, plan_limit=3)
    assert quota.limit == 3
    top = [r.person for r in rows if r.eligible][:4]
    with pytest.raises(ProposalRefused) as caught:
        check_proposal(S000, rows, quota, top)
    assert caught.value.code == "QUOTA_EXCEEDED"
    assert "推荐 4 人，超过名额 3 人（40 人的 20% 为 8 人，年度计划名额 3 人）" in caught.value.message


def test_a_vetoed_or_low_graded_or_skipping_proposal_is_refused_with_every_reason():
    rows, _ = _class_000()
    quota = quota_for(S000, 40)
    eligible = [r.person for r in rows if r.eligible]
    low = next(r.person for r in rows if r.status == "ranked" and not r.eligible)
    with pytest.raises(ProposalRefused) as caught:
        check_proposal(S000, rows, quota, ["S05", low, eligible[2]])
    codes = [d["code"] for d in caught.value.details]
    assert codes == ["NOT_ELIGIBLE", "NOT_ELIGIBLE", "RANK_SKIPPED"]
    assert "被一票否决：培养期内有课程不及格" in caught.value.message
    assert "只有优秀、良好可以推荐" in caught.value.message
    assert f"（第 {rows[0].position} 名）" in caught.value.message


def test_equals_at_the_quota_boundary_are_left_to_the_branch():
    rows, _ = _class_000()
    tied = next(r.position for r in rows if r.person == "S01")
    assert [r.person for r in rows if r.position == tied] == ["S01", "S02"]
    quota = quota_for(S000, 40, plan_limit=tied)  # one place left for two equals
    selection = select_top(rows, quota)
    assert len(selection.proposed) == tied - 1
    assert [r.person for r in selection.tied_at_boundary] == ["S01", "S02"]
    above = [r.person for r in selection.proposed]
    assert check_proposal(S000, rows, quota, [*above, "S02"])  # the branch chose one of the equals


# ---------------------------------------------------------------- entries, periods, values

def test_periods_by_semester_and_year():
    assert period_of(S000, dt.date(2026, 2, 28)).label == "2025-2026-1"
    assert period_of(S000, dt.date(2026, 3, 1)).label == "2025-2026-2"
    assert period_of(S000, dt.date(2025, 8, 31)).label == "2024-2025-2"
    assert period_named(S000, "2025-2026-2").end == dt.date(2026, 8, 31)
    assert publication_period(S000, SEMESTER).label == "2025-2026"  # 一学年一公开
    assert (YEAR.start, YEAR.end) == (dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    with pytest.raises(InputError) as caught:
        period_named(S000, "2025-2026")
    assert caught.value.code == "PERIOD_INVALID"


def test_entries_need_evidence_and_refuse_impossible_votes():
    good = {"person": "S01", "indicator": "volunteer_hours", "date": "2025-10-01", "value": 3,
            "evidence": {"material": "志愿服务证明.pdf"}, "scored_by": "党小组长", "scored_on": "2025-10-02"}
    assert parse_entries([good])[0].value == 3
    with pytest.raises(InputError) as caught:
        parse_entries([good, {**good, "evidence": {"note": "  "}}])
    assert caught.value.code == "EVIDENCE_MISSING" and caught.value.path == "$[1].evidence"
    with pytest.raises(InputError) as caught:
        parse_entries([{**good, "indicator": "class_vote", "value": vote(40, 41, 优秀=30)}])
    assert caught.value.code == "VOTES_INCONSISTENT"
    with pytest.raises(InputError) as caught:
        parse_entries([{**good, "scored_on": "2025-09-30"}])
    assert caught.value.code == "DATE_INVALID"
    with pytest.raises(InputError) as caught:
        parse_entries([good, {**good, "value": True}])
    assert (caught.value.code, caught.value.path) == ("VALUE_INVALID", "$[1].value")
    with pytest.raises(InputError) as caught:
        parse_entries([{**good, "value": {"rank": 0, "of": 40}}])
    assert "名次和总人数应为正整数" in caught.value.message


def test_values_the_indicator_cannot_score_are_refused():
    with pytest.raises(ScoreValueError) as caught:
        score_person(S000, "S01", [entry("S01", "cet", "八级")], SEMESTER)
    assert "可选：六级、四级、未通过" in caught.value.message
    with pytest.raises(ScoreValueError):
        score_person(S004, "G01", [entry("G01", "dorm", 6)], YEAR)
    with pytest.raises(ScoreValueError) as caught:
        score_person(S000, "S01", [entry("S01", "unknown_thing", 1)], SEMESTER)
    assert caught.value.code == "INDICATOR_UNKNOWN"


def test_missing_and_duplicate_entries_leave_the_person_incomplete():
    result = score_person(S000, "S09", [entry("S09", "cet", "四级"), entry("S09", "cet", "六级", "2025-12-01")], SEMESTER)
    codes = {(p.code, p.indicator) for p in result.problems}
    assert ("SCORE_DUPLICATE", "cet") in codes and ("SCORE_MISSING", "course_rank") in codes
    assert result.total is None and result.grade is None


def test_a_bonus_nobody_claimed_gives_nothing_and_does_not_leave_the_score_incomplete():
    data = S000.model_dump(mode="json", exclude={"file"})
    data["dimensions"][0]["indicators"][2]["transform"] = {"kind": "direct"}  # 科研 bonus entered as points
    scheme = parse_scheme(data, "direct-bonus.toml")
    people = generated_class_000()
    entries = [e for e in entries_000(people) if e.person == "S03"]
    plain = score_person(scheme, "S03", entries, SEMESTER)
    assert plain.complete and plain.dimensions["academic"] == 100 and plain.total == 84
    with_bonus = score_person(scheme, "S04", [e for e in entries_000(people) if e.person == "S04"]
                              + [entry("S04", "research", 4, "2025-11-01")], SEMESTER)
    assert "academic" in with_bonus.capped_dimensions  # 100 + 4 capped at the dimension's 100


def test_display_rounds_half_up_only_for_people():
    assert display(F(8405, 100), 1) == "84.1" and display(F(1, 3), 2) == "0.33"
