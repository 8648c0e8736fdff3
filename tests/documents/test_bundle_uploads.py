"""Promise 2 of issue 9: the archive holds the file. Uploaded scans travel in the bundle in personal-file
order, each listed in the 卷内目录 with its pages and SHA-256, and `bundle verify` still names a scan
that was altered or removed."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from workflow.dossier import parse_dossier

pytestmark = pytest.mark.pdf
DAY = __import__("datetime").date(2026, 11, 21)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


def pdf_of(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fake_render(dossier, ids, executor=None, today=None, then=None):
    """Stands in for WeasyPrint where a test is about the scans, not the forms; the 卷内目录, which
    lists the scans, is rendered for real."""
    from documents.forms import render_form

    out = [type("R", (), {"form_id": i, "pdf": b"%PDF-1.7 stub " + i.encode(), "pages": 1})() for i in ids]
    if then is not None:
        form_id, extra = then({i: 1 for i in ids})
        out.append(render_form(dossier, form_id, extra=extra, today=today))
    return out


def uploaded(example_data) -> tuple[dict, dict[str, bytes]]:
    """The valid 2014 record with three scans kept by the store (SHA-256 only, as uploads are)."""
    data = example_data("01_valid_2014_full_record")
    scans = {"application_letter": pdf_of(2), "application_form": pdf_of(3), "political_review_report": JPEG}
    files = {}
    for material in data["materials"]:
        if material["id"] in scans:
            digest = hashlib.sha256(scans[material["id"]]).hexdigest()
            material.update(sha256=digest, file=None)
            files[digest] = scans[material["id"]]
    return data, files


def test_stored_scans_travel_in_personal_file_order_with_pages_and_sha256(tmp_path, example_data, monkeypatch):
    import documents.bundle as bundle
    from documents.bundle import build_bundle, verify_bundle
    monkeypatch.setattr(bundle, "render_forms", fake_render)
    data, files = uploaded(example_data)
    result = build_bundle(parse_dossier(data), tmp_path, files=files, today=DAY)
    assert verify_bundle(result.path).ok
    with zipfile.ZipFile(result.path) as archive:
        root = archive.namelist()[0].split("/")[0]
        machine = json.loads(archive.read(f"{root}/data/catalogue.json"))
        carried = [e for e in machine["entries"] if e["kind"] == "file"]
        for entry in carried:
            assert hashlib.sha256(archive.read(f"{root}/{entry['path']}")).hexdigest() == entry["sha256"]
    assert [(e["material"], e["section"], e["pages"]) for e in carried] == [
        ("application_form", "P1", 3), ("application_letter", "P2", 2), ("political_review_report", "P3", 1)]
    assert [e["path"][-4:] for e in carried] == [".pdf", ".pdf", ".jpg"]
    assert {e["sha256"] for e in carried} == set(files)
    order = ["P", "P1", "P2", "P3", "P4", "P5", "B", "C"]
    sections = [e["section"] for e in machine["entries"]]
    assert sections == sorted(sections, key=order.index)
    assert not any("电子件未随档案提供" in e["note"] for e in machine["entries"])


def test_the_catalogue_pdf_lists_each_scan_with_pages_and_sha256(tmp_path, example_data, monkeypatch):
    import documents.bundle as bundle
    from pypdf import PdfReader

    from documents.bundle import CATALOGUE_FILE, build_bundle
    monkeypatch.setattr(bundle, "render_forms", fake_render)
    data, files = uploaded(example_data)
    result = build_bundle(parse_dossier(data), tmp_path, files=files, today=DAY)
    with zipfile.ZipFile(result.path) as archive:
        root = archive.namelist()[0].split("/")[0]
        pdf = archive.read(f"{root}/data/{CATALOGUE_FILE}")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = "".join(text.split())
    for digest in files:
        assert digest in flat
    assert "页数" in flat


def test_without_the_files_an_upload_is_listed_as_not_provided(tmp_path, example_data, monkeypatch):
    import documents.bundle as bundle
    from documents.bundle import build_bundle
    monkeypatch.setattr(bundle, "render_forms", fake_render)
    data, files = uploaded(example_data)
    result = build_bundle(parse_dossier(data), tmp_path, today=DAY)
    with zipfile.ZipFile(result.path) as archive:
        root = archive.namelist()[0].split("/")[0]
        machine = json.loads(archive.read(f"{root}/data/catalogue.json"))
    assert [e for e in machine["entries"] if e["kind"] == "file"] == []
    assert sum("电子件未随档案提供" in e["note"] for e in machine["entries"]) == 3


def test_a_stored_file_that_no_longer_matches_is_refused(tmp_path, example_data, monkeypatch):
    import documents.bundle as bundle
    from documents.bundle import build_bundle
    from documents.errors import MaterialAltered
    monkeypatch.setattr(bundle, "render_forms", fake_render)
    data, files = uploaded(example_data)
    digest = next(iter(files))
    files[digest] = files[digest] + b"x"
    with pytest.raises(MaterialAltered):
        build_bundle(parse_dossier(data), tmp_path / "out", files=files, today=DAY)
    assert not list((tmp_path / "out").glob("*.zip"))


def test_verify_names_an_altered_or_removed_scan(tmp_path, example_data, monkeypatch):
    import documents.bundle as bundle
    from documents.bundle import build_bundle, verify_bundle
    monkeypatch.setattr(bundle, "render_forms", fake_render)
    data, files = uploaded(example_data)
    result = build_bundle(parse_dossier(data), tmp_path, files=files, today=DAY)
    with zipfile.ZipFile(result.path) as archive:
        scan = next(n.split("/", 1)[1] for n in archive.namelist() if n.endswith("-P2-application_letter.pdf"))

    def rewrite(target, change):
        with zipfile.ZipFile(result.path) as zin, zipfile.ZipFile(target, "w") as zout:
            for info in zin.infolist():
                body = change(info.filename, zin.read(info))
                if body is not None:
                    zout.writestr(info.filename, body)
        return verify_bundle(target)

    altered = rewrite(tmp_path / "altered.zip",
                      lambda n, b: b.replace(b"/Count 2", b"/Count 1") if n.endswith(scan) else b)
    assert [(p.code, p.file) for p in altered.problems] == [("BUNDLE_ALTERED", scan)]
    removed = rewrite(tmp_path / "removed.zip", lambda n, b: None if n.endswith(scan) else b)
    assert [(p.code, p.file) for p in removed.problems] == [("BUNDLE_FILE_MISSING", scan)]


def test_scans_travel_beside_forms_rendered_together(tmp_path, example_data):
    """No stand-in: the forms are rendered together and cut apart, the scans are carried byte for byte,
    and the page numbers run on through both."""
    from pypdf import PdfReader

    from documents.bundle import bundle_bytes, verify_bundle
    data, files = uploaded(example_data)
    saved = tmp_path / "bundle.zip"
    saved.write_bytes(bundle_bytes(parse_dossier(data), files=files, today=DAY))
    assert verify_bundle(saved).ok
    with zipfile.ZipFile(saved) as archive:
        root = archive.namelist()[0].split("/")[0]
        machine = json.loads(archive.read(f"{root}/data/catalogue.json"))
        bodies = {e["path"]: archive.read(f"{root}/{e['path']}") for e in machine["entries"] if e["path"]}
    carried = [e for e in machine["entries"] if e["kind"] == "file"]
    assert sorted(bodies[e["path"]] for e in carried) == sorted(files.values())
    for entry in machine["entries"]:
        if entry["path"] and entry["path"].endswith(".pdf"):
            assert len(PdfReader(io.BytesIO(bodies[entry["path"]])).pages) == entry["pages"], entry["path"]
    numbered = [e for e in machine["entries"] if e["first_page"]]
    assert numbered[0]["first_page"] == 1 and machine["total_pages"] == numbered[-1]["last_page"]
    assert all(b["first_page"] == a["last_page"] + 1 for a, b in zip(numbered, numbered[1:]))
