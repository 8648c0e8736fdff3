"""The caches that make each request cheap (the user behind a token, the organisation tree) never outlive a
change: a revoked token, a changed grant, a deactivated user, a moved organisation count at the very next
request, in this worker and in another one (workflow/store/cache.py; each app below has an engine of its
own, so its caches are as separate as another worker process's).

Each test first makes sure the other worker holds the thing in its cache, so that a change that did not
reach the cache would be answered from it and the test would fail."""
from __future__ import annotations

import hashlib

import pytest
from api_world import MAX_UPLOAD, PASSWORD, TODAY
from fastapi.testclient import TestClient
from sqlalchemy import delete, text, update

from api.app import create_app
from api.deps import get_today
from workflow.service_layer import dossiers
from workflow.store import accounts, cache
from workflow.store.access import Actor
from workflow.store.db import make_engine
from workflow.store.repository import UnitOfWork
from workflow.store.settings import Settings
from workflow.store.tables import Organisation, RoleGrant

S01 = {"step": "s01_application", "date": "2020-08-11"}
S02 = {"step": "s02_applicant_talk", "date": "2020-09-05", "by": "李书记"}


@pytest.fixture
def other(db_url):
    """A second worker: the same database, an engine (so caches) of its own."""
    url, schema = db_url
    engine = make_engine(url, schema=schema)
    app = create_app(Settings(database_url="sqlite://", max_upload_bytes=MAX_UPLOAD), engine=engine)
    app.dependency_overrides[get_today] = lambda: TODAY
    yield app, engine
    engine.dispose()


def _client(app, token: str) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _cached_token(engine, token: str) -> bool:
    with UnitOfWork(engine) as uow:
        known = cache.bounded(uow.session, "tokens", 10)
        return known.get(hashlib.sha256(token.encode()).hexdigest()) is not None


def _cached_tree(engine) -> bool:
    with UnitOfWork(engine) as uow:
        return cache.slots(uow.session).get("organisation_tree") is not None


def _dossier(world, dossier_id: str, org: str = "A1") -> str:
    """A dossier that tracks no materials, so that a review turns only on who may give it."""
    organiser = Actor(user_id=world.users["organiser"], login="organiser", name="李书记",
                      grants=((world.orgs["A"], "organiser"),))
    with UnitOfWork(world.engine) as uow:
        dossiers.create_dossier(uow, organiser, world.orgs[org],
                                {"name": f"缓存{dossier_id}", "birth_date": "2000-01-01"},
                                dossier_id=dossier_id, track_materials=False)
    return dossier_id


def test_a_revoked_token_is_refused_at_once_by_every_worker(world, other):
    app, engine = other
    token = world.tokens["branch_organiser"]
    here, there = world.client("branch_organiser"), _client(app, token)
    dossier = _dossier(world, "CACHE-T")
    assert there.get("/api/me").status_code == 200
    assert there.post(f"/api/dossiers/{dossier}/steps", json=S01).status_code == 201
    assert _cached_token(engine, token)  # the other worker answers from its cache from now on

    assert here.post("/api/auth/logout").status_code == 204
    for client in (here, there):
        me = client.get("/api/me")
        assert me.status_code == 401 and me.json()["error"]["code"] == "UNAUTHORISED"
        step = client.post(f"/api/dossiers/{dossier}/steps", json=S02)
        assert step.status_code == 401, step.text


def test_a_password_change_ends_the_old_token_in_every_worker(world, other):
    app, engine = other
    token = world.tokens["auditor"]
    there = _client(app, token)
    assert there.get("/api/me").status_code == 200 and _cached_token(engine, token)
    changed = world.client("auditor").post("/api/auth/password", json={"old_password": PASSWORD,
                                                                      "new_password": "a-new-long-passphrase-9"})
    assert changed.status_code == 204, changed.text
    assert there.get("/api/me").status_code == 401


def test_a_deactivated_user_is_refused_at_once_by_every_worker(world, other):
    app, engine = other
    token = world.tokens["branch_organiser"]
    there = _client(app, token)
    dossier = _dossier(world, "CACHE-D")
    assert there.post(f"/api/dossiers/{dossier}/steps", json=S01).status_code == 201
    assert _cached_token(engine, token)

    answer = world.client("admin").post(f"/api/users/{world.users['branch_organiser']}/deactivate")
    assert answer.status_code == 200, answer.text
    assert there.post(f"/api/dossiers/{dossier}/steps", json=S02).status_code == 401
    assert there.get("/api/me").status_code == 401


def test_a_grant_taken_away_or_given_counts_at_the_next_request(world, other):
    app, engine = other
    token = world.tokens["branch_organiser"]
    there = _client(app, token)
    dossier = _dossier(world, "CACHE-G")
    assert there.post(f"/api/dossiers/{dossier}/steps", json=S01).status_code == 201
    assert _cached_token(engine, token)

    # taken away by someone else (the command line, an administrator on another worker, plain SQL)
    user = world.users["branch_organiser"]
    with UnitOfWork(world.engine) as uow:
        uow.session.execute(delete(RoleGrant).where(RoleGrant.user_id == user))
        uow.commit()
    assert world.client("reviewer").post(f"/api/dossiers/{dossier}/steps/0/review").status_code == 200
    refused = there.post(f"/api/dossiers/{dossier}/steps", json=S02)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "DOSSIER_NOT_FOUND", refused.text
    assert there.get("/api/me").json()["roles"] == []

    # and given: the sibling branch's organiser reaches A1 at once
    sibling = _client(app, world.tokens["sibling_organiser"])
    assert sibling.post(f"/api/dossiers/{dossier}/steps", json=S02).status_code == 404
    with UnitOfWork(world.engine) as uow:
        uow.session.add(RoleGrant(user_id=world.users["sibling_organiser"], organisation_id=world.orgs["A1"],
                                  role="organiser"))
        uow.commit()
    answer = sibling.post(f"/api/dossiers/{dossier}/steps", json=S02)
    assert answer.status_code == 201, answer.text


def test_a_moved_organisation_counts_at_the_next_request(world, other):
    """Branch A1 moves from tree A to tree X: A's reviewer no longer reaches its dossiers, X's does."""
    app, engine = other
    dossier = _dossier(world, "CACHE-M")
    assert world.client("branch_organiser").post(f"/api/dossiers/{dossier}/steps", json=S01).status_code == 201
    a_reviewer, x_reviewer = _client(app, world.tokens["reviewer"]), _client(app, world.tokens["foreign_reviewer"])
    assert a_reviewer.get(f"/api/dossiers/{dossier}").status_code == 200
    assert x_reviewer.get(f"/api/dossiers/{dossier}").status_code == 404
    assert _cached_tree(engine)

    with UnitOfWork(world.engine) as uow:
        uow.session.execute(update(Organisation).where(Organisation.id == world.orgs["A1"])
                            .values(parent_id=world.orgs["X"], root_id=world.orgs["X"]))
        uow.commit()
    assert a_reviewer.post(f"/api/dossiers/{dossier}/steps/0/review").status_code == 404
    answer = x_reviewer.post(f"/api/dossiers/{dossier}/steps/0/review")
    assert answer.status_code == 200, answer.text


def test_without_the_triggers_nothing_is_cached_and_revocation_still_counts(world, db_url):
    """A database whose triggers are gone (a migration that rebuilt a SQLite table without them) must not
    be trusted: the worker then reads the token and the tree on every request."""
    url, schema = db_url
    with world.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER cache_version_apitoken ON apitoken"))
        else:
            conn.execute(text("DROP TRIGGER cache_version_apitoken_delete"))
    engine = make_engine(url, schema=schema)  # a worker started after that
    try:
        app = create_app(Settings(database_url="sqlite://", max_upload_bytes=MAX_UPLOAD), engine=engine)
        token = world.tokens["branch_organiser"]
        there = _client(app, token)
        assert there.get("/api/me").status_code == 200
        with UnitOfWork(engine) as uow:
            assert cache.version(uow.session) is None
        assert not _cached_token(engine, token)
        with UnitOfWork(world.engine) as uow:  # a revocation the missing trigger does not announce
            accounts.revoke_token(uow.session, token)
            uow.commit()
        assert there.get("/api/me").status_code == 401
    finally:
        engine.dispose()
