"""`fazhan audit|plan|rules|diagram` as a user runs them: output formats, exit codes, bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests_support import ROOT, example_dir, load_case

CASES = sorted(p.stem for p in example_dir().glob("*.json"))


def fazhan(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, input=stdin,
                          cwd=ROOT, timeout=120)


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cases")
    for stem in CASES:
        (folder / f"{stem}.json").write_text(json.dumps(load_case(stem)["dossier"], ensure_ascii=False),
                                             encoding="utf-8")
    return folder


@pytest.mark.parametrize("stem", CASES)
def test_each_shared_example_gives_exactly_its_findings(case_dir, stem):
    case = load_case(stem)
    result = fazhan("audit", str(case_dir / f"{stem}.json"), "--as-of", case["as_of"], "--format", "json")
    document = json.loads(result.stdout)
    findings = document["dossiers"][0]["findings"]
    got = {sev: sorted({f["code"] for f in findings if f["severity"] == sev}) for sev in ("violation", "warning", "info")}
    assert got == case["expect"]
    assert result.returncode == (1 if case["expect"]["violation"] else 0)
    for finding in findings:
        assert set(finding) >= {"code", "severity", "step", "rule_set", "article", "provisional", "message"}


def test_the_shared_checker_scores_every_case():
    checker = ROOT.parent / "shared" / "tools" / "check_examples.py"
    if not checker.exists():
        pytest.skip("../shared is not beside this checkout")
    result = subprocess.run([sys.executable, str(checker), "--cmd", f"{sys.executable} -m api.cli"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout
    assert f"examples: {len(CASES)}/{len(CASES)} cases match" in result.stdout


def test_a_directory_is_every_json_below_it(case_dir):
    result = fazhan("audit", str(case_dir), "--as-of", "2026-11-21", "--format", "json")
    document = json.loads(result.stdout)
    assert document["format"] == "audit/1" and document["as_of"] == "2026-11-21"
    assert document["summary"]["dossiers"] == len(CASES)
    assert document["summary"]["with_violations"] == sum(1 for s in CASES if load_case(s)["expect"]["violation"])
    assert document["summary"]["by_code"]["TALK_LATE"] == 1
    assert result.returncode == 1


def test_standard_input_and_table_format(case_dir):
    text = (case_dir / "01_valid_2014_full_record.json").read_text(encoding="utf-8")
    result = fazhan("audit", "-", "--as-of", "2026-11-21", stdin=text)
    assert result.returncode == 0 and "合规" in result.stdout
    text = (case_dir / "03_talk_after_one_month.json").read_text(encoding="utf-8")
    result = fazhan("audit", "-", "--as-of", "2026-11-21", "--format", "table", stdin=text)
    assert result.returncode == 1 and "TALK_LATE" in result.stdout


def test_plan_json(case_dir):
    result = fazhan("plan", str(case_dir / "02_valid_2026_to_oath.json"), "--as-of", "2026-11-21", "--format", "json")
    document = json.loads(result.stdout)
    assert result.returncode == 0 and document["format"] == "plan/1"
    assert document["dossiers"][0]["state"] == "probationary"
    assert document["dossiers"][0]["next"][0]["step"] == "s21_probation_education"


@pytest.mark.parametrize("content, code", [
    ("{not json", "JSON_MALFORMED"),
    ('{"format": "dossier/1", "id": "x", "person": {"name": "甲", "birth_date": "2001-02-30"}}', "DATE_INVALID"),
    ('{"format": "dossier/1", "id": "x", "person": {"name": "甲", "birth_date": "2001-02-03"},'
     ' "steps": [{"step": "s00", "date": "2020-01-01"}]}', "STEP_UNKNOWN"),
    ('{"format": "dossier/1", "id": "x", "person": {"name": "甲", "birth_date": "2001-02-03"},'
     ' "steps": [{"step": "s15_admission_meeting", "date": "2020-01-01", "votes": {"expected": 5, "present": 3,'
     ' "yes": -2}}]}', "VALUE_INVALID"),
    ('{"format": "dossier/1", "id": "x", "person": {"name": "甲", "birth_date": "2001-02-03"},'
     ' "steps": [{"step": "s15_admission_meeting", "date": "2020-01-01", "votes": {"expected": 5, "present": 6,'
     ' "yes": 2}}]}', "VOTES_INCONSISTENT"),
    ('{"format": "dossier/1", "id": "x", "person": {"name": "甲", "birth_date": "2001-02-03"},'
     ' "materials": [{"id": "selfie", "step": "s01_application"}]}', "MATERIAL_UNKNOWN"),
    ('{"format": "dossier/1", "id": "x", "overlay": {"id": "lax", "rules": [{"code": "CULTIVATION_SHORT",'
     ' "at_least": "6 months"}]}, "person": {"name": "甲", "birth_date": "2001-02-03"}}', "OVERLAY_LOOSENS"),
])
def test_bad_input_exits_2_with_a_clear_error_and_no_traceback(tmp_path, content, code):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    for command in ("audit", "plan"):
        result = fazhan(command, str(path), "--as-of", "2026-11-21", "--format", "json")
        assert result.returncode == 2
        assert code in result.stderr and str(path) in result.stderr
        assert "Traceback" not in result.stderr + result.stdout


def test_other_inputs_are_still_reported_beside_a_bad_one(tmp_path, case_dir):
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    result = fazhan("audit", str(tmp_path / "bad.json"), str(case_dir / "03_talk_after_one_month.json"),
                    "--as-of", "2026-11-21", "--format", "json")
    assert result.returncode == 2
    assert json.loads(result.stdout)["summary"]["dossiers"] == 1


def test_missing_file_and_bad_date_option(tmp_path):
    result = fazhan("audit", str(tmp_path / "nowhere.json"), "--as-of", "2026-11-21")
    assert result.returncode == 2 and "FILE_NOT_FOUND" in result.stderr
    result = fazhan("audit", str(tmp_path), "--as-of", "21/11/2026")
    assert result.returncode == 2 and "DATE_INVALID" in result.stderr and "Traceback" not in result.stderr


def test_rules_lists_codes_severities_and_articles():
    document = json.loads(fazhan("rules", "--format", "json").stdout)
    by_set = {rs["id"]: {r["code"]: r for r in rs["rules"]} for rs in document["rule_sets"]}
    assert by_set["2014"]["TALK_LATE"]["article"] == "第七条"
    assert by_set["2026.05"]["PUBLICITY_SHORT"]["severity"] == "violation"
    assert "PUBLICITY_SHORT" not in by_set["2014"]
    with_overlay = json.loads(fazhan("rules", "--overlay", "example-university", "--format", "json").stdout)
    talk = [r for rs in with_overlay["rule_sets"] for r in rs["rules"] if r["code"] == "TALK_LATE"][0]
    assert talk["overlay"] == "example-university" and "15 days" in talk["parameters"]
    assert "TALK_LATE" in fazhan("rules").stdout


def test_rules_refuses_a_loosening_overlay_file(tmp_path):
    path = tmp_path / "lax.toml"
    path.write_text('id = "lax"\n[[rules]]\ncode = "APPROVAL_LATE"\nwithin = "4 months"\n', encoding="utf-8")
    result = fazhan("rules", "--overlay", str(path))
    assert result.returncode == 2 and "OVERLAY_LOOSENS" in result.stderr and "4 months" in result.stderr
    assert "Traceback" not in result.stderr


def test_diagram_is_mermaid():
    result = fazhan("diagram")
    assert result.returncode == 0 and result.stdout.startswith("stateDiagram-v2")
    assert "candidate --> probationary" in result.stdout


def test_a_large_table_prints_a_summary_and_points_at_json(tmp_path, monkeypatch):
    import api.output as output

    monkeypatch.setattr(output, "TABLE_ROW_LIMIT", 3)
    dossiers = [{"id": f"D{i}", "state": "activist", "findings": [
        {"code": "TALK_LATE", "severity": "violation", "step": "s02_applicant_talk", "rule_set": "2014",
         "article": "第七条", "provisional": False, "message": "谈话超期"}]} for i in range(5)]
    document = {"format": "audit/1", "as_of": "2026-11-21", "dossiers": dossiers,
                "summary": {"dossiers": 5, "with_violations": 5, "by_code": {"TALK_LATE": 5}}}
    captured = []
    monkeypatch.setattr(output, "console", lambda: __import__("rich.console").console.Console(
        file=_Sink(captured), width=200, highlight=False))
    output.audit_table(document)
    text = "".join(captured)
    assert "共 5 行，超过 3 行" in text and "--format json" in text and "--format html" in text
    assert __import__("re").search(r"TALK_LATE\s*│\s*5\s*│", text), text
    assert "D4" not in text  # no row per dossier
    captured.clear()
    output.audit_table({**document, "dossiers": dossiers[:2], "summary": {**document["summary"], "dossiers": 2}})
    assert "D1" in "".join(captured)


class _Sink:
    def __init__(self, into):
        self.into = into

    def write(self, text):
        self.into.append(text)

    def flush(self):
        pass
