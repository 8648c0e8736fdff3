"""Forms state the rule in force for their dossier, overlays included: no figure or article is
written in a template, a local overlay's 15 days and 40 学时 are printed as such, and a 2026.05
dossier's forms use the 2026 words (党支部党员大会) and articles."""
from __future__ import annotations

import copy
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests_support import load_case

from documents.forms import form_html, render_form
from documents.rule_words import chinese_number, gap_text
from workflow.dossier import parse_dossier
from checklists.gaps import Gap

TEMPLATES = Path(__file__).resolve().parents[2] / "documents" / "templates"


def pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages))


def dossier(stem: str, **changes):
    data = copy.deepcopy(load_case(stem)["dossier"])
    data.update(changes)
    return parse_dossier(data)


def test_no_template_writes_a_figure_or_an_article_of_its_own():
    figure = re.compile(r"[一二三四五六七八九十两]+(个月|个学时|学时|天|日内|个工作日)|第[一二三四五六七八九十]+条")
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", path.read_text(encoding="utf-8"))
        text = re.sub(r"党章第[一二三四五六七八九十]+条", "", text)
        offenders += [f"{path.name}: {m.group(0)}" for m in figure.finditer(text)]
    assert offenders == []


@pytest.mark.pdf
def test_the_example_overlay_forms_print_its_own_figures():
    national = dossier("01_valid_2014_full_record")
    local = dossier("01_valid_2014_full_record", overlay="example-university")
    talk_national = pdf_text(render_form(national, "applicant_talk_record").pdf)
    talk_local = pdf_text(render_form(local, "applicant_talk_record").pdf)
    assert "应当在一个月内派人" in talk_national and "应当在十五日内派人" in talk_local
    assert "实施办法第六条" in talk_local
    training_national = pdf_text(render_form(national, "training_record").pdf)
    training_local = pdf_text(render_form(local, "training_record").pdf)
    assert "不少于二十四个学时" in training_national and "不少于四十个学时" in training_local


def test_2026_forms_use_the_2026_words_and_articles():
    d2014, d2026 = dossier("01_valid_2014_full_record"), dossier("02_valid_2026_to_oath")
    old, new = form_html(d2014, "admission_resolution"), form_html(d2026, "admission_resolution")
    assert "支部大会决议" in old and "第二十条、第二十一条" in old and "有表决权的正式党员" in old
    assert "党支部党员大会决议" in new and "第十九条、第二十条" in new
    assert "应到会有表决权的党员" in new and "有表决权的正式党员" not in new
    assert "入党积极分子培养考察登记表" in form_html(d2026, "activist_assessment")
    assert "入党积极分子培养教育考察登记表" in form_html(d2014, "activist_assessment")


def test_figures_are_written_in_chinese():
    assert [chinese_number(n) for n in (1, 10, 15, 24, 40, 99)] == ["一", "十", "十五", "二十四", "四十", "九十九"]
    assert gap_text(Gap(months=1)) == "一个月" and gap_text(Gap(days=15)) == "十五日"
    assert gap_text(Gap(months=12)) == "一年" and gap_text(Gap(months=6), every=True) == "半年"
