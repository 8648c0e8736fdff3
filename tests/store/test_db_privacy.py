"""A failed statement's error message names the statement, never its values: a 身份证号 bound as a
parameter must not reach a log or an error page through SQLAlchemy's exception text."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from workflow.store.db import make_engine

ID_NUMBER = "11010519491231002X"


def test_statement_errors_do_not_carry_their_parameters(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE person (id_number TEXT PRIMARY KEY)"))
        conn.execute(text("INSERT INTO person VALUES (:n)"), {"n": ID_NUMBER})
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO person VALUES (:n)"), {"n": ID_NUMBER})
    assert ID_NUMBER not in str(caught.value) and "INSERT INTO person" in str(caught.value)
