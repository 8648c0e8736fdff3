"""Imports point down (issue 14, point 4): api → workflow/service_layer (use cases) → workflow/adapters
(the unit of work and its repositories) → workflow/store (tables, events, ledger, keys, access).

Storage never calls a use case, and a use case reaches storage only through the unit of work's
repositories, so it can be run against the fake (tests/service_layer). What still speaks SQL in the
service layer is listed below with the reason, so it stays visible and the list can only shrink.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICE_LAYER = ROOT / "workflow" / "service_layer"
BELOW = (ROOT / "workflow" / "store", ROOT / "workflow" / "adapters")

# Storage modules that still call a use case, and why. Each is a use case living in workflow/store.
UPWARD_IMPORTS = {
    "workflow/store/cultivation.py": "the cultivation use cases (scores, rankings, 推优, assessments) still live "
                                     "in store; record_assessment adds the assessment through steps.add_fact",
    "workflow/store/cultivation_queries.py": "the cultivation pages' queries still live in store; cohort_board "
                                             "lists the dossiers web_queries.visible_dossiers shows",
}

# Use cases that still speak SQL (a session, select(), a table class, the SQL unit of work), and why.
SQL_IN_USE_CASES = {
    "batches.py": "branch meetings and their candidates (batch_tables) have no repository; a batch runs its use "
                  "cases in savepoints of one session (_OneTransaction)",
    "demo.py": "seeds demo organisations, users and roster members through the admin functions, which take a "
               "session",
    "inbox.py": "reads heads, snapshots and return events of many dossiers in chunks, and the calendar version, "
                "for its per-dossier cache",
    "inbox_mail.py": "the digest subscriptions (InboxMail) and their users have no repository; actor_for takes "
                     "a session",
}

SQL_MODULES = ("sqlmodel", "sqlalchemy", "workflow.adapters", "workflow.store.tables", "workflow.store.db")


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _imported(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
            out += [f"{node.module}.{alias.name}" for alias in node.names]
    return out


def _sql_uses(path: Path) -> list[str]:
    """What in the module speaks SQL: a session, a select(), a table module, the SQL adapters."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"imports {name}" for name in _imported(tree)
             if name.startswith(SQL_MODULES) or name.split(".")[-1].endswith("_tables")]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "session":
            found.append(f"line {node.lineno}: .session")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "select":
            found.append(f"line {node.lineno}: select(")
    return found


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_storage_never_imports_a_use_case():
    upward = {_relative(path) for folder in BELOW for path in _modules(folder)
              if any(name.startswith("workflow.service_layer") for name in _imported(ast.parse(path.read_text())))}
    assert upward - set(UPWARD_IMPORTS) == set(), "storage imports the service layer: move the use case up"
    assert set(UPWARD_IMPORTS) - upward == set(), "no longer imports upward: take it off UPWARD_IMPORTS"


@pytest.mark.parametrize("path", _modules(SERVICE_LAYER), ids=lambda p: p.name)
def test_a_use_case_reaches_storage_only_through_the_repositories(path):
    uses = _sql_uses(path)
    if path.name in SQL_IN_USE_CASES:
        assert uses, f"{path.name} no longer speaks SQL: take it off SQL_IN_USE_CASES"
    else:
        assert uses == [], f"{path.name} speaks SQL outside the repositories (workflow/adapters/sql.py)"


def test_the_checks_would_see_sql_and_an_upward_import(tmp_path):
    """The two checks above are only as good as what they detect."""
    sample = tmp_path / "sample.py"
    sample.write_text("from sqlmodel import select\nfrom workflow.store.change_tables import PendingChange\n"
                      "def f(uow):\n    return uow.session.exec(select(PendingChange)).all()\n")
    assert {"imports sqlmodel", "imports workflow.store.change_tables", "line 4: select(", "line 4: .session"} \
        <= set(_sql_uses(sample))
    assert "workflow.service_layer.steps" in _imported(ast.parse("from workflow.service_layer import steps"))
