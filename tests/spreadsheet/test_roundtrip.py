"""Writing dossiers into the template and reading them back changes nothing the audit can see."""
from __future__ import annotations

import copy
import csv
import datetime as dt

import pytest
from tests_support import AS_OF, step

from workflow.audit import audit_document, audit_dossier
from workflow.dossier import parse_dossier
from workflow.samples import CaseSpec, build_case
from workflow.spreadsheet import read_records, write_records
from workflow.spreadsheet.mapping import dossier_to_rows


def _audit(dossiers: list[dict], as_of: dt.date = AS_OF) -> dict:
    return audit_document([audit_dossier(parse_dossier(d), as_of) for d in dossiers], as_of)


def test_the_examples_audit_the_same_from_the_spreadsheet(example_dossiers, tmp_path):
    path = tmp_path / "examples.xlsx"
    write_records(example_dossiers, path)
    result = read_records(path)
    assert result.errors == []
    assert [d["id"] for d in result.dossiers] == [d["id"] for d in example_dossiers]
    from_json, from_sheet = _audit(example_dossiers), _audit(result.dossiers)
    assert from_sheet == from_json
    assert from_json["summary"]["with_violations"] == 10, "the comparison is not vacuous"


def test_engine_built_cases_with_a_review_trail_round_trip(tmp_path):
    as_of = dt.date(2026, 11, 21)
    cases = [build_case(CaseSpec(id=f"S-{i}", applied=dt.date(2021 + i % 4, 3, 1 + i), seed=i), as_of)
             for i in range(6)]
    dossiers = [c.to_json_dict() for c in cases]
    dossiers[0]["steps"][3]["reviewed_by"] = None
    path = tmp_path / "built.xlsx"
    write_records(dossiers, path)
    result = read_records(path)
    assert result.errors == []
    assert _audit(result.dossiers, as_of) == _audit(dossiers, as_of)
    assert any(f["code"] == "REVIEW_MISSING" for f in _audit(result.dossiers, as_of)["dossiers"][0]["findings"])


def test_an_extended_probation_keeps_both_cycles(dossier_2014, tmp_path):
    data = dossier_2014
    s23 = step(data, "s23_conversion_meeting")
    s23["outcome"], s23["extend_months"] = "extend", 6
    step(data, "s24_conversion_approved")["party_standing_from"] = None
    archive = data["steps"].pop()
    data["steps"] += [{"step": "s21_probation_education", "date": "2023-10-20"},
                      {"step": "s22_conversion_applied", "date": "2023-10-25"},
                      {"step": "s23_conversion_meeting", "date": "2023-11-08",
                       "votes": {"expected": 9, "present": 9, "yes": 9}, "outcome": "convert"},
                      {"step": "s24_conversion_approved", "date": "2023-11-20",
                       "party_standing_from": "2023-11-06"}, archive]
    path = tmp_path / "ext.xlsx"
    write_records([data], path)
    back = read_records(path)
    assert back.errors == []
    assert [s["step"][:3] for s in back.dossiers[0]["steps"]][-5:] == ["s21", "s22", "s23", "s24", "s25"]
    assert _audit(back.dossiers) == _audit([data])


def test_a_dossier_the_sheet_cannot_hold_is_refused_by_the_writer(dossier_2014, tmp_path):
    step(dossier_2014, "s05_contacts_assigned")["people"] *= 2
    with pytest.raises(Exception) as info:
        dossier_to_rows(dossier_2014)
    assert getattr(info.value, "code", "") == "SPREADSHEET_UNREPRESENTABLE"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_reads_like_the_workbook(example_dossiers, tmp_path, encoding):
    """Excel in China saves CSV as GBK; a CSV has no detail sheets, so compare without materials."""
    dossiers = [copy.deepcopy(d) for d in example_dossiers[:4]]
    for d in dossiers:
        d.pop("materials")
    from workflow.spreadsheet.columns import main_schema

    columns = main_schema().columns
    path = tmp_path / "records.csv"
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow([c.label for c in columns])
        for d in dossiers:
            row, _ = dossier_to_rows(d)
            writer.writerow([_as_typed(row.get(c.key)) for c in columns])
    result = read_records(path)
    assert result.errors == []
    assert _audit(result.dossiers) == _audit(dossiers)


def _as_typed(value):
    """Dates as people type them in a CSV: 2020年8月11日."""
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return "" if value is None else value


def test_the_2026_fields_round_trip(tmp_path):
    """committee meeting, approving body, collective oath, 流动人员 with two notices, influence period."""
    from tests_support import load_case

    data = load_case("02_valid_2026_to_oath")["dossier"]
    data["person"]["mobile"] = True
    notice = data["publicity"][0]
    data["publicity"] = [{**notice, "place": "outflow", "result": "无异议"},
                         {**notice, "place": "inflow", "start": "2026-05-26", "result": "无异议"}]
    step(data, "s09_introducers_assigned")["people"][1].update(discipline="严重警告", discipline_until="2026-06-10")
    step(data, "s17_admission_approved")["approving_body"] = {"name": "护理学院党总支", "type": "general_branch"}
    step(data, "s20_oath")["collective"] = True
    path = tmp_path / "2026.xlsx"
    write_records([data], path)
    result = read_records(path)
    assert result.errors == []
    back = result.dossiers[0]
    assert back["person"]["mobile"] is True
    assert step(back, "s08_candidate_filed")["committee_meeting_on"] == "2026-05-20"
    assert step(back, "s17_admission_approved")["approving_body"] == {"name": "护理学院党总支", "type": "general_branch"}
    assert step(back, "s20_oath")["collective"] is True
    assert step(back, "s09_introducers_assigned")["people"][1]["discipline_until"] == "2026-06-10"
    assert sorted((p.get("place"), p["start"]) for p in back["publicity"]) == [("inflow", "2026-05-26"),
                                                                             ("outflow", "2026-05-25")]
    assert _audit([back]) == _audit([data])
    codes = {f["code"] for f in _audit([back])["dossiers"][0]["findings"]}
    assert {"APPROVER_NOT_AUTHORISED", "INTRODUCER_DISCIPLINED", "PUBLICITY_SHORT"} <= codes


def test_old_templates_with_2014_step_headers_still_read():
    from workflow.spreadsheet.columns import main_schema

    schema = main_schema()
    assert schema.match("08 报上级党委备案·日期").key == "s08.date"
    assert schema.match("08 报上级党委备案／报上级党委同意拟列为发展对象·日期").key == "s08.date"
