"""More of the audit's shortcuts against the general answers they stand in for (issue 13): the
remembered calendar walks and gaps, the cheap month arithmetic, the view's list of steps dated
before a prerequisite, the materials rule's one-rule-set pass, the time rules' anchor, and the
replay's order of steps when they were recorded in order. Each would fail if its shortcut said
something the general path does not."""
from __future__ import annotations

import calendar
import datetime as dt
import json

from tests_support import example_dir

from bench.generate import base_cases, variants
from checklists.calendar import YearCalendar
from checklists.gaps import Gap
from workflow.audit import make_context
from workflow.dates import WorkingCalendar, add_gap, add_months, subtract_gap
from workflow.dossier import parse_dossier
from workflow.machine import _logical_order, procedure_machine
from workflow.rules import records
from workflow.rules.base import finding
from workflow.rules.gaps import _anchor
from workflow.view import DossierView

AS_OF = dt.date(2026, 11, 21)


def _corpus() -> list:
    """The shared examples and generated dossiers, valid and faulty, a fifth recorded out of order."""
    documents = [json.loads(p.read_text(encoding="utf-8"))["dossier"] for p in sorted(example_dir().glob("*.json"))]
    documents += variants(base_cases(), 150, faulty_share=0.7, seed=33)
    for document in documents[::5]:
        document["steps"] = list(reversed(document["steps"]))
    return [parse_dossier(d) for d in documents]


CORPUS = _corpus()


def _months_the_long_way(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def test_months_and_gaps_answer_as_the_calendar():
    day = dt.date(2023, 12, 1)
    while day < dt.date(2025, 3, 1):
        for months in (-13, -1, 0, 1, 2, 6, 12, 216):
            assert add_months(day, months) == _months_the_long_way(day, months)
            for gap in (Gap(months=abs(months)), Gap(months=abs(months), days=15), Gap(days=5)):
                expected = _months_the_long_way(day, gap.months) + dt.timedelta(days=gap.days)
                assert add_gap(day, gap) == expected and add_gap(day, gap) == expected  # asked twice: remembered
                back = _months_the_long_way(day, -gap.months) - dt.timedelta(days=gap.days)
                assert subtract_gap(day, gap) == back and subtract_gap(day, gap) == back
        day += dt.timedelta(days=1)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2008, 2, 29), 216) == dt.date(2026, 2, 28)


def _walk_count(cal: WorkingCalendar, start: dt.date, end: dt.date) -> tuple[int, bool]:
    answers = [cal.is_workday(start + dt.timedelta(days=n)) for n in range((end - start).days + 1)]
    return sum(a.workday for a in answers), any(a.provisional for a in answers)


def test_remembered_walks_answer_as_a_walk_and_forget_a_changed_year():
    cal = WorkingCalendar(overrides={})
    start = dt.date(2025, 9, 26)
    for days in range(20):
        end = start + dt.timedelta(days=days)
        assert cal.count_working_days(start, end) == _walk_count(cal, start, end)
        assert cal.count_working_days(start, end) == _walk_count(cal, start, end)
    first = cal.publicity_last_day(start, 5)
    assert first == cal.publicity_last_day(start, 5)
    # a year entered by the administrator: a working Saturday and a holiday on Monday
    before = cal.count_working_days(dt.date(2031, 10, 3), dt.date(2031, 10, 13))
    cal.set_year(YearCalendar(year=2031, notice="t", holidays=frozenset({dt.date(2031, 10, 6)}),
                              workdays=frozenset({dt.date(2031, 10, 4)})))
    after = cal.count_working_days(dt.date(2031, 10, 3), dt.date(2031, 10, 13))
    assert after == _walk_count(cal, dt.date(2031, 10, 3), dt.date(2031, 10, 13))
    assert after[1] is False and before != after
    # the table reloaded as a whole (workflow.store.calendar_admin assigns `overrides`)
    cal.overrides = {}
    cal.is_workday.cache_clear()
    assert cal.count_working_days(dt.date(2031, 10, 3), dt.date(2031, 10, 13)) == before


def test_steps_before_their_prerequisites_are_the_general_pairs():
    found_some = False
    for dossier in CORPUS:
        ctx = make_context(dossier, AS_OF)
        view = DossierView(dossier, ctx.structure)
        general = [(occ, req, prior) for occ in view.occurrences for req, prior in view._find_prerequisites(occ)
                   if prior is not None and occ.entry.date < prior.entry.date]
        assert view.steps_before_prerequisites() == general
        found_some |= bool(general)
    assert found_some


def test_the_materials_rule_answers_alike_with_one_rule_set_or_judged_step_by_step():
    checked = faulty = 0
    for dossier in CORPUS:
        ctx = make_context(dossier, AS_OF)
        view = DossierView(dossier, ctx.structure)
        ctx.judge(view)
        if view.judged_by is None or view.repeated:
            continue
        quick, general = [], []
        records.materials("MATERIAL_MISSING", view, ctx, quick)
        view.judged_by = None  # the general pass, step by step
        records.materials("MATERIAL_MISSING", view, ctx, general)
        assert quick == general
        checked += 1
        faulty += bool(quick)
    assert checked > 50 and faulty > 5


def test_the_time_rules_anchor_is_the_views_anchor():
    for dossier in CORPUS:
        ctx = make_context(dossier, AS_OF)
        view = DossierView(dossier, ctx.structure)
        ctx.judge(view)
        for occ in view.occurrences:
            for rule in occ.rs.rules_by_step.get(occ.step, ()):
                name = getattr(rule.params, "from_", None)
                if name is None:
                    continue
                day = view.anchor(name, occ)
                expected = None if day is None or (name != "probation_end" and occ.entry.date < day) else day
                assert _anchor(rule, occ, view) == expected


def test_the_replay_order_of_steps_recorded_in_order_is_the_sorted_order():
    for dossier in CORPUS:
        ctx = make_context(dossier, AS_OF)
        view = DossierView(dossier, ctx.structure)
        machine = procedure_machine(view.base.id)
        if view.repeated:
            continue
        expected = [occ for _, _, occ in sorted((machine.order_of[o.step], o.index, o) for o in view.occurrences)]
        assert _logical_order(view, machine) == expected


def test_a_message_field_nobody_gives_stays_visible_and_the_rest_is_filled():
    rs = make_context(CORPUS[0], AS_OF).structure
    rule = rs.rule_by_code["DATE_ORDER"].model_copy(update={"message": "{step_name}：缺少{nonexistent}（{other_date}）"})
    view = DossierView(CORPUS[0], rs)
    occ = view.occurrences[1]
    found = finding(rule, rs, occ, {"other_date": dt.date(2024, 3, 1)})
    assert found.message == f"{rs.step_by_id[occ.step].name}：缺少{{nonexistent}}（2024-03-01）"
    assert (found.step, found.index, found.rule_set) == (occ.step, 1, rs.id)
