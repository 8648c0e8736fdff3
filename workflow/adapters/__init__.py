"""Storage behind the use cases: the SQL unit of work (sql.py) and an in-memory one for tests (fake.py)."""
