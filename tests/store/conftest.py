"""Store fixtures: the database fixtures of store/dbfixtures.py (SQLite and PostgreSQL variants), and a
chain key file of each test's own, so a test that rotates or replaces the key touches nobody else's."""
import pytest

from store.dbfixtures import db_url, engine, uow  # noqa: F401


@pytest.fixture(autouse=True)
def chain_key_file(tmp_path, monkeypatch):
    path = tmp_path / "keys" / "chain.keys"
    monkeypatch.setenv("FAZHAN_CHAIN_KEY_FILE", str(path))
    return path
