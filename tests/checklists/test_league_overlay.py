"""The 推优 policy set by a local overlay's [league] table: it may only tighten the common practice
(data/league/default.toml); a looser one is refused when the overlay loads, naming the overlay, the
field and both values. Also the other cultivation data read at load: member role tags and the
annual return's dimensions."""
from __future__ import annotations

import pytest

from checklists.errors import ChecklistError
from checklists.gaps import Gap
from checklists.league import load_policy, overlay_policy, policy_for_overlay
from checklists.loader import apply_overlay, default_catalogue, load_overlay_file

BASE = default_catalogue().get("2026.05")


def test_a_tightening_overlay_sets_the_policy_and_the_rest_stays_common_practice():
    policy = overlay_policy({"id": "strict", "league": {"quorum": "3/4", "majority": "2/3", "majority_rule": "at_least",
                                                        "max_share": 10, "valid_for": "12 months"}})
    assert (policy.id, policy.max_share, policy.valid_for) == ("strict", 10, Gap(months=12))
    assert policy.majority_of == load_policy("default").majority_of
    assert policy.has_quorum(40, 30) and not policy.has_quorum(40, 29)          # three quarters present
    assert policy.carried(30, 30, 20) and not policy.carried(30, 30, 19)        # two thirds of those expected
    assert overlay_policy({"id": "plain"}) == load_policy("default")            # no [league]: common practice


def test_the_example_overlay_tightens_share_and_validity():
    policy = policy_for_overlay("example-university")
    assert (policy.id, policy.max_share, policy.valid_for) == ("example-university", 15, Gap(months=12))
    assert policy_for_overlay(None) == load_policy("default")
    default_catalogue().register_overlay("example-university")  # loads: it only tightens


@pytest.mark.parametrize("league, field, national, local", [
    ({"max_share": 25}, "max_share", "20%", "25%"),
    ({"quorum": "1/2"}, "quorum", "到会不少于 2/3", "到会不少于 1/2"),
    ({"majority": "1/3"}, "majority", "赞成票超过应到会团员的 1/2", "赞成票超过应到会团员的 1/3"),
    ({"majority_rule": "at_least"}, "majority_rule", "赞成票超过应到会团员的 1/2", "赞成票不少于应到会团员的 1/2"),
    ({"majority_of": "present", "majority": "2/3"}, "majority_of", "按应到会团员计", "按到会团员计"),
    ({"valid_for": "25 months"}, "valid_for", "有效期24个月", "有效期25个月"),
    ({"valid_for": "730 days"}, "valid_for", "有效期24个月", "有效期730日"),  # not surely shorter than 24 months
])
def test_a_loosening_league_table_is_refused_at_load_naming_overlay_field_and_values(league, field, national, local):
    with pytest.raises(ChecklistError) as caught:
        apply_overlay(BASE, {"id": "lax", "league": league}, "lax.toml")
    error = caught.value
    assert (error.code, error.field, error.path, error.file) == ("OVERLAY_LOOSENS", field, f"league.{field}", "lax.toml")
    assert "地方细则 lax" in error.message and national in error.message and local in error.message


def test_a_loosening_overlay_file_is_refused_when_it_is_read(tmp_path):
    path = tmp_path / "lax.toml"
    path.write_text('id = "lax"\n[league]\nmax_share = 30\n', encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_overlay_file(path)
    assert caught.value.code == "OVERLAY_LOOSENS" and caught.value.file == str(path)
    path.write_text('id = "ok"\n[league]\nmax_share = 5\n', encoding="utf-8")
    assert load_overlay_file(path)["league"] == {"max_share": 5}


@pytest.mark.parametrize("league, field", [
    ({"quorum": "5/4"}, "quorum"),
    ({"max_share": 0}, "max_share"),
    ({"valid_for": "two years"}, "valid_for"),
    ({"quota": 3}, "quota"),
])
def test_an_impossible_or_unknown_league_entry_is_refused_naming_the_field(league, field):
    with pytest.raises(ChecklistError) as caught:
        apply_overlay(BASE, {"id": "odd", "league": league}, "odd.toml")
    assert (caught.value.code, caught.value.field) == ("LEAGUE_POLICY_INVALID", field)
    with pytest.raises(ChecklistError) as caught:
        apply_overlay(BASE, {"id": "odd", "league": "20%"}, "odd.toml")
    assert caught.value.code == "LEAGUE_POLICY_INVALID" and caught.value.path == "league"


def test_member_role_tags_are_data():
    from checklists.pairing import TEACHER_ROLE, member_roles

    roles = member_roles()
    assert roles[TEACHER_ROLE] == "教工党员" and roles["student"] == "学生党员"


def test_the_annual_return_dimensions_are_data_and_checked_at_load(tmp_path):
    from checklists.returns import RETURNS_FILE, load_returns

    data = load_returns()
    assert data.young_age == 35 and data.occupation_of("本科在读学生") == "student"
    assert data.occupation_of("中学教师") == "professional" and data.occupation_of("快递员") == data.otherwise
    assert data.occupation_of("学生") == "student" and data.occupation_of(" ") is None
    assert data.minority("壮族") is True and data.minority("汉族") is False and data.minority(None) is None
    text = RETURNS_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "returns.toml"
    bad.write_text(text.replace('words = ["离休", "退休"]', 'words = ["离休", "退休", "学生"]'), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_returns.__wrapped__(str(bad))
    assert caught.value.code == "RETURNS_INVALID" and "学生" in caught.value.message
    bad.write_text(text.replace('otherwise = "other"', 'otherwise = "misc"'), encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_returns.__wrapped__(str(bad))
    assert caught.value.code == "RETURNS_INVALID" and "misc" in caught.value.message


def test_a_role_list_without_the_teacher_tag_is_refused(tmp_path, monkeypatch):
    from checklists import pairing

    bad = tmp_path / "member_roles.toml"
    bad.write_text('[roles]\nstudent = "学生党员"\n', encoding="utf-8")
    monkeypatch.setattr(pairing, "ROLES_FILE", bad)
    with pytest.raises(ChecklistError) as caught:
        pairing.member_roles.__wrapped__()
    assert caught.value.code == "MEMBER_ROLES_INVALID" and caught.value.file == str(bad)
