"""What makes WeasyPrint's layout cheaper must leave every page as it was.

- print.css's speed rules (the `.meta` items without automatic minimum size, the two page-margin boxes
  at full width) are taken out of a copy of the stylesheet: every form of both complete examples, and a
  form whose `.meta` line is long enough to wrap, must give the same PDF bytes with and without them
  (the embedded dossier's clock aside, as in test_pdf_tuning).
- documents.pdf_tuning.html_class drops the user-agent rules of the footnote and note pseudo-elements;
  that holds only while no template or stylesheet the PDFs use floats anything as a footnote or places
  it as a note.
- documents.pdf_tuning also gives WeasyPrint's layout context an image getter without a reference
  cycle: a laid-out form is freed by reference counting, hardly left to the cyclic garbage collector.
"""
from __future__ import annotations

import copy
import gc
import re
from pathlib import Path

import pytest
import weasyprint
from tests_support import load_case

from documents import pdf_tuning
from documents.forms import applicable_forms, form_html
from documents.pdf import STATIC_DIR, STYLESHEET, html_to_pdf, warm_up
from workflow.dossier import parse_dossier

EXAMPLES = ("01_valid_2014_full_record", "02_valid_2026_to_oath")
CLOCK = re.compile(rb"\(D(?::|\\072)\d{14}Z\)|/ID ?\[ ?[<(][^>)]*[>)] ?[<(][^>)]*[>)] ?\]")
SPEED_RULES = (  # (pattern, how many times print.css has it)
    (re.compile(r"^\.meta > span \{ min-width: 0; min-height: 0; \}\n", re.M), 1),
    (re.compile(r"^ +width: 100%; /\*[^\n]*\*/\n", re.M), 2),
)
DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"
FOOTNOTES_OR_NOTES = re.compile(r"footnote|float\s*:\s*note|position\s*:\s*note|::note|note-(?:call|marker|area)",
                                re.I)


def _without_clock(pdf: bytes) -> bytes:
    return CLOCK.sub(b"", pdf)


@pytest.fixture(scope="module")
def plain_stylesheet(tmp_path_factory) -> Path:
    """print.css without its speed rules (each found as many times as expected)."""
    text = STYLESHEET.read_text(encoding="utf-8")
    for pattern, count in SPEED_RULES:
        text, found = pattern.subn("", text)
        assert found == count, pattern.pattern
    path = tmp_path_factory.mktemp("css") / "print-plain.css"
    path.write_text(text, encoding="utf-8")
    return path


def _pair(html: str, plain: Path) -> tuple[bytes, bytes]:
    fast, _ = html_to_pdf(html)
    slow, _ = html_to_pdf(html, stylesheets=(plain,), base_url=STATIC_DIR)
    return _without_clock(fast), _without_clock(slow)


@pytest.mark.parametrize("stem", EXAMPLES)
def test_the_speed_rules_change_no_byte_of_any_form(stem, plain_stylesheet):
    warm_up()
    dossier = parse_dossier(load_case(stem)["dossier"])
    forms = applicable_forms(dossier)
    assert len(forms) >= 10
    for form in forms:
        fast, slow = _pair(form_html(dossier, form.id), plain_stylesheet)
        assert fast == slow, form.id


def test_the_speed_rules_change_nothing_when_the_meta_line_wraps(plain_stylesheet):
    """A branch name long enough for the two `.meta` items to shrink (its text wraps): they shrink the
    same, since neither comes near its min-content width."""
    data = copy.deepcopy(load_case(EXAMPLES[0])["dossier"])
    data["person"]["organisation"] = "中共某某省某某市某某区某某街道某某社区第一居民委员会机关第二党支部"
    dossier = parse_dossier(data)
    html = form_html(dossier, "inquiry_letter")
    fast, slow = _pair(html, plain_stylesheet)
    assert fast == slow


def test_the_pdfs_use_no_footnote_or_note():
    """The premise of the lean user-agent stylesheet: its dropped rules would dress nothing."""
    used = [path for folder in (DOCUMENTS / "templates", DOCUMENTS / "static", DOCUMENTS / "reports")
            for path in folder.rglob("*") if path.suffix in {".html", ".css"}]
    assert len(used) > 20
    hits = [f"{path.relative_to(DOCUMENTS)}: {m.group(0)}" for path in used
            for m in FOOTNOTES_OR_NOTES.finditer(path.read_text(encoding="utf-8"))]
    assert not hits


def test_the_lean_html_class_is_weasyprint_html_as_shipped():
    active = pdf_tuning.install()
    html = form_html(parse_dossier(load_case(EXAMPLES[0])["dossier"]), "inquiry_letter")
    lean = pdf_tuning.html_class(html, STYLESHEET.read_text(encoding="utf-8"))
    assert issubclass(lean, weasyprint.HTML)
    assert (lean is not weasyprint.HTML) is active
    with pdf_tuning.as_shipped():
        assert pdf_tuning.html_class(html) is weasyprint.HTML


@pytest.mark.parametrize("html", [
    '<html lang="zh-CN"><body><p>正文<span style="float: footnote">脚注</span></p></body></html>',
    '<html lang="zh-CN"><head><style>.n { position: note(side) }</style></head><body><p>正文<span class="n">附注</span>'
    '</p></body></html>',
])
def test_a_document_with_a_footnote_or_a_note_gets_the_whole_user_agent_stylesheet(html):
    """The dropped rules are needed by a footnote or a note (WeasyPrint fails without them): such a
    document is laid out with the shipped stylesheet, and prints as WeasyPrint prints it."""
    assert pdf_tuning.html_class(html) is weasyprint.HTML
    pdf, pages = html_to_pdf(html)
    with pdf_tuning.as_shipped():
        shipped, _ = html_to_pdf(html)
    assert pages >= 1
    assert pdf == shipped


def _cyclic_garbage_of_one_form(html: str) -> int:
    """Objects the cyclic garbage collector frees after one form is laid out, written and dropped."""
    gc.collect()
    gc.disable()
    try:
        html_to_pdf(html)
        return gc.collect()
    finally:
        gc.enable()


@pytest.mark.skipif(not pdf_tuning.install(), reason="WeasyPrint version not checked: it runs as shipped")
def test_a_laid_out_form_is_freed_without_the_cyclic_collector():
    """The layout context no longer holds itself (documents.pdf_tuning._context_class): what a form
    leaves to the cyclic collector is a fraction of what WeasyPrint as shipped leaves."""
    html = form_html(parse_dossier(load_case(EXAMPLES[0])["dossier"]), "applicant_talk_record")
    warm_up()
    _cyclic_garbage_of_one_form(html)
    tuned = _cyclic_garbage_of_one_form(html)
    with pdf_tuning.as_shipped():
        from weasyprint import document, layout
        assert document.LayoutContext is layout.LayoutContext
        shipped = _cyclic_garbage_of_one_form(html)
    assert document.LayoutContext is not layout.LayoutContext
    assert shipped > 1000
    assert tuned < shipped / 2


INLINE_SVG = ('<html lang="zh-CN"><body><p>图表</p><svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
              '<rect x="0" y="0" width="80" height="30" fill="#222"/></svg><p>完</p></body></html>')


def test_an_inline_svg_prints_as_weasyprint_prints_it():
    """WeasyPrint's inline <svg> handler reads the image getter's `keywords` (url_fetcher, context), as
    of the partial it makes: the getter without the cycle answers them, and the page is the same."""
    pdf, pages = html_to_pdf(INLINE_SVG)
    with pdf_tuning.as_shipped():
        shipped, _ = html_to_pdf(INLINE_SVG)
    assert pages == 1
    assert _without_clock(pdf) == _without_clock(shipped)
