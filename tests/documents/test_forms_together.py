"""Forms rendered together (one PDF painted, the CJK fonts subset once, then cut per form) are the
same forms as rendered one by one: same pages, same text, same metadata and bookmarks, each a
complete PDF/A-3b file with only the faces it draws with; the 全程纪实表 still carries the dossier."""
from __future__ import annotations

import io
import json
import re
import subprocess
from concurrent.futures import ProcessPoolExecutor

import pytest
from pdfa_support import font_programs, outline_titles, pdfa_facts, text_of
from pypdf import PdfReader

from workflow.dossier import parse_dossier

pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module")
def both(dossiers_for_together):
    """(dossier key, form id) -> (alone, together) for every form of the complete 2014 and the 2026 records."""
    from documents.forms import applicable_forms, render_form, render_forms
    out = {}
    for key, dossier in dossiers_for_together.items():
        ids = [f.id for f in applicable_forms(dossier)]
        together = render_forms(dossier, ids)
        assert [r.form_id for r in together] == ids
        for form_id, joint in zip(ids, together):
            out[(key, form_id)] = (render_form(dossier, form_id), joint)
    return out


@pytest.fixture(scope="module")
def dossiers_for_together(dossiers):
    return {stem: dossiers[stem] for stem in ("01_valid_2014_full_record", "02_valid_2026_to_oath")}


def test_same_pages_text_and_bookmarks_as_alone(both):
    assert len(both) > 30
    for key, (alone, joint) in both.items():
        assert joint.pages == alone.pages, key
        assert text_of(joint.pdf) == text_of(alone.pdf), key
        assert outline_titles(PdfReader(io.BytesIO(joint.pdf))) == outline_titles(PdfReader(io.BytesIO(alone.pdf))), key


def test_each_piece_is_pdf_a_3b_as_weasyprint_writes_it_alone(both):
    for key, (alone, joint) in both.items():
        facts, reference = pdfa_facts(joint.pdf), pdfa_facts(alone.pdf)
        assert facts["header"] == "%PDF-1.7" and facts["binary_comment"] and facts["id"], key
        assert not facts["encrypted"], key
        assert facts["metadata_stream"] == ("/Metadata", "/XML"), key
        assert facts["pdfaid"] == (True, True), key
        assert facts["title_agrees"] and facts["producer_agrees"], key
        assert facts["intent"] == reference["intent"] and facts["intent"][0][0] == "/GTS_PDFA1", key
        assert facts["icc_components"] == 3, key
        for field in ("lang", "title", "author", "subject", "creator", "pages", "outline", "af"):
            assert facts[field] == reference[field], (key, field)
        assert facts["lang"] == "zh-CN" and facts["title"].startswith(alone.name), key


def test_only_the_full_record_carries_the_dossier(both, dossiers_for_together):
    for (key, form_id), (_, joint) in both.items():
        attachments = pdfa_facts(joint.pdf)["attachments"]
        if form_id != "full_record":
            assert attachments == {}, form_id
            continue
        [(relationship, data)] = attachments["dossier.json"]
        assert relationship == "/Data"
        assert json.loads(data) == dossiers_for_together[key].to_json_dict()


def test_the_fonts_are_subset_once_and_embedded(both):
    for dossier_key in ("01_valid_2014_full_record", "02_valid_2026_to_oath"):
        programs = [font_programs(PdfReader(io.BytesIO(joint.pdf)))
                    for (key, _), (_, joint) in both.items() if key == dossier_key]
        # one subset per face for the whole batch: every form embeds the very same font program
        regular = {p[name] for p in programs for name in p if "Bold" not in name}
        bold = {p[name] for p in programs for name in p if "Bold" in name}
        assert len(regular) == 1 and len(bold) == 1, (regular, bold)
    for key, (_, joint) in list(both.items())[:6]:
        rows = subprocess.run(["pdffonts", "-"], input=joint.pdf, capture_output=True, check=True).stdout.decode()
        for row in rows.splitlines()[2:]:
            assert re.match(r"^[A-Z]{6}\+Noto-Serif-CJK-SC", row), (key, row)
            assert row.split()[-5:-3] == ["yes", "yes"], (key, row)


def test_a_piece_embeds_only_the_faces_it_draws_with():
    from documents.pdf import PdfBatch
    batch = PdfBatch()
    plain = '<html lang="zh-CN"><head><title>甲</title></head><body><p>只有常规字重的一页</p></body></html>'
    bold = '<html lang="zh-CN"><head><title>乙</title></head><body><h1>粗体标题</h1><p>正文</p></body></html>'
    assert batch.add(plain) == 1 and batch.add(bold) == 1
    first, second = batch.write()
    faces_first = font_programs(PdfReader(io.BytesIO(first)))
    faces_second = font_programs(PdfReader(io.BytesIO(second)))
    assert faces_first and not any("Bold" in name for name in faces_first), faces_first
    assert any("Bold" in name for name in faces_second), faces_second
    # the regular face is the one subset both pieces share
    assert set(faces_first.values()) < set(faces_second.values())
    assert text_of(first) == "只有常规字重的一页第1页共1页" and text_of(second) == "粗体标题正文第1页共1页"
    assert pdfa_facts(first)["title"] == "甲" and pdfa_facts(second)["title"] == "乙"


def test_pieces_rasterise(both, tmp_path):
    for form_id in ("full_record", "admission_resolution", "applicant_talk_record"):
        _, joint = both[("01_valid_2014_full_record", form_id)]
        source = tmp_path / f"{form_id}.pdf"
        source.write_bytes(joint.pdf)
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(source), str(tmp_path / form_id)], check=True,
                       capture_output=True)
        assert len(list(tmp_path.glob(f"{form_id}-*.png"))) == joint.pages


def test_a_missing_glyph_in_a_batch_is_an_error(rare_data):
    from documents.errors import GlyphMissing
    from documents.forms import render_forms
    rare_data["person"]["name"] = "王\U000F0001"
    with pytest.raises(GlyphMissing) as info:
        render_forms(parse_dossier(rare_data), ["full_record", "applicant_talk_record", "activist_filing"])
    assert info.value.code == "GLYPH_MISSING"


def test_rare_characters_render_together_without_notdef(rare_data, rare_chars):
    from documents.forms import applicable_forms, render_forms
    dossier = parse_dossier(rare_data, "rare")
    texts = {r.form_id: text_of(r.pdf) for r in render_forms(dossier, [f.id for f in applicable_forms(dossier)])}
    assert "欧阳喆堃" in texts["applicant_talk_record"] and all(ch in texts["full_record"] for ch in rare_chars)


def test_worker_batches_give_the_same_forms_and_a_last_form_numbered_from_them(dossiers_for_together):
    from documents.forms import MIN_BATCH, _batches, applicable_forms, render_forms
    dossier = dossiers_for_together["01_valid_2014_full_record"]
    ids = [f.id for f in applicable_forms(dossier) if f.id not in ("archive_catalogue", "full_record")]
    seen = {}

    def then(pages):
        seen.update(pages)
        return "full_record", {}

    with ProcessPoolExecutor(max_workers=2) as pool:
        batches = _batches(ids, pool)
        assert len(batches) == 2 and sum(batches, []) == ids and abs(len(batches[0]) - len(batches[1])) <= 1
        assert _batches(ids[:MIN_BATCH + 1], pool) == [ids[:MIN_BATCH + 1]]
        pooled = render_forms(dossier, ids, executor=pool, then=then)
    alone = render_forms(dossier, ids)
    assert [r.form_id for r in pooled] == ids + ["full_record"]
    assert [(r.form_id, r.pages, text_of(r.pdf)) for r in pooled[:-1]] == \
        [(r.form_id, r.pages, text_of(r.pdf)) for r in alone]
    assert seen == {r.form_id: r.pages for r in alone}
    assert pdfa_facts(pooled[-1].pdf)["attachments"]["dossier.json"][0][0] == "/Data"


def test_metadata_the_cut_does_not_carry_keeps_a_document_whole():
    """A document with dates (or other metadata the cut does not copy) is written on its own, not
    stripped of them."""
    from documents.pdf import PdfBatch
    batch = PdfBatch()
    dated = ('<html lang="zh-CN"><head><title>丙</title><meta name="dcterms.created" content="2024-05-06">'
             '</head><body><p>有日期</p></body></html>')
    batch.add(dated)
    batch.add('<html lang="zh-CN"><head><title>丁</title></head><body><p>无日期</p></body></html>')
    first, second = batch.write()
    assert PdfReader(io.BytesIO(first)).metadata["/CreationDate"].startswith("D:20240506")
    assert pdfa_facts(first)["title"] == "丙" and pdfa_facts(second)["title"] == "丁"
    assert text_of(second) == "无日期第1页共1页"
