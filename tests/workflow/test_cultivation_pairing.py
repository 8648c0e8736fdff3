"""Pairing (结对, issue 12 item 5): the policy as data, a load-balancing suggestion written out by
hand, the check of a set of pairings, a replacement that keeps the history, and the count of
pairing activity in an assessment window."""
from __future__ import annotations

import datetime as dt

import pytest

from checklists.errors import ChecklistError
from checklists.pairing import PAIRING_DIR, load_policy, parse_policy, read_policy_file
from workflow.cultivation.pairing import (Activist, Activity, Assignment, Member, Pairing, activity_summary, check,
                                          contacts_on, replace, suggest)
from workflow.errors import InputError

D = dt.date


def policy(**changes):
    return parse_policy({**load_policy("default").model_dump(), **changes}, "test.toml")


def pairs(assignments):
    return [(a.activist.name, a.member.name) for a in assignments]


# The probationary member sorts first by name, so only the status rule keeps him out.
BRANCH = [Member("党员A", "probationary"), Member("党员B"), Member("党员C"), Member("党员D")]
SEVEN = [Activist(f"积极分子{i}") for i in range(1, 8)]


def test_the_default_policy_reads_as_article_nine():
    default = load_policy("default")
    assert (default.scheme, default.members_per_activist, default.max_load) == ("per_activist", 2, 3)


def test_a_small_branch_is_balanced_by_hand():
    result = suggest(SEVEN, BRANCH, policy(members_per_activist=1, max_load=2), [])
    # Least loaded first, ties by name: B, C, D each take one, then one more each; the seventh finds
    # everyone at the limit of 2; 党员A (预备党员) is never chosen.
    assert pairs(result.assignments) == [("积极分子1", "党员B"), ("积极分子2", "党员C"), ("积极分子3", "党员D"),
                                         ("积极分子4", "党员B"), ("积极分子5", "党员C"), ("积极分子6", "党员D")]
    assert [u.activist.name for u in result.unserved] == ["积极分子7"]
    assert result.unserved[0].reason == "需要 1 名正式党员，可用的只有 0 名（党员B、党员C、党员D 已达联系上限 2）"
    assert check(result.assignments, policy(members_per_activist=1, max_load=2)) == []


def test_current_pairings_count_towards_load_and_a_short_activist_is_topped_up():
    rules = policy(members_per_activist=2, max_load=2)
    current = [Assignment(Activist("积极分子0"), BRANCH[1])]   # 党员B already looks after one
    result = suggest([Activist(f"积极分子{i}") for i in range(4)], BRANCH, rules, current)
    # 0 needs one more: C (load 0) before D by name. 1: D (0) then B (1) before C (1) by name.
    # 2: B is full, so C and D. 3: everyone is at 2.
    assert pairs(result.assignments) == [("积极分子0", "党员C"), ("积极分子1", "党员D"), ("积极分子1", "党员B"),
                                         ("积极分子2", "党员C"), ("积极分子2", "党员D")]
    assert [(u.activist.name, u.reason) for u in result.unserved] == [
        ("积极分子3", "需要 2 名正式党员，可用的只有 0 名（党员B、党员C、党员D 已达联系上限 2）")]
    assert check(current + result.assignments, rules) == []


def test_over_load_a_probationary_contact_and_a_wrong_count_are_reported():
    rules = policy(members_per_activist=1, max_load=2)
    b, a = BRANCH[1], BRANCH[0]
    found = check([Assignment(Activist("甲"), b), Assignment(Activist("乙"), b), Assignment(Activist("丙"), b),
                   Assignment(Activist("丁"), a), Assignment(Activist("丁"), BRANCH[2])], rules)
    assert [(v.code, v.who) for v in found] == [("PAIRING_NOT_FULL", "党员A"), ("PAIRING_OVERLOAD", "党员B"),
                                                ("PAIRING_COUNT", "丁")]
    assert found[1].message == "党员B 联系 3 名积极分子（丙、乙、甲），超过上限 2"
    assert "不是正式党员" in found[0].message and "应为 1 名" in found[2].message


def test_two_members_per_class_count_load_in_classes():
    activists = [Activist("甲", "计科2301"), Activist("乙", "计科2301"), Activist("丙", "计科2302"), Activist("丁")]
    members = BRANCH[1:]
    tight = suggest(activists, members, policy(scheme="per_class", members_per_class=2, max_load=1), [])
    assert pairs(tight.assignments) == [("甲", "党员B"), ("甲", "党员C"), ("乙", "党员B"), ("乙", "党员C")]
    assert [(u.activist.name, u.reason) for u in tight.unserved] == [
        ("丁", "按班级结对，但该积极分子未填写班级"),
        ("丙", "班级 计科2302：需要 2 名正式党员，可用的只有 1 名（党员B、党员C 已达联系上限 1）")]
    rules = policy(scheme="per_class", members_per_class=2, max_load=2)
    loose = suggest(activists, members, rules, [])
    assert pairs(loose.assignments)[4:] == [("丙", "党员B"), ("丙", "党员D")]   # D (0 classes), then B before C
    assert check(loose.assignments, rules) == []   # B looks after three activists but two classes
    assert [v.code for v in check(loose.assignments, policy(scheme="per_class", members_per_class=2, max_load=1))] \
        == ["PAIRING_OVERLOAD"]


def test_the_teacher_scheme_chooses_only_full_members_tagged_teacher():
    rules = policy(scheme="teacher_per_activist", members_per_activist=1, max_load=1)
    members = [Member("党员B"), Member("党员C", roles=frozenset({"teacher"})),
               Member("党员D", "probationary", frozenset({"teacher"})), Member("党员E", roles=frozenset({"teacher"}))]
    result = suggest([Activist("x"), Activist("y"), Activist("z")], members, rules)
    assert pairs(result.assignments) == [("x", "党员C"), ("y", "党员E")]
    assert result.unserved[0].activist.name == "z" and "教工党员" in result.unserved[0].reason
    found = check([Assignment(Activist("z"), members[0])], rules)
    assert [(v.code, v.who) for v in found] == [("PAIRING_NOT_TEACHER", "党员B")]


def test_replacing_a_contact_closes_the_old_pairing_and_keeps_it():
    history = (Pairing("甲", "党员B", D(2026, 3, 1)), Pairing("甲", "党员C", D(2026, 3, 1)))
    after = replace(history, "甲", "党员B", "党员D", D(2026, 9, 10), "毕业离校")
    assert after == (Pairing("甲", "党员B", D(2026, 3, 1), D(2026, 9, 10), "毕业离校"),
                     Pairing("甲", "党员C", D(2026, 3, 1)), Pairing("甲", "党员D", D(2026, 9, 10)))
    assert history[0].end is None   # the history given is not changed
    assert contacts_on(after, "甲", D(2026, 9, 9)) == ["党员B", "党员C"]
    assert contacts_on(after, "甲", D(2026, 9, 10)) == ["党员C", "党员D"]


@pytest.mark.parametrize("old, new, day, reason, code", [
    ("党员B", "党员D", D(2026, 9, 10), " ", "PAIRING_REASON_MISSING"),
    ("党员E", "党员D", D(2026, 9, 10), "调动", "PAIRING_NOT_FOUND"),
    ("党员B", "党员C", D(2026, 9, 10), "调动", "PAIRING_DUPLICATE"),
    ("党员B", "党员D", D(2026, 2, 28), "调动", "PAIRING_DATE_INVALID"),
    ("党员B", "党员B", D(2026, 9, 10), "调动", "PAIRING_SAME_MEMBER"),
])
def test_an_impossible_replacement_is_refused(old, new, day, reason, code):
    history = (Pairing("甲", "党员B", D(2026, 3, 1)), Pairing("甲", "党员C", D(2026, 3, 1)))
    with pytest.raises(InputError) as caught:
        replace(history, "甲", old, new, day, reason)
    assert caught.value.code == code


def test_a_closed_pairing_cannot_be_replaced_again():
    history = replace((Pairing("甲", "党员B", D(2026, 3, 1)),), "甲", "党员B", "党员D", D(2026, 9, 10), "调动")
    with pytest.raises(InputError) as caught:
        replace(history, "甲", "党员B", "党员E", D(2026, 10, 1), "调动")
    assert caught.value.code == "PAIRING_NOT_FOUND"


def test_activity_is_counted_inside_the_window_only():
    activities = [Activity("甲", "党员B", "谈心谈话", D(2026, 2, 28)), Activity("甲", "党员B", "谈心谈话", D(2026, 3, 1)),
                  Activity("甲", "党员C", "帮扶", D(2026, 8, 31)), Activity("甲", "党员B", "谈心谈话", D(2026, 9, 1)),
                  Activity("乙", "党员C", "帮扶", D(2026, 9, 1))]
    summary = activity_summary(activities, D(2026, 3, 1), D(2026, 8, 31))
    assert list(summary) == ["甲"]
    assert (summary["甲"].talks, summary["甲"].help, summary["甲"].dates) == (1, 1, (D(2026, 3, 1), D(2026, 8, 31)))
    with pytest.raises(InputError) as caught:
        activity_summary([Activity("甲", "党员B", "聚餐", D(2026, 4, 1))], D(2026, 3, 1), D(2026, 8, 31))
    assert caught.value.code == "PAIRING_ACTIVITY_KIND"
    with pytest.raises(InputError):
        activity_summary(activities, D(2026, 8, 31), D(2026, 3, 1))


@pytest.mark.parametrize("line, replacement, field, shown", [
    ("max_load = 3", "max_load = 0", "max_load", "现为 0"),
    ("members_per_activist = 2", "members_per_activist = 3", "members_per_activist", "现为 3"),
    ("members_per_class = 2", "members_per_class = 0", "members_per_class", "现为 0"),
    ('scheme = "per_activist"', 'scheme = "per_dorm"', "scheme", "现为 'per_dorm'"),
    ("max_load = 3", "", "max_load", "现为 未填"),
])
def test_an_impossible_policy_is_refused_at_load(tmp_path, line, replacement, field, shown):
    text = (PAIRING_DIR / "default.toml").read_text(encoding="utf-8")
    assert line in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(line, replacement), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        read_policy_file(path)
    error = caught.value
    assert (error.code, error.field, error.path, error.file) == ("PAIRING_POLICY_INVALID", field, field, str(path))
    assert shown in error.message and error.message.startswith(f"结对规则 default 的 {field}：")


def test_three_contacts_are_refused_citing_article_nine():
    with pytest.raises(ChecklistError) as caught:
        policy(members_per_activist=3)
    assert "第九条" in caught.value.message


def test_an_unknown_policy_name_is_refused():
    with pytest.raises(ChecklistError) as caught:
        load_policy("nowhere")
    assert caught.value.code == "PAIRING_POLICY_UNKNOWN"
