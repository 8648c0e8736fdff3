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


def test_the_workbook_carries_the_years_development_counts_as_they_stood_on_the_day(report_dossiers):
    from documents.reports.stats_xlsx import DEVELOPMENT_SHEET
    from workflow.cultivation.returns import counts_until

    day = dt.date(2026, 11, 21)
    counts = counts_until(report_dossiers, day)
    # three 2026 example cases (women) approved on 2026-09-10, and the sample MID-1 (a man) on 2026-04-01
    assert counts.developed == 4 and counts.structure["women"] == 3
    book = load_workbook(io.BytesIO(render_statistics_xlsx(annual_statistics(report_dossiers, day), counts)))
    assert book.sheetnames[-1] == DEVELOPMENT_SHEET and len(book.sheetnames) == 7
    rows = {r[0]: r[1] for r in book[DEVELOPMENT_SHEET].iter_rows(min_row=4, values_only=True)}
    assert rows == {"发展党员": 4, "其中：女性": 3, "其中：35岁及以下": 4, "其中：生产工作一线": 0,
                    "其中：大专及以上学历": 4, "预备党员转正": 0}
    assert "2026 年" in book[DEVELOPMENT_SHEET]["A1"].value
    assert counts_until(report_dossiers, dt.date(2026, 9, 9)).developed_ids == ["MID-1"]  # the others: not yet
    assert counts_until(report_dossiers, dt.date(2023, 12, 31)).converted == 8


def test_fazhan_stats_exports_and_prints_the_development_counts(tmp_path):
    import json

    from typer.testing import CliRunner

    from api.cli import app
    from documents.reports.stats_xlsx import DEVELOPMENT_SHEET
    from tests_support import example_dir

    folder = tmp_path / "in"
    folder.mkdir()
    for p in sorted(example_dir().glob("*.json")):
        (folder / p.name).write_text(json.dumps(load_case(p.stem)["dossier"], ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "stats.xlsx"
    result = CliRunner().invoke(app, ["stats", str(folder), "--as-of", "2022-12-31", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "预备党员转正" in result.stdout and "其中：女性" in result.stdout
    rows = {r[0]: r[1] for r in load_workbook(out)[DEVELOPMENT_SHEET].iter_rows(min_row=4, values_only=True)}
    assert rows["发展党员"] == 9 and rows["预备党员转正"] == 0
