"""Web fixtures: the API tests' two-tree world, served by the same app, and signed-in page clients."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "api"))

from store.dbfixtures import db_url, engine, uow  # noqa: F401
from webkit import make_world


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch):
    """The same argon2id scheme with test-sized cost."""
    from argon2 import PasswordHasher

    from workflow.store import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def world(engine):  # noqa: F811
    return make_world(engine)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(__file__).resolve().parents[2] / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
