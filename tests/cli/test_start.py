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


def loaded(*args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    line = [x for x in result.stderr.splitlines() if x.startswith("LOADED")][-1]
    return [m for m in line.removeprefix("LOADED ").split(",") if m]


def test_help_loads_no_heavy_library():
    assert loaded("--help") == []


def test_a_file_audit_loads_no_heavy_library(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(load_case("01_valid_2014_full_record")["dossier"]), encoding="utf-8")
    assert loaded("audit", str(path), "--as-of", "2026-11-21", "--format", "json") == []
