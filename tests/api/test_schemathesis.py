"""Property-based run against the OpenAPI schema: whatever is sent, the answer is never a 500.

It runs on SQLite and on PostgreSQL (which refuses NUL characters and integers past 64 bits that
SQLite would take: issue 9). Bounded in examples per operation (not time): about 40 s a backend;
deselect with `-m "not schemathesis"`.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from workflow.service_layer import dossiers
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork

EXAMPLES = 50


@pytest.mark.schemathesis
def test_no_input_makes_a_500(world, db_url):
    actor = Actor(user_id=None, login="seed", name="种子", grants=((world.orgs["A1"], "organiser"),))
    with UnitOfWork(world.engine) as uow:
        dossiers.create_dossier(uow, actor, world.orgs["A1"], {"name": "样例", "birth_date": "2000-01-01"},
                                dossier_id="SAMPLE-1", track_materials=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    operations = sorted((r.ok() for r in schema.get_all_operations()), key=_ends_the_session)
    failures, tried = [], []
    for operation in operations:
        token = _login(world)  # a fresh session: an operation before may have logged the last one out

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            response = case.call()
            tried.append(response.status_code)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, response.text[:200]))
            elif response.status_code >= 400 and "json" in str(response.headers.get("content-type")):
                error = response.json()["error"]
                assert error["code"] and error["message"]

        check()
    assert not failures, failures
    signed_in = [s for s in tried if s != 401]
    assert len(signed_in) > len(tried) * 0.8, "the run must reach the routes, not only the sign-in check"


def _ends_the_session(operation) -> bool:
    """Logging out and deactivating a user (perhaps the admin itself) run last."""
    return operation.path.endswith(("/auth/logout", "/deactivate"))


def _login(world) -> str:
    """A new API token for the admin, issued directly: the run itself fails sign-ins on purpose, and
    the lockout would soon refuse a real one from the same address."""
    from sqlmodel import select

    from workflow.store.accounts import issue_token
    from workflow.store.tables import User

    with UnitOfWork(world.engine) as uow:
        user = uow.session.exec(select(User).where(User.login == "admin")).one()
        token = issue_token(uow.session, user, 1)
        uow.commit()
    return token
