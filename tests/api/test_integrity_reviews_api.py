"""Promise 1 of issue 9 over HTTP: creating or importing a dossier never signs a step off; the review
route does, either as an in-system review or as the confirmation of a paper one by a second person."""
from __future__ import annotations

import copy
import json
from pathlib import Path

PAPER = json.loads((Path(__file__).resolve().parents[1] / "data" / "examples" / "01_valid_2014_full_record.json")
                   .read_text(encoding="utf-8"))["dossier"]


def _paper(dossier_id: str, steps: int) -> dict:
    document = copy.deepcopy(PAPER)
    document.update(id=dossier_id, steps=document["steps"][:steps])
    document.pop("materials", None)
    document["person"] = {**document["person"], "id_number": None, "name": f"纸质{dossier_id}"}
    return document


def test_creating_a_dossier_takes_no_steps_and_no_sign_offs(world):
    answer = world.client("organiser").post("/api/dossiers", json={
        "organisation_id": world.orgs["A1"], "id": "NEW-1", "person": {"name": "新建", "birth_date": "2004-03-02"},
        "steps": [{"step": "s01_application", "date": "2024-09-10", "reviewed_by": "王组织员"}]})
    assert answer.status_code == 201, answer.text
    assert world.client("organiser").get("/api/dossiers/NEW-1/export").json()["steps"] == []


def test_imported_sign_offs_wait_for_a_second_person(world):
    both, reviewer = world.client("both"), world.client("reviewer")
    answer = both.post(f"/api/dossiers/import?organisation_id={world.orgs['A1']}", json=_paper("IMP-1", 3))
    assert answer.status_code == 201, answer.text
    steps = both.get("/api/dossiers/IMP-1/export").json()["steps"]
    assert [s.get("reviewed_by") for s in steps] == [None] * 3
    assert {s["paper_review"]["imported_by"] for s in steps} == {"卫双岗"}
    recorded = both.post("/api/dossiers/IMP-1/steps", json={"step": "s04_activist_filed", "date": "2021-02-20"})
    assert recorded.status_code == 422 and "REVIEW_MISSING" in recorded.text
    own = both.post("/api/dossiers/IMP-1/paper-reviews/confirm")
    assert own.status_code == 422 and own.json()["error"]["code"] == "SELF_CONFIRM"
    one = reviewer.post("/api/dossiers/IMP-1/steps/0/review")
    assert one.status_code == 200, one.text
    rest = reviewer.post("/api/dossiers/IMP-1/paper-reviews/confirm")
    assert rest.status_code == 200 and rest.json()["confirmed"] == [1, 2]
    steps = both.get("/api/dossiers/IMP-1/export").json()["steps"]
    assert [(s["reviewed_by"], s["review_source"], s["paper_review"]["confirmed_by"]) for s in steps] == \
        [("王组织员", "paper", "王组织员")] * 3
    kinds = [e["kind"] for e in both.get("/api/dossiers/IMP-1/events").json()]
    assert kinds == ["imported", "step_reviewed", "paper_reviews_confirmed"]
    again = reviewer.post("/api/dossiers/IMP-1/paper-reviews/confirm")
    assert again.status_code == 409 and again.json()["error"]["code"] == "NOTHING_TO_CONFIRM"
