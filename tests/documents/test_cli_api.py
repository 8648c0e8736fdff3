"""The `forms` and `bundle` commands and the two API routes, including their refusals."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workflow.dossier import load_dossier_file

runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()


def cli(*args):
    import typer

    from api.cli_documents import register
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """fazhan"""

    register(app)
    return runner.invoke(app, [str(a) for a in args])


def stderr_of(result) -> str:
    try:
        return result.stderr
    except ValueError:
        return result.output


@pytest.mark.pdf
def test_forms_for_a_stage(tmp_dossier, tmp_path):
    out = tmp_path / "forms"
    result = cli("forms", tmp_dossier, "--stage", "1", "--out", out, "--workers", "1")
    assert result.exit_code == 0, stderr_of(result)
    assert [p.name for p in out.iterdir()] == ["valid_2014_full_record-applicant_talk_record.pdf"]
    assert (out / "valid_2014_full_record-applicant_talk_record.pdf").read_bytes()[:5] == b"%PDF-"


def test_invalid_dossier_is_refused_cleanly(tmp_path, example_data):
    data = example_data("01_valid_2014_full_record")
    data["steps"][14]["votes"]["present"] = 99
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    for args in (("forms", bad, "--out", out), ("bundle", bad, "--out", out)):
        result = cli(*args)
        assert result.exit_code == 2
        err = stderr_of(result)
        assert "VOTES_INCONSISTENT" in err and "实到人数" in err and "Traceback" not in err
        assert not out.exists() or not list(out.iterdir())


def test_unwritable_output_directory(tmp_dossier, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for args in (("forms", tmp_dossier, "--stage", "1", "--out", blocker / "sub"),
                 ("bundle", tmp_dossier, "--out", blocker / "sub")):
        result = cli(*args)
        assert result.exit_code == 2
        err = stderr_of(result)
        assert "OUTPUT_UNWRITABLE" in err and "不可写" in err and "Traceback" not in err


def test_missing_template_variable_via_cli(tmp_dossier, tmp_path, monkeypatch):
    import jinja2

    import documents.templating as templating
    env = jinja2.Environment(loader=jinja2.DictLoader({"forms/applicant_talk_record.html": "{{ nope }}"}),
                             undefined=jinja2.StrictUndefined)
    monkeypatch.setattr(templating, "environment", lambda: env)
    out = tmp_path / "out"
    result = cli("forms", tmp_dossier, "--stage", "1", "--out", out, "--workers", "1")
    assert result.exit_code == 2
    assert "TEMPLATE_VARIABLE_MISSING" in stderr_of(result)
    assert list(out.iterdir()) == []


def test_partial_write_is_rolled_back(tmp_path, monkeypatch):
    import documents.atomic as atomic
    from documents.errors import OutputUnwritable
    real = atomic.write_atomic
    calls = []

    def second_fails(path, data):
        calls.append(path)
        if len(calls) == 2:
            raise OutputUnwritable("磁盘已满")
        return real(path, data)

    monkeypatch.setattr(atomic, "write_atomic", second_fails)
    with pytest.raises(OutputUnwritable):
        atomic.write_all_or_nothing({tmp_path / "a.pdf": b"a", tmp_path / "b.pdf": b"b"})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.pdf
def test_bundle_build_and_verify_commands(tmp_dossier, tmp_path):
    out = tmp_path / "bundles"
    result = cli("bundle", tmp_dossier, "--out", out, "--workers", "1", "--date", "2026-11-21")
    assert result.exit_code == 0, stderr_of(result)
    bundle = out / "valid_2014_full_record.zip"
    assert bundle.exists() and not list(out.glob(".fazhan-*"))
    ok = cli("bundle", "verify", bundle)
    assert ok.exit_code == 0 and "校验通过" in ok.stdout
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as zin, zipfile.ZipFile(tampered, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("data/dossier.json"):
                data = data.replace(b"\xe7\x8e\x8b", b"\xe6\x9d\x8e", 1)  # 王 -> 李
            zout.writestr(info, data)
    bad = cli("bundle", "verify", tampered)
    assert bad.exit_code == 1
    assert "BUNDLE_ALTERED" in stderr_of(bad) and "data/dossier.json" in stderr_of(bad)
    final = cli("bundle", "build", tmp_dossier, "--out", out, "--final", "--workers", "1")
    assert final.exit_code == 0


def test_final_bundle_refusal_names_the_materials(tmp_path, example_data):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(example_data("12_no_volunteer_book"), ensure_ascii=False), encoding="utf-8")
    result = cli("bundle", path, "--out", tmp_path / "out", "--final", "--workers", "1")
    assert result.exit_code == 2
    err = stderr_of(result) + result.stdout
    assert "ARCHIVE_INCOMPLETE" in err and "中国共产党入党志愿书" in err
    assert not list((tmp_path / "out").glob("*"))


@pytest.fixture
def client(tmp_path, example_data):
    from fastapi import FastAPI, HTTPException
    from fastapi.testclient import TestClient

    from api.routes_documents import make_router
    files = {}
    for stem in ("01_valid_2014_full_record", "12_no_volunteer_book"):
        path = tmp_path / f"{stem}.json"
        data = example_data(stem)
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        files[data["id"]] = path

    def load(dossier_id: str):
        if dossier_id not in files:
            raise HTTPException(404)
        return load_dossier_file(str(files[dossier_id]))

    app = FastAPI()
    app.include_router(make_router(load))
    return TestClient(app)


@pytest.mark.pdf
def test_api_form_and_bundle(client, tmp_path):
    from documents.bundle import verify_bundle
    response = client.get("/dossiers/valid_2014_full_record/forms/admission_resolution.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content[:5] == b"%PDF-"
    unknown = client.get("/dossiers/valid_2014_full_record/forms/volunteer_book.pdf")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "FORM_UNKNOWN"
    bundle = client.get("/dossiers/valid_2014_full_record/bundle.zip")
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    saved = tmp_path / "api.zip"
    saved.write_bytes(bundle.content)
    assert verify_bundle(saved).ok
    refused = client.get("/dossiers/no_volunteer_book/bundle.zip", params={"final": "true"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "ARCHIVE_INCOMPLETE"
