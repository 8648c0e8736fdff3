"""Promise 2 of issue 9 end to end: the bundle the API, the web page and `fazhan export --bundle` build
carries the uploaded scan (before, the 卷内目录 said 电子件未随档案提供 and the zip had no scan)."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from web.webkit import Page

pytestmark = pytest.mark.pdf


def two_pages() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


SCAN = two_pages()
DIGEST = hashlib.sha256(SCAN).hexdigest()


@pytest.fixture
def uploaded(world) -> str:
    organiser = world.client("organiser")
    created = organiser.post("/api/dossiers", json={"organisation_id": world.orgs["A1"], "id": "SCAN-1",
                                                    "person": {"name": "扫描件", "birth_date": "2004-03-02"}})
    assert created.status_code == 201, created.text
    recorded = organiser.post("/api/dossiers/SCAN-1/steps", json={"step": "s01_application", "date": "2024-09-10"})
    assert recorded.status_code == 201, recorded.text
    upload = organiser.post("/api/dossiers/SCAN-1/materials", files={"file": ("申请书.pdf", SCAN, "application/pdf")},
                            data={"material_id": "application_letter", "step": "s01_application",
                                  "signed_by": "扫描件"})
    assert upload.status_code == 201 and upload.json()["sha256"] == DIGEST, upload.text
    return "SCAN-1"


def carried(zip_bytes: bytes) -> list[dict]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        root = archive.namelist()[0].split("/")[0]
        machine = json.loads(archive.read(f"{root}/data/catalogue.json"))
        files = [e for e in machine["entries"] if e["kind"] == "file"]
        for entry in files:
            assert archive.read(f"{root}/{entry['path']}") == SCAN
    return [(e["material"], e["section"], e["pages"], e["sha256"]) for e in files]


EXPECTED = [("application_letter", "P2", 2, DIGEST)]


def test_the_api_bundle_carries_the_upload(world, uploaded):
    answer = world.client("organiser").get(f"/api/dossiers/{uploaded}/bundle.zip")
    assert answer.status_code == 200, answer.text
    assert carried(answer.content) == EXPECTED


def test_the_web_bundle_carries_the_upload(world, uploaded):
    answer = Page(world.app, "organiser").get(f"/dossiers/{uploaded}/bundle.zip")
    assert answer.status_code == 200
    assert carried(answer.content) == EXPECTED


def test_the_command_line_bundle_carries_the_upload(world, uploaded, db_url, monkeypatch, tmp_path):
    url, schema = db_url
    if schema:
        pytest.skip("the command opens FAZHAN_DATABASE_URL itself; the API and web runs cover PostgreSQL")
    from api.cli import app
    monkeypatch.setenv("FAZHAN_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["export", uploaded, "--bundle", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert carried((tmp_path / f"{uploaded}.zip").read_bytes()) == EXPECTED


def test_a_scan_altered_in_the_database_stops_the_bundle_cleanly(world, uploaded):
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE blob SET data = :d WHERE sha256 = :s"), {"d": SCAN + b"%", "s": DIGEST})
    answer = world.client("organiser").get(f"/api/dossiers/{uploaded}/bundle.zip")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "MATERIAL_CORRUPT"
