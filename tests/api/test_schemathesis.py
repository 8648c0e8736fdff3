"""Property-based run against the OpenAPI schema: whatever is sent, the answer is never a 500.

Bounded in examples (not time); deselect with `-m "not schemathesis"`.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from workflow.store import services
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork

EXAMPLES = 50



@pytest.mark.schemathesis
def test_no_input_makes_a_500(world, db_url):
    if db_url[1] is not None:
        pytest.skip("one backend is enough for the schema run; PostgreSQL paths are covered by the other tests")
    actor = Actor(user_id=None, login="seed", name="种子", grants=((world.orgs["A1"], "organiser"),))
    with UnitOfWork(world.engine) as uow:
        services.create_dossier(uow, actor, world.orgs["A1"], {"name": "样例", "birth_date": "2000-01-01"},
                                dossier_id="SAMPLE-1", track_materials=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {world.tokens['admin']}"}
            response = case.call()
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, response.text[:200]))
            elif response.status_code >= 400 and "json" in str(response.headers.get("content-type")):
                error = response.json()["error"]
                assert error["code"] and error["message"]

        check()
    assert not failures, failures
