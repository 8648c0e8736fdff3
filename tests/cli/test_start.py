"""Commands import only what they use: the command table and a file audit never load the store's
libraries (SQLAlchemy, SQLModel) or the PDF renderer, which cost most of a second to import; the
command table does not load the rule engine (pydantic models) or rich's Markdown and traceback modules
either, and a JSON audit of a file draws nothing with rich. Each probe is a fresh process, so a
module-level import added back anywhere on the way fails here. A plain file audit runs without typer
(api/cli_audit.py), and its answers are compared with typer's byte for byte.
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
    one-file audit) when it first builds a validator; fazhan uses none, so the command line turns the
    search off, unless the variable is already set (then it is left as it is, and pydantic reads the
    entry points). The file cannot be read by the fast path, so the validating models are built."""
    document = load_case("01_valid_2014_full_record")["dossier"]
    document["steps"][1]["date"] = "2020-02-30"
    path = tmp_path / "d.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if preset is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = preset
    result = subprocess.run([sys.executable, "-c", PLUGINS, "audit", str(path), "--as-of", "2026-11-21",
                             "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert "DATE_INVALID" in result.stderr, result.stderr[-2000:]
    assert f"SCANNED {preset is not None}" in result.stderr, result.stderr[-2000:]


WAYS = {"plain": "from api.cli import main; main()", "typer": "from api.cli import run_typer; run_typer()"}
"""`fazhan` as installed (a plain file audit runs without typer), and every command line through typer."""


def run_way(way: str, args: list[str], cwd: Path, stdin: str | None = None, **kwargs) -> tuple[int, bytes, bytes]:
    code = "import sys; sys.argv = ['fazhan', *sys.argv[1:]]; " + WAYS[way]
    env = {**os.environ, "COLUMNS": "120", "TERM": "dumb"}
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, timeout=300,
                            input=stdin.encode() if stdin is not None else None, **streams)
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
def dossiers(tmp_path) -> Path:
    """A clean dossier, one with violations, one that cannot be read, one that is not JSON."""
    (tmp_path / "ok.json").write_text(json.dumps(load_case("01_valid_2014_full_record")["dossier"]), encoding="utf-8")
    (tmp_path / "late.json").write_text(json.dumps(load_case("03_talk_after_one_month")["dossier"],
                                                   ensure_ascii=False), encoding="utf-8")
    broken = load_case("01_valid_2014_full_record")["dossier"]
    broken["steps"][1]["date"] = "2020-02-30"
    (tmp_path / "bad date.json").write_text(json.dumps(broken), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "garbage.json").write_text("{not json", encoding="utf-8")
    return tmp_path


PLAIN_LINES = [
    ["audit", "ok.json", "--as-of", "2026-11-21"],
    ["audit", "ok.json", "--as-of", "2026-11-21", "--format", "json"],
    ["audit", "--format=json", "late.json", "--as-of=2026-11-21"],
    ["audit", "late.json", "ok.json", "--as-of", "2026-11-21"],
    ["audit", ".", "--as-of", "2026-11-21", "--format", "json"],
    ["audit", "bad date.json", "--as-of", "2026-11-21"],
    ["audit", "missing.json", "--format", "json"],
    ["audit", "ok.json", "--as-of", "2026-13-01"],
    ["audit", "sub", "--as-of", "2026-11-21", "--format", "table"],
    ["audit", "-", "--as-of", "2026-11-21", "--format", "json"],
]


@pytest.mark.parametrize("args", PLAIN_LINES, ids=lambda a: " ".join(a))
def test_a_plain_file_audit_answers_as_typer_does(dossiers, args):
    """api/cli_audit.py runs these without typer: standard output, standard error and exit status are typer's,
    byte for byte (a clean dossier, violations, unreadable files, a bad --as-of, a directory, standard input)."""
    from api.cli_audit import plain_file_audit

    assert plain_file_audit(args, {}) is not None
    stdin = (dossiers / "late.json").read_text(encoding="utf-8") if "-" in args else None
    plain, typer_way = run_way("plain", args, dossiers, stdin), run_way("typer", args, dossiers, stdin)
    assert plain == typer_way
    assert plain[1] or plain[2]


def test_a_plain_file_audit_loads_no_typer(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(load_case("01_valid_2014_full_record")["dossier"]), encoding="utf-8")
    for fmt in ("json", "table"):
        assert loaded("audit", str(path), "--as-of", "2026-11-21", "--format", fmt,
                      heavy=("typer", "click", "pydantic.type_adapter")) == []
    assert loaded("audit", str(path), "--workers", "1", heavy=("typer",)) == ["typer"]  # not plain: typer


@pytest.mark.parametrize("args", [
    [], ["--help"], ["plan", "x.json"], ["audit"], ["audit", "--help"], ["audit", "x.json", "--help"],
    ["audit", "x.json", "-h"], ["audit", "x.json", "--format", "JSON"], ["audit", "x.json", "--format", "xml"],
    ["audit", "x.json", "--format"], ["audit", "x.json", "--as-of"], ["audit", "x.json", "--as-of="],
    ["audit", "x.json", "--as-of", "--format", "json"], ["audit", "x.json", "--as-of", "2026-11-21", "--as-of=2026-11-22"],
    ["audit", "x.json", "--organisation", "3"], ["audit", "--all"], ["audit", "x.json", "--workers", "2"],
    ["audit", "--", "x.json"], ["audit", "-x.json"], ["audit", ""], ["audit", "x\udcff.json"],
    ["audit", "x.json", "--as-of", "2026\udcff"], ["audit", "x.json", "--form", "json"], ["audit", "x.json", "--as"],
], ids=repr)
def test_anything_but_a_plain_file_audit_goes_to_typer(args):
    from api.cli_audit import plain_file_audit

    assert plain_file_audit(args, {}) is None


def test_shell_completion_goes_to_typer():
    from api.cli_audit import Format, plain_file_audit

    assert plain_file_audit(["audit", "x.json"], {"_FAZHAN_COMPLETE": "bash_complete"}) is None
    assert plain_file_audit(["audit", "x.json"], {"_FAZHAN_COMPLETE": ""}) == {
        "paths": ["x.json"], "as_of": None, "format": Format.table}


@pytest.mark.parametrize("args", [PLAIN_LINES[0], ["audit", "--as-of", "2026-11-21", "--workers", "0", "ok.json"]])
def test_a_closed_output_pipe_ends_as_typer_ends(dossiers, args):
    """A reader that went away before the table is drawn: exit status 1 and nothing on standard error,
    either way (typer's standalone mode, and api/cli_audit.py's run_plain; the second line is typer's
    both ways, for comparison)."""
    answers = []
    for way in WAYS:
        read, write = os.pipe()
        os.close(read)
        try:
            answers.append(run_way(way, args, dossiers, stdout=write)[::2])
        finally:
            os.close(write)
    assert answers[0] == answers[1]
    assert answers[0][0] == 1
