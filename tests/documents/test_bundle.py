"""Archive bundles: build, verify, alter one byte and have verify name the file; atomic output."""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from workflow.dossier import parse_dossier

pytestmark = pytest.mark.pdf
DAY = __import__("datetime").date(2026, 11, 21)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The complete 2014 record and the in-progress 2026 record, each bundled once."""
    from documents.bundle import build_bundle
    from tests_support import load_case
    out = tmp_path_factory.mktemp("bundles")
    full = build_bundle(parse_dossier(load_case("01_valid_2014_full_record")["dossier"]), out, today=DAY)
    partial = build_bundle(parse_dossier(load_case("02_valid_2026_to_oath")["dossier"]), out, today=DAY)
    return full, partial


def rewrite(src: Path, dst: Path, change) -> None:
    """Copies a zip member by member, letting `change(name, data)` alter or drop (None) each."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)


def test_round_trip(built):
    from documents.bundle import verify_bundle
    full, _ = built
    report = verify_bundle(full.path)
    assert report.ok, report.problems
    assert report.dossier_id == "valid_2014_full_record"
    with zipfile.ZipFile(full.path) as archive:
        names = archive.namelist()
        root = names[0].split("/")[0]
        assert f"{root}/bagit.txt" in names and f"{root}/manifest-sha256.txt" in names
        manifest = archive.read(f"{root}/manifest-sha256.txt").decode()
        for line in manifest.splitlines():
            digest, name = line.split(maxsplit=1)
            assert hashlib.sha256(archive.read(f"{root}/{name}")).hexdigest() == digest
        payload = sorted(n.split("/", 1)[1] for n in names if "/data/" in n)
        assert payload[0] == "data/00-P-archive_catalogue.pdf"
        assert payload[1] == "data/01-P-full_record.pdf"
        machine = json.loads(archive.read(f"{root}/data/catalogue.json"))
    sections = [e["section"] for e in machine["entries"]]
    order = ["P", "P1", "P2", "P3", "P4", "P5", "B", "C"]
    assert sections == sorted(sections, key=order.index)
    pages = [(e["first_page"], e["last_page"]) for e in machine["entries"] if e["first_page"]]
    assert pages[0][0] == 1 and all(b[0] == a[1] + 1 for a, b in zip(pages, pages[1:]))
    assert machine["missing"] == [] and machine["total_pages"] == pages[-1][1]


def test_altered_byte_is_named(built, tmp_path):
    from documents.bundle import verify_bundle
    full, _ = built
    altered = tmp_path / "altered.zip"

    def flip(name, data):
        if name.endswith("data/05-P1-admission_approval.pdf"):
            data = bytearray(data)
            data[len(data) // 2] ^= 0x01
            return bytes(data)
        return data

    rewrite(full.path, altered, flip)
    report = verify_bundle(altered)
    assert not report.ok
    assert [(p.code, p.file) for p in report.problems] == [("BUNDLE_ALTERED", "data/05-P1-admission_approval.pdf")]


def test_raw_byte_flip_in_the_zip_is_named(built, tmp_path):
    from documents.bundle import verify_bundle
    full, _ = built
    with zipfile.ZipFile(full.path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("data/dossier.json"))
    raw = bytearray(full.path.read_bytes())
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
    raw[offset] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    report = verify_bundle(damaged)
    assert [p.file for p in report.problems] == ["data/dossier.json"]
    assert report.problems[0].code == "BUNDLE_ALTERED"


def test_missing_and_extra_files_are_named(built, tmp_path):
    from documents.bundle import check_bundle, verify_bundle
    from documents.errors import BundleAltered
    full, _ = built
    changed = tmp_path / "changed.zip"
    root = [None]

    def drop_and_add(name, data):
        root[0] = name.split("/")[0]
        return None if name.endswith("data/13-P5-applicant_talk_record.pdf") else data

    rewrite(full.path, changed, drop_and_add)
    with zipfile.ZipFile(changed, "a") as archive:
        archive.writestr(f"{root[0]}/data/extra.txt", "不应出现")
    problems = {(p.code, p.file) for p in verify_bundle(changed).problems}
    assert problems == {("BUNDLE_FILE_MISSING", "data/13-P5-applicant_talk_record.pdf"),
                        ("BUNDLE_FILE_UNEXPECTED", "data/extra.txt")}
    with pytest.raises(BundleAltered) as info:
        check_bundle(changed)
    assert "applicant_talk_record" in info.value.message


def test_not_a_bundle(tmp_path):
    from documents.bundle import verify_bundle
    from documents.errors import BundleUnreadable
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(BundleUnreadable):
        verify_bundle(junk)
    with pytest.raises(BundleUnreadable):
        verify_bundle(tmp_path / "absent.zip")


def test_in_progress_bundle_lists_what_is_missing(built):
    _, partial = built
    assert partial.pending > 0
    with zipfile.ZipFile(partial.path) as archive:
        root = archive.namelist()[0].split("/")[0]
        machine = json.loads(archive.read(f"{root}/data/catalogue.json"))
    assert "conversion_application" in {p["material"] for p in machine["pending"]}
    assert machine["closed"] is False


def test_final_archive_refuses_and_writes_nothing(tmp_path, example_data):
    from documents.bundle import build_bundle
    from documents.errors import ArchiveIncomplete
    out = tmp_path / "out"
    with pytest.raises(ArchiveIncomplete) as info:
        build_bundle(parse_dossier(example_data("12_no_volunteer_book")), out, final=True)
    assert [d["material"] for d in info.value.details] == ["application_form"]
    assert not out.exists() or list(out.iterdir()) == []


def fake_render(dossier, ids, executor=None, today=None, then=None):
    """Stands in for WeasyPrint where a test is about files, not forms (the 卷内目录 too)."""
    out = [type("R", (), {"form_id": i, "pdf": b"%PDF-1.7 stub " + i.encode(), "pages": 1})() for i in ids]
    if then is not None:
        form_id, _ = then({i: 1 for i in ids})
        out.append(type("R", (), {"form_id": form_id, "pdf": b"%PDF-1.7 stub catalogue", "pages": 1})())
    return out


def test_material_files_are_carried_and_checked(tmp_path, example_data, monkeypatch):
    import documents.bundle as bundle
    from documents.bundle import build_bundle, verify_bundle
    monkeypatch.setattr(bundle, "render_forms", fake_render)
    from documents.errors import MaterialAltered, MaterialFileMissing
    data = example_data("01_valid_2014_full_record")
    scan = b"%PDF-1.4 not really a pdf, a scan stand-in"
    (tmp_path / "scans").mkdir()
    (tmp_path / "scans" / "letter.jpg").write_bytes(scan)
    letter = next(m for m in data["materials"] if m["id"] == "application_letter")
    letter.update(file="scans/letter.jpg", sha256=hashlib.sha256(scan).hexdigest())
    result = build_bundle(parse_dossier(data), tmp_path / "out", base_dir=tmp_path, today=DAY)
    assert verify_bundle(result.path).ok
    with zipfile.ZipFile(result.path) as archive:
        carried = [n for n in archive.namelist() if n.endswith("-P2-application_letter.jpg")]
        assert carried and archive.read(carried[0]) == scan
    letter["sha256"] = "0" * 64
    with pytest.raises(MaterialAltered):
        build_bundle(parse_dossier(data), tmp_path / "out2", base_dir=tmp_path)
    letter.update(file="../outside.jpg", sha256=None)
    with pytest.raises(MaterialFileMissing):
        build_bundle(parse_dossier(data), tmp_path / "out3", base_dir=tmp_path)
    letter.update(file="scans/absent.jpg")
    with pytest.raises(MaterialFileMissing):
        build_bundle(parse_dossier(data), tmp_path / "out4", base_dir=tmp_path)
    for name in ("out2", "out3", "out4"):
        assert not list((tmp_path / name).glob("*")), name


def test_interrupted_write_leaves_no_partial_bundle(tmp_path, example_data, monkeypatch):
    import documents.bundle as bundle

    class Boom(zipfile.ZipFile):
        def write(self, *args, **kwargs):
            raise KeyboardInterrupt

    monkeypatch.setattr(bundle.zipfile, "ZipFile", Boom)
    monkeypatch.setattr(bundle, "render_forms", fake_render)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        bundle.build_bundle(parse_dossier(example_data("01_valid_2014_full_record")), out)
    assert list(out.iterdir()) == []


def test_catalogue_pages_are_the_pages_of_each_pdf_in_the_bag(built):
    """The forms are rendered together and cut apart: every page range the 卷内目录 prints must still be
    the pages of that very file, and every form a PDF/A-3b file of its own."""
    import io

    from pypdf import PdfReader

    from documents.bundle import CATALOGUE_FILE
    from pdfa_support import pdfa_facts
    for result in built:
        with zipfile.ZipFile(result.path) as archive:
            root = archive.namelist()[0].split("/")[0]
            machine = json.loads(archive.read(f"{root}/data/catalogue.json"))
            generated = [e for e in machine["entries"] if e["kind"] == "generated"]
            assert len(generated) > 5
            for entry in generated:
                data = archive.read(f"{root}/{entry['path']}")
                facts = pdfa_facts(data)
                assert facts["pages"] == entry["pages"] == entry["last_page"] - entry["first_page"] + 1, entry
                assert facts["pdfaid"] == (True, True) and facts["title"].startswith(entry["title"]), entry
                assert (facts["attachments"] != {}) == (entry["form"] == "full_record"), entry
            catalogue = archive.read(f"{root}/data/{CATALOGUE_FILE}")
        assert pdfa_facts(catalogue)["title"].startswith("卷内目录")
        assert result.pages == machine["total_pages"] + len(PdfReader(io.BytesIO(catalogue)).pages)
        text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(catalogue)).pages)
        for entry in generated:  # 页号 then 页数, as the 卷内目录 prints them
            span = str(entry["first_page"]) + (f"–{entry['last_page']}" if entry["pages"] > 1 else "")
            assert f"{span}{entry['pages']}系统生成" in text, entry["path"]
