"""Each refusal the issue names, answered with its stable code and nothing written."""
from __future__ import annotations

from api_world import MAX_UPLOAD, PDF, PNG


def _dossier(world, who="branch_organiser", name="张三", birth="2004-03-02", **extra):
    answer = world.client(who).post("/api/dossiers", json={
        "organisation_id": world.orgs["A1"], "track_materials": False,
        "person": {"name": name, "birth_date": birth, **extra}})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _codes(answer) -> set[str]:
    return {d["code"] for d in answer.json()["error"].get("details", [])}


def test_self_review_is_refused(world):
    both = world.client("both")
    dossier = _dossier(world, "both")
    assert both.post(f"/api/dossiers/{dossier}/steps", json={"step": "s01_application", "date": "2024-09-10"}).status_code == 201
    answer = both.post(f"/api/dossiers/{dossier}/steps/0/review")
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "SELF_REVIEW"
    assert both.get(f"/api/dossiers/{dossier}").json()["version"] == 2


def test_unreviewed_prerequisite_blocks_the_next_step(world):
    recorder = world.client("branch_organiser")
    dossier = _dossier(world)
    recorder.post(f"/api/dossiers/{dossier}/steps", json={"step": "s01_application", "date": "2024-09-10"})
    answer = recorder.post(f"/api/dossiers/{dossier}/steps",
                           json={"step": "s02_applicant_talk", "date": "2024-09-25", "by": "李书记"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "STEP_REFUSED"
    assert _codes(answer) == {"REVIEW_MISSING"}
    assert world.client("reviewer").post(f"/api/dossiers/{dossier}/steps/0/review").status_code == 200
    again = recorder.post(f"/api/dossiers/{dossier}/steps", json={"step": "s02_applicant_talk", "date": "2024-09-25"})
    assert again.status_code == 201, again.text


def test_gated_step_is_refused_with_the_rule_code(world):
    recorder = world.client("branch_organiser")
    dossier = _dossier(world)
    recorder.post(f"/api/dossiers/{dossier}/steps", json={"step": "s01_application", "date": "2024-09-10"})
    world.client("reviewer").post(f"/api/dossiers/{dossier}/steps/0/review")
    answer = recorder.post(f"/api/dossiers/{dossier}/steps", json={"step": "s02_applicant_talk", "date": "2024-11-02"})
    assert answer.status_code == 422
    assert "TALK_LATE" in _codes(answer)
    skipped = recorder.post(f"/api/dossiers/{dossier}/steps", json={"step": "s07_candidate_determined", "date": "2024-11-02"})
    assert skipped.status_code in (409, 422) and skipped.json()["error"]["code"] in ("STEP_REFUSED", "STEP_NOT_AVAILABLE")


def test_foreign_dossier_is_not_found(world):
    dossier = _dossier(world)
    for who in ("foreign_organiser", "foreign_reviewer", "sibling_organiser"):
        client = world.client(who)
        for answer in (client.get(f"/api/dossiers/{dossier}"),
                       client.post(f"/api/dossiers/{dossier}/steps", json={"step": "s01_application", "date": "2024-09-10"})):
            assert answer.status_code == 404
            assert answer.json() == {"error": {"code": "DOSSIER_NOT_FOUND", "message": "找不到该档案，或您无权查看",
                                               "field": "dossier_id"}}
        assert dossier not in client.get("/api/dossiers").text


def test_review_waits_for_the_required_materials(world):
    recorder = world.client("branch_organiser")
    dossier = recorder.post("/api/dossiers", json={"organisation_id": world.orgs["A1"], "person": {
        "name": "孙七", "birth_date": "2002-01-01"}}).json()["id"]
    recorder.post(f"/api/dossiers/{dossier}/steps", json={"step": "s01_application", "date": "2024-09-10"})
    refused = world.client("reviewer").post(f"/api/dossiers/{dossier}/steps/0/review")
    assert refused.status_code == 422 and "MATERIAL_MISSING" in _codes(refused)


def test_wrong_reviewer_level_is_forbidden(world):
    dossier = _dossier(world)
    world.client("branch_organiser").post(f"/api/dossiers/{dossier}/steps", json={"step": "s01_application", "date": "2024-09-10"})
    assert world.client("admin").post(f"/api/dossiers/{dossier}/steps/0/review").json()["error"]["code"] == "FORBIDDEN"


def _upload(world, dossier, content, media="application/pdf", name="a.pdf"):
    return world.client("branch_organiser").post(
        f"/api/dossiers/{dossier}/materials", data={"material_id": "application_letter", "step": "s01_application"},
        files={"file": (name, content, media)})


def test_oversized_and_mistyped_uploads_are_refused(world):
    dossier = _dossier(world)
    big = _upload(world, dossier, PDF + b"0" * MAX_UPLOAD)
    assert big.status_code == 413 and big.json()["error"]["code"] == "MATERIAL_TOO_LARGE"
    text = _upload(world, dossier, b"hello, not a pdf", "text/plain", "a.txt")
    assert text.status_code == 415 and text.json()["error"]["code"] == "MATERIAL_TYPE"
    lying = _upload(world, dossier, PDF, "image/png", "a.png")
    assert lying.status_code == 415 and lying.json()["error"]["code"] == "MATERIAL_TYPE"
    unknown = world.client("branch_organiser").post(
        f"/api/dossiers/{dossier}/materials", data={"material_id": "no_such_material", "step": "s01_application"},
        files={"file": ("a.png", PNG, "image/png")})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "MATERIAL_UNKNOWN"
    assert world.client("branch_organiser").get(f"/api/dossiers/{dossier}").json()["version"] == 1
    ok = _upload(world, dossier, PNG, "image/png", "a.png")
    assert ok.status_code == 201 and ok.json()["media_type"] == "image/png"


def test_duplicate_person_is_refused(world):
    _dossier(world, name="李四", birth="2003-05-06", id_number="330106200305061231")
    organiser = world.client("organiser")
    same_number = organiser.post("/api/dossiers", json={"organisation_id": world.orgs["A2"], "person": {
        "name": "李思", "birth_date": "2003-05-06", "id_number": "330106200305061231"}})
    assert same_number.status_code == 409 and same_number.json()["error"]["code"] == "DUPLICATE_PERSON"
    assert "330106200305061231" not in same_number.text
    same_person = organiser.post("/api/dossiers", json={"organisation_id": world.orgs["A2"], "person": {
        "name": "李四", "birth_date": "2003-05-06"}})
    assert same_person.status_code == 409 and same_person.json()["error"]["code"] == "DUPLICATE_PERSON"
    other_tree = world.client("foreign_organiser").post("/api/dossiers", json={
        "organisation_id": world.orgs["X1"], "person": {"name": "李四", "birth_date": "2003-05-06"}})
    assert other_tree.status_code == 201
    assert len(organiser.get("/api/dossiers").json()) == 1


def test_id_numbers_are_checked_and_never_echoed(world):
    organiser = world.client("organiser")
    for number, code in (("330106200305061232", "ID_NUMBER_INVALID"), ("33010620030506123", "ID_NUMBER_INVALID"),
                         ("330106200305061231", "ID_NUMBER_MISMATCH")):
        answer = organiser.post("/api/dossiers", json={"organisation_id": world.orgs["A1"], "person": {
            "name": "王五", "birth_date": "2003-05-07", "id_number": number}})
        assert answer.status_code == 422 and answer.json()["error"]["code"] == code
        assert number not in answer.text
    listing = organiser.get("/api/dossiers").json()
    assert listing == []
