"""The lean write path and the caches behind it (workflow/adapters/sql.py, db.py, cache.py): the one-
statement write keeps every guarantee of the old one (a ledger line changed behind it stops the write, a
lost race writes nothing, no value is cut to fit), PostgreSQL opens a transaction exactly when something
needs one, and nothing a transaction wrote but did not commit reaches a cache."""
from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from workflow.dossier import parse_dossier
from workflow.service_layer import dossiers
from workflow.store import admin, cache
from workflow.store.access import Actor, OrgTree
from workflow.store.errors import Conflict
from workflow.store.ledger import IntegrityBroken
from workflow.store.tables import Event, LedgerEntry, Organisation, StepRecord

TODAY = dt.date(2026, 11, 21)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def case(uow):
    with uow() as u:
        root = admin.create_organisation(u, None, name="党委", level="committee", parent_id=None)["id"]
    with uow() as u:
        branch = admin.create_organisation(u, None, name="支部", level="branch", parent_id=root)["id"]
    recorder = Actor(user_id=None, login="r", name="李书记", grants=((branch, "organiser"),))
    with uow() as u:
        dossier = dossiers.create_dossier(u, recorder, branch, {"name": "张三", "birth_date": "2004-03-02"},
                                          track_materials=False)["id"]
    return dossier, recorder, root


def _events(uow, dossier: str) -> list[int]:
    with uow() as u:
        return [e.seq for e in u.session.exec(select(Event).where(Event.dossier_id == dossier))]


def _append_s01(u, dossier: str, recorder: Actor, **extra):
    row = u.dossiers.load(dossier)
    before = u.dossiers.document(row)
    after = before.model_copy(update={"steps": [*before.steps, parse_dossier({
        "format": "dossier/1", "id": "x", "person": {"name": "x", "birth_date": "2000-01-01"},
        "steps": [{"step": "s01_application", "date": "2024-09-10", "recorded_by": recorder.name}]}).steps[0]]})
    return row, before, after


def test_a_ledger_line_changed_between_reading_and_writing_stops_the_write(engine, uow, case):
    dossier, recorder, _ = case
    # always a different first character (a MAC that starts with 'f' would otherwise be left as it was)
    tamper = text("UPDATE ledger_entry SET mac = CASE WHEN substr(mac, 1, 1) = 'f' THEN 'e' ELSE 'f' END"
                  " || substr(mac, 2) WHERE dossier_id = :d")
    with uow() as u:
        row, before, after = _append_s01(u, dossier, recorder)
        if engine.dialect.name == "postgresql":  # someone with database access, between the read and the write
            with engine.begin() as other:
                other.execute(tamper, {"d": dossier})
        else:  # SQLite's writer holds the lock from the read on: only its own connection can come between
            u.session.execute(tamper, {"d": dossier})
        with pytest.raises(IntegrityBroken):
            u.dossiers.append(row, before, after, kind="step_recorded", actor=recorder.name, info={},
                              state="applicant", index=((StepRecord, {"step_index": 0, "step": "s01_application",
                                                                      "date": TODAY}),), complete=True)
    with uow() as u:
        assert u.session.get(LedgerEntry, dossier).last_seq == 1
        assert u.session.exec(select(StepRecord)).all() == []
    assert _events(uow, dossier) == [1]  # neither the event nor the head moved


def test_a_lost_race_writes_nothing(engine, uow, case):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): the race cannot happen there")
    dossier, recorder, _ = case
    with uow() as first, uow() as second:
        one = _append_s01(first, dossier, recorder)
        two = _append_s01(second, dossier, recorder)
        first.dossiers.append(*one, kind="step_recorded", actor=recorder.name, info={}, state="applicant",
                              complete=True)
        first.commit()
        with pytest.raises(Conflict):
            second.dossiers.append(*two, kind="step_recorded", actor=recorder.name, info={}, state="applicant",
                                   complete=True)
    assert _events(uow, dossier) == [1, 2]


def test_an_index_value_too_long_for_its_column_is_refused_not_cut(engine, uow, case):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    dossier, recorder, _ = case
    with uow() as u:
        row, before, after = _append_s01(u, dossier, recorder)
        with pytest.raises(DBAPIError):
            u.dossiers.append(row, before, after, kind="step_recorded", actor=recorder.name, info={},
                              state="applicant", complete=True,
                              index=((StepRecord, {"step_index": 0, "step": "s" * 41, "date": TODAY}),))
    assert _events(uow, dossier) == [1]


def test_postgresql_opens_a_transaction_only_for_what_needs_one(engine, uow, case):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes its write lock at BEGIN IMMEDIATE")
    idle = 0  # psycopg.pq.TransactionStatus.IDLE
    with uow() as u:
        u.session.exec(select(Organisation)).all()
        status = lambda: u.session.connection().connection.driver_connection.info.transaction_status  # noqa: E731
        assert status() == idle  # a plain read: no BEGIN
        u.session.exec(select(Organisation).with_for_update()).all()
        assert status() != idle  # a locking read holds its locks until the end of a transaction
    with uow() as u:  # two writes and no commit: both undone
        u.session.add(Organisation(name="临时一", level="committee"))
        u.session.flush()
        u.session.add(Organisation(name="临时二", level="committee"))
        u.session.flush()
    with uow() as u:
        names = {o.name for o in u.session.exec(select(Organisation))}
        assert not names & {"临时一", "临时二"}


def test_what_a_transaction_wrote_but_did_not_commit_never_reaches_a_cache(uow, case):
    with uow() as u:
        OrgTree.load(u.session)  # the committed tree, cached
        u.session.add(Organisation(name="未提交的党委", level="committee"))
        u.session.flush()
        assert cache.version(u.session) is None  # this transaction wrote: no cache for it
        assert "未提交的党委" in {o.name for o in OrgTree.load(u.session).orgs.values()}  # it sees its own work
        u.session.rollback()
    with uow() as u:
        assert cache.version(u.session) is not None
        assert "未提交的党委" not in {o.name for o in OrgTree.load(u.session).orgs.values()}


def test_every_trigger_that_moves_the_cache_version_is_there(engine, uow):
    """A later migration that rebuilds a watched SQLite table (batch mode) drops its triggers with it; this
    test names the missing one (and without them no process trusts its caches: test_api_caches.py)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            found = set(conn.execute(text(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE "
                "c.relnamespace = to_regnamespace(current_schema())::oid AND starts_with(t.tgname, 'cache_version')"
            )).scalars())
        else:
            found = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    assert cache.expected_triggers(engine.dialect.name) <= found
    spec = importlib.util.spec_from_file_location("m0011", ROOT / "migrations" / "versions" / "0011_api_speed.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.WATCHED == cache.WATCHED
    with uow() as u:  # and they move it: a change to a watched table is seen by the next transaction
        before = cache.version(u.session)
    with uow() as u:
        u.session.add(Organisation(name="新党委", level="committee"))
        u.commit()
    with uow() as u:
        assert cache.version(u.session) == before + 1


def test_every_statement_sent_directly_still_refuses_nul(engine, uow, case):
    """`db.direct` bypasses SQLAlchemy's execution, not the engine's guards."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the direct path is PostgreSQL's")
    from workflow.errors import InputError
    from workflow.store.db import direct

    with uow() as u, pytest.raises(InputError) as refused:
        direct(u.session.connection(), "SELECT id FROM dossier WHERE id = :id", {"id": "a\x00b"})
    assert refused.value.code == "TEXT_NUL"

