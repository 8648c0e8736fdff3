"""Auditing an organisation subtree from the database: streamed, under each organisation's overlay."""
from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from tests_support import ROOT, load_case
from workflow.audit_stream import audit_sources
from workflow.service_layer import dossiers
from workflow.store import admin
from workflow.store.access import Actor
from workflow.store.scan import count_subtree, subtree_sources

AS_OF = dt.date(2026, 11, 21)


def _seed(uow):
    with uow() as u:
        root = admin.create_organisation(u, None, name="某高校党委", level="committee", parent_id=None,
                                         overlay="example-university")["id"]
    with uow() as u:
        other = admin.create_organisation(u, None, name="某街道党工委", level="committee", parent_id=None)["id"]
    base = load_case("01_valid_2014_full_record")["dossier"]
    base["steps"][1]["date"] = "2020-08-31"
    for m in base["materials"]:
        if m["step"] == "s02_applicant_talk":
            m["date"] = "2020-08-31"
    for org, name in ((root, "甲"), (other, "乙")):
        document = copy.deepcopy(base)
        document["id"], document["person"]["name"] = f"D-{name}", name
        actor = Actor(user_id=None, login="t", name="测试", grants=((org, "admin"),))
        with uow() as u:
            dossiers.import_dossier(u, actor, org, document)
    return root, other


def test_subtree_audit_uses_the_organisations_overlay(engine, uow):
    root, other = _seed(uow)
    assert count_subtree(engine, root) == 1 and count_subtree(engine, None) == 2
    results = list(audit_sources(subtree_sources(engine, None, batch=1), AS_OF, workers=0))
    by_id = {r.audit["id"]: r.audit for r in results}
    assert "TALK_LATE" in {f["code"] for f in by_id["D-甲"]["findings"]}
    assert "TALK_LATE" not in {f["code"] for f in by_id["D-乙"]["findings"]}
    assert by_id["D-甲"]["organisation"] == "某高校党委"
    only_root = [r.audit["id"] for r in audit_sources(subtree_sources(engine, root), AS_OF, workers=0)]
    assert only_root == ["D-甲"]


def test_audit_command_over_the_database(db_url, engine, uow):
    url, schema = db_url
    if schema is not None:
        pytest.skip("the command opens FAZHAN_DATABASE_URL itself; the SQLite run covers the command line")
    root, _ = _seed(uow)
    env = {**os.environ, "FAZHAN_DATABASE_URL": url}
    result = subprocess.run([sys.executable, "-m", "api.cli", "audit", "--organisation", str(root), "--as-of",
                             AS_OF.isoformat(), "--format", "json"], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=120)
    document = json.loads(result.stdout)
    assert document["summary"]["dossiers"] == 1 and document["summary"]["by_code"].get("TALK_LATE") == 1
    assert result.returncode == 1
    missing = subprocess.run([sys.executable, "-m", "api.cli", "audit", "--organisation", "999"],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert missing.returncode == 2 and "ORGANISATION_NOT_FOUND" in missing.stderr
