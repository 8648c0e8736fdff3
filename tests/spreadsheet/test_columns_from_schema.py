"""The step columns of the 纪实表 come from the step schema (checklists/data/step_fields.toml), and the
headers of the template printed before them still read."""
from __future__ import annotations

from checklists.step_fields import step_schema
from workflow.spreadsheet.columns import main_schema
from workflow.spreadsheet.mapping import dossier_to_rows


def _prefix(step_id: str) -> str:
    return step_id.split("_")[0]


def test_every_declared_field_has_its_columns_with_the_schemas_words():
    columns = main_schema().by_key
    schema = step_schema()
    for step_id, fields in schema.steps.items():
        for spec in fields.fields:
            key = f"{_prefix(step_id)}.{spec.key}"
            if spec.type == "votes":
                assert [columns[f"{key}.{c.key}"].label.split("·")[1] for c in schema.votes] == \
                    [c.column for c in schema.votes]
            elif spec.type == "people":
                assert columns[f"{key}.1.name"].label.endswith(f"·{spec.label}1")
            elif spec.type == "approving_body":
                assert columns[f"{key}.type"].kind == "choice"
            else:
                assert columns[key].label.endswith(f"·{spec.label}"), key
                if spec.type in ("choice", "choices"):
                    table = schema.table(spec.values)
                    assert columns[key].choices == table.by_word()
                    assert columns[key].options == tuple(table.labels.values())


def test_headers_of_the_earlier_template_still_read():
    schema = main_schema()
    for header, key in (("10 进行政治审查·政审结论", "s10.conclusion"), ("14 填写入党志愿书·志愿书编号", "s14.serial"),
                        ("05 指定培养联系人·联系人2身份", "s05.people.2.status"),
                        ("09 确定入党介绍人·介绍人1处分影响期至", "s09.people.1.discipline_until"),
                        ("延长后23 支部大会讨论·延长月数", "c2.s23.extend_months")):
        assert schema.match(header).key == key, header


def test_discipline_is_asked_only_where_a_rule_looks_at_it():
    keys = main_schema().by_key
    assert "s09.people.1.discipline" in keys and "s05.people.1.discipline" not in keys


def test_values_are_written_in_the_words_of_the_steps_own_table():
    dossier = {"id": "X-1", "person": {"name": "甲"}, "steps": [
        {"step": "s15_admission_meeting", "date": "2022-05-06", "outcome": "rejected"},
        {"step": "s16_committee_talk", "date": "2022-05-16", "by": "李委员"},
        {"step": "s20_oath", "date": "2022-06-05", "collective": False},
        {"step": "s23_conversion_meeting", "date": "2023-05-09", "outcome": "convert"}]}
    row, _ = dossier_to_rows(dossier)
    assert (row["s15.outcome"], row["s16.by"], row["s20.collective"], row["s23.outcome"]) == \
        ("未通过", "李委员", "否", step_schema().table("conversion_outcome").label("convert"))
