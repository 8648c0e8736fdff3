"""`fazhan template|convert|report|stats` as a user runs them: files written, exit codes, errors."""
from __future__ import annotations

import json
import subprocess
import sys

from tests_support import ROOT

from workflow.spreadsheet import read_records, write_records


def fazhan(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_template_then_convert_an_empty_template(tmp_path):
    template = tmp_path / "records.xlsx"
    assert fazhan("template", str(template)).returncode == 0
    result = fazhan("convert", str(template), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_convert_writes_good_rows_lists_bad_ones_and_reruns_to_the_same_files(example_dossiers, tmp_path):
    sheet = tmp_path / "records.xlsx"
    write_records(example_dossiers[:3], sheet)
    from openpyxl import load_workbook

    book = load_workbook(sheet)
    ws = book["纪实表"]
    ws.cell(row=5, column=4, value="2001年2月30日")
    book.save(sheet)
    out = tmp_path / "out"
    first = fazhan("convert", str(sheet), "--out", str(out))
    assert first.returncode == 2
    assert "[DATE_INVALID]" in first.stderr and "第 5 行" in first.stderr and "“出生日期”列" in first.stderr
    assert "2001年2月30日" in first.stderr and "Traceback" not in first.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == ["talk_after_one_month.json", "valid_2014_full_record.json"]
    before = {name: (out / name).read_text(encoding="utf-8") for name in files}
    again = fazhan("convert", str(sheet), "--out", str(out))
    assert again.returncode == 2
    assert {name: (out / name).read_text(encoding="utf-8") for name in files} == before
    assert json.loads(before["valid_2014_full_record.json"]) == read_records(sheet).dossiers[0]


def test_convert_of_a_file_that_is_not_a_spreadsheet(tmp_path):
    bogus = tmp_path / "records.xlsx"
    bogus.write_text("not a workbook", encoding="utf-8")
    result = fazhan("convert", str(bogus), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "[SPREADSHEET_UNREADABLE]" in result.stderr and "Traceback" not in result.stderr


def test_report_and_stats_from_a_spreadsheet_match_the_json_audit(example_dossiers, tmp_path):
    sheet = tmp_path / "records.xlsx"
    write_records(example_dossiers, sheet)
    folder = tmp_path / "json"
    folder.mkdir()
    for d in example_dossiers:
        (folder / f"{d['id']}.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    from_sheet = fazhan("report", str(sheet), "--as-of", "2026-11-21", "--format", "json")
    from_json = fazhan("audit", str(folder), "--as-of", "2026-11-21", "--format", "json")
    assert from_sheet.returncode == 0
    by_id = lambda doc: {d["id"]: d for d in doc["dossiers"]}  # noqa: E731
    sheet_doc, json_doc = json.loads(from_sheet.stdout), json.loads(from_json.stdout)
    assert by_id(sheet_doc) == by_id(json_doc) and sheet_doc["summary"] == json_doc["summary"]
    for fmt in ("html", "xlsx"):
        target = tmp_path / f"report.{fmt}"
        result = fazhan("report", str(sheet), "--as-of", "2026-11-21", "--format", fmt, "--out", str(target))
        assert result.returncode == 0 and target.stat().st_size > 1000
    missing_out = fazhan("report", str(sheet), "--format", "pdf")
    assert missing_out.returncode == 2 and "[OUTPUT_REQUIRED]" in missing_out.stderr
    stats = fazhan("stats", str(folder), "--as-of", "2026-11-21", "--out", str(tmp_path / "stats.xlsx"))
    assert stats.returncode == 0 and "按性别" in stats.stdout and (tmp_path / "stats.xlsx").exists()
