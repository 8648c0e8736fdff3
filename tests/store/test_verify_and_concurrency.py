"""History that cannot be rewritten quietly, and two writes racing for one dossier."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from workflow import engine as domain
from workflow.service_layer import dossiers, reviews, steps
from workflow.store import admin
from workflow.store.access import Actor
from workflow.errors import StepRefused
from workflow.store.errors import Conflict
from workflow.store.verify import verify_all

TODAY = dt.date(2026, 11, 21)


@pytest.fixture
def case(uow):
    with uow() as u:
        root = admin.create_organisation(u, None, name="党委", level="committee", parent_id=None)["id"]
    with uow() as u:
        branch = admin.create_organisation(u, None, name="支部", level="branch", parent_id=root)["id"]
    recorder = Actor(user_id=None, login="r", name="李书记", grants=((branch, "organiser"),))
    reviewer = Actor(user_id=None, login="v", name="王组织员", grants=((root, "reviewer"),))
    with uow() as u:
        dossier = dossiers.create_dossier(u, recorder, branch, {"name": "张三", "birth_date": "2004-03-02"},
                                          track_materials=False)["id"]
    with uow() as u:
        steps.record_step(u, recorder, dossier, {"step": "s01_application", "date": "2024-09-10"}, today=TODAY)
    with uow() as u:
        reviews.review_step(u, reviewer, dossier, 0, today=TODAY)
    return dossier, recorder, reviewer


def test_verify_is_clean_then_catches_a_row_edited_behind_the_application(engine, uow, case):
    dossier, _, _ = case
    with uow() as u:
        assert verify_all(u.session) == (1, [])
    with engine.begin() as conn:
        conn.execute(text("UPDATE event SET payload = REPLACE(payload, '2024-09-10', '2024-09-01') "
                          "WHERE dossier_id = :d AND seq = 2"), {"d": dossier})
    with uow() as u:
        count, problems = verify_all(u.session)
    assert count == 1
    assert {(p.dossier_id, p.seq, p.code) for p in problems} >= {(dossier, 2, "EVENT_TAMPERED")}


def test_verify_catches_a_deleted_event_and_an_edited_snapshot(engine, uow, case):
    dossier, _, _ = case
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM event WHERE dossier_id = :d AND seq = 2"), {"d": dossier})
        conn.execute(text("UPDATE dossier SET snapshot = REPLACE(snapshot, '张三', '张四') WHERE id = :d"), {"d": dossier})
    with uow() as u:
        codes = {p.code for p in verify_all(u.session)[1]}
    assert {"EVENT_SEQUENCE_GAP", "EVENT_CHAIN_BROKEN", "HEAD_MISMATCH", "SNAPSHOT_MISMATCH"} <= codes


def test_verify_command_names_the_dossier_and_event(engine, db_url, case, monkeypatch):
    from api.cli import app

    url, schema = db_url
    if schema:
        pytest.skip("the command opens FAZHAN_DATABASE_URL itself; the schema-isolated run is covered above")
    dossier, _, _ = case
    with engine.begin() as conn:
        conn.execute(text("UPDATE event SET actor = '某人' WHERE dossier_id = :d AND seq = 2"), {"d": dossier})
    monkeypatch.setenv("FAZHAN_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 1
    assert f"档案 {dossier} 事件 2：[EVENT_TAMPERED]" in result.output


def _race(monkeypatch, first, second):
    """Runs two use cases so that both have read the dossier before either writes."""
    barrier = threading.Barrier(2, timeout=5)
    real_record, real_correct = domain.record_step, domain.correct_step

    def wait(fn):
        def wrapped(*args, **kwargs):
            result = fn(*args, **kwargs)
            try:
                barrier.wait()
            except threading.BrokenBarrierError:  # SQLite serialises writers before this point
                pass
            return result
        return wrapped

    monkeypatch.setattr(domain, "record_step", wait(real_record))
    monkeypatch.setattr(domain, "correct_step", wait(real_correct))
    results: list = [None, None]

    def run(i, fn):
        try:
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 (collected and asserted below)
            results[i] = exc

    threads = [threading.Thread(target=run, args=(0, first)), threading.Thread(target=run, args=(1, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_conflicting_writes_one_wins_one_conflicts(uow, db_url, case, monkeypatch):
    """On PostgreSQL both read version 3 and race; on SQLite writers queue, so the second sees the first."""
    dossier, recorder, _ = case

    def talk():
        with uow() as u:
            return steps.record_step(u, recorder, dossier, {"step": "s02_applicant_talk", "date": "2024-09-25"},
                                     today=TODAY)

    def correction():
        with uow() as u:
            return steps.correct_step(u, recorder, dossier, 0, {"step": "s01_application", "date": "2024-09-11"},
                                      reason="日期笔误", today=TODAY)

    results = _race(monkeypatch, talk, correction)
    if db_url[1] is None:  # SQLite: serialised, each sees the other's write, nothing lost
        talked, corrected = results
        assert isinstance(corrected, dict), results
        if isinstance(talked, dict):  # the talk went first: both apply in turn
            expected = 5
        else:  # the correction went first: s01 awaits a new review, so the talk is refused, not lost
            assert isinstance(talked, StepRefused), results
            expected = 4
        with uow() as u:
            assert u.dossiers.get(dossier).version == expected and verify_all(u.session) == (1, [])
        return
    wins = [r for r in results if isinstance(r, dict)]
    losses = [r for r in results if not isinstance(r, dict)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert isinstance(losses[0], Conflict) and losses[0].code == "CONFLICT"
    with uow() as u:
        assert u.dossiers.get(dossier).version == 4  # created, s01, review, and exactly one of the two
        assert verify_all(u.session) == (1, [])


def test_a_correction_before_the_next_step_leaves_that_step_waiting_for_the_new_review(uow, case):
    """The other order of the race above, played in turn: the corrected s01 must be reviewed again first."""
    dossier, recorder, _ = case
    with uow() as u:
        steps.correct_step(u, recorder, dossier, 0, {"step": "s01_application", "date": "2024-09-11"},
                           reason="日期笔误", today=TODAY)
    with uow() as u, pytest.raises(StepRefused):
        steps.record_step(u, recorder, dossier, {"step": "s02_applicant_talk", "date": "2024-09-25"}, today=TODAY)
    with uow() as u:
        assert u.dossiers.get(dossier).version == 4 and verify_all(u.session) == (1, [])


@pytest.mark.parametrize("attempt", range(3))
def test_same_step_twice_at_once(uow, case, monkeypatch, attempt):
    dossier, recorder, _ = case

    def talk():
        with uow() as u:
            return steps.record_step(u, recorder, dossier, {"step": "s02_applicant_talk", "date": "2024-09-25"},
                                     today=TODAY)

    results = _race(monkeypatch, talk, talk)
    assert sum(isinstance(r, dict) for r in results) == 1, results
    loser = next(r for r in results if not isinstance(r, dict))
    assert loser.code in ("CONFLICT", "STEP_ALREADY_RECORDED")
    with uow() as u:
        assert u.dossiers.get(dossier).version == 4
        assert verify_all(u.session) == (1, [])


def test_migrations_match_the_tables(engine):
    """The Alembic history builds exactly SQLModel.metadata (no model change without a migration)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
