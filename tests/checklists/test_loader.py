"""The procedure as data: both rule sets load and agree with the spec; overlays only tighten."""
from __future__ import annotations

import datetime as dt

import pytest

from checklists.errors import ChecklistError
from checklists.gaps import Gap
from checklists.loader import apply_overlay, default_catalogue, load_overlay_file

SPEC_CODES = {"DATE_ORDER", "DATE_IN_FUTURE", "STEP_MISSING", "AGE_UNDER_18", "TALK_LATE", "NOMINATION_MISSING",
              "CONTACTS_INVALID", "CULTIVATION_SHORT", "ASSESSMENT_GAP", "PUBLICITY_SHORT", "INTRODUCERS_INVALID",
              "POLITICAL_REVIEW_MISSING", "TRAINING_INSUFFICIENT", "MEETING_LATE", "QUORUM_NOT_MET", "VOTE_NOT_PASSED",
              "COMMITTEE_TALK_MISSING", "APPROVAL_LATE", "OATH_LATE", "CONVERSION_EARLY", "CONVERSION_DELAYED",
              "EXTENSION_INVALID", "CONVERSION_APPROVAL_LATE", "PARTY_STANDING_WRONG", "MATERIAL_MISSING",
              "SIGNATURE_MISSING", "REVIEW_MISSING", "SELF_REVIEW", "RUSHED_ADMISSION", "ARCHIVE_LATE"}


def test_both_rule_sets_have_25_steps_and_every_spec_code():
    catalogue = default_catalogue()
    rs2014, rs2026 = catalogue.get("2014"), catalogue.get("2026.05")
    assert [s.number for s in rs2014.steps] == list(range(1, 26))
    assert rs2014.steps[0].id == "s01_application" and rs2014.steps[-1].id == "s25_archived"
    codes_2026 = {r.code for r in rs2026.rules}
    assert SPEC_CODES - {"THOUGHT_REPORT_GAP"} <= codes_2026
    assert {"PUBLICITY_SHORT", "MEETING_LATE", "OATH_LATE"}.isdisjoint({r.code for r in rs2014.rules})
    assert rs2014.in_force_until == dt.date(2026, 5, 10) and rs2026.in_force_from == dt.date(2026, 5, 11)
    assert all(r.article is not None for r in rs2026.rules)
    assert rs2026.material_by_id["candidate_publicity"].required == "yes"
    assert rs2014.material_by_id["candidate_publicity"].required == "overlay"


def test_personal_file_order_and_forms():
    rs = default_catalogue().get("2014")
    assert [s.id for s in rs.file_sections][:6] == ["P", "P1", "P2", "P3", "P4", "P5"]
    assert rs.material_by_id["application_form"].file == "P1"
    assert {f.stage for f in rs.forms} == {0, 1, 2, 3, 4, 5}


def _filed_in_order(rs) -> list[str]:
    """The personal file's materials in the order the rule set's sections put them (卷内目录 aside)."""
    order = [s.id for s in rs.file_sections]
    return [m.id for m in sorted((m for m in rs.materials if m.file.startswith("P") and m.file != "P"),
                                 key=lambda m: order.index(m.file))]


def test_the_2026_personal_file_follows_article_36():
    """第三十六条 of the 2026 细则: 志愿书、申请书、积极分子培养考察登记表、政治审查材料、预备党员教育考察登记表、
    转正申请书. 2014 kept every cultivation record in one section after the 转正申请书."""
    rs2014, rs2026 = default_catalogue().get("2014"), default_catalogue().get("2026.05")
    key = ["application_form", "application_letter", "activist_assessment_form", "political_review_report",
           "probation_assessment_form", "conversion_application"]
    in_2026 = [m for m in _filed_in_order(rs2026) if m in key]
    assert in_2026 == key
    in_2014 = [m for m in _filed_in_order(rs2014) if m in key]
    assert in_2014.index("conversion_application") < in_2014.index("activist_assessment_form")
    assert [s.mark for s in rs2026.file_sections][:7] == ["卷首", "①", "②", "③", "④", "⑤", "⑥"]


def test_a_material_filed_in_an_unknown_section_is_refused(tmp_path, monkeypatch):
    import checklists.loader as loader
    data, file = loader._national_raw("2014")
    data = {**data, "materials": [{**data["materials"][0], "file": "P9"}, *data["materials"][1:]]}
    with pytest.raises(ChecklistError) as caught:
        loader._build_ruleset(data, file)
    assert "materials[0].file" in caught.value.message and "P9" in caught.value.message


def test_the_example_overlay_tightens():
    catalogue = default_catalogue()
    key = catalogue.register_overlay("example-university")
    rs = catalogue.get("2014", key)
    assert rs.rule_by_code["TALK_LATE"].params.within == Gap(days=15)
    assert rs.rule_by_code["CONVERSION_DELAYED"].severity == "violation"
    assert rs.rule_by_code["TRAINING_INSUFFICIENT"].params.min_hours == 40
    publicity = [r for r in rs.rules if r.code == "PUBLICITY_SHORT"]
    assert {r.params.step for r in publicity} == {"s07_candidate_determined", "s23_conversion_meeting"}
    assert all(r.params.working_days == 7 for r in publicity)
    assert rs.material_by_id["thought_report"].required == "yes"


BASE = default_catalogue().get("2026.05")


@pytest.mark.parametrize("overlay, field, national, local", [
    ({"rules": [{"code": "TALK_LATE", "within": "2 months"}]}, "within", "1 month", "2 months"),
    ({"rules": [{"code": "TALK_LATE", "within": "31 days"}]}, "within", "1 month", "31 days"),
    ({"rules": [{"code": "PUBLICITY_SHORT", "working_days": 3}]}, "working_days", "5", "3"),
    ({"rules": [{"code": "TRAINING_INSUFFICIENT", "min_hours": 16}]}, "min_hours", "24", "16"),
    ({"rules": [{"code": "CULTIVATION_SHORT", "at_least": "6 months"}]}, "at_least", "12 months", "6 months"),
    ({"rules": [{"code": "CONTACTS_INVALID", "max": 3}]}, "max", "2", "3"),
    ({"rules": [{"code": "EXTENSION_INVALID", "max_times": 2}]}, "max_times", "1", "2"),
    ({"rules": [{"code": "OATH_LATE", "severity": "info"}]}, "severity", "warning", "info"),
    ({"material_changes": [{"id": "autobiography", "required": "when_used"}]}, "required", "yes", "when_used"),
])
def test_a_loosening_overlay_is_refused_naming_rule_and_both_values(overlay, field, national, local):
    with pytest.raises(ChecklistError) as caught:
        apply_overlay(BASE, {"id": "lax", **overlay}, "lax.toml")
    error = caught.value
    assert error.code == "OVERLAY_LOOSENS" and error.field == field and error.file == "lax.toml"
    assert national in error.message and local in error.message


def test_an_overlay_cannot_change_what_a_rule_is_about():
    with pytest.raises(ChecklistError) as caught:
        apply_overlay(BASE, {"id": "x", "rules": [{"code": "TALK_LATE", "from": "s03_activist_determined"}]}, "x")
    assert caught.value.code == "OVERLAY_LOOSENS"


def test_a_tightening_overlay_file_loads(tmp_path):
    path = tmp_path / "strict.toml"
    path.write_text('id = "strict"\n[[rules]]\ncode = "TALK_LATE"\nwithin = "20 days"\n'
                    '[[rules]]\ncode = "OATH_LATE"\nseverity = "violation"\n', encoding="utf-8")
    assert load_overlay_file(path)["id"] == "strict"


def test_broken_overlay_files_are_clear(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("id = \n", encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_overlay_file(path)
    assert caught.value.code == "CHECKLIST_SYNTAX" and caught.value.file == str(path)
    path.write_text('id = "x"\n[[rules]]\ncode = "NEW_RULE"\nkind = "max_gap"\nseverity = "violation"\n'
                    'article = "a"\nname = "n"\nmessage = "m"\nstep = "s02_applicant_talk"\n', encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_overlay_file(path)
    assert "rules[0]" in caught.value.path


def test_review_option_and_unknown_overlay_keys():
    catalogue = default_catalogue()
    key = catalogue.register_overlay({"id": "peer-review", "review": {"same_branch": True}})
    assert catalogue.get("2014", key).review_same_branch is True
    assert catalogue.get("2014").review_same_branch is False
    for bad, path in (({"id": "x", "reveiw": {}}, "reveiw"), ({"id": "x", "review": {"same_branch": "yes"}},
                                                              "review.same_branch")):
        with pytest.raises(ChecklistError) as caught:
            apply_overlay(BASE, bad, "x.toml")
        assert caught.value.path == path
