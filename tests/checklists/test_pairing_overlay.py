"""The pairing scheme chosen by a local overlay's [pairing] table (issue 12 item 5), as the 推优 policy
is in [league]: the overlay picks the scheme (a member per activist, two members per class「2+1」,
a teacher per activist) and may lower the load limit of the common practice
(data/pairing/default.toml), never raise it; a higher one is refused when the overlay loads, naming
the overlay, the field and both values. Under the teacher scheme the suggestion pairs each activist
with a member tagged teacher."""
from __future__ import annotations

import pytest

from checklists.errors import ChecklistError
from checklists.loader import apply_overlay, default_catalogue, load_overlay_file
from checklists.pairing import load_policy, overlay_policy, policy_for_overlay
from workflow.cultivation.pairing import Activist, Member, check, suggest

BASE = default_catalogue().get("2026.05")


def test_without_a_pairing_table_the_common_practice_holds():
    assert overlay_policy({"id": "plain"}) == load_policy("default")
    assert policy_for_overlay(None) == load_policy("default")
    assert policy_for_overlay("example-university") == load_policy("default")  # its overlay says nothing of pairing


def test_the_example_overlay_chooses_one_teacher_per_activist():
    policy = policy_for_overlay("example-college")
    assert (policy.id, policy.scheme, policy.members_per_activist, policy.max_load) == \
        ("example-college", "teacher_per_activist", 1, 2)
    assert policy.words() == "每名积极分子由 1 名教工党员联系，每名党员至多联系 2 名积极分子"
    default_catalogue().register_overlay("example-college")  # loads under every rule set: it only tightens


@pytest.mark.parametrize("table, scheme, per_unit, load", [
    ({"scheme": "per_class"}, "per_class", 2, 3),                                       # 「2+1」 at the common load
    ({"scheme": "per_class", "members_per_class": 1, "max_load": 2}, "per_class", 1, 2),
    ({"scheme": "per_activist", "members_per_activist": 1, "max_load": 1}, "per_activist", 1, 1),
    ({"max_load": 3}, "per_activist", 2, 3),                                            # the same limit is not looser
])
def test_an_overlay_chooses_a_scheme_and_may_lower_the_load(table, scheme, per_unit, load):
    policy = overlay_policy({"id": "ours", "pairing": table})
    assert (policy.id, policy.scheme, policy.contacts_needed, policy.max_load) == ("ours", scheme, per_unit, load)
    apply_overlay(BASE, {"id": "ours", "pairing": table}, "ours.toml")


def test_a_higher_load_limit_is_refused_at_load_naming_overlay_field_and_values():
    with pytest.raises(ChecklistError) as caught:
        apply_overlay(BASE, {"id": "lax", "pairing": {"scheme": "teacher_per_activist", "max_load": 5}}, "lax.toml")
    error = caught.value
    assert (error.code, error.field, error.path, error.file) == ("OVERLAY_LOOSENS", "max_load", "pairing.max_load",
                                                                 "lax.toml")
    assert "地方细则 lax" in error.message and "每名党员至多联系 3 名积极分子" in error.message
    assert "每名党员至多联系 5 名积极分子" in error.message
    assert error.details == [{"field": "max_load", "national": 3, "local": 5}]


def test_a_loosening_overlay_file_is_refused_when_it_is_read(tmp_path):
    path = tmp_path / "lax.toml"
    path.write_text('id = "lax"\n[pairing]\nscheme = "per_class"\nmax_load = 4\n', encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_overlay_file(path)
    assert caught.value.code == "OVERLAY_LOOSENS" and caught.value.file == str(path)
    assert "4 个班级" in caught.value.message
    path.write_text('id = "ok"\n[pairing]\nscheme = "per_class"\nmax_load = 2\n', encoding="utf-8")
    assert load_overlay_file(path)["pairing"] == {"scheme": "per_class", "max_load": 2}


@pytest.mark.parametrize("table, field", [
    ({"scheme": "per_dormitory"}, "scheme"),
    ({"members_per_activist": 3}, "members_per_activist"),   # 第九条: one or two
    ({"max_load": 0}, "max_load"),
    ({"quota": 3}, "quota"),
    ({"id": "other"}, "id"),                                 # the overlay names the policy, not its table
])
def test_an_impossible_or_unknown_pairing_entry_is_refused_naming_the_field(table, field):
    with pytest.raises(ChecklistError) as caught:
        apply_overlay(BASE, {"id": "odd", "pairing": table}, "odd.toml")
    assert (caught.value.code, caught.value.field) == ("PAIRING_POLICY_INVALID", field)
    assert "odd" in caught.value.message
    with pytest.raises(ChecklistError) as caught:
        apply_overlay(BASE, {"id": "odd", "pairing": "teachers"}, "odd.toml")
    assert caught.value.code == "PAIRING_POLICY_INVALID" and caught.value.path == "pairing"


def test_under_the_overlays_teacher_scheme_each_activist_gets_a_teacher():
    policy = policy_for_overlay("example-college")
    branch = [Member("学生党员甲", roles=frozenset({"student"})), Member("王老师", roles=frozenset({"teacher"})),
              Member("退休的李老师", roles=frozenset({"retired", "teacher"})),
              Member("预备党员陈老师", "probationary", frozenset({"teacher"}))]
    activists = [Activist(f"积极分子{i}") for i in range(1, 6)]
    result = suggest(activists, branch, policy)
    paired = [(a.activist.name, a.member.name) for a in result.assignments]
    assert paired == [("积极分子1", "王老师"), ("积极分子2", "退休的李老师"), ("积极分子3", "王老师"),
                      ("积极分子4", "退休的李老师")]  # one teacher each, at most two per teacher
    assert [u.activist.name for u in result.unserved] == ["积极分子5"]
    assert "已达联系上限 2" in result.unserved[0].reason
    assert check(result.assignments, policy) == []
    assert [v.code for v in check(result.assignments, load_policy("default"))] == ["PAIRING_COUNT"] * 4
