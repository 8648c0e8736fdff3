"""Issue 9: an ID number typed into the wrong field is never quoted back, and no user learns that a
dossier or an ID number exists in another organisation tree (the same answer as "does not exist")."""
from __future__ import annotations

import re

from api_world import PDF
from web.webkit import Page, import_case

NUMBER = "330106200305061231"  # valid check digit, born 2003-05-06
MASKED = "3301**********1231"


def _create(world, who, org, **person):
    return world.client(who).post("/api/dossiers", json={"organisation_id": world.orgs[org], "track_materials": False,
                                                         "person": {"name": "李四", "birth_date": "2003-05-06",
                                                                    **person}})


# ---------------------------------------------------------------- never echoed

def test_an_id_number_in_the_wrong_field_is_not_quoted_by_the_api(world):
    organiser = world.client("organiser")
    answers = [
        _create(world, "organiser", "A1", birth_date=NUMBER),  # a date field
        _create(world, "organiser", "A1", expected_leave_date=NUMBER),
        organiser.post("/api/dossiers/import", params={"organisation_id": world.orgs["A1"]}, json={
            "format": "dossier/1", "id": "IMP-1", "person": {"name": "李四", "birth_date": "2003-05-06"},
            "steps": [{"step": NUMBER, "date": "2024-09-10"}]}),
        organiser.get("/api/audit", params={"as_of": NUMBER}),
        organiser.post("/api/members", json={"organisation_id": world.orgs["A1"], "name": "党员", "status": NUMBER}),
    ]
    for answer in answers:
        assert answer.status_code in (404, 409, 422), answer.text
        assert NUMBER not in answer.text, answer.text
    assert MASKED in answers[0].text  # the field is still named, the number masked


def test_an_id_number_as_dossier_id_is_refused_without_echo(world):
    answer = world.client("organiser").post("/api/dossiers", json={
        "organisation_id": world.orgs["A1"], "id": NUMBER, "person": {"name": "李四", "birth_date": "2003-05-06"}})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "VALUE_INVALID"
    assert answer.json()["error"]["field"] == "id" and NUMBER not in answer.text
    assert world.client("organiser").get("/api/dossiers").json() == []


def test_an_id_number_in_the_wrong_field_is_not_quoted_by_the_pages(world):
    page = Page(world.app, "branch_organiser")
    answer = page.post("/dossiers/new", {"organisation_id": str(world.orgs["A1"]), "name": "王五",
                                         "birth_date": NUMBER})
    assert answer.status_code == 422
    errors = re.search(r'<ul class="problems" id="e-birth_date".*?</ul>', answer.text, re.S).group(0)
    assert NUMBER not in errors and MASKED in errors
    import_case(world.engine, world.orgs["A1"], "P-1", 2, name="钱过", birth_date="2001-02-11")
    step = page.post("/dossiers/P-1/steps/s03_activist_determined/record", {"date": NUMBER})
    assert step.status_code == 422
    problems = "".join(re.findall(r'<ul class="problems".*?</ul>', step.text, re.S))
    assert problems and NUMBER not in problems


# ---------------------------------------------------------------- nothing learnt about another tree

def test_an_id_number_known_in_another_tree_is_answered_as_unknown(world):
    assert _create(world, "organiser", "A1", id_number=NUMBER).status_code == 201
    # tree X: exactly what it would get if the person had no dossier anywhere
    elsewhere = _create(world, "foreign_organiser", "X1", id_number=NUMBER)
    assert elsewhere.status_code == 201, elsewhere.text
    # within tree A the rule of one dossier per person holds, without quoting the number
    again = _create(world, "organiser", "A2", name="李思", id_number=NUMBER)
    assert again.status_code == 409 and again.json()["error"]["code"] == "DUPLICATE_PERSON"
    assert NUMBER not in again.text


def test_a_dossier_of_another_tree_answers_like_a_missing_one(world):
    own = _create(world, "organiser", "A1").json()["id"]
    foreign = world.client("foreign_organiser")
    for suffix in ("", "/export", "/events", "/audit", "/plan", "/forms/1"):
        present = foreign.get(f"/api/dossiers/{own}{suffix}")
        absent = foreign.get(f"/api/dossiers/NO-SUCH-DOSSIER{suffix}")
        assert present.status_code == absent.status_code == 404, (suffix, present.text)
        assert present.json() == absent.json()
    step = {"step": "s01_application", "date": "2024-09-10"}
    assert foreign.post(f"/api/dossiers/{own}/steps", json=step).json() == \
        foreign.post("/api/dossiers/NO-SUCH-DOSSIER/steps", json=step).json()
    upload = {"data": {"material_id": "application_letter", "step": "s01_application"},
              "files": {"file": ("a.pdf", PDF, "application/pdf")}}
    assert foreign.post(f"/api/dossiers/{own}/materials", **upload).json() == \
        foreign.post("/api/dossiers/NO-SUCH-DOSSIER/materials", **upload).json()


def test_reimporting_an_id_of_another_tree_gets_the_answer_an_existing_id_gets(world):
    document = {"format": "dossier/1", "id": "SHARED-1", "person": {"name": "赵六", "birth_date": "2001-01-01"}}
    organiser = world.client("organiser")
    assert organiser.post("/api/dossiers/import", params={"organisation_id": world.orgs["A1"]},
                          json=document).status_code == 201
    own_clash = organiser.post("/api/dossiers", json={"organisation_id": world.orgs["A1"], "id": "SHARED-1",
                                                      "person": {"name": "别人", "birth_date": "2001-01-02"}})
    import io
    import json
    foreign = world.client("foreign_organiser").post(
        f"/api/organisations/{world.orgs['X1']}/import",
        files={"file": ("d.json", io.BytesIO(json.dumps(document, ensure_ascii=False).encode()), "application/json")})
    assert foreign.status_code == 200
    error = foreign.json()["errors"][0]
    assert error["code"] == own_clash.json()["error"]["code"] == "DOSSIER_EXISTS"
    assert error["message"] == own_clash.json()["error"]["message"]  # nothing says "another organisation"


def test_a_transfer_into_a_tree_that_has_the_person_is_refused_cleanly(world):
    moving = _create(world, "foreign_organiser", "X1", id_number=NUMBER).json()["id"]
    assert _create(world, "organiser", "A1", name="李思", id_number=NUMBER).status_code == 201
    out = world.client("foreign_organiser").post(f"/api/dossiers/{moving}/events", json={
        "kind": "transfer_out", "date": "2024-10-01", "to_organisation_id": world.orgs["A2"], "reason": "转学"})
    assert out.status_code == 202, out.text  # proposed; X's reviewer signs it off
    approved = world.client("foreign_reviewer").post(f"/api/changes/{out.json()['id']}/approve")
    assert approved.status_code == 200, approved.text
    arriving = world.client("organiser").post(f"/api/dossiers/{moving}/events",
                                              json={"kind": "transfer_in", "date": "2024-10-08", "reason": "转入"})
    assert arriving.status_code == 409 and arriving.json()["error"]["code"] == "DUPLICATE_PERSON"
    assert NUMBER not in arriving.text
