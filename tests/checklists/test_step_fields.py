"""The step-field schema (checklists/data/step_fields.toml) is consistent with the rule sets and refuses bad data."""
from __future__ import annotations

import pytest

from checklists.errors import ChecklistError
from checklists.loader import Catalogue, default_catalogue, overlay_names
from checklists.step_fields import load_step_schema, step_schema


def test_every_step_of_every_rule_set_is_declared_and_no_other():
    schema = step_schema()
    for rs in default_catalogue().national.values():
        assert {s.id for s in rs.steps} == set(schema.steps), rs.id


def test_choices_of_a_step_come_from_its_own_table():
    schema = step_schema()
    assert schema.field_table("s15_admission_meeting", "outcome").values == ("passed", "rejected")
    assert schema.field_table("s23_conversion_meeting", "outcome").values == ("convert", "extend", "cancel")
    assert schema.choice_values("outcome") == {"s15_admission_meeting": ("passed", "rejected"),
                                               "s23_conversion_meeting": ("convert", "extend", "cancel")}
    assert schema.label("s02_applicant_talk", "date") == "谈话日期"
    assert schema.label("s15_admission_meeting", "outcome") == "表决结果"
    assert schema.label(None, "outcome") == "会议结果"


def test_words_people_type_map_back_to_values():
    table = step_schema().table("conversion_outcome")
    assert table.by_word()["按期转正"] == "convert"
    assert table.by_word()["按期转为正式党员"] == "convert"
    assert step_schema().table("admission_outcome").long_label("rejected") == "未通过（不予接收）"


def test_samples_only_name_the_steps_own_fields():
    for step in step_schema().steps.values():
        assert set(step.sample) <= set(step.keys), step.step


def test_earlier_headers_are_declared_with_the_field_of_their_step():
    schema = step_schema()
    assert schema.for_step("s17_admission_approved").get("special_reason").aliases == ("超过三个月的特殊原因",)
    assert schema.for_step("s05_contacts_assigned").get("people").aliases == ("联系人",)
    assert schema.for_step("s02_applicant_talk").get("by").aliases == ()


def test_every_kind_of_notice_and_assessment_has_one_step_for_its_dates():
    schema = step_schema()
    assert set(schema.steps_of("publicity")) == set(schema.table("publicity_kind").values)
    assert set(schema.steps_of("assessments")) == set(schema.table("assessment_period").values)
    assert schema.steps_of("assessments")["probation"] == "s21_probation_education"


def test_people_rows_hold_one_more_than_any_people_rule_allows():
    """The form and the sheet must take a count the rule refuses, or the rule could never flag it:
    over every national rule set and every overlay (which may only lower `max`)."""
    catalogue = Catalogue()
    rule_sets = list(catalogue.national.values())
    for name in overlay_names():
        key = catalogue.register_overlay(name)
        rule_sets += [catalogue.get(rid, key) for rid in catalogue.national]
    for step in step_schema().steps.values():
        for spec in (f for f in step.fields if f.type == "people"):
            allowed = [rule.params.max for rs in rule_sets for rule in rs.rules
                       if rule.kind == "people" and step.step in rule.steps]
            assert allowed, step.step
            assert spec.rows > max(allowed), (step.step, spec.rows, max(allowed))


_COMMON = ('[fields.date]\ntype = "date"\nlabel = "日期"\n[fields.recorded_by]\ntype="text"\nlabel="x"\n'
           '[fields.reviewed_by]\ntype="text"\nlabel="x"\n[fields.reviewed_on]\ntype="date"\nlabel="x"\n'
           '[fields.by]\ntype="text"\nlabel="谈话人"\n')


@pytest.mark.parametrize("broken, where", [
    (_COMMON + '[steps.s02]\nfields = ["by"]\naliases = { by = "谈话人员" }\n', "steps.s02.aliases.by"),
    (_COMMON + '[steps.s02]\nfields = ["by"]\naliases = { by = [] }\n', "steps.s02.aliases.by"),
    (_COMMON + '[steps.s02]\nfields = ["by"]\naliases = { by = [""] }\n', "steps.s02.aliases.by"),
    (_COMMON + '[steps.s02]\nfields = ["by"]\naliases = ["谈话人员"]\n', "steps.s02.aliases"),
    (_COMMON + '[steps.s02]\nfields = ["by"]\naliases = { nobody = ["旧名"] }\n', "steps.s02.aliases"),
    (_COMMON + '[fields.people]\ntype="people"\nlabel="人员"\n', "fields.people.rows"),
    (_COMMON + '[fields.people]\ntype="people"\nlabel="人员"\nrows=0\n', "fields.people.rows"),
    (_COMMON + '[fields.note]\ntype="text"\nlabel="备注"\nrows=2\n', "fields.note.rows"),
    (_COMMON + '[values.publicity_kind]\ncandidate="发展对象"\n[steps.s07]\npublicity = "nobody"\n',
     "steps.s07.publicity"),
    (_COMMON + '[steps.s07]\npublicity = "candidate"\n', "steps.s07.publicity"),
    (_COMMON + '[values.publicity_kind]\ncandidate="发展对象"\n[steps.s07]\npublicity = "candidate"\n'
     '[steps.s08]\npublicity = "candidate"\n', "steps.s08.publicity"),
    ('[fields.date]\ntype = "date"\nlabel = "日期"\n[fields.recorded_by]\ntype="text"\nlabel="x"\n'
     '[fields.reviewed_by]\ntype="text"\nlabel="x"\n[fields.reviewed_on]\ntype="wrong"\nlabel="x"\n',
     "fields.reviewed_on.type"),
    ('[fields.date]\ntype = "date"\nlabel = "日期"\n[fields.recorded_by]\ntype="text"\nlabel="x"\n'
     '[fields.reviewed_by]\ntype="text"\nlabel="x"\n[fields.reviewed_on]\ntype="date"\nlabel="x"\n'
     '[steps.s02]\nfields = ["nobody"]\n', "steps.s02.fields"),
    ('[fields.date]\ntype = "date"\nlabel = "日期"\n[fields.recorded_by]\ntype="text"\nlabel="x"\n'
     '[fields.reviewed_by]\ntype="text"\nlabel="x"\n[fields.reviewed_on]\ntype="date"\nlabel="x"\n'
     '[fields.pick]\ntype="choice"\nlabel="x"\nvalues="nowhere"\n', "fields.pick.values"),
    ('[fields.date]\ntype = "date"\nlabel = "日期"\n', "fields"),
])
def test_broken_schema_is_refused_with_its_key(tmp_path, broken, where):
    path = tmp_path / "step_fields.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_step_schema(path)
    assert caught.value.code == "STEP_FIELDS_INVALID"
    assert caught.value.path == where
