"""`fazhan cultivation rank|forecast|scheme` as a branch secretary runs them on files."""
from __future__ import annotations

import json

import pytest
from cultivation_support import entries_000, generated_class_000
from typer.testing import CliRunner

from api.cli import app
from checklists.schemes import SCHEME_DIR


def run(*args):
    return CliRunner().invoke(app, ["cultivation", *args])


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    """A semester's scores for a class of 40 under seed 000, as the branch would hand them in."""
    entries = [e.model_dump(mode="json", exclude_none=True) for e in entries_000(generated_class_000())]
    path = tmp_path_factory.mktemp("scores") / "class.json"
    path.write_text(json.dumps({"format": "scores/1", "scheme": "seed000", "group": "公卫2023级1班",
                                "group_size": 40, "entries": entries}, ensure_ascii=False), encoding="utf-8")
    return path


def test_rank_prints_the_ranking_and_the_best_within_the_quota(sheet):
    result = run("rank", str(sheet), "--period", "2025-2026-1", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["period"] == "2025-2026-1" and document["published_with"] == "2025-2026"
    assert document["quota"] == {"limit": 8, "share_limit": 8, "plan_limit": None, "basis": "40 人的 20% 为 8 人"}
    assert len(document["ranking"]) == 40
    eligible = [r["person"] for r in document["ranking"] if r["eligible"]]
    assert document["selection"]["proposed"] == eligible[:8]
    assert document["ranking"][0]["total"] == "100.00"


def test_a_proposal_beyond_the_plans_quota_exits_1_with_the_reason(sheet):
    ranking = json.loads(run("rank", str(sheet), "--period", "2025-2026-1", "--format", "json").stdout)["ranking"]
    top = [r["person"] for r in ranking if r["eligible"]][:3]
    ok = run("rank", str(sheet), "--period", "2025-2026-1", "--quota", "3", "--propose", ",".join(top), "--format", "json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["proposal"]["accepted"] is True
    top4 = [r["person"] for r in ranking if r["eligible"]][:4]
    refused = run("rank", str(sheet), "--period", "2025-2026-1", "--quota", "3", "--propose", ",".join(top4))
    assert refused.exit_code == 1
    assert "[QUOTA_EXCEEDED]" in refused.stderr
    assert "推荐 4 人，超过名额 3 人（40 人的 20% 为 8 人，年度计划名额 3 人）" in refused.stderr


def test_a_sheet_spanning_two_periods_needs_the_period(sheet):
    result = run("rank", str(sheet))
    assert result.exit_code == 2 and "[PERIOD_REQUIRED]" in result.stderr and "2025-2026-2" in result.stderr
    table = run("rank", str(sheet), "--period", "2025-2026-1")
    assert table.exit_code == 0 and "名额 8 人" in table.stdout


def test_a_scheme_whose_weights_do_not_sum_to_100_is_refused(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text((SCHEME_DIR / "seed004.toml").read_text(encoding="utf-8")
                      .replace('name = "日常行为"\nweight = 15', 'name = "日常行为"\nweight = 10'), encoding="utf-8")
    result = run("scheme", str(broken))
    assert result.exit_code == 2
    assert "[SCHEME_WEIGHTS]" in result.stderr and "合计为 95" in result.stderr and "日常行为 10" in result.stderr
    assert run("scheme", "seed004").exit_code == 0


def test_forecast_groups_by_year_and_flags_who_cannot_be_admitted(tmp_path):
    base = {"format": "dossier/1", "person": {"name": "林晓", "birth_date": "2004-03-02"},
            "steps": [{"step": "s01_application", "date": "2025-06-02"},
                      {"step": "s02_applicant_talk", "date": "2025-06-20"},
                      {"step": "s03_activist_determined", "date": "2025-09-10", "nomination": ["league"]}]}
    for name, leave in (("ok", "2027-06-30"), ("late", "2026-07-01")):
        data = {**base, "id": name, "person": {**base["person"], "expected_leave_date": leave}}
        (tmp_path / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run("forecast", str(tmp_path), "--as-of", "2026-02-01", "--format", "json")
    assert result.exit_code == 0, result.output
    cohorts = {c["cohort"]: c for c in json.loads(result.stdout)["cohorts"]}
    assert cohorts["2026届"]["people"][0]["cannot_admit_before_leaving"] is True
    assert cohorts["2027届"]["people"][0]["admission"] == "2026-09-17"


def test_the_forecast_table_names_states_and_steps_in_chinese(tmp_path):
    """A case blocked by a half year that passed without an assessment, and its state, are shown as people
    read them: the step's number and name and the reason, no raw step ids or state codes."""
    data = {"format": "dossier/1", "id": "blocked", "person": {"name": "林晓", "birth_date": "2004-03-02",
                                                                "expected_leave_date": "2027-06-30"},
            "steps": [{"step": "s01_application", "date": "2025-06-02"},
                      {"step": "s02_applicant_talk", "date": "2025-06-20"},
                      {"step": "s03_activist_determined", "date": "2025-09-10", "nomination": ["league"]}]}
    (tmp_path / "blocked.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run("forecast", str(tmp_path), "--as-of", "2026-05-20")
    assert result.exit_code == 0, result.output
    text = "".join(result.stdout.split())
    assert "受阻于第8步" in text and "入党积极分子" in text, result.stdout
    assert "s08_" not in text and "activist" not in text and "ASSESSMENT_GAP" not in text
