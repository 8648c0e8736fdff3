"""Store fixtures: the database fixtures of store/dbfixtures.py (SQLite and PostgreSQL variants)."""
from store.dbfixtures import db_url, engine, uow  # noqa: F401
