"""Database fixtures shared by the store and API tests: every DB test runs on SQLite and PostgreSQL.

The PostgreSQL variant uses `FAZHAN_TEST_POSTGRES_URL`; it is skipped only when that is unset and
`CI` is not set. Each test gets a fresh schema (PostgreSQL) or file (SQLite), so runs never collide.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from workflow.store.access import Actor
from workflow.store.db import make_engine, migrate
from workflow.store.repository import UnitOfWork

PG_ENV = "FAZHAN_TEST_POSTGRES_URL"


def _postgres_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {PG_ENV} is not: the PostgreSQL tests must run in CI")
        pytest.skip(f"{PG_ENV} is not set")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """(url, schema) of an empty database brought up by the Alembic migrations."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fazhan.db'}"
        migrate(url)
        yield url, None
        return
    url = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # unreachable server: fail loudly, never skip silently
        pytest.fail(f"PostgreSQL at {PG_ENV} is unreachable: {exc}")
    try:
        migrate(url, schema=schema)
        yield url, schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url):
    url, schema = db_url
    eng = make_engine(url, schema=schema)
    yield eng
    eng.dispose()


@pytest.fixture
def uow(engine):
    def make():
        return UnitOfWork(engine)
    return make
