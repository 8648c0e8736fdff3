"""The step form is generated from the step schema (checklists/data/step_fields.toml): every declared
field has its part of the page, and a recorded entry put into its form reads back as the same entry."""
from __future__ import annotations

import pytest

from api.web import views
from checklists.loader import default_catalogue
from checklists.step_fields import step_schema


def test_every_declared_field_has_a_part_and_no_step_is_listed_in_the_web_layer():
    for step_id, fields in step_schema().steps.items():
        parts = views.form_parts(step_id)
        assert [spec.key for part in parts for spec in part.fields] == list(fields.keys), step_id
        assert views.step_slots(step_id) == ["date", *(part.slot for part in parts)]
        assert views.date_label(step_id) == fields.date_label


def test_fields_share_the_part_where_their_problems_are_shown():
    assert views.step_slots("s11_training") == ["date", "training"]
    assert views.step_slots("s23_conversion_meeting") == ["date", "votes", "outcome"]
    assert views.step_slots("s17_admission_approved") == ["date", "approving_organisation_id", "special_reason"]
    assert {key: views.slot_of_field(key) for key in ("extend_months", "days", "league_recommendation_id",
                                                      "discipline_until", "approving_body", "reason")} == {
        "extend_months": "outcome", "days": "training", "league_recommendation_id": "nomination",
        "discipline_until": "people", "approving_body": "approving_organisation_id", "reason": "reason"}


def test_a_choice_offers_its_steps_own_values():
    s15 = dict(views.choices(step_schema().for_step("s15_admission_meeting").get("outcome")))
    s23 = dict(views.choices(step_schema().for_step("s23_conversion_meeting").get("outcome")))
    assert list(s15) == ["passed", "rejected"] and list(s23) == ["convert", "extend", "cancel"]
    assert s15["rejected"] == step_schema().table("admission_outcome").long_label("rejected")


def test_the_figures_beside_the_fields_are_the_rules_own():
    rs = default_catalogue().get("2014")
    contacts = views.form_figures(rs, "s05_contacts_assigned")["people"]
    introducers = views.form_figures(rs, "s09_introducers_assigned")["people"]
    assert (contacts.min, contacts.max) != (introducers.min, introducers.max)
    assert {"training", "extension"} <= set(views.form_figures(rs, "s11_training"))


@pytest.mark.parametrize("entry", [
    {"step": "s02_applicant_talk", "date": "2020-09-05", "by": "李书记"},
    {"step": "s03_activist_determined", "date": "2021-02-08", "nomination": ["party_members", "league"],
     "league_recommendation_id": 7},
    {"step": "s05_contacts_assigned", "date": "2021-02-08", "people": [{"member_id": 3}]},
    {"step": "s09_introducers_assigned", "date": "2022-02-25",
     "people": [{"name": "赵六", "status": "full", "discipline": None},
                {"name": "钱七", "status": "probationary", "discipline": "警告", "discipline_until": "2022-06-01"}]},
    {"step": "s10_political_review", "date": "2022-04-05", "conclusion": "qualified"},
    {"step": "s11_training", "date": "2022-03-16", "start": "2022-03-14", "days": 3, "hours": 24.5,
     "exception": "病假"},
    {"step": "s15_admission_meeting", "date": "2022-05-06", "outcome": "rejected",
     "votes": {"expected": 9, "present": 8, "yes": 4, "no": 4, "abstain": 0, "written_yes": 0, "written_no": 0}},
    {"step": "s17_admission_approved", "date": "2022-05-31", "approving_organisation_id": 2,
     "special_reason": "党委换届"},
    {"step": "s20_oath", "date": "2022-06-05", "collective": True},
    {"step": "s23_conversion_meeting", "date": "2023-05-09", "votes": {"expected": 9, "present": 9, "yes": 9},
     "outcome": "extend", "extend_months": 6},
    {"step": "s24_conversion_approved", "date": "2023-06-16", "party_standing_from": "2023-05-06"},
], ids=lambda entry: entry["step"])
def test_a_recorded_entry_reads_back_from_its_form(entry):
    form = views.form_from_entry(entry)
    back = views.entry_from_form(entry["step"], form)
    assert back == entry
