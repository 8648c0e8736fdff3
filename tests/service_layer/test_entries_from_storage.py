"""What the server fills into a step entry from storage, without a database: the roster's members named by
`member_id` (s05) and the 推优 record named by `league_recommendation_id` (s03), both asked of the unit of
work's repositories (`uow.members`, `uow.league`), never of a session."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from service_layer.fake_world import BRANCH, COMMITTEE, OTHER_COMMITTEE, TODAY

from workflow.errors import InputError, StepRefused
from workflow.service_layer import dossiers, reviews, steps
from workflow.store.errors import NotFound

D = dt.date.fromisoformat
EARLY_STEPS = (("s01_application", "2025-09-10"), ("s02_applicant_talk", "2025-09-20"))


def _member(world, member_id: int, organisation_id: int, name: str, **standing) -> int:
    values = {"status": "full", "joined_on": None, "full_since": None, "discipline": None, "discipline_from": None,
              "discipline_until": None, **standing}
    world.store.tables.members[member_id] = SimpleNamespace(id=member_id, organisation_id=organisation_id, name=name,
                                                            **values)
    return member_id


def _nomination(world, record_id: int, organisation_id: int, dossier_id: str, meeting_on: str,
                valid_until: str) -> int:
    world.store.tables.league[record_id] = SimpleNamespace(id=record_id, organisation_id=organisation_id,
                                                           dossier_id=dossier_id, meeting_on=D(meeting_on),
                                                           valid_until=D(valid_until))
    return record_id


def _record_and_review(world, dossier_id: str, entry: dict) -> None:
    with world.uow() as uow:
        index = steps.record_step(uow, world.organiser, dossier_id, entry, today=TODAY)["index"]
    with world.uow() as uow:
        reviews.review_step(uow, world.reviewer, dossier_id, index, today=TODAY)


@pytest.fixture
def applicant(world) -> str:
    """D-1 with s01 and s02 recorded and signed off: s03 comes next."""
    with world.uow() as uow:
        dossiers.create_dossier(uow, world.organiser, BRANCH, {"name": "张三", "birth_date": "2004-03-02"},
                                dossier_id="D-1", track_materials=False)
    for step, day in EARLY_STEPS:
        _record_and_review(world, "D-1", {"step": step, "date": day})
    return "D-1"


@pytest.fixture
def activist(world, applicant) -> str:
    """D-1 up to s04, signed off: s05 (培养联系人) comes next."""
    _record_and_review(world, applicant, {"step": "s03_activist_determined", "date": "2026-01-10",
                                          "nomination": ["party_members"]})
    _record_and_review(world, applicant, {"step": "s04_activist_filed", "date": "2026-01-12"})
    return applicant


def _steps(world, dossier_id: str) -> list[dict]:
    with world.uow() as uow:
        return dossiers.export_dossier(uow, world.organiser, dossier_id)["steps"]


def _s05(world, dossier_id: str, *member_ids) -> dict:
    with world.uow() as uow:
        return steps.record_step(uow, world.organiser, dossier_id,
                                 {"step": "s05_contacts_assigned", "date": "2026-01-15",
                                  "people": [{"member_id": i} for i in member_ids]}, today=TODAY)


def test_s05_contacts_named_by_member_id_come_from_the_roster_as_of_the_step_date(world, activist):
    zhao = _member(world, 11, BRANCH, "赵六", full_since=D("2015-06-01"))
    # the committee above the branch is the same tree: its members may be contacts too; this one was
    # still probationary on the step's date and is recorded so (the roster says full today)
    qian = _member(world, 12, COMMITTEE, "钱七", joined_on=D("2025-03-01"), full_since=D("2026-03-01"))
    with pytest.raises(StepRefused) as refused:  # the engine judges the standing the roster gave
        _s05(world, activist, zhao, qian)
    assert [d["code"] for d in refused.value.details] == ["CONTACTS_INVALID"]
    sun = _member(world, 13, COMMITTEE, "孙八", full_since=D("2010-07-01"), discipline="警告",
                  discipline_from=D("2019-01-01"), discipline_until=D("2020-01-01"))  # long over by then
    _s05(world, activist, zhao, sun)
    people = _steps(world, activist)[4]["people"]
    assert [(p["member_id"], p["name"], p["status"], p["discipline"]) for p in people] == [
        (zhao, "赵六", "full", None), (sun, "孙八", "full", None)]


def test_s05_refuses_a_member_of_another_tree_or_none_at_all(world, activist):
    zhao = _member(world, 11, BRANCH, "赵六", full_since=D("2015-06-01"))
    foreign = _member(world, 21, OTHER_COMMITTEE, "郑十一", full_since=D("2015-06-01"))
    late = _member(world, 22, BRANCH, "吴十", status="probationary", joined_on=D("2026-07-01"))
    version = world.store.tables.dossiers[activist].version
    for other, error, code in ((foreign, NotFound, "MEMBER_NOT_FOUND"), (999, NotFound, "MEMBER_NOT_FOUND"),
                               (True, NotFound, "MEMBER_NOT_FOUND"), (late, InputError, "MEMBER_NOT_YET")):
        with pytest.raises(error) as caught:
            _s05(world, activist, zhao, other)
        assert caught.value.code == code and caught.value.path == "$.people[1]" + (
            ".member_id" if code == "MEMBER_NOT_FOUND" else "")
    assert world.store.tables.dossiers[activist].version == version  # nothing written


def _s03(world, dossier_id: str, record, day: str = "2026-01-10") -> dict:
    with world.uow() as uow:
        return steps.record_step(uow, world.organiser, dossier_id, {"step": "s03_activist_determined", "date": day,
                                                                    "league_recommendation_id": record},
                                 today=TODAY)


def test_s03_backed_by_a_league_recommendation_keeps_its_id_and_nomination(world, applicant):
    record = _nomination(world, 7, BRANCH, applicant, "2025-10-10", "2026-10-09")
    done = _s03(world, applicant, record)
    assert done["state"] == "activist"
    step = _steps(world, applicant)[2]
    assert step["nomination"] == ["league"] and step["league_recommendation_id"] == record


def test_s03_refuses_a_league_recommendation_that_is_not_this_persons_or_not_valid_then(world, applicant):
    with world.uow() as uow:
        dossiers.create_dossier(uow, world.organiser, BRANCH, {"name": "李四", "birth_date": "2003-01-01"},
                                dossier_id="D-2", track_materials=False)
    theirs = _nomination(world, 8, BRANCH, "D-2", "2025-10-10", "2026-10-09")
    foreign = _nomination(world, 9, OTHER_COMMITTEE, applicant, "2025-10-10", "2026-10-09")
    mine = _nomination(world, 7, BRANCH, applicant, "2025-10-10", "2026-01-09")
    refusals = ((theirs, "2026-01-08", InputError, "LEAGUE_NOMINATION_FOREIGN"),
                (foreign, "2026-01-08", NotFound, "LEAGUE_NOMINATION_NOT_FOUND"),
                (404, "2026-01-08", NotFound, "LEAGUE_NOMINATION_NOT_FOUND"),
                ("7", "2026-01-08", NotFound, "LEAGUE_NOMINATION_NOT_FOUND"),
                (mine, "2026-01-10", InputError, "LEAGUE_NOMINATION_EXPIRED"),
                (mine, "2025-10-09", InputError, "LEAGUE_NOMINATION_LATER"))
    for record, day, error, code in refusals:
        with pytest.raises(error) as caught:
            _s03(world, applicant, record, day)
        assert (caught.value.code, caught.value.field) == (code, "league_recommendation_id")
    assert [s["step"] for s in _steps(world, applicant)] == ["s01_application", "s02_applicant_talk"]
    _s03(world, applicant, mine, "2026-01-08")
    assert _steps(world, applicant)[2]["league_recommendation_id"] == mine
