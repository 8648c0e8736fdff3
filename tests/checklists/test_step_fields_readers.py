"""The readers of the step schema take their choices and words from it and from nowhere else.

Both readings of `dossier/1` (pydantic: workflow.dossier; msgspec: workflow.dossier_facts) accept
exactly the values of the schema's tables, every value they accept has a word on the pages and the
forms, and a value or word changed in checklists/data/step_fields.toml reaches the parser, the forms'
labels and the pages at once (checked in a fresh process that loads a changed copy of the file).
"""
from __future__ import annotations

import json
import subprocess
import sys
import typing
from pathlib import Path

import msgspec
import pytest
from tests_support import load_case

from checklists.step_fields import STEP_FIELDS_FILE, step_schema
from workflow import dossier as validated
from workflow import dossier_facts as fast
from workflow.dossier_terms import NOMINATIONS, OUTCOMES, RECORD_TABLES

ROOT = Path(__file__).resolve().parents[2]
INTERNAL_STEP_FIELDS = {"step", "review_source", "paper_review", "archive_correction"}
"""StepEntry fields that are the format's bookkeeping, not something a step records (no schema entry)."""
RECORD_MODELS = {"people": "PersonRef", "assessments": "Assessment", "publicity": "Publicity",
                 "case_events": "CaseEvent"}


def _literal(annotation) -> tuple[str, ...]:
    """The values of a `Literal[...]` (or `Literal[...] | None`) annotation, in order."""
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    found = [arg for arg in typing.get_args(annotation) if typing.get_origin(arg) is typing.Literal]
    assert len(found) == 1, annotation
    return typing.get_args(found[0])


def _pydantic_choices(model_name: str, key: str) -> tuple[str, ...]:
    return _literal(getattr(validated, model_name).model_fields[key].annotation)


def _msgspec_choices(model_name: str, key: str) -> tuple[str, ...]:
    hints = typing.get_type_hints(getattr(fast, model_name), include_extras=True)
    return _literal(hints[key])


def _single_table_choice_fields() -> dict[str, tuple[str, ...]]:
    """Step fields of type choice whose table is the same at every step (outcome differs per step)."""
    schema = step_schema()
    out = {}
    for key, spec in schema.fields.items():
        if spec.type == "choice" and spec.values is not None:
            out[key] = schema.table(spec.values).values
    return out


@pytest.mark.parametrize("key", sorted(_single_table_choice_fields()))
def test_step_choices_of_both_readings_are_the_schema_values(key):
    expected = _single_table_choice_fields()[key]
    assert _pydantic_choices("StepEntry", key) == expected
    assert _msgspec_choices("StepEntry", key) == expected


@pytest.mark.parametrize("where", sorted(RECORD_TABLES))
def test_side_record_choices_of_both_readings_are_the_schema_values(where):
    listed, key = where.split(".")
    expected = step_schema().table(RECORD_TABLES[where]).values
    assert _pydantic_choices(RECORD_MODELS[listed], key) == expected
    assert _msgspec_choices(RECORD_MODELS[listed], key) == expected


def test_outcomes_and_nominations_are_the_schema_values():
    schema = step_schema()
    assert OUTCOMES == {step: frozenset(values) for step, values in schema.choice_values("outcome").items()}
    assert set(OUTCOMES) == {"s15_admission_meeting", "s23_conversion_meeting"}
    assert NOMINATIONS == frozenset(schema.table(schema.fields["nomination"].values).values)


def test_every_field_the_schema_declares_is_a_field_of_both_readings_and_no_other():
    declared = set(step_schema().fields)
    assert set(validated.StepEntry.model_fields) - INTERNAL_STEP_FIELDS == declared
    assert {f.name for f in msgspec.structs.fields(fast.StepEntry)} - INTERNAL_STEP_FIELDS == declared


def test_every_value_the_parser_accepts_has_its_word_on_pages_and_forms():
    from api.web import labels as page_words
    from api.web import views
    from documents import labels as form_words

    schema = step_schema()
    for key, values in _single_table_choice_fields().items():
        table = schema.table(schema.fields[key].values)
        for value in values:
            assert page_words.field_value("s10_political_review", key, value) == table.label(value)
    for step, values in schema.choice_values("outcome").items():
        for value in values:
            assert page_words.field_value(step, "outcome", value) == schema.field_table(step, "outcome").label(value)
            assert views.OUTCOME_NAMES[value]
    for value in NOMINATIONS:
        assert form_words.NOMINATION[value] and dict(views.NOMINATIONS)[value]
    for value in _pydantic_choices("PersonRef", "status"):
        assert form_words.MEMBER_STATUS[value] and dict(views.MEMBER_STATUS)[value]
    for value in _pydantic_choices("Assessment", "period"):
        assert form_words.ASSESSMENT_PERIOD[value]
    for value in _pydantic_choices("Publicity", "kind"):
        assert form_words.PUBLICITY_KIND[value]
    for value in _pydantic_choices("CaseEvent", "kind"):
        assert form_words.CASE_EVENT[value]
    for key in step_schema().fields:
        assert page_words.FIELD_NAMES[key] == step_schema().fields[key].label


def test_the_values_the_store_and_findings_use_all_have_words():
    from workflow.findings import SEVERITIES
    from workflow.store.tables import LEVELS, ROLES

    schema = step_schema()
    assert schema.table("role").values == ROLES
    assert schema.table("org_level").values == LEVELS
    assert schema.table("severity").values == SEVERITIES
    assert schema.table("severity_report").values == SEVERITIES


CHANGE_SCRIPT = r"""
import json, sys
from pathlib import Path

import checklists.step_fields as step_fields

changed = step_fields.load_step_schema(Path(sys.argv[1]))
step_fields.step_schema = lambda: changed  # before any reader is imported: they all read this one

from api.web import labels as page_words
from api.web import views
from documents import labels as form_words
from workflow.dossier import parse_dossier
from workflow.dossier_facts import read_facts
from workflow.errors import InputError


def both(document):
    text = json.dumps(document, ensure_ascii=False)
    try:
        parse_dossier(text)
        validated = "accepted"
    except InputError as exc:
        validated = exc.code
    return validated, read_facts(text) is not None


document = json.loads(sys.argv[2])
steps = {entry["step"]: entry for entry in document["steps"]}
out = {}
steps["s10_political_review"]["conclusion"] = "basically_qualified"
steps["s15_admission_meeting"]["outcome"] = "deferred"
out["new values"] = both(document)
steps["s11_training"]["days"] = 0.5
out["new minimum"] = both(document)
out["words"] = [form_words.CONCLUSION.get("basically_qualified"),
                page_words.field_value("s10_political_review", "conclusion", "basically_qualified"),
                page_words.field_value("s15_admission_meeting", "outcome", "deferred"),
                views.OUTCOME_NAMES.get("deferred"), dict(views.MEMBER_STATUS)["probationary"],
                form_words.MEMBER_STATUS["probationary"], page_words.FIELD_NAMES["conclusion"]]
print(json.dumps(out, ensure_ascii=False))
"""


def test_a_change_in_the_data_reaches_the_parser_the_forms_and_the_pages(tmp_path):
    text = STEP_FIELDS_FILE.read_text(encoding="utf-8")
    edits = [('qualified = "合格"\n', 'qualified = "合格"\nbasically_qualified = "基本合格"\n'),
             ('rejected = { label = "未通过", long = "未通过（不予接收）" }\n',
              'rejected = { label = "未通过", long = "未通过（不予接收）" }\ndeferred = "暂缓表决"\n'),
             ('probationary = "预备党员"\n', 'probationary = "预备期党员"\n'),
             ('label = "政治审查结论"\n', 'label = "政审结论"\n'),
             ('label = "培训天数"\nminimum = 0\n', 'label = "培训天数"\nminimum = 1\n')]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    changed = tmp_path / "step_fields.toml"
    changed.write_text(text, encoding="utf-8")
    document = load_case("01_valid_2014_full_record")["dossier"]
    assert {"s10_political_review", "s11_training", "s15_admission_meeting"} <= {s["step"] for s in document["steps"]}

    run = subprocess.run([sys.executable, "-c", CHANGE_SCRIPT, str(changed), json.dumps(document, ensure_ascii=False)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["new values"] == ["accepted", True]
    assert out["new minimum"] == ["VALUE_INVALID", False]
    assert out["words"] == ["基本合格", "基本合格", "暂缓表决", "暂缓表决", "预备期党员",
                            "预备期党员", "政审结论"]


def test_unchanged_data_refuses_those_values():
    """The same document under the installed schema: the values the changed copy added are refused."""
    from workflow.errors import InputError

    document = load_case("01_valid_2014_full_record")["dossier"]
    steps = {entry["step"]: entry for entry in document["steps"]}
    steps["s10_political_review"]["conclusion"] = "basically_qualified"
    text = json.dumps(document, ensure_ascii=False)
    assert fast.read_facts(text) is None
    with pytest.raises(InputError) as caught:
        validated.parse_dossier(text)
    assert caught.value.code == "VALUE_INVALID"
    assert caught.value.path.endswith(".conclusion")
    assert "'qualified' or 'not_qualified'" in caught.value.message
