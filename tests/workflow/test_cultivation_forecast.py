"""The leaving-date forecast: earliest admission (s15) and conversion (s24) from today's state, and
the flags on both sides of the three-month line (RUSHED_ADMISSION) and of the earliest dates.

Expected dates are worked out by hand from the 细则: one year of cultivation from s03, under 2026.05
the branch committee meeting a year after s03 then a publicity of five working days (2026-09-10 is a
Thursday: 10, 11, 14, 15, 16 September are the five working days), twelve months of probation.
"""
from __future__ import annotations

import copy
import datetime as dt

import pytest
from tests_support import cut_after, load_case

from workflow.cultivation.forecast import NO_COHORT, cohort_view, forecast
from workflow.dossier import parse_dossier
from workflow.engine import record_step
from workflow.errors import StepRefused

D = dt.date.fromisoformat
SIGN = {"recorded_by": "李书记", "reviewed_by": "王组织员"}
PEOPLE = [{"name": "赵六", "status": "full"}, {"name": "钱七", "status": "full"}]


def activist(s01, s02, s03, s04, leave=None, **person):
    return {"format": "dossier/1", "id": f"A-{s03}-{leave}", "person": {
        "name": "林晓", "birth_date": "2004-03-02", "expected_leave_date": leave, **person},
        "steps": [{"step": "s01_application", "date": s01, **SIGN},
                  {"step": "s02_applicant_talk", "date": s02, **SIGN},
                  {"step": "s03_activist_determined", "date": s03, "nomination": ["league"], **SIGN},
                  {"step": "s04_activist_filed", "date": s04, **SIGN},
                  {"step": "s05_contacts_assigned", "date": s03, "people": PEOPLE, **SIGN}],
        "assessments": []}


def under_2014(leave=None, **person):
    return activist("2020-08-11", "2020-09-05", "2021-02-08", "2021-02-18", leave, **person)


def under_2026(leave=None, **person):
    return activist("2025-06-02", "2025-06-20", "2025-09-10", "2025-09-15", leave, **person)


def run(data, today):
    return forecast(parse_dossier(data), D(today))


# ---------------------------------------------------------------- the earliest dates, both sides

def test_2014_earliest_admission_is_a_year_after_the_activist_and_conversion_a_year_later():
    result = run(under_2014(), "2021-03-01")
    assert (result.admission, result.conversion) == (D("2022-02-08"), D("2023-02-08"))
    assert not result.admission_recorded and result.blocked_step is None
    steps = dict(result.path)
    assert steps["s07_candidate_determined"] == D("2022-02-08") and steps["s23_conversion_meeting"] == D("2023-02-08")


def test_2014_the_day_before_the_forecast_candidate_date_is_refused_by_the_engine():
    data = under_2014()
    data["assessments"] = [{"date": "2021-08-01", "period": "activist"}, {"date": "2022-02-01", "period": "activist"}]
    data["steps"].append({"step": "s06_activist_cultivation", "date": "2022-02-01", **SIGN})
    dossier = parse_dossier(data)
    assert forecast(dossier, D("2022-02-02")).admission == D("2022-02-08")
    with pytest.raises(StepRefused) as caught:
        record_step(dossier, {"step": "s07_candidate_determined", "date": "2022-02-07", **SIGN}, D("2022-02-07"))
    assert [d["code"] for d in caught.value.details] == ["CULTIVATION_SHORT"]
    assert record_step(dossier, {"step": "s07_candidate_determined", "date": "2022-02-08", **SIGN}, D("2022-02-08"))


def test_conversion_forecast_is_the_probation_end_and_a_day_earlier_is_refused():
    data = copy.deepcopy(load_case("01_valid_2014_full_record")["dossier"])
    cut_after(data, "s22_conversion_applied")  # s15 on 2022-05-06
    dossier = parse_dossier(data)
    result = forecast(dossier, D("2023-04-30"))
    assert result.admission_recorded and result.admission == D("2022-05-06")
    assert result.conversion == D("2023-05-06")
    meeting = {"step": "s23_conversion_meeting", "votes": {"expected": 9, "present": 9, "yes": 9},
               "outcome": "convert", **SIGN}
    with pytest.raises(StepRefused) as caught:
        record_step(dossier, {**meeting, "date": "2023-05-05"}, D("2023-05-05"))
    assert "CONVERSION_EARLY" in {d["code"] for d in caught.value.details}
    assert record_step(dossier, {**meeting, "date": "2023-05-06"}, D("2023-05-06"))


def test_2026_earliest_admission_counts_the_committee_meeting_and_five_working_days_of_publicity():
    result = run(under_2026(), "2026-02-01")
    steps = dict(result.path)
    assert steps["s08_candidate_filed"] == D("2026-09-10")      # 2025-09-10 + 12 months
    assert steps["s07_candidate_determined"] == D("2026-09-17")  # after 10, 11, 14, 15, 16 September
    assert (result.admission, result.conversion) == (D("2026-09-17"), D("2027-09-17"))
    assert not result.provisional  # the 2026 working days are in the State Council calendar


def test_2026_the_days_before_the_forecast_are_refused_by_the_engine():
    data = under_2026()
    data["assessments"] = [{"date": "2026-03-01", "period": "activist"}, {"date": "2026-09-01", "period": "activist"}]
    data["steps"].append({"step": "s06_activist_cultivation", "date": "2026-09-01", **SIGN})
    dossier = parse_dossier(data)
    consent = {"step": "s08_candidate_filed", **SIGN}
    with pytest.raises(StepRefused) as caught:
        record_step(dossier, {**consent, "date": "2026-09-09", "committee_meeting_on": "2026-09-09"}, D("2026-09-09"))
    assert [d["code"] for d in caught.value.details] == ["CULTIVATION_SHORT"]
    dossier = record_step(dossier, {**consent, "date": "2026-09-10", "committee_meeting_on": "2026-09-10"},
                          D("2026-09-10")).dossier
    dossier = dossier.model_copy(update={"publicity": parse_dossier({**data, "publicity": [
        {"kind": "candidate", "start": "2026-09-10", "end": "2026-09-16"}]}).publicity})
    assert forecast(dossier, D("2026-09-11")).admission == D("2026-09-17")
    with pytest.raises(StepRefused) as caught:
        record_step(dossier, {"step": "s07_candidate_determined", "date": "2026-09-16", **SIGN}, D("2026-09-16"))
    assert [d["code"] for d in caught.value.details] == ["PUBLICITY_SHORT"]
    assert record_step(dossier, {"step": "s07_candidate_determined", "date": "2026-09-17", **SIGN}, D("2026-09-17"))


# ---------------------------------------------------------------- the three-month line

@pytest.mark.parametrize("leave, rushed, cannot, admit_by", [
    ("2026-12-18", False, False, "2026-09-17"),  # the window opens 2026-09-18: admission on 09-17 is clear
    ("2026-12-17", True, False, "2026-09-16"),   # the window opens on the admission day itself
    ("2026-09-17", True, False, "2026-06-16"),   # admitted on the leaving day: possible, but rushed
    ("2026-09-16", False, True, "2026-06-15"),   # gone the day before the earliest admission
])
def test_both_sides_of_the_three_month_line_and_of_the_leaving_day(leave, rushed, cannot, admit_by):
    result = run(under_2026(leave), "2026-02-01")
    assert result.admission == D("2026-09-17")
    assert result.rushed_admission_risk is rushed
    assert result.cannot_admit_before_leaving is cannot
    assert result.admit_by == D(admit_by)
    assert result.converts_after_leaving  # a year of probation outlasts every one of these leaving dates


def test_the_figures_come_from_the_rules_in_force_overlays_included():
    tight = {"id": "tight", "rules": [{"code": "CULTIVATION_SHORT", "at_least": "18 months"},
                                      {"code": "RUSHED_ADMISSION", "within": "4 months"}]}
    result = run({**under_2026("2027-07-20"), "overlay": tight}, "2026-02-01")
    steps = dict(result.path)
    assert steps["s08_candidate_filed"] == D("2027-03-10")           # 2025-09-10 + 18 months
    assert result.admission == D("2027-03-17")                        # 10, 11, 12, 15, 16 March 2027
    assert result.provisional  # 2027 is not yet in the calendar data: counted Monday to Friday, and said so
    assert result.admit_by == D("2027-03-19")                         # four months before 2027-07-20, less a day
    assert not result.rushed_admission_risk
    assert run({**under_2026("2027-07-16"), "overlay": tight}, "2026-02-01").rushed_admission_risk


def test_a_local_publicity_is_posted_to_end_just_before_the_earliest_day():
    """example-university asks for seven working days of 发展对象公示 and 转正公示 under 2014. Counting back
    from 2022-02-07: the Spring Festival (31 January to 6 February) is off, the weekend of 29–30 January
    is worked: 7 Feb, 30, 29, 28, 27, 26, 25 Jan."""
    result = run({**under_2014(), "overlay": "example-university"}, "2021-03-01")
    assert (result.admission, result.conversion) == (D("2022-02-08"), D("2023-02-08"))
    assert result.notices == [("candidate", D("2022-01-25"), D("2022-02-07")),
                              ("conversion", D("2023-01-30"), D("2023-02-07"))]


def test_a_half_year_that_passed_without_an_assessment_blocks_the_forecast():
    result = run(under_2026("2027-06-30"), "2026-05-20")  # (2025-09-10, 2026-03-10] passed with none
    assert result.admission is None and result.blocked_step == "s08_candidate_filed"
    assert result.blocked_by == ["ASSESSMENT_GAP"] and "2025-09-10 至 2026-03-10" in result.blocked_reason
    assert result.cannot_admit_before_leaving


def test_a_recorded_admission_inside_the_window_is_reported_as_rushed():
    data = copy.deepcopy(load_case("01_valid_2014_full_record")["dossier"])
    cut_after(data, "s17_admission_approved")
    data["person"]["expected_leave_date"] = "2022-08-06"  # s15 on 2022-05-06: exactly three months before
    result = run(data, "2022-06-01")
    assert result.admission_recorded and result.rushed_admission_risk
    data["person"]["expected_leave_date"] = "2022-08-07"
    assert not run(data, "2022-06-01").rushed_admission_risk


def test_an_ended_case_has_no_forecast():
    data = under_2014()
    data["case_events"] = [{"kind": "withdraw", "date": "2021-03-01"}]
    result = run(data, "2021-04-01")
    assert result.state == "withdrawn" and result.admission is None and result.path == []


def test_the_cohort_view_groups_by_year_and_puts_who_cannot_make_it_first():
    dossiers = [parse_dossier({**under_2026("2027-06-30"), "id": "late-ok"}),
                parse_dossier({**under_2026("2026-09-16"), "id": "too-late"}),
                parse_dossier({**under_2026("2026-12-10"), "id": "rushed"}),
                parse_dossier({**under_2026(None, cohort="2024级"), "id": "no-leave"}),
                parse_dossier({**under_2026(), "id": "unknown"})]
    groups = cohort_view(dossiers, D("2026-02-01"))
    assert [g.label for g in groups] == ["2026届", "2027届", "2024级", NO_COHORT]
    assert [f.id for f in groups[0].rows] == ["too-late", "rushed"]
    assert groups[0].summary == {"people": 2, "admitted": 0, "cannot_admit_before_leaving": 1,
                                 "rushed_admission_risk": 1, "blocked": 0}
    assert groups[0].to_dict()["people"][0]["cannot_admit_before_leaving"] is True
