"""Commands import only what they use: the command table and a file audit never load the store's
libraries (SQLAlchemy, SQLModel) or the PDF renderer, which cost most of a second to import.
(Start times are measured by bench/cli_start.py, not asserted here.)"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests_support import load_case

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "sqlmodel", "weasyprint", "fastapi", "openpyxl")

PROBE = """
import sys
sys.argv = ["fazhan", *sys.argv[1:]]
from api.cli import main
try:
    main()
except SystemExit:
    pass
print("LOADED", ",".join(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


def loaded(*args: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE.format(heavy=heavy), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    line = [x for x in result.stderr.splitlines() if x.startswith("LOADED")][-1]
    return [m for m in line.removeprefix("LOADED ").split(",") if m]


def test_help_loads_no_heavy_library():
    assert loaded("--help") == []


def test_a_file_audit_loads_no_heavy_library(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(load_case("01_valid_2014_full_record")["dossier"]), encoding="utf-8")
    assert loaded("audit", str(path), "--as-of", "2026-11-21", "--format", "json") == []


VALIDATING = ("workflow.dossier",)  # the pydantic models of dossier/1: built only when the fast reading refuses


def test_a_readable_file_is_audited_without_building_the_validating_models(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(load_case("01_valid_2014_full_record")["dossier"]), encoding="utf-8")
    assert loaded("audit", str(path), "--as-of", "2026-11-21", "--format", "json", heavy=VALIDATING) == []


def test_an_unreadable_file_gets_the_validating_models_and_their_precise_error(tmp_path):
    document = load_case("01_valid_2014_full_record")["dossier"]
    document["steps"][1]["date"] = "2020-02-30"
    path = tmp_path / "d.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert loaded("audit", str(path), "--as-of", "2026-11-21", "--format", "json",
                  heavy=VALIDATING) == ["workflow.dossier"]
    result = subprocess.run([sys.executable, "-m", "api.cli", "audit", str(path), "--as-of", "2026-11-21",
                             "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and "DATE_INVALID" in result.stderr and "$.steps[1].date" in result.stderr
