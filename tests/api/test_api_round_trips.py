"""What one recorded or reviewed step costs the database: two round trips on PostgreSQL (the cache version
with the dossier and its ledger line, one statement writing head, event, ledger line and index row), with no
BEGIN and no COMMIT; counted from libpq's own trace of every message the server answered
(workflow/adapters/sql.py, db.py, cache.py)."""
from __future__ import annotations

import re

import psycopg
import pytest
from sqlalchemy import event
from sqlmodel import select

from workflow.service_layer import dossiers
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork
from workflow.store.tables import Event, Review, StepRecord

STEPS = [{"step": "s01_application", "date": "2020-08-11"},
         {"step": "s02_applicant_talk", "date": "2020-09-05", "by": "李书记"}]


class Trace:
    """libpq's trace of every connection the engine opens from now on, read request by request."""

    def __init__(self, engine, path):
        self.path, self.seen = path, 0
        self.file = open(path, "w+b")
        engine.dispose()  # the pooled connections were opened before the trace
        event.listen(engine, "connect", self._trace)

    def _trace(self, dbapi_connection, _record):
        dbapi_connection.pgconn.trace(self.file.fileno())
        dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE)

    def since_last(self) -> list[str]:
        self.file.flush()
        text = self.path.read_text(encoding="utf-8", errors="replace")
        lines, self.seen = text[self.seen:].splitlines(), len(text)
        return lines


def _sent(lines: list[str]) -> list[str]:
    """The SQL the client sent (simple queries and parsed statements)."""
    return [m.group(1) for line in lines if (m := re.match(r'F\t\d+\t(?:Query|Parse)\t (?:"[^"]*" )?"(.*)', line))]


def test_a_step_and_its_review_cost_two_round_trips_each(world, tmp_path):
    if world.engine.dialect.name != "postgresql":
        pytest.skip("round trips cost nothing on SQLite (one file, one process)")
    organiser = Actor(user_id=world.users["organiser"], login="organiser", name="李书记",
                      grants=((world.orgs["A"], "organiser"),))
    with UnitOfWork(world.engine) as uow:
        dossiers.create_dossier(uow, organiser, world.orgs["A1"], {"name": "往返", "birth_date": "2000-01-01"},
                                dossier_id="RT-1", track_materials=False)
    recorder, reviewer = world.client("branch_organiser"), world.client("reviewer")
    trace = Trace(world.engine, tmp_path / "libpq.trace")
    answer = recorder.post("/api/dossiers/RT-1/steps", json=STEPS[0])  # opens the pool, fills the caches
    assert answer.status_code == 201, answer.text
    assert reviewer.post("/api/dossiers/RT-1/steps/0/review").status_code == 200
    trace.since_last()

    answer = recorder.post("/api/dossiers/RT-1/steps", json=STEPS[1])
    assert answer.status_code == 201, answer.text
    recorded = trace.since_last()
    answer = reviewer.post("/api/dossiers/RT-1/steps/1/review")
    assert answer.status_code == 200, answer.text
    reviewed = trace.since_last()

    for lines in (recorded, reviewed):
        assert sum(1 for line in lines if "\tReadyForQuery\t" in line) == 2, "\n".join(lines)
        sent = _sent(lines)
        assert not any(re.match(r"\s*(BEGIN|COMMIT|ROLLBACK)", s, re.I) for s in sent), sent
        assert sent[0].startswith("SELECT v.version, d.") and "FROM cache_version v" in sent[0]
        assert sent[-1].startswith("WITH moved AS (UPDATE dossier")
    # and what the one statement wrote is all there: head, event, ledger line, index rows
    with UnitOfWork(world.engine) as uow:
        events = uow.session.exec(select(Event).where(Event.dossier_id == "RT-1").order_by(Event.seq)).all()
        assert [e.kind for e in events] == ["created", "step_recorded", "step_reviewed", "step_recorded",
                                            "step_reviewed"]
        assert [r.event_seq for r in uow.session.exec(select(StepRecord).where(StepRecord.dossier_id == "RT-1"))] \
            == [2, 4]
        assert [r.event_seq for r in uow.session.exec(select(Review).where(Review.dossier_id == "RT-1"))] == [3, 5]
        from workflow.store.verify import verify_all
        assert verify_all(uow.session)[1] == []
