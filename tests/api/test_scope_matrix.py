"""Generated from the app's routes: every route × every role × own or foreign organisation.

Own: the route answers 2xx exactly when the role allows it, else 403 FORBIDDEN. Foreign (the other
organisation tree): 403 or 404 with an error body only, never a trace of the foreign data.
"""
from __future__ import annotations

import itertools
import json

from api_world import PASSWORD, PDF, ROLES
from cultivation_support import entries_000, generated_class_000
from sqlmodel import select

from workflow.service_layer import dossiers, materials, reviewed_changes, reviews, steps
from workflow.store import accounts, admin, cultivation, pairing
from workflow.store.access import Actor
from workflow.store.accounts import actor_for
from workflow.store.repository import UnitOfWork
from workflow.store.tables import User

ALL = set(ROLES)
WRITE = {"organiser", "admin"}
EXPORT = ALL - {"reviewer"}
ADMIN = {"admin"}
REVIEW = {"reviewer"}
FOREIGN_NAME = "外树秘密"
D = "/api/dossiers/{dossier_id}"
C = "/api/cultivation"

ALLOWED: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/me"): ALL, ("POST", "/api/auth/logout"): ALL,
    ("GET", "/api/organisations"): ALL, ("POST", "/api/organisations"): ADMIN,
    ("GET", "/api/organisations/{organisation_id}"): ALL,
    ("GET", "/api/members"): ALL, ("POST", "/api/members"): WRITE, ("GET", "/api/members/{member_id}"): ALL,
    ("POST", "/api/users"): ADMIN,
    ("GET", "/api/dossiers"): ALL, ("POST", "/api/dossiers"): WRITE, ("POST", "/api/dossiers/import"): WRITE,
    ("POST", "/api/organisations/{organisation_id}/import"): WRITE,
    ("GET", D): ALL, ("GET", D + "/export"): EXPORT, ("GET", D + "/events"): ALL, ("POST", D + "/events"): WRITE,
    ("POST", D + "/assessments"): WRITE, ("POST", D + "/publicity"): WRITE, ("POST", D + "/thought-reports"): WRITE,
    ("POST", D + "/steps"): WRITE, ("POST", D + "/steps/{index}/review"): {"reviewer"},
    ("POST", D + "/steps/{index}/correction"): WRITE,
    ("POST", D + "/materials"): WRITE, ("GET", D + "/materials/{sha256}"): ALL,
    ("GET", D + "/audit"): ALL, ("GET", D + "/plan"): ALL, ("GET", "/api/audit"): ALL, ("GET", "/api/plan"): ALL,
    ("GET", "/api/calendar"): ALL,
    ("PUT", "/api/calendar/{year}"): set(),  # national data: a system administrator's, no organisation role's
    ("POST", "/api/auth/password"): ALL,
    ("POST", "/api/users/{user_id}/deactivate"): ADMIN, ("POST", "/api/users/{user_id}/activate"): ADMIN,
    ("PUT", "/api/members/{member_id}/roles"): WRITE,
    # 结对 (workflow/store/pairing.py): read roles see, organisers and administrators arrange
    ("GET", D + "/pairings"): ALL, ("POST", D + "/assessments/cited"): WRITE,
    ("GET", C + "/pairings/suggestion"): ALL, ("GET", C + "/pairings"): ALL, ("POST", C + "/pairings"): WRITE,
    ("POST", C + "/pairings/{pairing_id}/replace"): WRITE, ("POST", C + "/pairings/{pairing_id}/activities"): WRITE,
    # the plan is set by a committee at or above (the roles are granted on 甲大学党委); anyone there reads
    ("POST", C + "/plans"): WRITE, ("GET", C + "/plans/progress"): ALL, ("GET", C + "/returns"): ALL,
    ("GET", C + "/rankings/{ranking_id}"): ALL, ("GET", C + "/rankings/{ranking_id}/notice.pdf"): ALL,
    # reviewed changes: proposed by an organiser of 第一支部, decided only by a reviewer above it
    ("GET", "/api/changes"): ALL, ("GET", "/api/changes/{change_id}"): ALL, ("GET", D + "/changes"): ALL,
    ("POST", "/api/changes/{change_id}/approve"): REVIEW, ("POST", "/api/changes/{change_id}/return"): REVIEW,
}
# foreign: answers, but with nothing of tree X ("乙…", the foreign person's name)
UNFILTERED_LISTS = {("GET", "/api/organisations"), ("GET", "/api/changes")}
GLOBAL = {("GET", "/api/me"), ("POST", "/api/auth/logout"), ("GET", "/api/calendar"), ("PUT", "/api/calendar/{year}"),
          ("POST", "/api/auth/password")}
NEW_PASSWORD = "another-horse-2"
counter = itertools.count()
years = itertools.count(2100)  # one development plan per organisation and year


class Fixtures:
    """Fresh resources per call, created through the service layer by each tree's organiser."""

    def __init__(self, world):
        self.world = world

    def actor(self, login):
        with UnitOfWork(self.world.engine) as uow:
            return actor_for(uow.session, uow.session.exec(select(User).where(User.login == login)).one())

    def dossier(self, scope, recorded=True):
        n = next(counter)
        who, org = ("branch_organiser", "A1") if scope == "own" else ("foreign_organiser", "X1")
        actor = self.actor(who)
        name = f"{FOREIGN_NAME}{n}" if scope == "foreign" else f"本树{n}"
        with UnitOfWork(self.world.engine) as uow:
            dossier = dossiers.create_dossier(uow, actor, self.world.orgs[org], {"name": name, "birth_date": "2000-01-01"},
                                              track_materials=False)["id"]
        if recorded:
            with UnitOfWork(self.world.engine) as uow:
                steps.record_step(uow, actor, dossier, {"step": "s01_application", "date": "2024-09-10"},
                                  today=self.world_today())
        return dossier

    @staticmethod
    def world_today():
        from api_world import TODAY
        return TODAY

    def material(self, scope, dossier):
        who = "branch_organiser" if scope == "own" else "foreign_organiser"
        with UnitOfWork(self.world.engine) as uow:
            return materials.attach_material(uow, self.actor(who), dossier, {"id": "application_letter",
                                             "step": "s01_application"}, PDF, declared_type="application/pdf",
                                             filename="a.pdf", max_bytes=10**6)["sha256"]

    def user(self, scope):
        org = self.world.orgs["A1" if scope == "own" else "X1"]
        n = next(counter)
        with UnitOfWork(self.world.engine) as uow:
            return admin.create_user(uow, None, login=f"target{n}", display_name=f"对象{n}", password=PASSWORD,
                                     grants=[(org, "auditor")])["id"]

    def member(self, scope):
        who, org = ("branch_organiser", "A1") if scope == "own" else ("foreign_organiser", "X1")
        with UnitOfWork(self.world.engine) as uow:
            return admin.create_member(uow, self.actor(who), organisation_id=self.world.orgs[org],
                                       name=f"党员{next(counter)}", status="full")["id"]

    def committee(self, scope) -> Actor:
        """An organiser on the tree's 党委: the world's own (李书记 on 甲大学党委); tree X has none, so its
        branch organiser's account is given the committee's role for building fixtures only."""
        if scope == "own":
            return self.actor("organiser")
        world = self.world
        return Actor(user_id=world.users["foreign_organiser"], login="foreign_organiser", name="冯支书",
                     grants=((world.orgs["X"], "organiser"),))

    def change(self, scope):
        """A pending withdrawal proposed by the branch's organiser (decided by neither of the matrix's
        organisers: the proposer is 吴支书 or 冯支书)."""
        dossier = self.dossier(scope)
        who = "branch_organiser" if scope == "own" else "foreign_organiser"
        with UnitOfWork(self.world.engine) as uow:
            return reviewed_changes.propose_case_event(uow, self.actor(who), dossier, {
                "kind": "withdraw", "date": "2024-10-01", "reason": "本人申请"}, today=self.world_today())["id"]

    def pairing_branch(self, scope, assigned=False):
        """A fresh branch with three full members (one a teacher) and one activist, so that no other
        case's load enters the pairing policy; `assigned`: the suggested pairs stored from 2026-02-01.
        Returns the organisation, its members, the suggested pairs and the stored pairings."""
        n, actor, world = next(counter), self.committee(scope), self.world
        parent, prefix = (world.orgs["AG"], "甲") if scope == "own" else (world.orgs["X"], f"乙{FOREIGN_NAME}")
        with UnitOfWork(world.engine) as uow:
            org = admin.create_organisation(uow, None, name=f"{prefix}结对支部{n}", level="branch",
                                            parent_id=parent)["id"]
        members = []
        for i, roles in enumerate((["teacher"], [], [])):
            with UnitOfWork(world.engine) as uow:
                members.append(admin.create_member(uow, actor, organisation_id=org, name=f"{prefix}党员{n}-{i}",
                                                   status="full", roles=roles)["id"])
        document = {"format": "dossier/1", "id": f"PAIR-{n}", "person": {"name": f"{prefix}积极分子{n}",
                                                                        "birth_date": "2005-03-01"},
                    "steps": [{"step": "s01_application", "date": "2025-09-10"},
                              {"step": "s02_applicant_talk", "date": "2025-09-20"},
                              {"step": "s03_activist_determined", "date": "2026-01-10", "nomination": ["league"]}]}
        with UnitOfWork(world.engine) as uow:
            dossiers.import_dossier(uow, actor, org, document, today=self.world_today())
        with UnitOfWork(world.engine) as uow:
            pairs = [{"dossier_id": p["dossier_id"], "member_id": p["member_id"]}
                     for p in pairing.suggest_pairs(uow, actor, org)["pairs"]]
        assert pairs, "the fixture branch's activist gets contacts"
        stored = []
        if assigned:
            with UnitOfWork(world.engine) as uow:
                stored = pairing.assign_pairs(uow, actor, org, pairs, start="2026-02-01", today=self.world_today())
        return org, members, pairs, stored

    def plan(self, scope, org):
        year = next(years)
        with UnitOfWork(self.world.engine) as uow:
            cultivation.set_plan(uow, self.committee(scope), org, year, 4, today=self.world_today())
        return year

    def ranking(self, scope):
        """One published ranking per tree (a period's ranking is published once): five students of the
        seed class scored, computed and published by the branch's organiser, reviewed above it."""
        cache = self.__dict__.setdefault("rankings", {})
        if scope in cache:
            return cache[scope]
        world, today = self.world, self.world_today()
        org = world.orgs["A1" if scope == "own" else "X1"]
        secretary = self.actor("branch_organiser" if scope == "own" else "foreign_organiser")
        reviewer = self.actor("reviewer" if scope == "own" else "foreign_reviewer")
        prefix = "RA-" if scope == "own" else "RX-"
        people = [f"S{i:02d}" for i in range(1, 6)]
        for person in people:
            name = f"学生{person}" if scope == "own" else f"{FOREIGN_NAME}{person}"
            with UnitOfWork(world.engine) as uow:
                dossiers.create_dossier(uow, secretary, org, {"name": name, "birth_date": "2005-03-01"},
                                        dossier_id=prefix + person, track_materials=False)
        entries = [{**{k: v for k, v in e.model_dump(mode="json", exclude_none=True).items()
                       if k not in ("scored_by", "scored_on")}, "person": prefix + e.person}
                   for e in entries_000(generated_class_000()) if e.person in people]
        with UnitOfWork(world.engine) as uow:
            cultivation.add_entries(uow, secretary, org, "seed000", entries, today=today)
        with UnitOfWork(world.engine) as uow:
            scores = cultivation.compute_scores(uow, secretary, org, "seed000", "2025-2026-1", today=today)
        for score in scores:
            with UnitOfWork(world.engine) as uow:
                cultivation.review_score(uow, reviewer, score["id"], today=today)
        with UnitOfWork(world.engine) as uow:
            cache[scope] = cultivation.publish_ranking(uow, secretary, org, "seed000", "2025-2026-1", group_size=10,
                                                       today=today)["id"]
        return cache[scope]


def build_request(fx: Fixtures, method: str, path: str, scope: str):
    """(url, kwargs) of a request that succeeds when the role allows it."""
    world, n = fx.world, next(counter)
    org = world.orgs["A1" if scope == "own" else "X1"]
    parent = world.orgs["AG" if scope == "own" else "X"]
    url, kwargs = path, {}
    if "{dossier_id}" in path:
        dossier = fx.dossier(scope)
        url = url.replace("{dossier_id}", dossier)
        if "{sha256}" in path:
            url = url.replace("{sha256}", fx.material(scope, dossier))
    url = url.replace("{index}", "0").replace("{organisation_id}", str(org)).replace("{year}", "2099")
    if "{member_id}" in url:
        url = url.replace("{member_id}", str(fx.member(scope)))
    if "{user_id}" in url:
        url = url.replace("{user_id}", str(fx.user(scope)))
    if "{change_id}" in url or path == "/api/changes":  # the list: a foreign pending change must not show
        url = url.replace("{change_id}", str(fx.change(scope)))
    if "{ranking_id}" in url:
        url = url.replace("{ranking_id}", str(fx.ranking(scope)))
    pairing_body = None
    if path.startswith(C + "/pairings"):
        branch, members, pairs, stored = fx.pairing_branch(scope, assigned=path != C + "/pairings" or method == "GET")
        if "{pairing_id}" in url:
            url = url.replace("{pairing_id}", str(stored[0]["id"]))
            free = next(m for m in members if all(p["member_id"] != m for p in stored))
            pairing_body = {"member_id": free, "date": "2026-06-01", "reason": "毕业离校"} \
                if path.endswith("/replace") else {"kind": "谈心谈话", "date": "2026-03-01"}
        elif method == "POST":
            pairing_body = {"organisation_id": branch, "start": "2026-02-01", "pairs": pairs}
        else:
            url += f"?organisation_id={branch}"
    if path == C + "/plans/progress":
        url += f"?organisation_id={org}&year={fx.plan(scope, org)}"
    if path == C + "/returns":
        url += f"?organisation_id={org}"
    body = {
        ("POST", "/api/organisations"): {"name": f"新支部{n}", "level": "branch", "parent_id": parent},
        ("POST", "/api/members"): {"organisation_id": org, "name": f"新党员{n}", "status": "full"},
        ("POST", "/api/users"): {"login": f"u{n}", "display_name": f"新用户{n}", "password": "long-enough-1",
                                 "roles": [{"organisation_id": org, "role": "auditor"}]},
        ("POST", "/api/dossiers"): {"organisation_id": org, "track_materials": False,
                                    "person": {"name": f"新人{n}", "birth_date": "2001-01-01"}},
        ("POST", "/api/dossiers/import"): {"format": "dossier/1", "id": f"IMP-{n}",
                                           "person": {"name": f"导入{n}", "birth_date": "2001-01-01"}},
        ("POST", D + "/events"): {"kind": "withdraw", "date": "2024-10-01", "reason": "本人申请"},
        ("POST", "/api/changes/{change_id}/return"): {"comment": "请补充本人书面申请"},
        ("POST", D + "/assessments/cited"): {"date": "2024-10-01", "period": "activist", "result": "合格"},
        ("PUT", "/api/members/{member_id}/roles"): {"roles": ["teacher"]},
        ("POST", C + "/plans"): {"organisation_id": org, "year": next(years), "total": 4, "women": 2},
        ("POST", D + "/assessments"): {"date": "2024-10-01", "period": "activist", "result": "合格"},
        ("POST", D + "/publicity"): {"kind": "candidate", "start": "2024-10-01", "end": "2024-10-08"},
        ("POST", D + "/thought-reports"): {"date": "2024-10-01"},
        ("POST", D + "/steps"): {"step": "s02_applicant_talk", "date": "2024-09-20"},
        ("POST", D + "/steps/{index}/correction"): {"entry": {"step": "s01_application", "date": "2024-09-11"},
                                                    "reason": "日期笔误"},
        ("PUT", "/api/calendar/{year}"): {"notice": "国办发明电〔2098〕1号", "holidays": ["2099-01-01"]},
        ("POST", "/api/auth/password"): {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
    }.get((method, path), pairing_body)
    if body is not None:
        kwargs["json"] = body
    if path == "/api/dossiers/import":
        url += f"?organisation_id={org}"
    if path in ("/api/dossiers", "/api/members", "/api/audit", "/api/plan") and method == "GET":
        url += f"?organisation_id={org}"
    if path == D + "/steps":  # s02 needs s01 reviewed first
        with UnitOfWork(world.engine) as uow:
            reviews.review_step(uow, fx.actor("reviewer" if scope == "own" else "foreign_reviewer"),
                                url.split("/")[3], 0, today=fx.world_today())
    if path == "/api/organisations/{organisation_id}/import":
        document = {"format": "dossier/1", "id": f"UPL-{n}", "person": {"name": f"上传{n}", "birth_date": "2001-01-01"}}
        kwargs = {"files": {"file": ("d.json", json.dumps(document, ensure_ascii=False).encode(), "application/json")}}
    if path == D + "/materials":
        kwargs = {"data": {"material_id": "application_letter", "step": "s01_application"},
                  "files": {"file": ("a.pdf", PDF, "application/pdf")}}
    return url, kwargs


def test_every_route_every_role_own_and_foreign(world):
    fx = Fixtures(world)
    routes = [(m.upper(), path) for path, ops in world.app.openapi()["paths"].items() for m in ops
              if path.startswith("/api") and (m.upper(), path) != ("POST", "/api/auth/login")]
    unknown = [(m, p) for m, p in routes if (m, p) not in ALLOWED and "{dossier_id}" not in p]
    assert not unknown, f"routes without an expected answer in this test: {unknown}"
    mismatches, checked = [], 0
    for (method, path), role, scope in itertools.product(sorted(routes), ROLES, ("own", "foreign")):
        if scope == "foreign" and (method, path) in GLOBAL:
            continue
        url, kwargs = build_request(fx, method, path, scope)
        client = world.client(role)
        if path in ("/api/auth/logout", "/api/auth/password"):
            token = client.post("/api/auth/login", data={"username": role, "password": PASSWORD}).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
        answer = client.request(method, url, **kwargs)
        if path == "/api/auth/password" and answer.status_code == 204:  # put the role's password and token back
            with UnitOfWork(world.engine) as uow:
                user = uow.session.exec(select(User).where(User.login == role)).one()
                user.password_hash = accounts.hash_password(PASSWORD)
                uow.session.add(user)
                uow.commit()
            world.tokens[role] = world.client().post("/api/auth/login", data={
                "username": role, "password": PASSWORD}).json()["access_token"]
        checked += 1
        allowed = ALLOWED.get((method, path))
        if scope == "own" and allowed is not None:
            expected_ok = role in allowed
            ok = 200 <= answer.status_code < 300
            if ok != expected_ok or (not expected_ok and answer.status_code != 403):
                mismatches.append((method, url, role, scope, answer.status_code, answer.text[:200]))
        elif scope == "own":
            if answer.status_code >= 500:
                mismatches.append((method, url, role, scope, answer.status_code, answer.text[:200]))
        elif (method, path) in UNFILTERED_LISTS:
            if answer.status_code != 200 or "乙" in answer.text or FOREIGN_NAME in answer.text:
                mismatches.append((method, url, role, scope, answer.status_code, answer.text[:200]))
        else:
            if answer.status_code not in (403, 404) or set(answer.json()) != {"error"} or FOREIGN_NAME in answer.text:
                mismatches.append((method, url, role, scope, answer.status_code, answer.text[:200]))
        if scope == "own" and FOREIGN_NAME in answer.text:
            mismatches.append((method, url, role, scope, "leak", answer.text[:200]))
    assert checked >= len(ALLOWED) * len(ROLES)
    assert not mismatches, "\n".join(map(str, mismatches))


def test_spreadsheet_upload_imports_good_rows_and_lists_bad_ones(world, tmp_path):
    import openpyxl
    from tests_support import load_case

    from workflow.spreadsheet.writer import write_records

    documents = []
    for n, stem in enumerate(("01_valid_2014_full_record", "03_talk_after_one_month")):
        document = load_case(stem)["dossier"]
        document["id"], document["person"]["name"] = f"XLS-{n}", f"表格{n}"
        documents.append(document)
    path = tmp_path / "records.xlsx"
    write_records(documents, path)
    book = openpyxl.load_workbook(path)
    sheet = book["纪实表"]
    sheet.cell(row=5, column=[c.value for c in sheet[3]].index("出生日期") + 1).value = "不详"
    book.save(path)
    client = world.client("organiser")
    url = f"/api/organisations/{world.orgs['A1']}/import"
    files = {"file": ("纪实表.xlsx", path.read_bytes(), "application/octet-stream")}
    answer = client.post(url, files=files)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [r["id"] for r in body["imported"]] == ["XLS-0"] and body["imported"][0]["outcome"] == "created"
    assert len(body["errors"]) == 1 and body["errors"][0]["file"] == "纪实表.xlsx" and "第 5 行" in body["errors"][0]["path"]
    again = client.post(url, files=files).json()
    assert again["imported"][0]["outcome"] == "unchanged"
    wrong = client.post(url, files={"file": ("notes.txt", b"hello", "text/plain")})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "FILE_TYPE"
