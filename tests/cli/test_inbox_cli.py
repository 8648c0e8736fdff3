"""`fazhan inbox address|digest` on a SQLite store, as an administrator and a cron job run them."""
from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from api.cli import app

ID_NUMBER = "110105200102110024"


def run(*args):
    return CliRunner().invoke(app, ["inbox", *args])


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A branch organiser with one case whose first step is due for its talk."""
    from argon2 import PasswordHasher

    from workflow.service_layer import inbox
    from workflow.store import accounts, admin
    from workflow.service_layer import dossiers, steps
    from workflow.store.db import make_engine, migrate
    from workflow.store.repository import UnitOfWork
    from workflow.store.tables import User

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_FROM", "SMTP_STARTTLS"):
        monkeypatch.delenv(f"FAZHAN_{name}", raising=False)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FAZHAN_DATABASE_URL", url)
    monkeypatch.setenv("FAZHAN_CHAIN_KEY_FILE", str(tmp_path / "keys" / "chain.keys"))
    migrate(url)
    engine = make_engine(url)
    inbox.clear_cache()
    with UnitOfWork(engine) as u:
        root = admin.create_organisation(u, None, name="党委", level="committee", parent_id=None)["id"]
    with UnitOfWork(engine) as u:
        user = admin.create_user(u, None, login="wu", display_name="吴支书", password="correct-horse-1",
                                 grants=[(root, "organiser")])["id"]
    with UnitOfWork(engine) as u:
        actor = accounts.actor_for(u.session, u.session.get(User, user))
        dossiers.create_dossier(u, actor, root, {"name": "张三", "birth_date": "2001-02-11", "id_number": ID_NUMBER},
                                dossier_id="T-1", track_materials=False)
    with UnitOfWork(engine) as u:
        steps.record_step(u, actor, "T-1", {"step": "s01_application", "date": "2026-11-01"},
                          today=__import__("datetime").date(2026, 11, 21))
    return engine


def test_an_address_then_a_dry_run_digest(store):
    assert run("address", "nobody", "x@example.org").exit_code == 2
    bad = run("address", "wu", "not-an-address")
    assert bad.exit_code == 2 and "VALUE_INVALID" in bad.output
    assert run("address", "wu", "wu@example.org").exit_code == 0
    dry = run("digest", "--dry-run", "--show", "--as-of", "2026-11-21")
    assert dry.exit_code == 0, dry.output
    assert "wu\t1 项\t试运行（未发送）" in dry.output
    assert "张三 · 党组织派人谈话：截止 2026-12-01，还有 10 天" in dry.output
    assert ID_NUMBER not in dry.output and "wu@example.org" not in dry.output


def test_the_digest_is_off_until_a_server_is_set(store, monkeypatch):
    assert run("address", "wu", "wu@example.org").exit_code == 0
    off = run("digest", "--as-of", "2026-11-21")
    assert off.exit_code == 0 and "邮件摘要未启用" in off.output
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("FAZHAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FAZHAN_SMTP_PORT", str(closed))
    failed = run("digest", "--as-of", "2026-11-21")
    assert failed.exit_code == 1 and "发送失败" in failed.output
    assert run("address", "wu", "--off").exit_code == 0
    assert run("digest", "--as-of", "2026-11-21").output.strip() == ""
