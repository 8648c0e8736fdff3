"""What the pages say about a rule is the rule's own data: the meeting's quorum and vote hint, the name of
the periodic assessment, how many people a step's form offers, and the words of a refusal by status."""
from __future__ import annotations

import datetime as dt

from webkit import Page, import_case

from api.error_table import page_message
from api.web import views
from checklists.loader import default_catalogue
from checklists.step_fields import step_schema
from workflow.rules.kinds import rule_figure, rules_of_kind


def _hint(rs, kind: str, step: str) -> str:
    return rules_of_kind(rs, kind, step)[0].params.phrases["hint"]


def test_the_vote_hint_is_the_phrase_of_the_steps_quorum_and_vote_rules():
    for rs in default_catalogue().national.values():
        for step in ("s15_admission_meeting", "s23_conversion_meeting"):
            assert views.vote_hints(rs, step) == {"quorum": _hint(rs, "quorum", step),
                                                  "vote": _hint(rs, "vote", step)}, (rs.id, step)
        assert views.vote_hints(rs, "s02_applicant_talk") == {}
    assert views.form_figures(default_catalogue().get("2014"), "s15_admission_meeting")["hints"]["vote"] \
        == _hint(default_catalogue().get("2014"), "vote", "s15_admission_meeting")


def test_the_step_form_prints_the_hint_of_the_rule_set_in_force(world):
    import_case(world.engine, world.orgs["A1"], "H-1", 14, name="钱提示", birth_date="2001-02-11")
    html = Page(world.app, "branch_organiser").get("/dossiers/H-1/steps/s15_admission_meeting/record").text
    hints = views.vote_hints(views.rule_set_on(dt.date.today()), "s15_admission_meeting")
    assert f'<p class="hint">{hints["quorum"]}；{hints["vote"]}。</p>' in html


def test_the_periodic_assessment_is_named_by_the_rules_every():
    rs = views.rule_set_on(dt.date.today())
    assert views.assessment_name() == f"{rule_figure(rs, 'ASSESSMENT_GAP', 'every')}考察" == "半年考察"


def test_a_people_field_offers_the_rows_of_its_declaration():
    spec = step_schema().for_step("s09_introducers_assigned").get("people")
    form = {"date": "2022-02-25", **{f"people-{i}-name": f"人{i}" for i in range(spec.rows + 1)}}
    entry = views.entry_from_form("s09_introducers_assigned", form)
    assert [p["name"] for p in entry["people"]] == [f"人{i}" for i in range(spec.rows)]


def test_an_error_page_by_status_reads_the_error_table():
    assert page_message(404) == "找不到该页面" and page_message(405) == "该页面不支持此操作"
    assert page_message(413) == "请求过大"
    assert page_message(418) == "请求无法处理"
