"""What is missing, in which order the archive holds things, and which forms exist (no PDFs)."""
from __future__ import annotations

import pytest

from workflow.dossier import parse_dossier


def test_complete_record_misses_nothing(example_data):
    from documents.completeness import missing_required_materials
    dossier = parse_dossier(example_data("01_valid_2014_full_record"))
    assert missing_required_materials(dossier) == []
    assert missing_required_materials(dossier, for_archive=True) == []


def test_missing_volunteer_book_is_named(example_data):
    from documents.completeness import check_archivable, missing_required_materials
    from documents.errors import ArchiveIncomplete
    dossier = parse_dossier(example_data("12_no_volunteer_book"))
    missing = missing_required_materials(dossier)
    assert [m.material for m in missing] == ["application_form"]
    assert missing[0].file == "P1" and missing[0].step == "s14_application_form"
    with pytest.raises(ArchiveIncomplete) as info:
        check_archivable(dossier)
    assert info.value.code == "ARCHIVE_INCOMPLETE"
    assert "中国共产党入党志愿书" in info.value.message
    assert [d["material"] for d in info.value.details] == ["application_form"]


def test_material_required_by_the_rule_set_of_its_date(example_data):
    """candidate_publicity is required under 2026.05 (s07 in 2026), not under 2014."""
    from documents.completeness import missing_required_materials
    data_2026 = example_data("02_valid_2026_to_oath")
    data_2026["materials"] = [m for m in data_2026["materials"] if m["id"] != "candidate_publicity"]
    assert [m.material for m in missing_required_materials(parse_dossier(data_2026))] == ["candidate_publicity"]
    data_2014 = example_data("01_valid_2014_full_record")
    data_2014["materials"] = [m for m in data_2014["materials"] if m["id"] != "candidate_publicity"]
    assert missing_required_materials(parse_dossier(data_2014)) == []


def test_overlay_requirements_count(example_data):
    from documents.completeness import missing_required_materials
    data = example_data("01_valid_2014_full_record")
    data["overlay"] = "example-university"
    ids = {m.material for m in missing_required_materials(parse_dossier(data))}
    assert {"thought_report", "conversion_publicity"} <= ids


def test_no_materials_list_means_all_missing(example_data):
    from documents.completeness import missing_required_materials
    data = example_data("01_valid_2014_full_record")
    del data["materials"]
    assert len(missing_required_materials(parse_dossier(data))) >= 25


def test_catalogue_order_follows_the_personal_file(example_data):
    import documents.catalogue as catalogue
    plan = catalogue.plan(parse_dossier(example_data("01_valid_2014_full_record")))
    sections = [e.section for e in plan.entries]
    order = ["P", "P1", "P2", "P3", "P4", "P5", "B", "C"]
    assert sections == sorted(sections, key=order.index)
    assert plan.entries[0].form == "full_record"
    assert [e.number for e in plan.entries] == list(range(1, len(plan.entries) + 1))
    book = next(e for e in plan.entries if e.material == "application_form")
    assert book.kind == "paper" and "0012345" in book.title
    assert not plan.missing and not plan.pending and plan.closed


def test_in_progress_dossier_lists_what_is_still_to_come(example_data):
    import documents.catalogue as catalogue
    plan = catalogue.plan(parse_dossier(example_data("02_valid_2026_to_oath")))
    assert not plan.closed
    pending = {p["material"] for p in plan.pending}
    assert {"probation_assessment_form", "conversion_application", "conversion_resolution"} <= pending
    assert "archive_catalogue" not in pending


def test_volunteer_book_is_never_a_form():
    from checklists.loader import default_catalogue
    for rs in default_catalogue().national.values():
        assert "application_form" not in {f.id for f in rs.forms}


def test_every_form_has_a_template():
    from checklists.loader import default_catalogue
    from documents.templating import TEMPLATE_DIR
    for rs in default_catalogue().national.values():
        for form in rs.forms:
            assert (TEMPLATE_DIR / "forms" / f"{form.id}.html").exists(), form.id
            assert form.material in rs.material_by_id or form.id == "full_record", form.id


def test_overlay_only_form(example_data):
    from documents.errors import FormNotApplicable
    from documents.forms import applicable_forms, form_html
    plain = parse_dossier(example_data("01_valid_2014_full_record"))
    assert "conversion_publicity" not in {f.id for f in applicable_forms(plain)}
    with pytest.raises(FormNotApplicable):
        form_html(plain, "conversion_publicity")
    data = example_data("01_valid_2014_full_record")
    data["overlay"] = "example-university"
    local = parse_dossier(data)
    assert "conversion_publicity" in {f.id for f in applicable_forms(local, stage=5)}
    assert "王小明" in form_html(local, "conversion_publicity")


def test_stage_selection(example_data):
    from documents.forms import applicable_forms
    dossier = parse_dossier(example_data("01_valid_2014_full_record"))
    assert [f.id for f in applicable_forms(dossier, 1)] == ["applicant_talk_record"]
    assert [f.id for f in applicable_forms(dossier, 0)] == ["full_record", "archive_catalogue"]


def test_unknown_form(example_data):
    from documents.errors import FormUnknown
    from documents.forms import form_html
    with pytest.raises(FormUnknown) as info:
        form_html(parse_dossier(example_data("01_valid_2014_full_record")), "volunteer_book")
    assert info.value.code == "FORM_UNKNOWN"


def test_missing_template_variable_is_a_clear_error(example_data, monkeypatch):
    import jinja2

    import documents.templating as templating
    from documents.errors import TemplateVariableMissing
    from documents.forms import form_html
    env = jinja2.Environment(loader=jinja2.DictLoader({"forms/applicant_talk_record.html": "{{ person.nickname }}"}),
                             undefined=jinja2.StrictUndefined, autoescape=True)
    monkeypatch.setattr(templating, "environment", lambda: env)
    with pytest.raises(TemplateVariableMissing) as info:
        form_html(parse_dossier(example_data("01_valid_2014_full_record")), "applicant_talk_record")
    assert info.value.code == "TEMPLATE_VARIABLE_MISSING"
    assert "nickname" in info.value.message


def test_form_context_takes_probation_and_windows_from_the_engine(example_data):
    import datetime as dt

    from checklists.loader import default_catalogue
    from documents.context import build_context

    rs = default_catalogue().get("2014")
    form = next(f for f in rs.forms if f.id == "activist_assessment")
    extended = build_context(parse_dossier(example_data("11_extension_too_short")), form, rs=rs)["probation"]
    assert (extended["end"], extended["extend_months"], extended["final_end"]) == (
        dt.date(2023, 5, 6), 4, dt.date(2023, 9, 6))
    windows = build_context(parse_dossier(example_data("01_valid_2014_full_record")), form, rs=rs)[
        "activist_half_years"]
    assert [(w["start"], w["end"], [a["date"] for a in w["items"]]) for w in windows[:2]] == [
        (dt.date(2021, 2, 8), dt.date(2021, 8, 8), [dt.date(2021, 8, 6)]),
        (dt.date(2021, 8, 8), dt.date(2022, 2, 8), [dt.date(2022, 2, 3)])]


def test_a_withdrawn_case_is_closed_and_lists_nothing_to_come(example_data):
    """The engine's state decides: a case withdrawn at the activist stage is closed, nothing pending."""
    import documents.catalogue as catalogue
    data = example_data("02_valid_2026_to_oath")
    data["steps"] = data["steps"][:5]
    withdrawn_on = data["steps"][-1]["date"]
    data["case_events"] = [{"kind": "withdraw", "date": withdrawn_on, "reason": "本人申请撤回"}]
    plan = catalogue.plan(parse_dossier(data))
    assert plan.closed and not plan.pending
    data["case_events"] = []
    assert not catalogue.plan(parse_dossier(data)).closed
