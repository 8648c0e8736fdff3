"""The 卷内目录 files a dossier's materials in its rule set's order: 2026 第三十六条 puts the activist's
cultivation record before the political review and the 转正申请书 last; 2014 kept them after it."""
from __future__ import annotations

from tests_support import load_case

from documents.catalogue import plan, template_context
from documents.inforce import current_rule_set
from workflow.dossier import parse_dossier


def _materials_in_order(case: str) -> tuple[list[str], list[str], dict]:
    dossier = parse_dossier(load_case(case)["dossier"])
    rs = current_rule_set(dossier)
    p = plan(dossier, rs)
    listed = [e.material for e in p.entries if e.material]
    return listed, [e.section for e in p.entries], template_context(p)


def test_a_2026_file_puts_cultivation_before_political_review():
    listed, sections, context = _materials_in_order("02_valid_2026_to_oath")
    assert listed.index("application_form") < listed.index("application_letter")
    assert listed.index("activist_assessment_form") < listed.index("political_review_report")
    order = ["P", "P1", "P2", "P3", "P4", "P5", "P6", "B", "C"]
    assert sections == sorted(sections, key=order.index)
    marks = {e["section"]: e["section_mark"] for e in context["catalogue"]["entries"]}
    assert marks.get("P4") == "④" and marks.get("P3") == "③"


def test_a_2014_file_keeps_its_own_order():
    listed, sections, _ = _materials_in_order("01_valid_2014_full_record")
    assert listed.index("political_review_report") < listed.index("conversion_application") \
        < listed.index("activist_assessment_form")
    assert sections == sorted(sections, key=["P", "P1", "P2", "P3", "P4", "P5", "B", "C"].index)
