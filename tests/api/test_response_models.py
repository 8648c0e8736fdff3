"""The API's answers are typed (api/schemas.py): the OpenAPI schema names a model for each route's body,
and every answer a walk through the API receives is what its route's model declares — no key left
undeclared, every value of the declared type — and, for the reads, the very JSON the use case gives
(declaring a model changed nothing a client sees)."""
from __future__ import annotations

import datetime as dt
import re

from api_world import PDF, TODAY
from pydantic import BaseModel, TypeAdapter

from api import schemas
from api.deps import json_answer
from workflow.service_layer import dossiers, queries, reviewed_changes
from workflow.store import admin
from workflow.store.accounts import actor_for
from workflow.store.repository import UnitOfWork
from workflow.store.tables import User

# (method, path, status) → the model named in the schema; an array of it when the name ends in []
TYPED = {
    ("get", "/api/dossiers", "200"): "DossierSummary[]",
    ("post", "/api/dossiers", "201"): "DossierSummary",
    ("post", "/api/dossiers/import", "201"): "DossierSummary",
    ("get", "/api/dossiers/{dossier_id}", "200"): "DossierRead",
    ("get", "/api/dossiers/{dossier_id}/export", "200"): "Dossier",
    ("get", "/api/dossiers/{dossier_id}/events", "200"): "DossierEvent[]",
    ("post", "/api/dossiers/{dossier_id}/events", "202"): "Change",
    ("post", "/api/dossiers/{dossier_id}/thought-reports", "201"): "FactAdded",
    ("post", "/api/dossiers/{dossier_id}/steps", "201"): "StepRecorded",
    ("post", "/api/dossiers/{dossier_id}/steps/{index}/review", "200"): "StepReviewed",
    ("post", "/api/dossiers/{dossier_id}/steps/{index}/correction", "201"): "StepCorrected",
    ("post", "/api/dossiers/{dossier_id}/paper-reviews/confirm", "200"): "PaperReviewsConfirmed",
    ("post", "/api/dossiers/{dossier_id}/materials", "201"): "MaterialStored",
    ("get", "/api/changes", "200"): "WaitingChange[]",
    ("get", "/api/dossiers/{dossier_id}/changes", "200"): "Change[]",
    ("get", "/api/changes/{change_id}", "200"): "ChangeView",
    ("post", "/api/changes/{change_id}/approve", "200"): "ChangeApproved",
    ("post", "/api/changes/{change_id}/return", "200"): "Change",
    ("get", "/api/members", "200"): "Member[]",
    ("post", "/api/members", "201"): "Member",
    ("get", "/api/members/{member_id}", "200"): "Member",
    ("put", "/api/members/{member_id}/roles", "200"): "Member",
    ("get", "/api/organisations", "200"): "Organisation[]",
    ("post", "/api/organisations", "201"): "Organisation",
    ("get", "/api/organisations/{organisation_id}", "200"): "Organisation",
    ("post", "/api/users", "201"): "UserCreated",
    ("post", "/api/users/{user_id}/deactivate", "200"): "UserState",
    ("get", "/api/me", "200"): "Me",
    ("get", "/api/dossiers/{dossier_id}/audit", "200"): "AuditDocument",
    ("get", "/api/audit", "200"): "AuditDocument",
    ("get", "/api/dossiers/{dossier_id}/plan", "200"): "PlanDocument",
    ("get", "/api/plan", "200"): "PlanDocument",
}
# walked by test_every_cultivation_calendar_and_import_answer_is_what_its_model_declares
TYPED_MORE = {
    ("get", "/api/cultivation/pairings/suggestion", "200"): "PairingSuggestion",
    ("post", "/api/cultivation/pairings", "201"): "Pairing[]",
    ("post", "/api/cultivation/pairings/{pairing_id}/replace", "200"): "PairReplaced",
    ("post", "/api/cultivation/pairings/{pairing_id}/activities", "201"): "PairingActivity",
    ("get", "/api/dossiers/{dossier_id}/pairings", "200"): "PairingHistory",
    ("post", "/api/dossiers/{dossier_id}/assessments/cited", "201"): "AssessmentCited",
    ("get", "/api/cultivation/pairings", "200"): "PairingOverview",
    ("post", "/api/cultivation/plans", "201"): "PlanSet",
    ("get", "/api/cultivation/plans/progress", "200"): "PlanProgress",
    ("get", "/api/cultivation/returns", "200"): "AnnualReturn",
    ("get", "/api/cultivation/rankings/{ranking_id}", "200"): "Ranking",
    ("get", "/api/calendar", "200"): "CalendarYear[]",
    ("put", "/api/calendar/{year}", "200"): "CalendarYear",
    ("post", "/api/organisations/{organisation_id}/import", "200"): "ImportReport",
    ("post", "/api/users/{user_id}/activate", "200"): "UserState",
}


def _component(spec: dict, ref: str) -> tuple[str, dict]:
    name = ref.rsplit("/", 1)[-1]
    return name, spec["components"]["schemas"][name]


def test_the_schema_names_a_model_for_each_typed_answer(world):
    spec = world.app.openapi()
    for (method, path, status), model in {**TYPED, **TYPED_MORE}.items():
        responses = spec["paths"][path][method]["responses"]
        assert status in responses, (method, path, sorted(responses))
        schema = responses[status]["content"]["application/json"]["schema"]
        if model.endswith("[]"):
            assert schema.get("type") == "array", (path, schema)
            schema, model = schema["items"], model[:-2]
        assert "$ref" in schema, (method, path, schema)
        name, component = _component(spec, schema["$ref"])
        assert name in (model, f"{model}-Output"), (method, path, name)
        assert component["type"] == "object" and component["properties"], (method, path)
    # a dossier is the format's own model, with its own step entry (workflow/dossier.py), not a copy
    _, read = _component(spec, spec["paths"]["/api/dossiers/{dossier_id}"]["get"]["responses"]["200"]["content"]
                         ["application/json"]["schema"]["$ref"])
    _, dossier = _component(spec, read["properties"]["dossier"]["$ref"])
    step_name, step = _component(spec, dossier["properties"]["steps"]["items"]["$ref"])
    assert step_name.startswith("StepEntry") and {"step", "date", "reviewed_by", "votes"} <= set(step["properties"])


def test_every_json_answer_names_a_model(world):
    """No route answers an untyped JSON body (a file answer declares its media types instead)."""
    spec = world.app.openapi()
    untyped = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                schema = response.get("content", {}).get("application/json", {"schema": None})["schema"]
                if status.startswith("2") and schema is not None:
                    if "$ref" not in schema.get("items", schema):
                        untyped.append((method, path, status))
    assert untyped == []


# ---------------------------------------------------------------- every answer as its model declares it

def _typed_route(method: str, path: str) -> tuple[str, str]:
    """The (path template, model name) of TYPED that this request reaches."""
    for (m, template, _), model in {**TYPED, **TYPED_MORE}.items():
        if m == method and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return template, model
    raise AssertionError(f"{method} {path} is not a typed route")


def _model(name: str):
    return list[getattr(schemas, name[:-2])] if name.endswith("[]") else getattr(schemas, name)


def _undeclared(value, where: str = "$") -> list[str]:
    """Keys a response model kept without declaring them (its `extra="allow"`), anywhere inside."""
    if isinstance(value, BaseModel):
        found = [f"{where}.{key}" for key in (value.model_extra or {})]
        for name in type(value).model_fields:
            found += _undeclared(getattr(value, name), f"{where}.{name}")
        return found
    if isinstance(value, list):
        return [w for i, item in enumerate(value) for w in _undeclared(item, f"{where}[{i}]")]
    return []


class Typed:
    """A client whose every answer must be a success of a typed route, matching the route's model."""

    def __init__(self, world, who: str):
        self.client, self.seen = world.client(who), set()

    def __call__(self, method: str, url: str, status: int, **kwargs):
        answer = self.client.request(method, url, **kwargs)
        assert answer.status_code == status, (method, url, answer.text)
        template, model = _typed_route(method.lower(), answer.request.url.path)
        value = TypeAdapter(_model(model)).validate_json(answer.content)
        assert _undeclared(value) == [], (template, _undeclared(value))
        self.seen.add((method.lower(), template))
        return answer.json()


def test_every_answer_of_a_walk_is_what_its_model_declares(world):
    admin_, organiser = Typed(world, "admin"), Typed(world, "branch_organiser")
    reviewer, auditor = Typed(world, "reviewer"), Typed(world, "auditor")
    a1 = world.orgs["A1"]

    branch = admin_("post", "/api/organisations", 201, json={"name": "甲学院第三支部", "level": "branch",
                                                               "parent_id": world.orgs["AG"]})
    admin_("get", "/api/organisations", 200)
    admin_("get", f"/api/organisations/{branch['id']}", 200)
    member = admin_("post", "/api/members", 201, json={"organisation_id": a1, "name": "赵六", "status": "full"})
    admin_("get", f"/api/members?organisation_id={a1}", 200)
    admin_("get", f"/api/members/{member['id']}", 200)
    admin_("put", f"/api/members/{member['id']}/roles", 200, json={"roles": ["teacher"]})
    user = admin_("post", "/api/users", 201, json={"login": "new-user", "display_name": "新用户",
                                                   "password": "another-horse-7", "roles": [
                                                       {"organisation_id": a1, "role": "organiser"}]})
    admin_("post", f"/api/users/{user['id']}/deactivate", 200)
    admin_("get", "/api/me", 200)

    made = organiser("post", "/api/dossiers", 201, json={
        "organisation_id": a1, "id": "TYPED-1",
        "person": {"name": "王小明", "birth_date": "2001-02-11", "id_number": "110105200102110024"}})
    base = f"/api/dossiers/{made['id']}"
    organiser("post", f"{base}/materials", 201, data={"material_id": "application_letter", "step": "s01_application",
                                                       "date": "2020-08-11",
                                                       "signed_by": ["王小明"]},
              files={"file": ("letter.pdf", PDF, "application/pdf")})
    organiser("post", f"{base}/steps", 201, json={"step": "s01_application", "date": "2020-08-11"})
    reviewer("post", f"{base}/steps/0/review", 200)
    organiser("post", f"{base}/steps", 201, json={"step": "s02_applicant_talk", "date": "2020-09-05", "by": "李书记"})
    organiser("post", f"{base}/steps/1/correction", 201, json={
        "entry": {"step": "s02_applicant_talk", "date": "2020-09-06", "by": "李书记"}, "reason": "日期笔误"})
    organiser("post", f"{base}/thought-reports", 201, json={"date": "2020-10-01"})
    organiser("get", "/api/dossiers", 200)
    organiser("get", base, 200)
    exported = auditor("get", f"{base}/export", 200)
    organiser("get", f"{base}/events", 200)
    audit = auditor("get", f"{base}/audit", 200)
    assert audit["dossiers"][0]["findings"], "the walk should meet at least one finding to type"
    plan = auditor("get", f"{base}/plan", 200)
    assert plan["dossiers"][0]["next"]
    auditor("get", "/api/audit", 200)
    auditor("get", "/api/plan", 200)

    # an import brings sign-offs as paper reviews; a reviewer confirms them
    copy = {**exported, "id": "TYPED-2", "person": {**exported["person"], "name": "王小红", "id_number": None}}
    copy.pop("materials", None)
    organiser("post", f"/api/dossiers/import?organisation_id={a1}", 201, json=copy)
    reviewer("post", "/api/dossiers/TYPED-2/paper-reviews/confirm", 200)

    # a case event waits for a second person: listed, read, returned, proposed again, approved
    event = {"kind": "withdraw", "date": "2020-10-02", "reason": "本人书面申请撤回"}
    first = organiser("post", f"{base}/events", 202, json=event)
    reviewer("get", "/api/changes", 200)
    organiser("get", f"{base}/changes", 200)
    reviewer("get", f"/api/changes/{first['id']}", 200)
    reviewer("post", f"/api/changes/{first['id']}/return", 200, json={"comment": "请补充申请书"})
    second = organiser("post", f"{base}/events", 202, json=event)
    approved = reviewer("post", f"/api/changes/{second['id']}/approve", 200)
    assert approved["result"]["state"]

    walked = admin_.seen | organiser.seen | reviewer.seen | auditor.seen
    assert walked == {(m, p) for m, p, _ in TYPED}, sorted({(m, p) for m, p, _ in TYPED} - walked)


def _ranking(world) -> int:
    """A ranking of five students of A1 published with a proposal (as tests/api/test_cultivation_api.py)."""
    from cultivation_support import entries_000, generated_class_000

    from workflow.store import cultivation
    from workflow.store.access import Actor

    a1, people = world.orgs["A1"], [f"S{i:02d}" for i in range(1, 6)]
    organiser = world.client("branch_organiser")
    for person in people:
        assert organiser.post("/api/dossiers", json={"organisation_id": a1, "id": person, "person": {
            "name": f"学生{person}", "birth_date": "2005-03-01"}}).status_code == 201
    secretary = Actor(user_id=world.users["branch_organiser"], login="branch_organiser", name="吴支书",
                      grants=((a1, "organiser"),))
    reviewer = Actor(user_id=world.users["reviewer"], login="reviewer", name="王组织员",
                     grants=((world.orgs["A"], "reviewer"),))
    entries = [{k: v for k, v in e.model_dump(mode="json", exclude_none=True).items()
                if k not in ("scored_by", "scored_on")}
               for e in entries_000(generated_class_000()) if e.person in people]
    with UnitOfWork(world.engine) as uow:
        cultivation.add_entries(uow, secretary, a1, "seed000", entries, today=TODAY)
    with UnitOfWork(world.engine) as uow:
        scores = cultivation.compute_scores(uow, secretary, a1, "seed000", "2025-2026-1", today=TODAY)
    for score in scores:
        with UnitOfWork(world.engine) as uow:
            cultivation.review_score(uow, reviewer, score["id"], today=TODAY)
    with UnitOfWork(world.engine) as uow:
        ranking = cultivation.publish_ranking(uow, secretary, a1, "seed000", "2025-2026-1", group_size=10,
                                              today=TODAY)
    with UnitOfWork(world.engine) as uow:
        cultivation.propose(uow, secretary, ranking["id"], ranking["selection"]["proposed"][:1], today=TODAY)
    return ranking["id"]


def test_every_cultivation_calendar_and_import_answer_is_what_its_model_declares(world):
    import json

    from api_world import PASSWORD

    from workflow.dates import default_calendar

    a1 = world.orgs["A1"]
    with UnitOfWork(world.engine) as uow:
        admin.create_user(uow, None, login="sysadmin", display_name="系统管理员", password=PASSWORD,
                          grants=[(world.orgs["A"], "auditor")], system_admin=True)
    world.tokens["sysadmin"] = world.client().post("/api/auth/login", data={
        "username": "sysadmin", "password": PASSWORD}).json()["access_token"]
    branch, organiser, auditor = Typed(world, "branch_organiser"), Typed(world, "organiser"), Typed(world, "auditor")
    admin_, sysadmin = Typed(world, "admin"), Typed(world, "sysadmin")

    # pairing: two activists, three members; suggested, assigned, worked, replaced, cited
    members = [admin_("post", "/api/members", 201, json={"organisation_id": a1, "name": name, "status": "full"})["id"]
               for name in ("党员甲", "党员乙", "党员丙")]
    activist = {"format": "dossier/1", "person": {"birth_date": "2005-03-01"}, "steps": [
        {"step": "s01_application", "date": "2025-09-10"}, {"step": "s02_applicant_talk", "date": "2025-09-20"},
        {"step": "s03_activist_determined", "date": "2026-01-10", "nomination": ["league"]}]}
    for i in (1, 2):
        document = {**activist, "id": f"A1-{i}", "person": {**activist["person"], "name": f"积极分子{i}"}}
        upload = json.dumps(document, ensure_ascii=False).encode()
        report = organiser("post", f"/api/organisations/{a1}/import", 200,
                           files={"file": (f"A1-{i}.json", upload, "application/json")})
        assert [d["outcome"] for d in report["imported"]] == ["created"] and report["errors"] == []
    refused = organiser("post", f"/api/organisations/{a1}/import", 200,
                        files={"file": ("bad.json", b'{"format": "dossier/1", "id": "B-1"}', "application/json")})
    assert refused["imported"] == [] and refused["errors"][0]["code"]
    suggestion = auditor("get", f"/api/cultivation/pairings/suggestion?organisation_id={a1}", 200)
    pairs = [{"dossier_id": p["dossier_id"], "member_id": p["member_id"]} for p in suggestion["pairs"]]
    saved = branch("post", "/api/cultivation/pairings", 201, json={"organisation_id": a1, "start": "2026-02-01",
                                                                   "pairs": pairs})
    first = next(p for p in saved if p["dossier_id"] == "A1-1")
    free = next(m for m in members if all(p["member_id"] != m for p in saved if p["dossier_id"] == "A1-1"))
    branch("post", f"/api/cultivation/pairings/{first['id']}/activities", 201,
           json={"kind": "谈心谈话", "date": "2026-03-01"})
    changed = branch("post", f"/api/cultivation/pairings/{first['id']}/replace", 200,
                     json={"member_id": free, "date": "2026-06-01", "reason": "毕业离校"})
    branch("post", f"/api/cultivation/pairings/{changed['opened']['id']}/activities", 201,
           json={"kind": "帮扶", "date": "2026-07-01", "note": "课程辅导"})
    history = auditor("get", "/api/dossiers/A1-1/pairings?from=2026-01-10&to=2026-07-10", 200)
    assert history["summary"] == {"talks": 1, "help": 1}
    cited = branch("post", "/api/dossiers/A1-1/assessments/cited", 201,
                   json={"date": "2026-07-10", "period": "activist", "result": "合格"})
    assert cited["pairing"]["from"] == "2026-01-10" and cited["pairing"]["help"] == 1
    overview = auditor("get", f"/api/cultivation/pairings?organisation_id={a1}", 200)
    assert {p["dossier_id"] for p in overview["people"]} == {"A1-1", "A1-2"}

    # the annual plan, its progress and the return; the published ranking
    organiser("post", "/api/cultivation/plans", 201, json={"organisation_id": a1, "year": 2026, "total": 4,
                                                           "women": 2})
    auditor("get", f"/api/cultivation/plans/progress?organisation_id={a1}&year=2026", 200)
    assert auditor("get", f"/api/cultivation/returns?organisation_id={a1}", 200)["rows"]["activists"]["total"] == 2
    ranking_id = _ranking(world)
    assert auditor("get", f"/api/cultivation/rankings/{ranking_id}", 200)["proposals"]

    # the calendar (a year no package knows), and a user stopped and let in again
    try:
        sysadmin("put", "/api/calendar/2099", 200, json={"notice": "国办发明电〔2098〕1号", "holidays": ["2099-01-02"]})
        assert [y["year"] for y in auditor("get", "/api/calendar", 200)] == [2099]
    finally:
        default_calendar.cache_clear()  # the process's calendar is global: leave it as the next test expects

    # declaring the models changed nothing a client parses
    from workflow.store import calendar_admin, cultivation, pairing

    with UnitOfWork(world.engine) as uow:
        actor = actor_for(uow.session, uow.session.get(User, world.users["auditor"]))
        expected = {
            f"/api/cultivation/pairings?organisation_id={a1}": pairing.pairing_overview(uow, actor, a1, today=TODAY),
            "/api/dossiers/A1-1/pairings?from=2026-01-10&to=2026-07-10": pairing.pairing_history(
                uow, actor, "A1-1", window=(dt.date(2026, 1, 10), dt.date(2026, 7, 10))),
            f"/api/cultivation/plans/progress?organisation_id={a1}&year=2026": cultivation.plan_progress(
                uow, actor, a1, 2026),
            f"/api/cultivation/returns?organisation_id={a1}": cultivation.annual_return_of(uow, actor, a1, TODAY.year,
                                                                                           today=TODAY),
            f"/api/cultivation/rankings/{ranking_id}": cultivation.get_ranking(uow, actor, ranking_id),
            "/api/calendar": calendar_admin.list_calendar(uow),
        }
    for url, content in expected.items():
        answer = world.client("auditor").get(url)
        assert answer.status_code == 200 and answer.content == json_answer(content).body, url
    assert world.client("admin").post(f"/api/users/{world.users['auditor']}/deactivate").status_code == 200
    assert admin_("post", f"/api/users/{world.users['auditor']}/activate", 200)["active"] is True

    walked = branch.seen | organiser.seen | auditor.seen | admin_.seen | sysadmin.seen
    assert {(m, p) for m, p, _ in TYPED_MORE} <= walked, sorted({(m, p) for m, p, _ in TYPED_MORE} - walked)


def test_a_typed_read_answers_the_json_the_use_case_gives(world):
    """The response models re-encode what they validate: the bytes a client parses must not change."""
    organiser = world.client("branch_organiser")
    made = organiser.post("/api/dossiers", json={"organisation_id": world.orgs["A1"], "id": "SAME-1",
                                                 "person": {"name": "李四", "birth_date": "2000-05-06"}})
    assert made.status_code == 201, made.text
    assert organiser.post("/api/dossiers/SAME-1/steps",
                          json={"step": "s01_application", "date": "2020-08-11"}).status_code == 201
    proposed = organiser.post("/api/dossiers/SAME-1/events",
                              json={"kind": "withdraw", "date": "2020-10-02", "reason": "本人申请撤回"})
    assert proposed.status_code == 202, proposed.text
    with UnitOfWork(world.engine) as uow:
        actor = actor_for(uow.session, uow.session.get(User, world.users["branch_organiser"]))
        expected = {
            "/api/dossiers": dossiers.list_dossiers(uow, actor),
            "/api/dossiers/SAME-1": dossiers.get_dossier(uow, actor, "SAME-1"),
            "/api/dossiers/SAME-1/events": queries.events(uow, actor, "SAME-1"),
            "/api/dossiers/SAME-1/changes": reviewed_changes.changes_of(uow, actor, "SAME-1"),
            "/api/dossiers/SAME-1/audit": queries.audit_one(uow, actor, "SAME-1", TODAY),
            "/api/dossiers/SAME-1/plan": queries.plan_one(uow, actor, "SAME-1", TODAY),
            "/api/organisations": admin.list_organisations(uow, actor),
            f"/api/members?organisation_id={world.orgs['A1']}": admin.list_members(uow, actor, world.orgs["A1"]),
        }
    for url, content in expected.items():
        answer = organiser.get(url)
        assert answer.status_code == 200, (url, answer.text)
        assert answer.content == json_answer(content).body, url
