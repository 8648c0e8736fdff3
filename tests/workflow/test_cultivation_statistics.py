"""The annual return (党内统计) in the bulletin's dimensions: sex, ethnicity (汉族 / 少数民族), age 35 and
under, education, front line and occupation, for applicants, activists, candidates (by the step's date)
and new probationary members, conversions and extensions (by the approval date of s17 / s24), exported
to Excel beside the existing sheets."""
from __future__ import annotations

import copy
import datetime as dt
import io

from openpyxl import load_workbook
from tests_support import load_case, step

from checklists.returns import load_returns
from documents.reports.stats_xlsx import RETURN_SHEET, render_statistics_xlsx
from workflow.cultivation.returns import MEASURES, annual_return, counts_until, dimension_columns, return_until
from workflow.dossier import parse_dossier
from workflow.statistics import annual_statistics

D = dt.date.fromisoformat


def _case(stem, dossier_id, person=None, **dates):
    data = copy.deepcopy(load_case(stem)["dossier"])
    data["id"] = dossier_id
    data["person"].update(person or {})
    for key, value in dates.items():
        step(data, key)["date"] = value
    return parse_dossier(data)


def test_each_measure_is_counted_by_its_date_in_every_dimension():
    # 01: s01 2020-08-11, s03 2021-02-08, s07 2022-02-13, s17 2022-05-31, s24 2023-06-16 (convert)
    han = _case("01_valid_2014_full_record", "HAN", {"occupation": "本科在读学生"})
    zhuang = _case("01_valid_2014_full_record", "ZHUANG", {"ethnicity": "壮族", "gender": "女", "occupation": "教师",
                                                            "front_line": True, "birth_date": "1986-05-31"})
    unknown = _case("01_valid_2014_full_record", "UNKNOWN", {"ethnicity": None, "occupation": "快递员"})
    late = _case("01_valid_2014_full_record", "LATE", {"occupation": None},
                 s15_admission_meeting="2022-12-20", s17_admission_approved="2023-01-05")
    everyone = [han, zhuang, unknown, late]
    in_2022 = annual_return(everyone, 2022)
    developed = in_2022.rows["developed"]
    # the committee's approval decides: LATE's 2022 meeting counts in 2023, not 2022
    assert developed["total"] == 3 and in_2022.ids["developed"] == ["HAN", "ZHUANG", "UNKNOWN"]
    assert developed["minority"] == 1 and developed["women"] == 1 and developed["front_line"] == 1
    # born 1986-05-31: exactly 36 on the approval day 2022-05-31, so not 35 and under
    assert developed["young"] == 2
    assert developed["occupation:student"] == 1 and developed["occupation:professional"] == 1
    assert developed["occupation:other"] == 1 and developed["occupation:"] == 0
    assert in_2022.rows["candidates"]["total"] == 4 and in_2022.rows["activists"]["total"] == 0
    assert annual_return(everyone, 2021).rows["activists"]["total"] == 4
    assert annual_return(everyone, 2020).rows["applicants"]["total"] == 4
    in_2023 = annual_return(everyone, 2023)
    assert in_2023.ids["developed"] == ["LATE"] and in_2023.rows["developed"]["occupation:"] == 1
    assert in_2023.rows["converted"]["total"] == 4 and in_2023.rows["extended"]["total"] == 0


def test_an_extension_is_counted_as_such_and_not_as_a_conversion():
    data = copy.deepcopy(load_case("01_valid_2014_full_record")["dossier"])
    step(data, "s23_conversion_meeting").update(outcome="extend", extend_months=6)
    counted = annual_return([parse_dossier(data)], 2023)
    assert counted.rows["extended"]["total"] == 1 and counted.rows["converted"]["total"] == 0


def test_the_return_is_taken_as_the_dossiers_stood_on_the_day():
    woman = _case("02_valid_2026_to_oath", "W", {"ethnicity": "回族", "occupation": "学生"})  # s17 2026-09-10
    assert return_until([woman], D("2026-09-09")).rows["developed"]["total"] == 0
    after = return_until([woman], D("2026-09-10")).rows["developed"]
    assert (after["total"], after["women"], after["minority"], after["occupation:student"]) == (1, 1, 1, 1)


def test_the_workbook_has_the_return_sheet_with_every_dimension_as_a_column():
    people = [_case("01_valid_2014_full_record", f"P{i}", {"ethnicity": e, "occupation": o})
              for i, (e, o) in enumerate((("汉族", "工人"), ("蒙古族", "农民"), ("汉族", None)))]
    day = D("2022-12-31")
    book = load_workbook(io.BytesIO(render_statistics_xlsx(annual_statistics(people, day), counts_until(people, day),
                                                           return_until(people, day))))
    sheet = book[RETURN_SHEET]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    header = list(rows[0])
    assert header[:7] == ["项目", "合计", "女性", "少数民族", "35岁及以下", "大专及以上学历", "生产工作一线"]
    assert [o.name for o in load_returns().occupations] == header[7:-1] and header[-1] == "职业未填写"
    assert [r[0] for r in rows[1:]] == list(MEASURES.values())
    developed = dict(zip(header, rows[1 + list(MEASURES).index("developed")]))
    assert developed["合计"] == 3 and developed["少数民族"] == 1
    assert (developed["工人（工勤技能人员）"], developed["农牧渔民"], developed["职业未填写"]) == (1, 1, 1)
    assert sum(developed[name] for name in header[7:]) == developed["合计"]  # every person in one occupation
    assert len(dimension_columns()) == len(header) - 1
