"""Every form renders for the examples: the person's values are printed, fonts are embedded
subsets, the file is PDF/A-3b, the 全程纪实表 carries the dossier, and no glyph is missing."""
from __future__ import annotations

import io
import json
import logging
import re
import subprocess

import pytest
from pypdf import PdfReader

from workflow.dossier import parse_dossier

pytestmark = pytest.mark.pdf


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def cn(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_every_form_rendered_without_error(rendered):
    errors = {key: value for key, (value, _) in rendered.items() if isinstance(value, dict)}
    assert errors == {}
    assert len(rendered) > 100


def test_person_values_are_printed(rendered, dossiers):
    for (key, form_id), (pdf, pages) in rendered.items():
        dossier = dossiers[key]
        text = text_of(pdf)
        assert pages >= 1
        assert dossier.person.name in text, (key, form_id)
        if form_id not in ("inquiry_letter", "full_record", "archive_catalogue", "candidate_publicity",
                           "pre_review_request", "conversion_publicity"):
            assert f"{dossier.person.birth_date.year}年{dossier.person.birth_date.month}月" in text, (key, form_id)
            assert dossier.person.organisation in text, (key, form_id)


def test_step_values_are_printed(rendered, dossiers):
    d = dossiers["01_valid_2014_full_record"]
    step = {s.step: s for s in d.steps}
    text = {form_id: text_of(pdf) for (key, form_id), (pdf, _) in rendered.items() if key == "01_valid_2014_full_record"}
    assert cn(step["s01_application"].date) in text["applicant_talk_record"]
    assert cn(step["s02_applicant_talk"].date) in text["applicant_talk_record"]
    assert "李书记" in text["applicant_talk_record"]
    assert "赵六" in text["contacts_register"] and "钱七" in text["introducers_register"]
    assert "0012345" in text["admission_resolution"]
    assert "应到会有表决权的正式党员9人，实到8人" in text["admission_resolution"]
    assert "同意接收王小明同志为中共预备党员" in text["admission_resolution"]
    assert "预备期自2022年5月6日至2023年5月6日" in text["admission_approval"]
    assert "党龄自2023年5月6日算起" in text["conversion_approval"]
    assert "3天" in text["training_record"] and "24学时" in text["training_record"]
    assert "王组织员" in text["full_record"] and "2023.06.28" in text["full_record"]
    assert "中国共产党入党志愿书（编号0012345）" in text["archive_catalogue"]


def test_failed_vote_is_printed_as_failed(rendered):
    text = text_of(rendered[("06_meeting_without_quorum", "admission_resolution")][0])
    assert "未超过应到会有表决权的正式党员人数的半数" in text
    assert "同意接收" not in text


def test_unknown_values_are_blank_not_invented(dossiers):
    from documents.forms import form_html
    d = dossiers["02_valid_2026_to_oath"]
    html = form_html(d, "conversion_approval")
    assert "党龄自" not in html and 'class="blank"' in html
    assert "None" not in form_html(d, "full_record")


def test_fonts_are_embedded_subsets_and_title_bold(rendered):
    seen_bold = False
    for (key, form_id), (pdf, _) in rendered.items():
        if key not in ("01_valid_2014_full_record", "02_valid_2026_to_oath"):
            continue
        out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        rows = out.splitlines()[2:]
        assert rows, form_id
        for row in rows:
            name, emb, sub = row.split()[0], row.split()[-5], row.split()[-4]
            assert re.match(r"^[A-Z]{6}\+Noto-Serif-CJK-SC", name), (form_id, row)
            assert (emb, sub) == ("yes", "yes"), (form_id, row)
        seen_bold |= any("Bold" in row for row in rows)
        assert any("Bold" in row for row in rows), form_id
    assert seen_bold


def test_pdf_a3b_and_embedded_dossier(rendered, dossiers):
    pdf, _ = rendered[("01_valid_2014_full_record", "full_record")]
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in raw and 'pdfaid:conformance="B"' in raw
    attached = reader.attachments["dossier.json"][0]
    assert json.loads(attached) == dossiers["01_valid_2014_full_record"].to_json_dict()


def test_pages_rasterise(rendered, tmp_path):
    for form_id in ("full_record", "admission_resolution", "archive_catalogue"):
        pdf, pages = rendered[("01_valid_2014_full_record", form_id)]
        source = tmp_path / f"{form_id}.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(source), str(tmp_path / form_id)], check=True)
        assert len(list(tmp_path.glob(f"{form_id}-*.png"))) == pages


def test_rare_characters_render_without_notdef(rare_data, rare_chars):
    """Rendered in this process with the weasyprint logger captured: any .notdef warning fails."""
    from documents.forms import applicable_forms, render_form
    dossier = parse_dossier(rare_data, "rare")
    messages: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    handler = Capture(logging.WARNING)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        texts = {f.id: text_of(render_form(dossier, f.id).pdf) for f in applicable_forms(dossier)}
    finally:
        logger.removeHandler(handler)
    assert not [m for m in messages if ".notdef" in m]
    assert "欧阳喆堃" in texts["applicant_talk_record"] and "孙镕赟" in texts["applicant_talk_record"]
    assert "李玥" in texts["contacts_register"] and "周喆" in texts["introducers_register"]
    assert all(ch in texts["full_record"] for ch in rare_chars)


def test_a_character_no_font_has_is_an_error(rare_data):
    from documents.errors import GlyphMissing
    from documents.forms import render_form
    data = rare_data
    data["person"]["name"] = "王\U000F0001"
    with pytest.raises(GlyphMissing) as info:
        render_form(parse_dossier(data), "applicant_talk_record")
    assert info.value.code == "GLYPH_MISSING"
