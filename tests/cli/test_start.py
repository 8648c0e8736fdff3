"""Commands import only what they use: the command table and a file audit never load the store's
libraries (SQLAlchemy, SQLModel) or the PDF renderer, which cost most of a second to import; the
command table does not load the rule engine (pydantic models) or rich's Markdown and traceback modules
either, and a JSON audit of a file draws nothing with rich. Each probe is a fresh process, so a
module-level import added back anywhere on the way fails here.
(Start times are measured by bench/cli_start.py, not asserted here.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests_support import load_case

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "sqlmodel", "weasyprint", "fastapi", "openpyxl")
HELP_UNUSED = ("pydantic", "workflow.rules", "checklists.kinds", "rich.markdown", "rich.traceback", "markdown_it",
               "pygments", "rich.progress", "multiprocessing")
"""What the command table never needs: the rule engine, typer's Markdown and traceback support (api/cli_help.py),
the progress bar, worker processes."""
FILE_AUDIT_UNUSED = ("rich.progress", "multiprocessing", "rich.markdown", "rich.traceback")
"""What a one-file audit never needs: no progress bar under 200 dossiers, no worker processes."""

RUN_MAIN = """
import sys
sys.argv = ["fazhan", *sys.argv[1:]]
from api.cli import main
try:
    main()
except SystemExit:
    pass
"""
"""The command named by the arguments, run as `fazhan` runs it, in a fresh process."""
PROBE = RUN_MAIN + """print("LOADED", ",".join(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)\n"""


def loaded(*args: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE.format(heavy=heavy), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    line = [x for x in result.stderr.splitlines() if x.startswith("LOADED")][-1]
    return [m for m in line.removeprefix("LOADED ").split(",") if m]


def test_help_loads_no_heavy_library():
    assert loaded("--help") == []
    assert loaded("--help", heavy=HELP_UNUSED) == []


def test_a_file_audit_loads_no_heavy_library(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(load_case("01_valid_2014_full_record")["dossier"]), encoding="utf-8")
    assert loaded("audit", str(path), "--as-of", "2026-11-21", "--format", "json") == []
    assert loaded("audit", str(path), "--as-of", "2026-11-21", "--format", "json",
                  heavy=(*FILE_AUDIT_UNUSED, "rich")) == []  # JSON only: nothing drawn
    assert loaded("audit", str(path), "--as-of", "2026-11-21", heavy=(*HEAVY, *FILE_AUDIT_UNUSED)) == []


SCREEN = """
import sys
if sys.argv[1] == "typer-alone":  # typer's rich_utils imported as typer does it, with the real modules
    import rich.markdown, rich.traceback
sys.argv = ["fazhan", *sys.argv[2:]]
from api.cli import main
try:
    main()
except SystemExit as exc:
    print("EXIT", exc.code)
print("LOADED", "rich.markdown" in sys.modules, file=sys.stderr)
"""


def screen(mode: str, *args: str) -> tuple[str, str]:
    result = subprocess.run([sys.executable, "-c", SCREEN, mode, *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={**os.environ, "COLUMNS": "100", "TERM": "dumb"})
    return result.stdout, result.stderr


@pytest.mark.parametrize("args", [("--help",), ("audit", "--help"), ("cultivation",), ("cultivation", "pairs", "--help"),
                                  ("audit", "--bogus"), ("no-such-command",)])
def test_help_and_usage_errors_are_drawn_as_typer_draws_them(args):
    """api/cli_help.py runs typer's rich_utils with stand-ins for rich.markdown and rich.traceback: the
    screens (help, a group without a command, usage errors) are the same text as with the real modules."""
    light_out, light_err = screen("fazhan", *args)
    full_out, full_err = screen("typer-alone", *args)
    assert light_err.splitlines()[-1] == "LOADED False" and full_err.splitlines()[-1] == "LOADED True"
    assert (light_out, light_err.splitlines()[:-1]) == (full_out, full_err.splitlines()[:-1])
    assert "Usage:" in light_out + light_err


def test_the_stand_ins_build_rich_objects():
    from rich.markdown import Markdown
    from rich.traceback import Traceback

    from api import cli_help

    assert isinstance(cli_help.Markdown("**粗体**", style="dim"), Markdown)
    try:
        raise ValueError("x")
    except ValueError as exc:
        assert isinstance(cli_help.Traceback.from_exception(type(exc), exc, exc.__traceback__), Traceback)


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


PLUGINS = RUN_MAIN + """from pydantic.plugin import _loader
print("SCANNED", _loader._plugins is not None, file=sys.stderr)
"""


@pytest.mark.parametrize("preset", [None, "some_plugin"])
def test_a_file_audit_does_not_scan_for_pydantic_plugins_unless_asked(tmp_path, preset):
    """Pydantic reads every installed distribution's entry points to find plugins (about 20 ms of a
    one-file audit); fazhan uses none, so the command line turns the search off, unless the variable
    is already set (then it is left as it is, and pydantic reads the entry points)."""
    path = tmp_path / "d.json"
    path.write_text(json.dumps(load_case("01_valid_2014_full_record")["dossier"]), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if preset is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = preset
    result = subprocess.run([sys.executable, "-c", PLUGINS, "audit", str(path), "--as-of", "2026-11-21",
                             "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert f"SCANNED {preset is not None}" in result.stderr, result.stderr[-2000:]
