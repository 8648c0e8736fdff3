"""The leaving-date forecast inside `plan/1`: an entry whose person has an expected leaving date gets
`leaving` (earliest admission and conversion, the last day an admission raises no warning, and the
flags CANNOT_ADMIT_BEFORE_LEAVING / RUSHED_ADMISSION), on both sides of the three-month line and of the
earliest admission; an entry without one is unchanged, so older readers of plan/1 see nothing new.

Dates as in test_cultivation_forecast: under 2026.05 the earliest admission of this activist (s03 on
2025-09-10) is 2026-09-17, after the committee meeting a year on and five working days of publicity."""
from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from tests_support import load_case

from workflow.dossier import parse_dossier
from workflow.plan import plan_document, plan_dossier

D = dt.date.fromisoformat
SIGN = {"recorded_by": "李书记", "reviewed_by": "王组织员"}
PEOPLE = [{"name": "赵六", "status": "full"}, {"name": "钱七", "status": "full"}]
TODAY = D("2026-02-01")


def activist(leave, dossier_id="A1"):
    return {"format": "dossier/1", "id": dossier_id, "person": {
        "name": "林晓", "birth_date": "2004-03-02", "expected_leave_date": leave},
        "steps": [{"step": "s01_application", "date": "2025-06-02", **SIGN},
                  {"step": "s02_applicant_talk", "date": "2025-06-20", **SIGN},
                  {"step": "s03_activist_determined", "date": "2025-09-10", "nomination": ["league"], **SIGN},
                  {"step": "s04_activist_filed", "date": "2025-09-15", **SIGN},
                  {"step": "s05_contacts_assigned", "date": "2025-09-10", "people": PEOPLE, **SIGN}],
        "assessments": []}


def planned(*data, today=TODAY):
    dossiers = [parse_dossier(d) for d in data]
    return plan_document([plan_dossier(d, today) for d in dossiers], today, dossiers)["dossiers"]


@pytest.mark.parametrize("leave, flags, admit_by", [
    ("2026-12-18", [], "2026-09-17"),                              # the window opens the day after admission
    ("2026-12-17", ["RUSHED_ADMISSION"], "2026-09-16"),            # it opens on the admission day itself
    ("2026-09-17", ["RUSHED_ADMISSION"], "2026-06-16"),            # admitted on the leaving day: rushed
    ("2026-09-16", ["CANNOT_ADMIT_BEFORE_LEAVING"], "2026-06-15"),  # gone the day before the earliest admission
])
def test_both_sides_of_the_three_month_line_and_of_the_leaving_day(leave, flags, admit_by):
    (entry,) = planned(activist(leave))
    leaving = entry["leaving"]
    assert leaving["flags"] == flags and leaving["admit_by"] == admit_by and leaving["leave_date"] == leave
    assert leaving["earliest_admission"] == "2026-09-17" and leaving["earliest_conversion"] == "2027-09-17"
    assert leaving["admission_recorded"] is False and leaving["conversion_after_leaving"] is True
    assert leaving["blocked"] is None and leaving["provisional"] is False
    assert entry["next"] and entry["state"] == "activist"  # the plan itself is as before


def test_without_a_leaving_date_or_without_the_dossiers_the_entry_is_unchanged():
    plain = activist(None)
    dossier = parse_dossier(plain)
    before = plan_document([plan_dossier(dossier, TODAY)], TODAY)["dossiers"][0]
    assert "leaving" not in before
    assert planned(plain) == [before]
    both = planned(activist("2026-09-16", "GONE"), activist(None, "STAYS"))
    assert "leaving" in both[0] and "leaving" not in both[1]
    assert plan_document([plan_dossier(dossier, TODAY)], TODAY, [None])["dossiers"] == [before]


def test_a_past_gap_blocks_the_forecast_and_is_named():
    (entry,) = planned(activist("2027-06-30"), today=D("2026-05-20"))  # (2025-09-10, 2026-03-10] had no assessment
    assert entry["leaving"]["earliest_admission"] is None
    assert entry["leaving"]["flags"] == ["CANNOT_ADMIT_BEFORE_LEAVING"]
    assert entry["leaving"]["blocked"] == {"step": "s08_candidate_filed", "codes": ["ASSESSMENT_GAP"]}


def test_a_full_member_has_nothing_to_forecast():
    data = copy.deepcopy(load_case("01_valid_2014_full_record")["dossier"])
    data["person"]["expected_leave_date"] = "2024-06-30"
    (entry,) = planned(data, today=D("2023-12-01"))
    assert entry["state"] == "full_member" and "leaving" not in entry


def test_fazhan_plan_json_carries_the_leaving_forecast(tmp_path):
    from typer.testing import CliRunner

    from api.cli import app

    for name, leave in (("gone", "2026-09-16"), ("stays", None)):
        (tmp_path / f"{name}.json").write_text(json.dumps(activist(leave, name), ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", str(tmp_path), "--as-of", TODAY.isoformat(), "--format", "json"])
    assert result.exit_code == 0, result.output
    entries = {e["id"]: e for e in json.loads(result.stdout)["dossiers"]}
    assert entries["gone"]["leaving"]["flags"] == ["CANNOT_ADMIT_BEFORE_LEAVING"] and "leaving" not in entries["stays"]
    table = CliRunner().invoke(app, ["plan", str(tmp_path / "gone.json"), "--as-of", TODAY.isoformat()])
    assert "CANNOT_ADMIT_BEFORE_LEAVING" in table.stdout and "2026-09-17" in table.stdout
