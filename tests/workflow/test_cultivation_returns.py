"""党内统计 counts: developed in the year of the committee's approval (s17), converted in the year of
the conversion approval (s24 with `convert`), with the plan's structure (women, 35 and under, front
line, college education)."""
from __future__ import annotations

import copy

from tests_support import load_case, step

from workflow.cultivation.returns import development_counts
from workflow.dossier import parse_dossier


def _dossier(stem, **changes):
    data = copy.deepcopy(load_case(stem)["dossier"])
    for key, value in changes.items():
        if key == "person":
            data["person"].update(value)
        else:
            step(data, key)["date"] = value
    return parse_dossier(data)


def test_the_approval_date_decides_the_year():
    man_2014 = _dossier("01_valid_2014_full_record")  # s15 2022-05-06, s17 2022-05-31, s24 2023-06-16
    across = _dossier("01_valid_2014_full_record", s15_admission_meeting="2021-12-20",
                      s17_admission_approved="2022-01-10")
    woman_2026 = _dossier("02_valid_2026_to_oath", person={"front_line": True})  # s17 2026-09-10, born 2006
    older = _dossier("02_valid_2026_to_oath", person={"birth_date": "1990-09-10", "education": "高中"})
    everyone = [man_2014, across, woman_2026, older]
    assert development_counts(everyone, 2021).developed == 0  # the 2021 meeting does not count in 2021
    in_2022 = development_counts(everyone, 2022)
    assert (in_2022.developed, in_2022.converted) == (2, 0)
    assert development_counts(everyone, 2023).converted == 2
    in_2026 = development_counts(everyone, 2026)
    assert in_2026.developed == 2
    # 1990-09-10 is 36 on 2026-09-10: not 35 and under; 高中 is not a college education
    assert in_2026.structure == {"women": 2, "young": 1, "front_line": 1, "higher_education": 1}


def test_an_extension_is_not_a_conversion():
    data = copy.deepcopy(load_case("01_valid_2014_full_record")["dossier"])
    step(data, "s23_conversion_meeting").update(outcome="extend", extend_months=6)
    assert development_counts([parse_dossier(data)], 2023).converted == 0
