"""Case events over JSON are reviewed like a step (一事一审): `POST /api/dossiers/{id}/events` only proposes
(202, nothing in the dossier moves); a reviewer above lists what waits for them, reads it, approves it (then
the event is written, naming the approver) or returns it with a comment; the proposer never decides."""
from __future__ import annotations


def _code(answer) -> str:
    return answer.json()["error"]["code"]


def _applicant(world, who="branch_organiser", org="A1", name="申请人") -> str:
    client = world.client(who)
    made = client.post("/api/dossiers", json={"organisation_id": world.orgs[org], "track_materials": False,
                                              "person": {"name": name, "birth_date": "2001-01-01"}})
    assert made.status_code == 201, made.text
    dossier = made.json()["id"]
    assert client.post(f"/api/dossiers/{dossier}/steps",
                       json={"step": "s01_application", "date": "2024-09-10"}).status_code == 201
    return dossier


def _state(world, dossier: str) -> str:
    return world.client("auditor").get(f"/api/dossiers/{dossier}").json()["state"]


def _kinds(world, dossier: str) -> list[str]:
    return [e["kind"] for e in world.client("auditor").get(f"/api/dossiers/{dossier}/events").json()]


WITHDRAW = {"kind": "withdraw", "date": "2024-10-01", "reason": "本人书面申请撤回"}


def test_a_case_event_is_proposed_then_approved_by_a_second_person(world):
    dossier = _applicant(world)
    before = _state(world, dossier)
    proposed = world.client("branch_organiser").post(f"/api/dossiers/{dossier}/events", json=WITHDRAW)
    assert proposed.status_code == 202, proposed.text
    change = proposed.json()
    assert (change["status"], change["kind"], change["payload"]["kind"]) == ("pending", "case_event", "withdraw")
    assert change["proposed_by"] == "吴支书"
    assert _state(world, dossier) == before  # nothing moved yet
    assert "case_withdraw" not in _kinds(world, dossier) and "change_proposed" in _kinds(world, dossier)

    assert [c["id"] for c in world.client("reviewer").get("/api/changes").json()] == [change["id"]]
    assert world.client("branch_organiser").get("/api/changes").json() == []  # not a reviewer
    assert world.client("foreign_reviewer").get("/api/changes").json() == []  # another tree
    listed = world.client("auditor").get(f"/api/dossiers/{dossier}/changes").json()
    assert [c["id"] for c in listed] == [change["id"]]
    shown = world.client("reviewer").get(f"/api/changes/{change['id']}")
    assert shown.status_code == 200 and shown.json()["person_name"] == "申请人" and shown.json()["may_decide"] is True
    assert world.client("branch_organiser").get(f"/api/changes/{change['id']}").json()["may_decide"] is False
    assert _code(world.client("foreign_reviewer").get(f"/api/changes/{change['id']}")) == "CHANGE_NOT_FOUND"

    url = f"/api/changes/{change['id']}/approve"
    for role in ("organiser", "auditor", "admin", "branch_organiser"):
        refused = world.client(role).post(url)
        assert refused.status_code == 403 and _code(refused) == "FORBIDDEN", role
    assert world.client("foreign_reviewer").post(url).status_code == 404
    assert _state(world, dossier) == before

    approved = world.client("reviewer").post(url)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "王组织员"
    assert _state(world, dossier) == "withdrawn"
    events = world.client("auditor").get(f"/api/dossiers/{dossier}/events").json()
    applied = next(e for e in events if e["kind"] == "case_withdraw")
    assert applied["info"]["approved_by"] == "王组织员" and applied["actor"] == "吴支书"
    again = world.client("reviewer").post(url)
    assert again.status_code == 409 and _code(again) == "ALREADY_DECIDED"
    assert world.client("reviewer").get("/api/changes").json() == []


def test_the_proposer_cannot_approve_their_own_case_event(world):
    dossier = _applicant(world, who="both")  # organiser of A1 and reviewer of A, above it
    proposed = world.client("both").post(f"/api/dossiers/{dossier}/events", json=WITHDRAW)
    assert proposed.status_code == 202
    assert world.client("both").get("/api/changes").json() == []  # not in their own queue
    refused = world.client("both").post(f"/api/changes/{proposed.json()['id']}/approve")
    assert refused.status_code == 403 and _code(refused) == "SELF_REVIEW"
    assert _state(world, dossier) != "withdrawn"


def test_a_returned_case_event_changes_nothing_and_may_be_proposed_again(world):
    dossier = _applicant(world)
    before = _state(world, dossier)
    organiser = world.client("branch_organiser")
    first = organiser.post(f"/api/dossiers/{dossier}/events", json=WITHDRAW).json()
    duplicate = organiser.post(f"/api/dossiers/{dossier}/events", json=WITHDRAW)
    assert duplicate.status_code == 409 and _code(duplicate) == "CHANGE_PENDING"
    url = f"/api/changes/{first['id']}/return"
    assert world.client("organiser").post(url, json={"comment": "缺书面申请"}).status_code == 403
    for body in ({}, {"comment": "  "}):
        empty = world.client("reviewer").post(url, json=body)
        assert empty.status_code == 422 and _code(empty) == "FIELD_REQUIRED"
    assert world.client("reviewer").post(url, json={"comment": "长" * 1001}).status_code == 422
    returned = world.client("reviewer").post(url, json={"comment": "缺书面申请"})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert returned.json()["comment"] == "缺书面申请"
    assert _state(world, dossier) == before and "change_returned" in _kinds(world, dossier)
    late = world.client("reviewer").post(f"/api/changes/{first['id']}/approve")
    assert late.status_code == 409 and _code(late) == "ALREADY_DECIDED"
    again = organiser.post(f"/api/dossiers/{dossier}/events", json={**WITHDRAW, "reason": "已补书面申请"})
    assert again.status_code == 202 and again.json()["id"] != first["id"]


def test_a_proposal_is_refused_with_its_code_and_field(world):
    dossier = _applicant(world)
    organiser = world.client("branch_organiser")
    cases = [({"kind": "withdraw", "date": "2024-10-01"}, 422, "REASON_REQUIRED"),
             ({**WITHDRAW, "date": "2027-01-01"}, 422, "DATE_IN_FUTURE"),
             ({**WITHDRAW, "kind": "promoted"}, 422, "VALUE_INVALID"),
             ({**WITHDRAW, "kind": "transfer_in"}, 409, "EVENT_NOT_ALLOWED"),
             ({**WITHDRAW, "kind": "transfer_out"}, 422, "FIELD_REQUIRED")]
    for body, status, code in cases:
        answer = organiser.post(f"/api/dossiers/{dossier}/events", json=body)
        assert (answer.status_code, _code(answer)) == (status, code), (body, answer.text)
    assert world.client("auditor").post(f"/api/dossiers/{dossier}/events", json=WITHDRAW).status_code == 403
    assert world.client("foreign_organiser").post(f"/api/dossiers/{dossier}/events", json=WITHDRAW).status_code == 404
    assert world.client("reviewer").get(f"/api/dossiers/{dossier}/changes").json() == []
    assert world.client("reviewer").get("/api/changes/987654").status_code == 404


def test_a_transfer_is_proposed_out_and_in_each_signed_off_by_its_tree(world):
    dossier = _applicant(world, who="foreign_organiser", org="X1", name="转学生")
    out = world.client("foreign_organiser").post(f"/api/dossiers/{dossier}/events", json={
        "kind": "transfer_out", "date": "2024-10-01", "reason": "转学", "to_organisation_id": world.orgs["A2"]})
    assert out.status_code == 202, out.text
    assert world.client("reviewer").post(f"/api/changes/{out.json()['id']}/approve").status_code == 404
    assert world.client("foreign_reviewer").post(f"/api/changes/{out.json()['id']}/approve").status_code == 200
    inward = world.client("sibling_organiser").post(f"/api/dossiers/{dossier}/events", json={
        "kind": "transfer_in", "date": "2024-10-08", "reason": "接收转入"})
    assert inward.status_code == 202, inward.text
    assert [c["id"] for c in world.client("reviewer").get("/api/changes").json()] == [inward.json()["id"]]
    assert world.client("reviewer").post(f"/api/changes/{inward.json()['id']}/approve").status_code == 200
    moved = world.client("sibling_organiser").get(f"/api/dossiers/{dossier}")
    assert moved.status_code == 200 and moved.json()["organisation_id"] == world.orgs["A2"]
    assert world.client("foreign_organiser").get(f"/api/dossiers/{dossier}").status_code == 404


def test_an_imported_paper_history_keeps_its_events_but_a_reimport_cannot_add_one(world):
    """The first import takes a paper history as it stands (its withdrawal happened on paper); once the
    dossier lives here, a file that adds a withdrawal is refused: that is proposed and reviewed."""
    import json

    organiser = world.client("branch_organiser")
    url = f"/api/organisations/{world.orgs['A1']}/import"

    def upload(document):
        files = {"file": ("d.json", json.dumps(document, ensure_ascii=False).encode(), "application/json")}
        answer = organiser.post(url, files=files)
        assert answer.status_code == 200, answer.text
        return answer.json()

    steps = [{"step": "s01_application", "date": "2024-09-10"}]
    closed = upload({"format": "dossier/1", "id": "PAPER-1", "person": {"name": "纸档", "birth_date": "2001-01-01"},
                     "steps": steps, "case_events": [WITHDRAW]})
    assert closed["imported"][0]["outcome"] == "created" and _state(world, "PAPER-1") == "withdrawn"

    live = {"format": "dossier/1", "id": "PAPER-2", "person": {"name": "在办", "birth_date": "2001-01-01"},
            "steps": steps}
    assert upload(live)["imported"][0]["outcome"] == "created"
    before = _state(world, "PAPER-2")
    refused = upload({**live, "case_events": [WITHDRAW]})
    assert refused["imported"] == [] and refused["errors"][0]["code"] == "REIMPORT_CHANGES_CASE_EVENTS"
    assert _state(world, "PAPER-2") == before
    assert upload({**live, "steps": [*steps, {"step": "s02_applicant_talk", "date": "2024-09-20"}]})[
        "imported"][0]["outcome"] == "updated"  # a re-import still brings new steps
