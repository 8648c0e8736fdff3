"""Recording and reviewing a step answered by api/hot_routes.py (before the router) say exactly what the
FastAPI routes say: the same status, body and headers for each request of a case with its refusals, and
the hot layer really answered the well-formed ones."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from api import hot_routes
from workflow.service_layer import dossiers
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork

S01 = {"step": "s01_application", "date": "2020-08-11"}
S02 = {"step": "s02_applicant_talk", "date": "2020-09-05", "by": "李书记"}
JSON = {"Content-Type": "application/json"}


def _case(world, dossier: str) -> list[tuple]:
    """Every request of the case, as (who, method, path, body bytes or None, headers)."""
    steps = f"/api/dossiers/{dossier}/steps"
    return [
        (None, "POST", steps, b'{"step": "s01_application", "date": "2020-08-11"}', JSON),  # no token
        (None, "POST", steps, b"{}", {**JSON, "Authorization": "Bearer not-a-token"}),
        (None, "POST", steps, b"{}", {**JSON, "Authorization": "Basic " + world.tokens["branch_organiser"]}),
        ("foreign_organiser", "POST", steps, b"{}", JSON),  # not visible: as absent
        ("branch_organiser", "POST", "/api/dossiers/NO-SUCH/steps", b"{}", JSON),
        ("branch_organiser", "POST", steps, b"[1, 2]", JSON),  # not an object: FastAPI's 422
        ("branch_organiser", "POST", steps, b'{"step": ', JSON),  # malformed JSON
        ("branch_organiser", "POST", steps, b"", JSON),  # no body
        ("branch_organiser", "POST", steps, b'{"step": "s01_application"}', {"Content-Type": "text/plain"}),
        ("branch_organiser", "POST", steps, b'{"step": "s01_application", "date": "2020-02-30"}', JSON),
        ("branch_organiser", "POST", steps, b'{"step": "no_such_step", "date": "2020-08-11"}', JSON),
        ("branch_organiser", "POST", steps, b'{"step": "s01_application", "date": "2020-08-11", "reason": 5}',
         {"Content-Type": "application/json; charset=utf-8"}),
        ("branch_organiser", "POST", steps + "/", b"{}", JSON),  # trailing slash
        ("branch_organiser", "GET", steps, None, {}),
        ("branch_organiser", "POST", f"{steps}/0/review", b"null", JSON),  # the recorder may not review
        ("reviewer", "POST", f"{steps}/5/review", b"null", JSON),  # no such step
        ("reviewer", "POST", f"{steps}/1001/review", b"null", JSON),  # past the route's bound
        ("reviewer", "POST", f"{steps}/007/review", b"null", JSON),
        ("reviewer", "POST", f"{steps}/x/review", b"null", JSON),
        ("foreign_reviewer", "POST", f"{steps}/0/review", b"null", JSON),
        ("reviewer", "POST", f"{steps}/0/review", b"null", JSON),
        ("reviewer", "POST", f"{steps}/0/review", None, {}),  # reviewed already
        ("branch_organiser", "POST", steps, (
            '{"step": "s02_applicant_talk", "date": "2020-09-05", "by": "李书记"}').encode(), JSON),
        ("both", "POST", f"{steps}/1/review", b"null", JSON),  # a reviewer who did not record it
        ("branch_organiser", "POST", steps, b'{"step": "s01_application", "date": "2020-08-11", "x": "\\u0000"}',
         JSON),  # NUL: RequestLimits, outside
    ]


def _answers(world, dossier: str) -> list[tuple]:
    out = []
    for who, method, path, body, headers in _case(world, dossier):
        client = world.client(who)
        answer = client.request(method, path, content=body, headers=headers, follow_redirects=False)
        text = answer.text.replace(dossier, "<id>")
        text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(\+00:00|Z)?", "<time>", text)
        names = sorted(k for k in answer.headers if k not in ("content-length", "date"))
        out.append((method, path.replace(dossier, "<id>"), answer.status_code, text, names,
                    answer.headers.get("content-type")))
    return out


@pytest.fixture
def two_dossiers(world):
    organiser = Actor(user_id=world.users["organiser"], login="organiser", name="李书记",
                      grants=((world.orgs["A"], "organiser"),))
    for n, name in (("HOT-OFF", "甲"), ("HOT-ON", "乙")):
        with UnitOfWork(world.engine) as uow:
            dossiers.create_dossier(uow, organiser, world.orgs["A1"], {"name": f"快路{name}", "birth_date": "2000-01-01"},
                                    dossier_id=n, track_materials=False)
    return world


def test_hot_routes_answer_as_the_fastapi_routes(two_dossiers, monkeypatch):
    world = two_dossiers
    served = []
    real = hot_routes.in_one_thread

    async def counted(request, token, work, **options):
        served.append(request.url.path)
        return await real(request, token, work, **options)

    monkeypatch.setattr(hot_routes, "in_one_thread", counted)
    monkeypatch.setattr(hot_routes, "_PATH", re.compile(r"(?!)"))  # nothing matches: every request to FastAPI
    through_router = _answers(world, "HOT-OFF")
    assert served == []
    monkeypatch.undo()
    monkeypatch.setattr(hot_routes, "in_one_thread", counted)
    hot = _answers(world, "HOT-ON")
    for old, new in zip(through_router, hot):
        assert new == old
    assert len(hot) == len(through_router)
    # the well-formed ones were the hot layer's: every record with a JSON object, every review in bounds
    assert len(served) == 15, served
    statuses = [answer[2] for answer in hot]
    assert statuses.count(201) == 2 and statuses.count(200) == 2  # the case really moved, both ways


def test_a_dossier_read_with_the_first_statement_still_loses_a_race(two_dossiers, monkeypatch):
    """On PostgreSQL the dossier is read by the request's first statement, before the token is checked
    (workflow/adapters/sql.py `prefetch`). A step another request records in between makes that row old:
    the write must then be refused as a conflict, with nothing written, never sealed over the other."""
    world = two_dossiers
    if world.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads the dossier when the use case asks for it (round trips cost nothing there)")
    from api import deps
    from sqlmodel import select

    from workflow.service_layer import steps
    from workflow.store.tables import Event
    from workflow.store.verify import verify_all

    organiser = Actor(user_id=world.users["organiser"], login="organiser", name="李书记",
                      grants=((world.orgs["A"], "organiser"),))
    real = deps.current_actor

    def meanwhile(request, uow, token):
        actor = real(request, uow, token)  # the first statement has read the dossier by now
        with UnitOfWork(world.engine) as other:
            steps.record_step(other, organiser, "HOT-ON", dict(S01), today=dt.date(2026, 11, 21))
        return actor

    monkeypatch.setattr(deps, "current_actor", meanwhile)
    # as the row read first has it, s01 may be recorded: the engine lets it through, the write must not
    answer = world.client("branch_organiser").post("/api/dossiers/HOT-ON/steps", json=S01)
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "CONFLICT"
    monkeypatch.undo()
    with UnitOfWork(world.engine) as uow:
        kinds = [e.kind for e in uow.session.exec(select(Event).where(Event.dossier_id == "HOT-ON")
                                                  .order_by(Event.seq)).all()]
        assert kinds == ["created", "step_recorded"]  # the other request's step, and nothing of this one
        assert verify_all(uow.session)[1] == []
    # the next request reads the dossier afresh: the other request's step is there to review
    answer = world.client("reviewer").post("/api/dossiers/HOT-ON/steps/0/review")
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 3
