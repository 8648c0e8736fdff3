"""Case events and fact corrections reviewed like a step; fact dates checked like step dates; names the
print font cannot draw refused on entry; a step's materials from the engine's gate, uploaded together."""
from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from workflow.dossier import parse_dossier
from workflow.errors import FazhanError
from workflow.service_layer import dossiers, queries, reviews, step_materials, steps
from workflow.service_layer.fact_checks import add_fact
from workflow.service_layer.inbox import inbox_for
from workflow.store import admin, printable
from workflow.store.access import Actor
from workflow.store.accounts import actor_for
from workflow.store.repository import UnitOfWork
from workflow.service_layer.reviewed_changes import (
    approve_change,
    changes_of,
    propose_case_event,
    propose_fact_change,
    return_change,
    waiting_for,
)
from workflow.store.tables import User
from workflow.store.verify import verify_all

TODAY = dt.date(2026, 11, 21)
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "01_valid_2014_full_record.json"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    engine: object
    orgs: dict
    users: dict

    def actor(self, who: str) -> Actor:
        with UnitOfWork(self.engine) as u:
            return actor_for(u.session, u.session.get(User, self.users[who]))

    def run(self, action, *args, **kw):
        with UnitOfWork(self.engine) as u:
            return action(u, *args, **kw)

    def dossier(self, dossier_id: str):
        with UnitOfWork(self.engine) as u:
            row = u.dossiers.get(dossier_id)
            return row.organisation_id, row.pending_organisation_id, row.state, u.dossiers.document(row)


@pytest.fixture
def world(engine):
    orgs: dict[str, int] = {}

    def org(key, name, level, parent=None):
        with UnitOfWork(engine) as u:
            orgs[key] = admin.create_organisation(u, None, name=name, level=level, parent_id=parent)["id"]

    org("A", "甲大学党委", "committee")
    org("A1", "甲学院第一支部", "branch", orgs["A"])
    org("X", "乙大学党委", "committee")
    org("X1", "乙学院支部", "branch", orgs["X"])
    grants = {"organiser": [(orgs["A1"], "organiser")], "reviewer": [(orgs["A"], "reviewer")],
              "both": [(orgs["A1"], "organiser"), (orgs["A"], "reviewer")],
              "x_organiser": [(orgs["X1"], "organiser")], "x_reviewer": [(orgs["X"], "reviewer")]}
    names = {"organiser": "李书记", "reviewer": "王组织员", "both": "卫双岗", "x_organiser": "冯支书",
             "x_reviewer": "褚组织员"}
    users = {}
    for who, granted in grants.items():
        with UnitOfWork(engine) as u:
            users[who] = admin.create_user(u, None, login=who, display_name=names[who],
                                           password="correct-horse-1", grants=granted)["id"]
    return World(engine, orgs, users)


def _case(world: World, dossier_id: str, upto: int, *, name: str = "王小明", tracked: bool = False) -> str:
    """The valid 2014 example up to step `upto`, imported and its paper reviews confirmed."""
    document = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8"))["dossier"])
    document.update(id=dossier_id, steps=document["steps"][:upto])
    document["person"]["name"] = name
    if not tracked:
        document.pop("materials", None)
    else:
        done = {s["step"] for s in document["steps"]}
        document["materials"] = [m for m in document["materials"] if m["step"] in done]
    document["assessments"] = [a for a in document["assessments"]
                               if upto > 14 or a["period"] == "activist"]
    admin_actor = Actor(None, "seed", "导入员", ((world.orgs["A"], "admin"),))
    world.run(dossiers.import_dossier, admin_actor, world.orgs["A1"], document)
    if upto:
        world.run(reviews.confirm_paper_reviews, Actor(None, "seed2", "核验员", ((world.orgs["A"], "reviewer"),)),
                  dossier_id, today=TODAY)
    return dossier_id


def _refused(code: str, action, *args, **kw) -> FazhanError:
    with pytest.raises(FazhanError) as caught:
        action(*args, **kw)
    assert caught.value.code == code, (caught.value.code, caught.value.message)
    return caught.value


def _verified(world: World, dossier_id: str) -> None:
    with UnitOfWork(world.engine) as u:
        _, problems = verify_all(u.session)
    assert [p for p in problems if p.dossier_id == dossier_id] == []


# ---------------------------------------------------------------- case events

def test_a_withdrawal_counts_only_once_a_second_person_approves_it(world):
    _case(world, "W-1", 6)
    organiser, reviewer = world.actor("organiser"), world.actor("reviewer")
    change = world.run(propose_case_event, organiser, "W-1",
                       {"kind": "withdraw", "date": "2024-03-01", "reason": "本人书面申请撤回"}, today=TODAY)
    assert change["status"] == "pending"
    _, _, state, dossier = world.dossier("W-1")
    assert state == "activist" and dossier.case_events == []  # nothing moved yet
    # the proposer cannot sign it off, even holding the reviewing role too; an organiser is no reviewer
    _refused("SELF_REVIEW", world.run, approve_change, organiser.__class__(
        organiser.user_id, organiser.login, organiser.name, ((world.orgs["A"], "reviewer"),)), change["id"],
        today=TODAY)
    _refused("FORBIDDEN", world.run, approve_change, organiser, change["id"], today=TODAY)
    _refused("CHANGE_NOT_FOUND", world.run, approve_change, world.actor("x_reviewer"), change["id"], today=TODAY)
    assert [c["id"] for c in world.run(waiting_for, reviewer)] == [change["id"]]
    assert world.run(waiting_for, organiser) == []
    # the reviewer's inbox lists it, named as the checklist names it; the proposer's does not
    waiting = world.run(inbox_for, reviewer, TODAY).changes
    assert [(i.index, i.step_name, i.by) for i in waiting] == [(change["id"], "本人撤回", "李书记")]
    assert world.run(inbox_for, organiser, TODAY).changes == []
    done = world.run(approve_change, reviewer, change["id"], today=TODAY)
    assert done["status"] == "approved" and done["decided_by"] == "王组织员"
    _, _, state, dossier = world.dossier("W-1")
    assert state == "withdrawn" and [e.kind for e in dossier.case_events] == ["withdraw"]
    assert dossier.case_events[0].reason == "本人书面申请撤回"
    with UnitOfWork(world.engine) as u:
        events = queries.events(u, reviewer, "W-1")
    assert [e["kind"] for e in events[-2:]] == ["change_proposed", "case_withdraw"]
    assert events[-1]["actor"] == "李书记" and events[-1]["info"]["approved_by"] == "王组织员"
    _refused("ALREADY_DECIDED", world.run, approve_change, reviewer, change["id"], today=TODAY)
    assert world.run(inbox_for, reviewer, TODAY).changes == []
    # a closed case takes no further event
    _refused("EVENT_NOT_ALLOWED", world.run, propose_case_event, organiser, "W-1",
             {"kind": "not_admitted", "date": "2024-03-02", "reason": "x"}, today=TODAY)
    _verified(world, "W-1")


def test_a_proposal_is_refused_at_once_with_its_code_and_field(world):
    _case(world, "W-2", 6)
    organiser = world.actor("organiser")
    for event, code, field in (
            ({"kind": "withdraw", "date": "2027-01-01", "reason": "r"}, "DATE_IN_FUTURE", "date"),
            ({"kind": "withdraw", "date": "2021-01-01", "reason": "r"}, "DATE_ORDER", "date"),
            ({"kind": "withdraw", "date": "2024-02-30", "reason": "r"}, "DATE_INVALID", "date"),
            ({"kind": "withdraw", "date": "2024-03-01", "reason": "  "}, "REASON_REQUIRED", "reason"),
            ({"kind": "withdraw", "date": "2024-03-01", "reason": "长" * 501}, "VALUE_INVALID", "reason"),
            ({"kind": "transfer_in", "date": "2024-03-01", "reason": "r"}, "EVENT_NOT_ALLOWED", "kind"),
            ({"kind": "transfer_out", "date": "2024-03-01", "reason": "r"}, "FIELD_REQUIRED", "to_organisation_id"),
            ({"kind": "transfer_out", "date": "2024-03-01", "reason": "r", "to_organisation_id": world.orgs["A1"]},
             "VALUE_INVALID", "to_organisation_id"),
            ({"kind": "transfer_out", "date": "2024-03-01", "reason": "r", "to_organisation_id": 999_999},
             "ORGANISATION_NOT_FOUND", "to_organisation_id"),
            ({"kind": "transfer_out", "date": "2024-03-01", "reason": "r", "to_organisation_id": True},
             "ORGANISATION_NOT_FOUND", "to_organisation_id"),
            ({"kind": "explode", "date": "2024-03-01", "reason": "r"}, "VALUE_INVALID", "kind")):
        error = _refused(code, world.run, propose_case_event, organiser, "W-2", event, today=TODAY)
        assert error.field == field, (event, error.field)
    _refused("FORBIDDEN", world.run, propose_case_event, world.actor("reviewer"), "W-2",
             {"kind": "withdraw", "date": "2024-03-01", "reason": "r"}, today=TODAY)
    _refused("DOSSIER_NOT_FOUND", world.run, propose_case_event, world.actor("x_organiser"), "W-2",
             {"kind": "withdraw", "date": "2024-03-01", "reason": "r"}, today=TODAY)
    first = world.run(propose_case_event, organiser, "W-2", {"kind": "withdraw", "date": "2024-03-01", "reason": "r"},
                      today=TODAY)
    _refused("CHANGE_PENDING", world.run, propose_case_event, organiser, "W-2",
             {"kind": "not_admitted", "date": "2024-03-01", "reason": "r"}, today=TODAY)
    # returned with a comment: the dossier is as it was, and it may be proposed again
    _refused("FIELD_REQUIRED", world.run, return_change, world.actor("reviewer"), first["id"], " ", today=TODAY)
    back = world.run(return_change, world.actor("reviewer"), first["id"], "请附本人书面申请", today=TODAY)
    assert back["status"] == "returned" and back["comment"] == "请附本人书面申请"
    assert world.dossier("W-2")[2] == "activist"
    again = world.run(propose_case_event, organiser, "W-2",
                      {"kind": "withdraw", "date": "2024-03-01", "reason": "已附书面申请"}, today=TODAY)
    assert [c["status"] for c in world.run(changes_of, organiser, "W-2")] == ["pending", "returned"]
    assert again["id"] != first["id"]
    _verified(world, "W-2")


def test_transfer_out_and_in_each_reviewed_where_it_happens_and_cultivation_continues(world):
    _case(world, "T-1", 6)
    out = world.run(propose_case_event, world.actor("organiser"), "T-1",
                    {"kind": "transfer_out", "date": "2024-03-01", "reason": "转学",
                     "to_organisation_id": world.orgs["X1"]}, today=TODAY)
    # the receiving side cannot see, let alone approve, the sending side's proposal
    _refused("CHANGE_NOT_FOUND", world.run, approve_change, world.actor("x_reviewer"), out["id"], today=TODAY)
    world.run(approve_change, world.actor("reviewer"), out["id"], today=TODAY)
    org, pending, state, _ = world.dossier("T-1")
    assert (org, pending, state) == (world.orgs["A1"], world.orgs["X1"], "transferred_out")
    # the receiving branch proposes the transfer in; only a reviewer above it decides
    inward = world.run(propose_case_event, world.actor("x_organiser"), "T-1",
                       {"kind": "transfer_in", "date": "2024-03-10", "reason": "接收转入"}, today=TODAY)
    assert inward["organisation_id"] == world.orgs["X1"]
    _refused("FORBIDDEN", world.run, approve_change, world.actor("reviewer"), inward["id"], today=TODAY)
    assert world.run(waiting_for, world.actor("reviewer")) == []
    assert [c["id"] for c in world.run(waiting_for, world.actor("x_reviewer"))] == [inward["id"]]
    world.run(approve_change, world.actor("x_reviewer"), inward["id"], today=TODAY)
    org, pending, state, dossier = world.dossier("T-1")
    assert (org, pending, state) == (world.orgs["X1"], None, "activist")  # 第十二条: the time continues
    assert [s.step for s in dossier.steps][:6] == [s.step for s in dossier.steps][:6] and len(dossier.steps) == 6
    assert [e.kind for e in dossier.case_events] == ["transfer_out", "transfer_in"]
    _verified(world, "T-1")


def test_an_approval_for_a_proposer_who_lost_the_role_is_refused(world):
    _case(world, "T-2", 6)
    change = world.run(propose_case_event, world.actor("organiser"), "T-2",
                       {"kind": "withdraw", "date": "2024-03-01", "reason": "r"}, today=TODAY)
    with UnitOfWork(world.engine) as u:
        user = u.session.get(User, world.users["organiser"])
        user.active = False
        u.session.add(user)
        u.commit()
    _refused("PROPOSER_INACTIVE", world.run, approve_change, world.actor("reviewer"), change["id"], today=TODAY)
    assert world.dossier("T-2")[2] == "activist"


# ---------------------------------------------------------------- facts: dates checked, corrections reviewed

def test_fact_dates_are_checked_like_step_dates(world):
    _case(world, "F-1", 6)
    organiser = world.actor("organiser")
    for key, item, code, field in (
            ("assessments", {"date": "2027-01-05", "period": "activist"}, "DATE_IN_FUTURE", "date"),
            ("assessments", {"date": "2020-01-05", "period": "activist"}, "DATE_BEFORE_APPLICATION", "date"),
            ("assessments", {"date": "2020-12-05", "period": "activist"}, "DATE_ORDER", "date"),
            ("assessments", {"date": "2022-06-05", "period": "probation"}, "STEP_MISSING", "date"),
            ("thought_reports", {"date": "2030-01-01"}, "DATE_IN_FUTURE", "date"),
            ("publicity", {"kind": "candidate", "start": "2020-01-01", "end": "2020-01-08"},
             "DATE_BEFORE_APPLICATION", "start")):
        error = _refused(code, world.run, add_fact, organiser, "F-1", key, item, today=TODAY)
        assert error.field == field
    world.run(add_fact, organiser, "F-1", "assessments", {"date": "2021-09-01", "period": "activist", "by": "赵六"},
              today=TODAY)
    assert world.dossier("F-1")[3].assessments[-1].date == dt.date(2021, 9, 1)


def test_a_fact_is_corrected_or_withdrawn_only_after_review(world):
    _case(world, "F-2", 6)
    organiser, reviewer = world.actor("organiser"), world.actor("reviewer")
    before = world.dossier("F-2")[3].assessments
    _refused("REASON_REQUIRED", world.run, propose_fact_change, organiser, "F-2", "assessments", 0,
             {"date": "2021-08-07", "period": "activist"}, reason="", today=TODAY)
    _refused("DATE_IN_FUTURE", world.run, propose_fact_change, organiser, "F-2", "assessments", 0,
             {"date": "2027-08-07", "period": "activist"}, reason="笔误", today=TODAY)
    _refused("FACT_NOT_FOUND", world.run, propose_fact_change, organiser, "F-2", "assessments", 9, None,
             reason="笔误", today=TODAY)
    fix = world.run(propose_fact_change, organiser, "F-2", "assessments", 0,
                    {"date": "2021-08-07", "period": "activist", "by": "赵六", "result": "合格"},
                    reason="考察表落款为8月7日", today=TODAY)
    assert world.dossier("F-2")[3].assessments == before
    _refused("CHANGE_PENDING", world.run, propose_fact_change, organiser, "F-2", "assessments", 0, None,
             reason="重复", today=TODAY)
    _refused("SELF_REVIEW", world.run, approve_change, Actor(organiser.user_id, organiser.login, organiser.name,
                                                             ((world.orgs["A"], "reviewer"),)), fix["id"], today=TODAY)
    world.run(approve_change, reviewer, fix["id"], today=TODAY)
    after = world.dossier("F-2")[3].assessments
    assert after[0].date == dt.date(2021, 8, 7) and after[1:] == before[1:]
    drop = world.run(propose_fact_change, organiser, "F-2", "assessments", 1, None, reason="重复录入", today=TODAY)
    world.run(approve_change, reviewer, drop["id"], today=TODAY)
    assert len(world.dossier("F-2")[3].assessments) == len(before) - 1
    with UnitOfWork(world.engine) as u:
        kinds = [e["kind"] for e in queries.events(u, reviewer, "F-2")]
    assert kinds[-4:] == ["change_proposed", "assessment_corrected", "change_proposed", "assessment_withdrawn"]
    _verified(world, "F-2")


def test_a_correction_of_a_record_changed_since_is_refused(world):
    _case(world, "F-3", 6)
    organiser, reviewer = world.actor("organiser"), world.actor("reviewer")
    first = world.run(propose_fact_change, organiser, "F-3", "assessments", 1, None, reason="重复", today=TODAY)
    second = world.run(propose_fact_change, organiser, "F-3", "assessments", 0, None, reason="错录", today=TODAY)
    world.run(approve_change, reviewer, second["id"], today=TODAY)  # index 1 is now another record
    _refused("CHANGE_STALE", world.run, approve_change, reviewer, first["id"], today=TODAY)


# ---------------------------------------------------------------- names the print font cannot draw

@pytest.fixture
def font():
    if printable.printable_characters() is None:
        pytest.skip("the print font (Noto Serif CJK SC) is not installed here")


def test_a_name_the_forms_cannot_print_is_refused_on_entry(world, font):
    organiser = world.actor("organiser")
    error = _refused("NAME_UNPRINTABLE", world.run, dossiers.create_dossier, organiser, world.orgs["A1"],
                     {"name": "王😀明", "birth_date": "2001-02-11"})
    assert error.field == "name" and "U+1F600" in error.message
    assert printable.unprintable("王小明 Wang") == []
    assert printable.unprintable("𠀀") == ["𠀀"]  # CJK extension B: outside the font
    document = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8"))["dossier"])
    document.update(id="E-1", steps=document["steps"][:5])
    document["steps"][4]["people"][0]["name"] = "赵🙂"
    error = _refused("NAME_UNPRINTABLE", world.run, dossiers.import_dossier,
                     Actor(None, "s", "导入员", ((world.orgs["A"], "admin"),)), world.orgs["A1"], document)
    assert error.path == "$.steps[4].people[0].name"
    _case(world, "E-2", 8)
    error = _refused("NAME_UNPRINTABLE", world.run, steps.record_step, organiser, "E-2",
                     {"step": "s09_introducers_assigned", "date": "2022-02-25",
                      "people": [{"name": "钱七🎉", "status": "full"}, {"name": "赵六", "status": "full"}]},
                     today=TODAY)
    assert error.path == "$.people[0].name"


# ---------------------------------------------------------------- a step's materials

def test_a_steps_materials_come_from_the_engines_gate_and_upload_together(world):
    _case(world, "M-1", 2, tracked=True)
    organiser, reviewer = world.actor("organiser"), world.actor("reviewer")
    world.run(steps.record_step, organiser, "M-1", {"step": "s03_activist_determined", "date": "2021-02-08",
                                                       "nomination": ["party_members"]}, today=TODAY)
    dossier = world.dossier("M-1")[3]
    seen = step_materials.step_materials(dossier, "s03_activist_determined", TODAY, index=2)
    assert [(line.id, line.required, line.missing) for line in seen.lines] == [
        ("nomination", True, True), ("committee_minutes_activist", True, True)]
    # the reviewer is refused on the very materials the page calls missing
    error = _refused("REVIEW_REFUSED", world.run, reviews.review_step, reviewer, "M-1", 2, today=TODAY)
    assert {d["subject"] for d in error.details} == {line.id for line in seen.missing}
    assert step_materials.missing_count(dossier) == 2
    # one bad file refuses the whole set: nothing stored
    bad = [step_materials.Upload("nomination", PDF, "application/pdf", "推荐.pdf", ["李书记"]),
           step_materials.Upload("committee_minutes_activist", b"GIF89a", "image/gif", "会议.gif", ["李书记"])]
    error = _refused("MATERIAL_TYPE", world.run, step_materials.attach_all, organiser, "M-1",
                     "s03_activist_determined", bad, max_bytes=1 << 20, day=dt.date(2021, 2, 8))
    assert error.field == "material:committee_minutes_activist"
    assert world.dossier("M-1")[3].materials == dossier.materials
    good = [bad[0], step_materials.Upload("committee_minutes_activist", PDF + b"2", "application/pdf", "会议.pdf",
                                          ["李书记"])]
    world.run(step_materials.attach_all, organiser, "M-1", "s03_activist_determined", good, max_bytes=1 << 20,
              day=dt.date(2021, 2, 8))
    dossier = world.dossier("M-1")[3]
    assert step_materials.step_materials(dossier, "s03_activist_determined", TODAY, index=2).missing == []
    assert step_materials.missing_count(dossier) == 0
    world.run(reviews.review_step, reviewer, "M-1", 2, today=TODAY)
    # a step not yet recorded lists what it will need, all missing, with signers from the record
    ahead = step_materials.step_materials(dossier, "s05_contacts_assigned", TODAY,
                                          org_names={"党支部": "甲学院第一支部"})
    assert [(line.id, line.missing) for line in ahead.lines] == [("contacts_record", True)]
    talk = step_materials.step_materials(dossier, "s02_applicant_talk", TODAY, index=1)
    assert talk.lines[0].suggested == [dossier.steps[1].by]
    too_many = [bad[0]] * (step_materials.MAX_FILES + 1)
    _refused("TOO_MANY_FILES", step_materials.check_uploads, dossier, "s03_activist_determined", too_many,
             max_bytes=1 << 20, day=TODAY)
    assert parse_dossier(dossier.to_json_dict())  # still a valid dossier/1 document


def test_forms_name_the_branch_a_dossier_is_kept_in(world):
    organiser = world.actor("organiser")
    world.run(dossiers.create_dossier, organiser, world.orgs["A1"], {"name": "张表格", "birth_date": "2001-02-11"},
              dossier_id="O-1")
    with UnitOfWork(world.engine) as u:
        assert dossiers.load_dossier(u, organiser, "O-1").person.organisation == "甲学院第一支部"  # 所在党支部
        assert dossiers.get_dossier(u, organiser, "O-1")["dossier"]["person"].get("organisation") is None
