"""`fazhan cultivation pairs suggest|assign|replace` on a SQLite store, as a committee's organiser runs it."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli import app


def run(*args):
    return CliRunner().invoke(app, ["cultivation", "pairs", *args])


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A branch with three full members, one probationary, and two activists."""
    from workflow.store import admin
    from workflow.service_layer import dossiers
    from workflow.store.access import Actor
    from workflow.store.db import make_engine, migrate
    from workflow.store.repository import UnitOfWork

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FAZHAN_DATABASE_URL", url)
    monkeypatch.setenv("FAZHAN_CHAIN_KEY_FILE", str(tmp_path / "keys" / "chain.keys"))
    migrate(url)
    engine = make_engine(url)
    with UnitOfWork(engine) as u:
        root = admin.create_organisation(u, None, name="党委", level="committee", parent_id=None)["id"]
    actor = Actor(user_id=None, login="cli", name="测试", grants=((root, "admin"),))
    members = {}
    for name, status in (("甲", "full"), ("乙", "full"), ("丙", "full"), ("丁", "probationary")):
        with UnitOfWork(engine) as u:
            members[name] = admin.create_member(u, actor, organisation_id=root, name=name, status=status)["id"]
    for i in (1, 2):
        with UnitOfWork(engine) as u:
            dossiers.import_dossier(u, actor, root, {
                "format": "dossier/1", "id": f"A{i}", "person": {"name": f"积极分子{i}", "birth_date": "2005-03-01"},
                "steps": [{"step": "s01_application", "date": "2025-09-10"},
                          {"step": "s02_applicant_talk", "date": "2025-09-20"},
                          {"step": "s03_activist_determined", "date": "2026-01-10", "nomination": ["league"]}]})
    engine.dispose()
    return {"root": root, "members": members}


def test_suggest_assign_and_replace_from_the_command_line(store):
    root, members = str(store["root"]), store["members"]
    shown = run("suggest", "--organisation", root, "--json")
    assert shown.exit_code == 0, shown.output
    suggestion = json.loads(shown.stdout)
    assert len(suggestion["pairs"]) == 4 and "丁" not in {p["member"] for p in suggestion["pairs"]}

    refused = run("assign", f"A1:{members['丁']}", "--organisation", root, "--start", "2026-03-01")
    assert refused.exit_code == 2 and "[PAIRING_NOT_FULL]" in refused.output
    bad = run("assign", "A1-3", "--organisation", root, "--start", "2026-03-01")
    assert bad.exit_code == 2 and "[VALUE_INVALID]" in bad.output

    done = run("assign", "--suggested", "--organisation", root, "--start", "2026-03-01", "--by", "李书记", "--json")
    assert done.exit_code == 0, done.output
    saved = json.loads(done.stdout)["pairings"]
    assert len(saved) == 4 and {p["assigned_by"] for p in saved} == {"李书记"}
    assert json.loads(run("suggest", "--organisation", root, "--json").stdout)["pairs"] == []

    first = next(p for p in saved if p["dossier_id"] == "A1")
    free = next(m for name, m in members.items()
                if name != "丁" and all(p["member_id"] != m for p in saved if p["dossier_id"] == "A1"))
    changed = run("replace", str(first["id"]), str(free), "--date", "2026-06-01", "--reason", "工作调动")
    assert changed.exit_code == 0, changed.output
    assert "2026-06-01" in changed.stdout and "工作调动" in changed.stdout
    again = run("replace", str(first["id"]), str(free), "--date", "2026-06-02", "--reason", "再换")
    assert again.exit_code == 2 and "[PAIRING_ENDED]" in again.output
