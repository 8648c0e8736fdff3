"""A whole case through the API, s01 to s25, by a recorder and a reviewer; the export audits clean
and survives an import/export round trip unchanged."""
from __future__ import annotations

from api_world import PDF, TODAY

from workflow.audit import audit_dossier
from workflow.dossier import parse_dossier
from workflow.service_layer.demo import FULL_CASE_FACTS, FULL_CASE_MATERIALS, FULL_CASE_STEPS
from workflow.store.verify import verify_all
from workflow.store.repository import UnitOfWork

FACT_ROUTES = {"assessments": "assessments", "publicity": "publicity", "thought_reports": "thought-reports"}


def test_full_case_through_the_api(world):
    recorder, reviewer = world.client("branch_organiser"), world.client("reviewer")
    created = recorder.post("/api/dossiers", json={
        "organisation_id": world.orgs["A1"], "id": "CASE-1",
        "person": {"name": "王小明", "gender": "男", "birth_date": "2001-02-11", "id_number": "110105200102110024"}})
    assert created.status_code == 201, created.text
    assert created.json()["id_number"] == "1101**********0024"
    base = "/api/dossiers/CASE-1"
    for index, entry in enumerate(FULL_CASE_STEPS):
        for key, item in FULL_CASE_FACTS.get(entry["step"], []):
            answer = recorder.post(f"{base}/{FACT_ROUTES[key]}", json=item)
            assert answer.status_code == 201, answer.text
        for n, (material_id, step) in enumerate(m for m in FULL_CASE_MATERIALS if m[1] == entry["step"]):
            answer = recorder.post(f"{base}/materials", data={"material_id": material_id, "step": step,
                                                              "date": entry["date"], "signed_by": ["吴支书"]},
                                   files={"file": (f"{material_id}.pdf", PDF + material_id.encode(), "application/pdf")})
            assert answer.status_code == 201, answer.text
        answer = recorder.post(f"{base}/steps", json=entry)
        assert answer.status_code == 201, (entry["step"], answer.text)
        assert answer.json()["index"] == index
        answer = reviewer.post(f"{base}/steps/{index}/review")
        assert answer.status_code == 200, (entry["step"], answer.text)

    detail = recorder.get(base).json()
    assert detail["state"] == "full_member"
    assert detail["dossier"]["person"]["id_number"] == "1101**********0024"
    exported = recorder.get(f"{base}/export").json()
    assert exported["person"]["id_number"] == "110105200102110024"
    assert all(s["recorded_by"] == "吴支书" and s["reviewed_by"] == "王组织员" for s in exported["steps"])
    audit = audit_dossier(parse_dossier(exported), TODAY)
    assert audit.findings == [], [f.code for f in audit.findings]
    assert recorder.get(f"{base}/audit").json()["summary"]["with_violations"] == 0
    assert recorder.get(f"{base}/plan").json()["dossiers"][0]["next"] == []

    sha = exported["materials"][0]["sha256"]
    material = recorder.get(f"{base}/materials/{sha}")
    assert material.status_code == 200 and material.content.startswith(b"%PDF")

    events = recorder.get(f"{base}/events").json()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(events, events[1:]))
    assert "110105200102110024" not in str(events)
    with UnitOfWork(world.engine) as uow:
        assert verify_all(uow.session) == (1, [])

    # lossless round trip: import the export as another dossier in another tree, export it again
    copy = {**exported, "id": "CASE-1-COPY"}
    copy["person"] = {**copy["person"], "id_number": None}
    foreign = world.client("foreign_organiser")
    answer = foreign.post(f"/api/dossiers/import?organisation_id={world.orgs['X1']}", json=copy)
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "full_member"
    # the other tree holds the sign-offs as paper history only (issue 9: a file never signs off)
    from workflow.store.provenance import as_paper_history
    paper, _ = as_paper_history(copy, "冯支书", TODAY, None)
    assert foreign.get("/api/dossiers/CASE-1-COPY/export").json() == paper
