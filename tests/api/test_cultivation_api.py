"""Cultivation over JSON (issue 12): pairing (suggestion, assignment, replacement keeping the history,
activities, the dashboard's overview), assessments citing the pairing work, member role tags, the
annual plan and its progress, the annual return, and the published ranking with its PDF notice; each
with the store's permission checks (401 without a token, 403 for a role that may not act, 404 for an
organisation or record outside the user's trees) and a coded 422 for bad input."""
from __future__ import annotations

import io
import re

from api_world import TODAY
from cultivation_support import entries_000, generated_class_000
from pypdf import PdfReader

from workflow.store import cultivation as store
from workflow.store.access import Actor
from workflow.store.repository import UnitOfWork


def _activist(dossier_id: str, name: str) -> dict:
    return {"format": "dossier/1", "id": dossier_id, "person": {"name": name, "birth_date": "2005-03-01"},
            "steps": [{"step": "s01_application", "date": "2025-09-10"},
                      {"step": "s02_applicant_talk", "date": "2025-09-20"},
                      {"step": "s03_activist_determined", "date": "2026-01-10", "nomination": ["league"]}]}


def _code(answer) -> str:
    return answer.json()["error"]["code"]


def _branch_with_activists(world) -> dict:
    """Branch A1 with members 甲 乙 丙 (甲 a teacher) and activists A1-1, A1-2, as its organiser made them."""
    branch = world.client("branch_organiser")
    a1 = world.orgs["A1"]
    members = {}
    for name, roles in (("党员甲", ["teacher"]), ("党员乙", []), ("党员丙", ["student"])):
        answer = branch.post("/api/members", json={"organisation_id": a1, "name": name, "status": "full",
                                                   "roles": roles})
        assert answer.status_code == 201, answer.text
        assert answer.json()["roles"] == roles
        members[name] = answer.json()["id"]
    for i in (1, 2):
        answer = branch.post(f"/api/dossiers/import?organisation_id={a1}", json=_activist(f"A1-{i}", f"积极分子{i}"))
        assert answer.status_code == 201, answer.text
    return members


def test_pairing_routes_with_their_permissions(world):
    members = _branch_with_activists(world)
    a1 = world.orgs["A1"]
    branch, auditor = world.client("branch_organiser"), world.client("auditor")
    assert world.client().get(f"/api/cultivation/pairings/suggestion?organisation_id={a1}").status_code == 401
    assert _code(world.client("foreign_organiser").get(f"/api/cultivation/pairings/suggestion?organisation_id={a1}")) \
        == "ORGANISATION_NOT_FOUND"
    suggestion = auditor.get(f"/api/cultivation/pairings/suggestion?organisation_id={a1}")
    assert suggestion.status_code == 200 and suggestion.json()["unserved"] == []
    pairs = [{"dossier_id": p["dossier_id"], "member_id": p["member_id"]} for p in suggestion.json()["pairs"]]
    assert len(pairs) == 4
    body = {"organisation_id": a1, "start": "2026-02-01", "pairs": pairs}
    assert auditor.post("/api/cultivation/pairings", json=body).status_code == 403
    assert _code(world.client("sibling_organiser").post("/api/cultivation/pairings", json=body)) == "ORGANISATION_NOT_FOUND"
    assert _code(branch.post("/api/cultivation/pairings", json={**body, "start": "2026-13-01"})) == "DATE_INVALID"
    assert branch.post("/api/cultivation/pairings", json={**body, "pairs": []}).status_code == 422
    saved = branch.post("/api/cultivation/pairings", json=body)
    assert saved.status_code == 201, saved.text
    first = next(p for p in saved.json() if p["dossier_id"] == "A1-1")
    again = branch.post("/api/cultivation/pairings", json={**body, "pairs": pairs[:1]})
    assert again.status_code == 409 and _code(again) == "PAIRING_DUPLICATE"

    free = next(m for m in members.values()
                if all(p["member_id"] != m for p in saved.json() if p["dossier_id"] == "A1-1"))
    base = f"/api/cultivation/pairings/{first['id']}"
    assert branch.post(f"{base}/activities", json={"kind": "谈心谈话", "date": "2026-03-01"}).status_code == 201
    bad = branch.post(f"{base}/activities", json={"kind": "聊天", "date": "2026-03-02"})
    assert bad.status_code == 422 and _code(bad) == "PAIRING_ACTIVITY_KIND"
    assert auditor.post(f"{base}/activities", json={"kind": "帮扶", "date": "2026-03-02"}).status_code == 403
    assert _code(world.client("foreign_organiser").post(f"{base}/activities", json={"kind": "帮扶", "date": "2026-03-02"})) \
        == "PAIRING_NOT_FOUND"
    assert _code(branch.post(f"{base}/replace", json={"member_id": free, "date": "2026-06-01", "reason": " "})) \
        == "PAIRING_REASON_MISSING"
    changed = branch.post(f"{base}/replace", json={"member_id": free, "date": "2026-06-01", "reason": "毕业离校"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["closed"]["end"] == "2026-06-01" and changed.json()["opened"]["replaces_id"] == first["id"]
    opened = changed.json()["opened"]["id"]
    assert branch.post(f"/api/cultivation/pairings/{opened}/activities",
                       json={"kind": "帮扶", "date": "2026-07-01", "note": "课程辅导"}).status_code == 201

    history = auditor.get("/api/dossiers/A1-1/pairings?from=2026-01-10&to=2026-07-10")
    assert history.status_code == 200
    assert len(history.json()["pairings"]) == 3 and history.json()["summary"] == {"talks": 1, "help": 1}
    assert _code(auditor.get("/api/dossiers/A1-1/pairings?from=2026-01-10")) == "DATE_INVALID"
    assert world.client("foreign_organiser").get("/api/dossiers/A1-1/pairings").status_code == 404

    cited = branch.post("/api/dossiers/A1-1/assessments/cited", json={"date": "2026-07-10", "period": "activist",
                                                                      "result": "合格"})
    assert cited.status_code == 201, cited.text
    assert (cited.json()["pairing"]["talks"], cited.json()["pairing"]["help"]) == (1, 1)
    assert auditor.post("/api/dossiers/A1-1/assessments/cited",
                        json={"date": "2026-07-10", "period": "activist"}).status_code == 403
    assert branch.post("/api/dossiers/A1-1/assessments/cited",
                       json={"date": "2026-07-10", "period": "yearly"}).status_code == 422
    assert _code(branch.post("/api/dossiers/A1-1/assessments/cited",
                             json={"date": "2026-12-01", "period": "activist"})) == "DATE_IN_FUTURE"
    assert branch.get("/api/dossiers/A1-1").json()["dossier"]["assessments"][-1]["pairing"]["help"] == 1

    overview = auditor.get(f"/api/cultivation/pairings?organisation_id={a1}")
    assert overview.status_code == 200
    assert {p["dossier_id"] for p in overview.json()["people"]} == {"A1-1", "A1-2"}


def test_member_role_tags_route(world):
    members = _branch_with_activists(world)
    branch = world.client("branch_organiser")
    url = f"/api/members/{members['党员乙']}/roles"
    refused = branch.put(url, json={"roles": ["professor"]})
    assert refused.status_code == 422 and _code(refused) == "MEMBER_ROLE_UNKNOWN"
    assert world.client("auditor").put(url, json={"roles": ["teacher"]}).status_code == 403
    assert world.client("foreign_organiser").put(url, json={"roles": ["teacher"]}).status_code == 404
    answer = branch.put(url, json={"roles": ["teacher", "student"]})
    assert answer.status_code == 200 and answer.json()["roles"] == ["student", "teacher"]
    assert branch.get(f"/api/members/{members['党员乙']}").json()["roles"] == ["student", "teacher"]
    bad = branch.post("/api/members", json={"organisation_id": world.orgs["A1"], "name": "丁", "status": "full",
                                            "roles": ["teacher", 3]})
    assert bad.status_code == 422


def test_the_annual_plan_its_progress_and_the_return(world):
    a1 = world.orgs["A1"]
    body = {"organisation_id": a1, "year": 2026, "total": 4, "women": 2, "young": 3}
    assert world.client("branch_organiser").post("/api/cultivation/plans", json=body).status_code == 403
    assert world.client("foreign_organiser").post("/api/cultivation/plans", json=body).status_code == 404
    assert _code(world.client("organiser").post("/api/cultivation/plans", json={**body, "women": 5})) == "VALUE_INVALID"
    created = world.client("organiser").post("/api/cultivation/plans", json=body)
    assert created.status_code == 201 and created.json()["total"] == 4
    again = world.client("organiser").post("/api/cultivation/plans", json=body)
    assert again.status_code == 409 and _code(again) == "PLAN_EXISTS"
    progress = world.client("auditor").get(f"/api/cultivation/plans/progress?organisation_id={a1}&year=2026")
    assert progress.status_code == 200 and progress.json()["targets"]["women"] == 2
    assert progress.json()["remaining"] == 4
    assert _code(world.client("auditor").get(f"/api/cultivation/plans/progress?organisation_id={a1}&year=2025")) \
        == "PLAN_NOT_FOUND"
    assert world.client("foreign_organiser").get(
        f"/api/cultivation/plans/progress?organisation_id={a1}&year=2026").status_code == 404
    _branch_with_activists(world)
    answer = world.client("auditor").get(f"/api/cultivation/returns?organisation_id={a1}")
    assert answer.status_code == 200 and answer.json()["year"] == TODAY.year
    assert answer.json()["rows"]["activists"]["total"] == 2 and answer.json()["rows"]["developed"]["total"] == 0
    assert world.client("foreign_organiser").get(f"/api/cultivation/returns?organisation_id={a1}").status_code == 404


def test_the_published_ranking_and_its_notice(world):
    a1 = world.orgs["A1"]
    branch = world.client("branch_organiser")
    people = [f"S{i:02d}" for i in range(1, 6)]
    for person in people:
        answer = branch.post("/api/dossiers", json={"organisation_id": a1, "id": person,
                                                    "person": {"name": f"学生{person}", "birth_date": "2005-03-01"}})
        assert answer.status_code == 201, answer.text
    secretary = Actor(user_id=world.users["branch_organiser"], login="branch_organiser", name="吴支书",
                      grants=((a1, "organiser"),))
    reviewer = Actor(user_id=world.users["reviewer"], login="reviewer", name="王组织员",
                     grants=((world.orgs["A"], "reviewer"),))
    entries = [{k: v for k, v in e.model_dump(mode="json", exclude_none=True).items() if k not in ("scored_by", "scored_on")}
               for e in entries_000(generated_class_000()) if e.person in people]
    with UnitOfWork(world.engine) as uow:
        store.add_entries(uow, secretary, a1, "seed000", entries, today=TODAY)
    with UnitOfWork(world.engine) as uow:
        scores = store.compute_scores(uow, secretary, a1, "seed000", "2025-2026-1", today=TODAY)
    for score in scores:
        with UnitOfWork(world.engine) as uow:
            store.review_score(uow, reviewer, score["id"], today=TODAY)
    with UnitOfWork(world.engine) as uow:
        ranking = store.publish_ranking(uow, secretary, a1, "seed000", "2025-2026-1", group_size=10, today=TODAY)
    first = ranking["selection"]["proposed"][0]
    with UnitOfWork(world.engine) as uow:
        store.propose(uow, secretary, ranking["id"], [first], today=TODAY)

    url = f"/api/cultivation/rankings/{ranking['id']}"
    shown = world.client("auditor").get(url)
    assert shown.status_code == 200 and shown.json()["sha256"] == ranking["sha256"]
    assert shown.json()["proposals"] == [{"person": first, "position": 1, "proposed_by": "吴支书",
                                          "proposed_on": TODAY.isoformat()}]
    assert _code(world.client("foreign_organiser").get(url)) == "RANKING_NOT_FOUND"
    assert _code(world.client("auditor").get("/api/cultivation/rankings/987654")) == "RANKING_NOT_FOUND"
    assert world.client().get(f"{url}/notice.pdf").status_code == 401
    assert world.client("foreign_organiser").get(f"{url}/notice.pdf").status_code == 404
    notice = world.client("auditor").get(f"{url}/notice.pdf")
    assert notice.status_code == 200 and notice.headers["content-type"] == "application/pdf"
    text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(notice.content)).pages))
    assert ranking["sha256"] in text and f"学生{first}（第1名" in text and "甲学院第一支部" in text
