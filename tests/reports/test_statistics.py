"""Annual-returns counts: as the dossiers stood on the chosen day, ages by whole years reached."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from tests_support import load_case

from documents.reports.stats_xlsx import render_statistics_xlsx
from workflow.dossier import parse_dossier
from workflow.statistics import age_band, age_on, annual_statistics


def test_age_is_whole_years_reached_with_the_leap_day_rule():
    assert age_on(dt.date(2004, 2, 29), dt.date(2029, 2, 28)) == 25
    assert age_on(dt.date(2004, 2, 29), dt.date(2029, 2, 27)) == 24
    assert age_band(dt.date(2000, 11, 22), dt.date(2026, 11, 21)) == "25岁及以下"
    assert age_band(dt.date(2000, 11, 21), dt.date(2026, 11, 21)) == "26至30岁"


def test_counts_are_taken_as_the_dossiers_stood_on_the_day():
    full = parse_dossier(load_case("01_valid_2014_full_record")["dossier"])
    later = parse_dossier(load_case("02_valid_2026_to_oath")["dossier"])
    stats = annual_statistics([full, later], dt.date(2022, 12, 31))
    assert stats.people == 1, "the 2026 case had not applied by the end of 2022"
    assert dict(stats.tables["state"]) == {"预备党员": {"预备党员": 1}}
    stats = annual_statistics([full, later], dt.date(2026, 11, 21))
    assert stats.people == 2
    assert {k: dict(v) for k, v in stats.tables["gender"].items()} == {"女": {"预备党员": 1}, "男": {"正式党员": 1}}
    assert list(stats.tables["organisation"]) == ["信息学院学生第二党支部", "护理学院学生党支部"]


def test_statistics_workbook_totals(report_dossiers):
    day = dt.date(2026, 11, 21)
    stats = annual_statistics(report_dossiers, day)
    book = load_workbook(io.BytesIO(render_statistics_xlsx(stats)))
    assert book.sheetnames == ["发展阶段", "性别", "民族", "学历", "年龄段", "所在党组织"]
    for ws in book.worksheets:
        rows = list(ws.iter_rows(min_row=3, values_only=True))
        assert rows[-1][0] == "合计" and rows[-1][-1] == stats.people == len(report_dossiers)
        assert sum(r[-1] for r in rows[1:-1]) == stats.people
