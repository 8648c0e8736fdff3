"""Seal lines name the 基层党委 that approved (2026 第二十二条: the approving body at s17/s24), not only
its title; a form for a case not yet approved keeps the title so the signer still knows who signs."""
from __future__ import annotations

import copy

from tests_support import load_case

from documents.forms import form_html
from workflow.dossier import parse_dossier


def _dossier(with_body: bool):
    data = copy.deepcopy(load_case("01_valid_2014_full_record")["dossier"])
    for entry in data["steps"]:
        if entry["step"] == "s17_admission_approved" and with_body:
            entry["approving_body"] = {"name": "信息学院党委", "type": "committee"}
    return parse_dossier(data)


def test_the_approving_committee_signs_the_seal_lines():
    html = form_html(_dossier(True), "admission_approval")
    assert "信息学院党委（盖章）" in html and "基层党委（盖章）" not in html
    assert "信息学院党委（盖章）" in form_html(_dossier(True), "pre_review_request")


def test_without_a_named_body_the_title_stays():
    assert "基层党委（盖章）" in form_html(_dossier(False), "admission_approval")
