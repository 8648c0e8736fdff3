"""Parsing `dossier/1`: every bad input names file, JSON path and reason with a stable code;
extra fields survive a round trip; nothing is half-read."""
from __future__ import annotations

import json

import pytest

from workflow.dossier import parse_dossier
from workflow.errors import InputError


def error_of(data, source="d.json") -> InputError:
    with pytest.raises(InputError) as caught:
        parse_dossier(data, source)
    return caught.value


@pytest.mark.parametrize("mutate, code, path", [
    (lambda d: d["steps"][1].update(date="2020-02-30"), "DATE_INVALID", "$.steps[1].date"),
    (lambda d: d["steps"][1].update(date="2020/09/05"), "DATE_INVALID", "$.steps[1].date"),
    (lambda d: d["steps"][1].update(date=20200905), "DATE_INVALID", "$.steps[1].date"),
    (lambda d: d["steps"][1].update(step="s02_talk"), "STEP_UNKNOWN", "$.steps[1].step"),
    (lambda d: d["materials"][2].update(id="photo"), "MATERIAL_UNKNOWN", "$.materials[2].id"),
    (lambda d: d["steps"][14]["votes"].update(yes=-1), "VALUE_INVALID", "$.steps[14].votes.yes"),
    (lambda d: d["steps"][14]["votes"].update(present=10), "VOTES_INCONSISTENT", "$.steps[14].votes"),
    (lambda d: d["steps"][14]["votes"].update(yes=6, no=3), "VOTES_INCONSISTENT", "$.steps[14].votes"),
    (lambda d: d["steps"][14]["votes"].update(written_yes=2), "VOTES_INCONSISTENT", "$.steps[14].votes"),
    (lambda d: d["steps"][14]["votes"].update(expected="九"), "VALUE_INVALID", "$.steps[14].votes.expected"),
    (lambda d: d["person"].pop("birth_date"), "FIELD_REQUIRED", "$.person.birth_date"),
    (lambda d: d.pop("person"), "FIELD_REQUIRED", "$.person"),
    (lambda d: d["steps"][22].update(outcome="pass"), "VALUE_INVALID", "$.steps[22]"),
    (lambda d: d["steps"][9].update(conclusion="good"), "VALUE_INVALID", "$.steps[9].conclusion"),
    (lambda d: d["steps"][2].update(nomination=["boss"]), "VALUE_INVALID", "$.steps[2].nomination[0]"),
    (lambda d: d["publicity"].append({"kind": "candidate", "start": "2022-02-10", "end": "2022-02-01"}),
     "DATE_INVALID", "$.publicity[0]"),
    (lambda d: d.update(rule_set="2019"), "RULESET_UNKNOWN", "$.rule_set"),
    (lambda d: d.update(format="dossier/2"), "FORMAT_UNKNOWN", "$.format"),
    (lambda d: d["materials"][0].update(sha256="abc"), "VALUE_INVALID", "$.materials[0].sha256"),
])
def test_bad_input_names_code_and_path(dossier_2014, mutate, code, path):
    mutate(dossier_2014)
    error = error_of(dossier_2014)
    assert (error.code, error.path, error.file) == (code, path, "d.json")
    assert error.message and all(ord(c) < 0x80 for c in error.code)


def test_all_problems_are_listed_together(dossier_2014):
    dossier_2014["steps"][1]["date"] = "2020-13-01"
    dossier_2014["steps"][3]["step"] = "s04_nothing"
    error = error_of(dossier_2014)
    assert {p["path"] for p in error.details} >= {"$.steps[1].date"}
    assert "另有" in error.message or len(error.details) == 1


def test_malformed_json_gives_line_and_column():
    error = error_of('{"format": "dossier/1",\n "id": }')
    assert error.code == "JSON_MALFORMED" and "第 2 行" in error.message


def test_not_an_object():
    assert error_of("[1, 2]").code == "VALUE_INVALID"
    assert error_of(b"\xff\xfe").code == "JSON_MALFORMED"


def test_an_overlay_that_loosens_is_refused_in_a_dossier(dossier_2014):
    dossier_2014["overlay"] = {"id": "lax", "rules": [{"code": "TALK_LATE", "within": "2 months"}]}
    error = error_of(dossier_2014)
    assert error.code == "OVERLAY_LOOSENS" and error.path == "$.overlay"
    assert "TALK_LATE" in error.message and "1 month" in error.message and "2 months" in error.message


def test_round_trip_is_lossless_and_keeps_extra_fields(dossier_2014):
    dossier_2014["note"] = {"来源": "纸质档案录入"}
    dossier_2014["steps"][0]["place"] = "党员活动室"
    dossier_2014["person"]["phone"] = None
    parsed = parse_dossier(dossier_2014)
    assert json.loads(json.dumps(parsed.to_json_dict())) == dossier_2014


def test_a_dossier_without_materials_stays_without(dossier_2014):
    dossier_2014.pop("materials")
    assert "materials" not in parse_dossier(dossier_2014).to_json_dict()


@pytest.mark.parametrize("mutate, path", [
    (lambda d: d.update(id="a\x00b"), "$.id"),
    (lambda d: d.update(id="x" * 65), "$.id"),
    (lambda d: d["person"].update(name="张\x07三"), "$.person.name"),
])
def test_ids_and_names_stay_printable(dossier_2014, mutate, path):
    mutate(dossier_2014)
    error = error_of(dossier_2014)
    assert (error.code, error.path) == ("VALUE_INVALID", path)


def test_a_file_too_large_to_be_a_dossier_is_refused_after_one_bounded_read(tmp_path, monkeypatch):
    from workflow import document_bounds
    from workflow.dossier import load_dossier_file
    from workflow.errors import InputError
    from workflow.inputs import iter_sources

    big = tmp_path / "big.json"
    big.write_bytes(b'{"format": "dossier/1", "id": "' + b"x" * 4096 + b'"}')
    monkeypatch.setattr(document_bounds, "MAX_DOSSIER_FILE_BYTES", 1024)
    monkeypatch.setattr(document_bounds.read_bounded, "__defaults__", (1024,))
    with pytest.raises(InputError) as caught:
        load_dossier_file(str(big))
    assert (caught.value.code, caught.value.file) == ("FILE_TOO_LARGE", str(big))
    [source] = list(iter_sources([str(big)]))
    assert source.error["code"] == "FILE_TOO_LARGE"
