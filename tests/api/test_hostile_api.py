"""Hostile requests (issue 9): each gets a 4xx with a stable code, on SQLite and on PostgreSQL alike.

Bodies past the size cap, NUL characters and integers past 64 bits wherever a request can carry them,
the duplicate-id race, dossier ids that are paths or hide their direction, unbounded unknown fields,
a hostile workbook upload, and an import that must not hold SQLite's write lock while it parses.
"""
from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import create_engine

from bench import hostile_inputs as hostile
from workflow.store import admin
from workflow.store.db import make_engine
from workflow.store.repository import UnitOfWork

PERSON = {"name": "张三", "birth_date": "2004-03-02"}


def _second_engine(db_url):
    """Another connection pool on the same database; on SQLite it waits one second for a lock, not thirty."""
    url, schema = db_url
    if schema is None:
        return create_engine(url, connect_args={"timeout": 1})
    return make_engine(url, schema=schema, pool_size=2)


def _workbook(tmp_path, *ids: str):
    from workflow.spreadsheet import write_records

    path = tmp_path / "records.xlsx"
    write_records([{"format": "dossier/1", "id": i, "person": {"name": f"表格{n}", "birth_date": "2001-05-06"},
                    "steps": [{"step": "s01_application", "date": "2024-09-10"}]} for n, i in enumerate(ids)], path)
    return path


def test_a_second_connection_writes_while_an_import_is_parsing(world, db_url, tmp_path, monkeypatch):
    from workflow.spreadsheet import importer

    other = _second_engine(db_url)
    real = importer.read_records
    written = []

    def parse_while_someone_writes(path):
        with UnitOfWork(other) as uow:
            written.append(admin.create_organisation(uow, None, name="解析期间新建的支部", level="branch",
                                                     parent_id=world.orgs["AG"])["id"])
        return real(path)

    monkeypatch.setattr(importer, "read_records", parse_while_someone_writes)
    path = _workbook(tmp_path, "LOCK-1")
    answer = world.client("organiser").post(f"/api/organisations/{world.orgs['A1']}/import",
                                            files={"file": ("纪实表.xlsx", path.read_bytes(), "application/octet-stream")})
    other.dispose()
    assert answer.status_code == 200, answer.text
    assert len(written) == 1
    assert [(r["id"], r["outcome"]) for r in answer.json()["imported"]] == [("LOCK-1", "created")]


def _error(answer) -> dict:
    return answer.json()["error"]


# ---- request size ---------------------------------------------------------------------------------

def test_a_body_past_the_cap_is_refused_before_it_is_read(world):
    from api.request_limits import MAX_BODY_BYTES

    client = world.client("organiser")
    url = "/api/dossiers/import"
    params = {"organisation_id": world.orgs["A1"]}
    document = {"format": "dossier/1", "id": "BIG-1", "person": PERSON, "padding": "x" * MAX_BODY_BYTES}
    declared = client.post(url, params=params, content=json.dumps(document),
                           headers={"content-type": "application/json"})
    assert declared.status_code == 413 and _error(declared)["code"] == "REQUEST_TOO_LARGE"
    assert "1 MB" in _error(declared)["message"]

    def chunks():  # no Content-Length: counted as it arrives
        yield json.dumps(document)[:-1].encode()
        yield b"}"
    streamed = client.post(url, params=params, content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and _error(streamed)["code"] == "REQUEST_TOO_LARGE"
    assert client.get("/api/dossiers/BIG-1").status_code == 404


def test_uploads_have_their_own_larger_cap(world, tmp_path):
    from api_world import MAX_UPLOAD

    client = world.client("organiser")
    url = f"/api/organisations/{world.orgs['A1']}/import"
    fits = _workbook(tmp_path, "UP-1")
    assert fits.stat().st_size < MAX_UPLOAD
    fitting = client.post(url, files={"file": ("a.xlsx", fits.read_bytes(), "application/octet-stream")})
    assert fitting.status_code == 200, fitting.text
    past = client.post(url, files={"file": ("b.xlsx", b"PK" + b"\0" * (3 * MAX_UPLOAD), "application/octet-stream")})
    assert past.status_code == 413 and _error(past)["code"] == "REQUEST_TOO_LARGE"

    def multipart():  # no Content-Length: counted while the form parser reads it
        yield b'--B\r\nContent-Disposition: form-data; name="file"; filename="c.xlsx"\r\n\r\n'
        for _ in range(6):
            yield b"\0" * MAX_UPLOAD
        yield b"\r\n--B--\r\n"
    streamed = client.post(url, content=multipart(), headers={"content-type": "multipart/form-data; boundary=B"})
    assert streamed.status_code == 413 and _error(streamed)["code"] == "REQUEST_TOO_LARGE"


# ---- NUL characters and integers past 64 bits --------------------------------------------------------

def test_nul_in_a_query_parameter_or_path_is_refused_naming_it(world):
    client = world.client("admin")
    answer = client.get("/api/dossiers", params={"state": "activist\x00"})
    assert answer.status_code == 422
    error = _error(answer)
    assert (error["code"], error["field"], error["in"]) == ("NUL_CHARACTER", "state", "query")
    assert client.get("/api/dossiers/A%00B").status_code == 422


def test_nul_in_any_text_field_is_refused_naming_its_path(world):
    organiser, admin_client = world.client("organiser"), world.client("admin")
    answer = organiser.post("/api/dossiers", json={"organisation_id": world.orgs["A1"], "track_materials": False,
                                                   "person": {**PERSON, "ethnicity": "汉\x00族"}})
    assert answer.status_code == 422
    assert (_error(answer)["code"], _error(answer)["path"]) == ("NUL_CHARACTER", "$.person.ethnicity")
    named = admin_client.post("/api/organisations", json={"name": "支部\x00", "level": "branch",
                                                          "parent_id": world.orgs["AG"]})
    assert named.status_code == 422 and _error(named)["code"] == "NUL_CHARACTER"
    login = world.client().post("/api/auth/login", data={"username": "organiser\x00", "password": "x"})
    assert login.status_code == 422 and _error(login)["field"] == "username"


def test_nul_or_a_huge_integer_that_reaches_the_database_another_way_is_refused_there(world):
    from workflow.errors import InputError
    from workflow.store.tables import Member

    with UnitOfWork(world.engine) as uow:
        with pytest.raises(InputError) as nul:
            admin.create_organisation(uow, None, name="支部\x00", level="branch", parent_id=world.orgs["AG"])
    assert (nul.value.code, nul.value.field) == ("TEXT_NUL", "name")
    with UnitOfWork(world.engine) as uow:
        with pytest.raises(InputError) as huge:
            uow.session.get(Member, 2 ** 64)
    assert huge.value.code == "VALUE_OUT_OF_RANGE"
    with UnitOfWork(world.engine) as uow:
        assert admin.create_organisation(uow, None, name="支部", level="branch", parent_id=world.orgs["AG"])["id"]


@pytest.mark.parametrize("method, url", [
    ("get", "/api/dossiers?offset=" + str(2 ** 70)),
    ("get", "/api/members/" + str(2 ** 64)),
    ("post", "/api/users/" + str(-(2 ** 63) - 1) + "/deactivate"),
    ("get", "/api/organisations/" + str(2 ** 70)),
])
def test_integers_past_64_bits_are_refused(world, method, url):
    answer = getattr(world.client("admin"), method)(url)
    assert 400 <= answer.status_code < 500, answer.text
    assert _error(answer)["code"]


def test_an_integer_past_64_bits_in_a_body_is_refused(world):
    organiser = world.client("organiser")
    dossier = organiser.post("/api/dossiers", json={"organisation_id": world.orgs["A1"], "person": PERSON}).json()["id"]
    answer = organiser.post(f"/api/dossiers/{dossier}/steps", json={
        "step": "s05_contacts_assigned", "date": "2024-09-10", "people": [{"member_id": 2 ** 70}]})
    assert 400 <= answer.status_code < 500 and _error(answer)["code"], answer.text


# ---- the duplicate-id race -----------------------------------------------------------------------------

def test_two_creations_of_one_id_racing_get_one_201_and_one_409(world, db_url, monkeypatch):
    if db_url[1] is None:
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): the race cannot happen there")
    from workflow.service_layer import dossiers

    barrier = threading.Barrier(2, timeout=10)
    real = dossiers.check_person

    def both_checked(*args, **kwargs):  # both requests have seen that the id is free
        barrier.wait()
        return real(*args, **kwargs)
    monkeypatch.setattr(dossiers, "check_person", both_checked)
    answers = []

    def create(name):
        answers.append(world.client("organiser").post("/api/dossiers", json={
            "organisation_id": world.orgs["A1"], "id": "RACE-1", "track_materials": False,
            "person": {"name": name, "birth_date": "2004-03-02"}}))
    threads = [threading.Thread(target=create, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    lost = next(a for a in answers if a.status_code == 409)
    assert _error(lost)["code"] in ("CONFLICT", "DOSSIER_EXISTS")


# ---- a hostile workbook upload ---------------------------------------------------------------------------

def test_a_hostile_workbook_upload_is_a_listed_refusal(world, tmp_path):
    client = world.client("organiser")
    url = f"/api/organisations/{world.orgs['A1']}/import"
    for make, code in ((hostile.entity_bomb, "WORKBOOK_UNSAFE_XML"),
                       (hostile.merged_to_last_row, "MERGED_RANGE_TOO_LARGE"), (hostile.far_cell, "SHEET_TOO_LARGE")):
        path = make(tmp_path / "hostile.xlsx")
        answer = client.post(url, files={"file": ("纪实表.xlsx", path.read_bytes(), "application/octet-stream")})
        assert answer.status_code == 200, answer.text
        assert [e["code"] for e in answer.json()["errors"]] == [code]
        assert answer.json()["imported"] == []
