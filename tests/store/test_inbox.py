"""The inbox (issue 11): returned steps to their recorder, waiting steps to whoever may sign them, due and
overdue deadlines to whoever can act; computed from the same scope as the listings, and cheap on
every page (a warm cache costs a fixed handful of queries however many dossiers there are)."""
from __future__ import annotations

import pytest
from sqlalchemy import event
from store.batch_world import TODAY, build, import_case

from workflow.service_layer import dossiers, inbox, reviews as review_cases, steps
from workflow.service_layer.returns import return_step
from workflow.store.access import Actor


@pytest.fixture
def world(uow):
    inbox.clear_cache()
    return build(uow)


def _open(uow, world, dossier_id: str, name: str, birth: str, s01: str, actor=None) -> str:
    with uow() as u:
        dossiers.create_dossier(u, actor or world.organiser, world.branch, {"name": name, "birth_date": birth},
                                dossier_id=dossier_id, track_materials=False)
    with uow() as u:
        steps.record_step(u, actor or world.organiser, dossier_id, {"step": "s01_application", "date": s01},
                          today=TODAY)
    return dossier_id


def _box(uow, actor, **kw) -> inbox.Inbox:
    with uow() as u:
        return inbox.inbox_for(u, actor, TODAY, **kw)


def test_the_inbox_sees_what_the_listing_shows(uow, world):
    import_case(uow, world, "C-1", 14, "甲一", "2001-02-11")
    import_case(uow, world, "O-1", 14, "乙一", "2001-05-14", organisation=world.other)
    with uow() as u:
        with_pending = steps.case_event(u, world.other_organiser, "O-1",
                                        {"kind": "transfer_out", "date": "2026-11-01", "reason": "调动",
                                         "to_organisation_id": world.branch})
    assert with_pending["pending_organisation_id"] == world.branch
    from workflow.store.access import OrgTree
    for actor in (world.organiser, world.reviewer, world.both, world.other_organiser):
        with uow() as u:
            listed = [s["id"] for s in dossiers.list_dossiers(u, actor, limit=1000)]
            rows = [r[0] for r in inbox.visible_rows(u, actor, OrgTree.load(u.session))]
        assert rows == listed, actor.login


def test_waiting_steps_go_to_reviewers_who_may_sign_them_not_to_their_recorder(uow, world):
    _open(uow, world, "N-1", "新一", "2003-01-01", "2026-11-01", actor=world.both)
    _open(uow, world, "N-2", "新二", "2003-01-02", "2026-11-02")
    reviews = _box(uow, world.reviewer).reviews
    assert [(i.dossier_id, i.step_name, i.by) for i in reviews] == [("N-1", "递交入党申请书", "卫双岗"),
                                                                    ("N-2", "递交入党申请书", "吴支书")]
    assert [i.dossier_id for i in _box(uow, world.both).reviews] == ["N-2"]  # not the step they recorded
    assert _box(uow, world.organiser).reviews == []  # an organiser signs nothing off
    assert _box(uow, world.other_organiser).count == 0
    with uow() as u:
        review_cases.review_step(u, world.reviewer, "N-2", 0, today=TODAY)
    assert [i.dossier_id for i in _box(uow, world.both).reviews] == []


def test_a_returned_step_waits_for_its_recorder_until_it_is_corrected(uow, world):
    _open(uow, world, "N-1", "新一", "2003-01-01", "2026-11-01")
    with uow() as u:
        return_step(u, world.reviewer, "N-1", 0, "日期与申请书落款不一致")
    box = _box(uow, world.organiser)
    assert [(i.dossier_id, i.index, i.by, i.comment) for i in box.returned] == [
        ("N-1", 0, "王组织员", "日期与申请书落款不一致")]
    assert _box(uow, world.both).returned == []  # only to the one who recorded it
    assert _box(uow, world.reviewer).reviews == []  # unreviewed, but waiting for its recorder now
    with uow() as u:
        steps.correct_step(u, world.organiser, "N-1", 0, {"step": "s01_application", "date": "2026-10-31"},
                           reason="按申请书落款更正", today=TODAY)
    assert _box(uow, world.organiser).returned == []
    assert [i.dossier_id for i in _box(uow, world.reviewer).reviews] == ["N-1"]  # corrected: back to review


def test_deadlines_soon_and_overdue_go_to_those_who_can_act(uow, world):
    _open(uow, world, "D-1", "期一", "2003-01-01", "2026-11-01")  # the talk is due by 2026-12-01
    _open(uow, world, "D-2", "期二", "2003-01-02", "2026-09-01")  # … by 2026-10-01: overdue
    for d in ("D-1", "D-2"):
        with uow() as u:
            review_cases.review_step(u, world.reviewer, d, 0, today=TODAY)
    box = _box(uow, world.organiser)
    assert [(i.dossier_id, i.step, i.date.isoformat(), i.days) for i in box.due] == [
        ("D-1", "s02_applicant_talk", "2026-12-01", 10)]
    assert [(i.dossier_id, i.days) for i in box.overdue] == [("D-2", -51)]
    assert "第七条" in box.due[0].rule
    assert _box(uow, world.organiser, due_days=5).due == []
    assert box.count == 2
    assert _box(uow, world.reviewer).due == [] and _box(uow, world.reviewer).overdue == []


def test_a_warm_inbox_costs_a_few_queries_however_many_dossiers(uow, world, engine):
    for n in range(12):
        _open(uow, world, f"M-{n}", f"多{n}", f"2003-02-{n + 1:02d}", "2026-11-01")
    _box(uow, world.reviewer)  # fills the cache

    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        box = _box(uow, world.reviewer)
        assert len(box.reviews) == 12
        warm = len(statements)
        statements.clear()
        with uow() as u:
            review_cases.review_step(u, world.reviewer, "M-3", 0, today=TODAY)
        statements.clear()
        assert len(_box(uow, world.reviewer).reviews) == 11  # the written dossier is read again
        after_write = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert warm <= 5, warm  # BEGIN, the tree, the ids and heads, the calendar version, the pending proposals
    assert after_write <= warm + 2, after_write  # plus that one dossier's snapshot and events


def test_an_actor_with_no_grant_has_an_empty_inbox(uow, world):
    _open(uow, world, "N-1", "新一", "2003-01-01", "2026-11-01")
    assert _box(uow, Actor(None, "nobody", "无名", ())).count == 0
