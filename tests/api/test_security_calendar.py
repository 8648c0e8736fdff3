"""Issue 9: the working-day calendar is national data. Only a system administrator edits it; a year the
calendar package knows is replaced only explicitly, with the notice's number, and the change is
recorded; every process sees a change at its next request (the version is in the database)."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import httpx
import pytest
from api_world import PASSWORD, TODAY, build_world
from fastapi.testclient import TestClient
from security_support import ROOT, served, token_for
from sqlmodel import select
from tests_support import load_case

from api.app import create_app
from api.deps import get_today
from workflow.dates import default_calendar
from workflow.service_layer import dossiers
from workflow.store import admin, calendar_admin
from workflow.store.access import Actor
from workflow.store.db import make_engine, migrate
from workflow.store.repository import UnitOfWork
from workflow.store.settings import Settings
from workflow.store.tables import Organisation

# 2026-05-25 … 05-29 is the candidate publicity of the shared 2026 case: five working days exactly.
CORRECTION = {"notice": "国务院办公厅关于调整2026年部分节假日安排的通知（国办发明电〔2026〕9号）",
              "holidays": ["2026-05-27"], "override": True}


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """The process's working calendar is global: leave it as the next test module expects it."""
    yield
    default_calendar.cache_clear()


def _system_admin(engine) -> None:
    with UnitOfWork(engine) as uow:
        root = uow.session.exec(select(Organisation.id).where(Organisation.parent_id.is_(None))).first()
        admin.create_user(uow, None, login="sysadmin", display_name="系统管理员", password=PASSWORD,
                          grants=[(root, "auditor")], system_admin=True)


def _case(engine, org_id) -> str:
    document = copy.deepcopy(load_case("02_valid_2026_to_oath")["dossier"])
    document["id"] = "CAL-1"
    with UnitOfWork(engine) as uow:
        dossiers.import_dossier(uow, Actor(None, "seed", "导入员", ((org_id, "admin"),)), org_id, document)
    return "CAL-1"


def _codes(answer) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {f["code"] for d in answer.json()["dossiers"] for f in d["findings"]}


def test_only_a_system_administrator_edits_the_calendar(world):
    _system_admin(world.engine)
    year = {"notice": "国务院办公厅关于2099年部分节假日安排的通知（国办发明电〔2098〕1号）", "holidays": ["2099-01-02"]}
    for who in ("admin", "organiser"):  # an administrator of one Party committee is not enough
        refused = world.client(who).put("/api/calendar/2099", json=year)
        assert refused.status_code == 403 and "系统管理员" in refused.json()["error"]["message"]
    token = world.client().post("/api/auth/login", data={"username": "sysadmin", "password": PASSWORD}).json()
    sysadmin = world.client()
    sysadmin.headers["Authorization"] = f"Bearer {token['access_token']}"
    done = sysadmin.put("/api/calendar/2099", json=year)
    assert done.status_code == 200, done.text
    assert done.json()["entered_by"] == "系统管理员" and done.json()["overrides_package"] is False
    assert world.client("organiser").get("/api/calendar").json()[0]["year"] == 2099


def test_a_year_the_package_knows_needs_an_explicit_override_with_the_notice_number(world):
    _system_admin(world.engine)
    sysadmin = world.client()
    sysadmin.headers["Authorization"] = "Bearer " + sysadmin.post(
        "/api/auth/login", data={"username": "sysadmin", "password": PASSWORD}).json()["access_token"]
    silent = sysadmin.put("/api/calendar/2026", json={**CORRECTION, "override": False})
    assert silent.status_code == 409 and silent.json()["error"]["code"] == "CALENDAR_YEAR_KNOWN"
    assert "覆盖" in silent.json()["error"]["message"]
    unnumbered = sysadmin.put("/api/calendar/2026", json={**CORRECTION, "notice": "国务院的通知"})
    assert unnumbered.status_code == 422 and unnumbered.json()["error"]["code"] == "NOTICE_NUMBER_REQUIRED"
    assert sysadmin.get("/api/calendar").json() == []
    done = sysadmin.put("/api/calendar/2026", json=CORRECTION)
    assert done.status_code == 200, done.text
    assert done.json()["overrides_package"] is True and done.json()["entered_by"] == "系统管理员"
    with UnitOfWork(world.engine) as uow:
        changes = calendar_admin.list_changes(uow)
    assert [(c["year"], c["overrides_package"], c["entered_by"]) for c in changes] == [(2026, True, "系统管理员")]


def test_a_change_through_one_instance_counts_in_another_at_once(world, db_url):
    """Two app instances with their own engines on one database; the second's working calendar is
    rebuilt from scratch, as in a worker process that loaded the calendar before the change."""
    _system_admin(world.engine)
    dossier = _case(world.engine, world.orgs["A1"])
    url, schema = db_url
    other_engine = make_engine(url, schema=schema)
    try:
        other_app = create_app(Settings(database_url="sqlite://"), engine=other_engine)
        other_app.dependency_overrides[get_today] = lambda: TODAY
        other = TestClient(other_app, raise_server_exceptions=False)
        other.headers["Authorization"] = f"Bearer {world.tokens['auditor']}"
        audit = f"/api/dossiers/{dossier}/audit?as_of=2026-11-21"
        assert "PUBLICITY_SHORT" not in _codes(other.get(audit))
        sysadmin = world.client()
        sysadmin.headers["Authorization"] = "Bearer " + sysadmin.post(
            "/api/auth/login", data={"username": "sysadmin", "password": PASSWORD}).json()["access_token"]
        assert sysadmin.put("/api/calendar/2026", json=CORRECTION).status_code == 200
        default_calendar.cache_clear()  # what the other process holds: the calendar as it was at its start
        assert "PUBLICITY_SHORT" in _codes(other.get(audit))
        assert "PUBLICITY_SHORT" in _codes(world.client("auditor").get(audit))
    finally:
        other_engine.dispose()


def test_two_served_processes_see_a_calendar_change_at_once(tmp_path):
    """The real thing: two `fazhan serve` processes on one SQLite file; a change made through the first
    is in the second's very next answer."""
    url = f"sqlite:///{tmp_path / 'f.db'}"
    migrate(url)
    engine = make_engine(url)
    world = build_world(engine)
    _system_admin(engine)
    dossier = _case(engine, world.orgs["A1"])
    engine.dispose()
    audit = f"/api/dossiers/{dossier}/audit"
    with served(url, tmp_path / "one.log") as one, served(url, tmp_path / "two.log") as two:
        reader = {"Authorization": f"Bearer {token_for(two, 'auditor', PASSWORD)}"}
        before = httpx.get(two + audit, params={"as_of": "2026-11-21"}, headers=reader)
        assert "PUBLICITY_SHORT" not in _codes(before)
        writer = {"Authorization": f"Bearer {token_for(one, 'sysadmin', PASSWORD)}"}
        assert httpx.put(f"{one}/api/calendar/2026", json=CORRECTION, headers=writer).status_code == 200
        after = httpx.get(two + audit, params={"as_of": "2026-11-21"}, headers=reader)
        assert "PUBLICITY_SHORT" in _codes(after), json.dumps(after.json(), ensure_ascii=False)[:500]


def test_an_audit_from_the_database_uses_the_stored_calendar(tmp_path):
    """`fazhan audit --organisation` counts working days with the table, in every worker it starts."""
    url = f"sqlite:///{tmp_path / 'f.db'}"
    migrate(url)
    engine = make_engine(url)
    world = build_world(engine)
    _case(engine, world.orgs["A1"])
    with UnitOfWork(engine) as uow:
        calendar_admin.set_calendar_year(uow, None, {"year": 2026, "notice": CORRECTION["notice"],
                                                     "holidays": CORRECTION["holidays"]}, override=True, operator="测试")
    engine.dispose()
    default_calendar.cache_clear()  # the command runs in a process of its own
    env = {**os.environ, "FAZHAN_DATABASE_URL": url}
    answer = subprocess.run([sys.executable, "-c", "from api.cli import main; main()", "audit", "--organisation",
                             str(world.orgs["A"]), "--as-of", "2026-11-21", "--format", "json"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    codes = {f["code"] for d in json.loads(answer.stdout)["dossiers"] for f in d["findings"]}
    assert "PUBLICITY_SHORT" in codes, answer.stderr[-500:]
