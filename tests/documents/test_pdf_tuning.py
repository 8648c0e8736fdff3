"""documents.pdf_tuning makes WeasyPrint copy each whole face once per process, subset each face in one
HarfBuzz pass and deflate each stream once; the PDFs must stay exactly those WeasyPrint writes as shipped. Compared here byte for byte
(the embedded dossier's creation date and the file identifier hashed over it excepted: they carry
the clock), for every form of both complete examples, alone and written together, including a face
whose subset needs WeasyPrint's second pass (a variation-sequence glyph above the last used one)."""
from __future__ import annotations

import re

import pytest
import weasyprint
from tests_support import load_case

from documents import pdf_tuning
from documents.forms import applicable_forms, render_form, render_forms
from documents.pdf import warm_up
from workflow.dossier import parse_dossier

EXAMPLES = ("01_valid_2014_full_record", "02_valid_2026_to_oath")
CLOCK = re.compile(rb"\(D(?::|\\072)\d{14}Z\)|/ID ?\[ ?[<(][^>)]*[>)] ?[<(][^>)]*[>)] ?\]")


def _without_clock(pdf: bytes) -> bytes:
    return CLOCK.sub(b"", pdf)


def _dossiers():
    return [parse_dossier(load_case(stem)["dossier"]) for stem in EXAMPLES]


@pytest.fixture(scope="module")
def alone() -> dict[str, tuple[list[str], list[bytes], list[bytes]]]:
    """Per example: form ids, the PDFs tuned and the PDFs as shipped."""
    warm_up()
    out = {}
    for dossier in _dossiers():
        ids = [f.id for f in applicable_forms(dossier)]
        tuned = [render_form(dossier, form_id).pdf for form_id in ids]
        with pdf_tuning.as_shipped():
            shipped = [render_form(dossier, form_id).pdf for form_id in ids]
        out[dossier.id] = (ids, tuned, shipped)
    return out


def test_installed_on_the_checked_weasyprint_only():
    checked = weasyprint.__version__.split(".")[0] == pdf_tuning.CHECKED_MAJOR
    assert pdf_tuning.install() is checked
    from weasyprint.pdf.fonts import Font
    assert (Font._harfbuzz_subset is pdf_tuning.single_pass_subset) is checked


@pytest.mark.skipif(not pdf_tuning.install(), reason="WeasyPrint version not checked: it runs as shipped")
def test_each_form_alone_is_the_pdf_weasyprint_writes(alone):
    for ids, tuned, shipped in alone.values():
        assert len(ids) >= 10
        for form_id, a, b in zip(ids, tuned, shipped):
            assert _without_clock(a) == _without_clock(b), form_id
            if form_id != "full_record":  # the only form with an embedded file, hence a clock
                assert a == b, form_id


@pytest.mark.skipif(not pdf_tuning.install(), reason="WeasyPrint version not checked: it runs as shipped")
def test_a_face_whose_closure_ends_above_the_used_glyphs_takes_the_second_pass():
    """In the 2014 example's 入党积极分子培养教育考察登记表, HarfBuzz keeps a variation-sequence glyph of the
    bold face above the last glyph the text uses (seen with HarfBuzz 6)."""
    warm_up()
    before = pdf_tuning.counts()
    render_form(_dossiers()[0], "activist_assessment")
    after = pdf_tuning.counts()
    assert after["subsets"] - before["subsets"] >= 2
    assert after["second_passes"] - before["second_passes"] >= 1


@pytest.mark.skipif(not pdf_tuning.install(), reason="WeasyPrint version not checked: it runs as shipped")
def test_forms_written_together_are_the_pieces_weasyprint_gives():
    dossier = _dossiers()[0]
    ids = [f.id for f in applicable_forms(dossier) if f.id != "full_record"][:8] + ["full_record"]
    tuned = [r.pdf for r in render_forms(dossier, ids)]
    with pdf_tuning.as_shipped():
        shipped = [r.pdf for r in render_forms(dossier, ids)]
    assert [_without_clock(p) for p in tuned] == [_without_clock(p) for p in shipped]


@pytest.mark.skipif(not pdf_tuning.install(), reason="WeasyPrint version not checked: it runs as shipped")
def test_a_face_is_copied_whole_once_per_process():
    dossier = _dossiers()[0]
    render_form(dossier, "applicant_talk_record")  # the faces the forms use are known from here on
    before = pdf_tuning.counts()
    for form_id in ("applicant_talk_record", "activist_assessment", "full_record"):
        render_form(dossier, form_id)
    after = pdf_tuning.counts()
    assert after["subsets"] - before["subsets"] >= 6
    assert after["whole_face_copies"] == before["whole_face_copies"]

    from weasyprint.pdf import fonts
    copies: list[int] = []
    with pdf_tuning.as_shipped(), pytest.MonkeyPatch.context() as shipped:
        copy = fonts.get_hb_object_data

        def watched(hb_object, *args):
            data = copy(hb_object, *args)
            if not args and data and len(data) > 5_000_000:  # a whole CJK face, not a subset
                copies.append(len(data))
            return data

        shipped.setattr(fonts, "get_hb_object_data", watched)
        render_form(dossier, "applicant_talk_record")
    assert copies  # as shipped, each document copies its faces again


def test_as_shipped_restores_the_tuning():
    from weasyprint.pdf import fonts
    with pdf_tuning.as_shipped():
        assert fonts.Font._harfbuzz_subset is not pdf_tuning.single_pass_subset
        assert fonts.get_hb_object_data is not pdf_tuning.face_bytes
    active = pdf_tuning.install()
    assert (fonts.Font._harfbuzz_subset is pdf_tuning.single_pass_subset) is active
    assert (fonts.get_hb_object_data is pdf_tuning.face_bytes) is active
