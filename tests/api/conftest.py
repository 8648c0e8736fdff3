"""API fixtures: a world of two organisation trees with one user per role, and a client per user.

The database fixtures (SQLite and PostgreSQL variants) are those of tests/store/conftest.py.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_today
sys.path.insert(0, str(Path(__file__).parent))  # for api_world, the helpers the test modules import

from api_world import MAX_UPLOAD, PASSWORD, TODAY, World, build_world
from workflow.store.settings import Settings

from store.dbfixtures import db_url, engine, uow  # noqa: F401,E402


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch):
    """The same argon2id scheme with test-sized cost: the suite logs in ten users per test."""
    from argon2 import PasswordHasher

    from workflow.store import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def world(engine) -> World:
    world = build_world(engine)
    app = create_app(Settings(database_url="sqlite://", max_upload_bytes=MAX_UPLOAD), engine=engine)
    app.dependency_overrides[get_today] = lambda: TODAY
    world.app = app
    client = TestClient(app)
    for who in world.users:
        answer = client.post("/api/auth/login", data={"username": who, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        world.tokens[who] = answer.json()["access_token"]
    return world


def pytest_configure(config):
    config.addinivalue_line("markers", "schemathesis: property-based run against the OpenAPI schema (slow)")
