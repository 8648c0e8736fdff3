"""What the faster step plans rely on (issue 13): the vote counts written out in the screens, the
date memos read by subscript, the phrase writers, the dates as ISO text, and the Occurrence a plan
hands an evaluator without making them all."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from checklists.gaps import Gap
from checklists.loader import default_catalogue
from workflow import dossier as models
from workflow import dossier_facts as facts
from workflow.audit import make_context
from workflow.dates import add_gap
from workflow.dossier_facts import read_facts
from workflow.rules import base, compiled_plan, plan_screens, templates
from workflow.samples import CaseSpec, build_case
from workflow.view import DossierView

AS_OF = dt.date(2026, 11, 21)


def _votes():
    for expected, present, yes, written_yes, written_no in itertools.product(range(6), repeat=5):
        if present <= expected and yes <= present and written_yes + written_no <= expected - present:
            counts = dict(expected=expected, present=present, yes=yes, written_yes=written_yes,
                          written_no=written_no)
            yield facts.Votes(**counts)
            yield models.Votes(**counts)


def _written(expression: str, votes) -> int:
    return eval(expression.format(v="votes"), {}, {"votes": votes})


def test_the_written_out_quorum_and_vote_are_the_records_own():
    """The screens of `quorum` and `vote` read the counts, not the properties: both kinds of records
    must mean by `has_quorum` and `carried` exactly what the screens write out."""
    seen = 0
    for votes in _votes():
        seen += 1
        assert votes.has_quorum == (_written(plan_screens.QUORUM, votes) > votes.expected), votes
        assert votes.carried == (_written(plan_screens.CARRIED, votes) > votes.expected), votes
    assert seen > 100


def test_a_day_memo_answers_its_function_and_stays_bounded(monkeypatch):
    monkeypatch.setattr(plan_screens, "_LIMIT", 3)
    memo = plan_screens.DayMemo(add_gap, Gap(1, 0))
    days = [dt.date(2020, 1, 31) + dt.timedelta(days=n) for n in range(10)]
    assert [memo[d] for d in days] == [add_gap(d, Gap(1, 0)) for d in days]
    assert len(memo) <= 3
    assert plan_screens._memo("gap", Gap(2, 0), add_gap) is plan_screens._memo("gap", Gap(2, 0), add_gap)


def test_a_limit_or_an_earliest_day_before_the_rule_set_reads_as_date_min():
    start = dt.date(2014, 6, 10)
    within = Gap(1, 0)
    assert plan_screens.gap_end_in_force(dt.date(2014, 5, 10), (within, start)) == dt.date(2014, 6, 10)
    assert plan_screens.gap_end_in_force(dt.date(2014, 5, 9), (within, start)) == dt.date.min


class _Params:
    pass


class _Rule:
    kind = "publicity"
    message = "{problem}"

    def __init__(self, phrases):
        self.params = _Params()
        self.params.phrases = phrases


@pytest.mark.parametrize("template, fields", [
    ("{label}公示{where} {start} 至 {end} 只有 {counted} 个工作日", dict(where="", start=dt.date(2020, 1, 2),
                                                                  end=dt.date(2020, 1, 9), counted=3)),
    ("{start}{start} {{literal}} {x}", dict(start=dt.datetime(2020, 1, 2, 3, 4), x=2.0)),  # not a plain date
    ("{label}", dict(label="the evaluator's")),  # the evaluator's field over the rule's figure
    ("{x!r} {y:>4} {z[0]}", dict(x="q", y=3, z="abc")),  # not plain names: format_map itself
    ("", {}),
    ("no fields at all", {}),
])
def test_a_phrase_is_written_as_format_map_writes_it(template, fields):
    rule = _Rule({"case": template})
    templates.PREPARED[id(rule)] = (rule, rule.message, {"label": "发展对象"})
    expected = template.format_map({"label": "发展对象", **fields})
    assert templates.phrase(rule, "case", **fields) == expected
    assert templates.phrase(rule, "case", **fields) == expected  # the writer remembered


def test_a_phrase_missing_a_field_raises_as_format_map_does():
    rule = _Rule({"case": "{nobody} gave this"})
    templates.PREPARED[id(rule)] = (rule, rule.message, {})
    with pytest.raises(KeyError, match="nobody"):
        templates.phrase(rule, "case", other=1)


def test_iso_texts_are_isoformat_and_bounded():
    days = [dt.date(1999, 12, 31), dt.date(2024, 2, 29), dt.date(1, 1, 1)]
    assert [base.iso(d) for d in days] == [d.isoformat() for d in days]
    assert [base.ISO_TEXTS[d] for d in days] == [d.isoformat() for d in days]
    assert len(base.ISO_TEXTS) <= 65536


def test_a_plan_hands_an_evaluator_an_occurrence_without_making_them_all():
    """A rule that fires on a dossier whose occurrences are not made: the evaluator gets one made alone
    (`view.occurrence`), equal to the view's own, and writes what it writes with them all made."""
    document = build_case(CaseSpec("P1", dt.date(2016, 3, 1), seed=0), AS_OF).to_json_dict()
    document["person"]["birth_date"] = document["steps"][0]["date"]  # AGE_UNDER_18 (min_age reads no occurrence)
    import json

    dossier = read_facts(json.dumps(document, ensure_ascii=False))
    assert dossier is not None
    rs = default_catalogue().national["2014"]
    steps = tuple(e["step"] for e in document["steps"])
    plan = compiled_plan.compile_plan(rs, compiled_plan.run_of(rs, steps), steps, False)

    def judged():
        ctx = make_context(dossier, AS_OF)
        view = DossierView(dossier, ctx.structure)
        ctx.judge(view)
        assert view.judged_by is not None and not view.repeated
        return view, ctx

    view, ctx = judged()
    assert "occurrences" not in view.__dict__
    alone = []
    plan(view, ctx, alone)
    assert "occurrences" not in view.__dict__  # nothing made them all
    view, ctx = judged()
    view.occurrences  # made: the plan reads the view's own
    made = []
    plan(view, ctx, made)
    assert [f.code for f in alone] == ["AGE_UNDER_18"]
    assert alone == made


def test_the_assessment_screen_answers_as_the_evaluator_for_any_windows(monkeypatch):
    """`AssessmentWindows.may_fire` (two windows written out, any other count by their hits) says a
    window lacks an assessment exactly when `periodic.assessments` writes a finding."""
    import random
    from types import SimpleNamespace

    from workflow.rules import periodic

    rng = random.Random(13)
    every = Gap(6, 0)
    rule = SimpleNamespace(params=SimpleNamespace(from_="s03", to=None, every=every, period="activist"),
                           code="ASSESSMENT_GAP")
    screen = plan_screens.AssessmentWindows(every, "activist")
    anchor = dt.date(2016, 1, 31)
    monkeypatch.setattr(periodic, "finding", lambda *args, **kwargs: object())
    checked = {True: 0, False: 0}
    for _ in range(3000):
        until = anchor + dt.timedelta(days=rng.randrange(-20, 800))
        assessments = [SimpleNamespace(date=anchor + dt.timedelta(days=rng.randrange(-30, 800)),
                                       period=rng.choice(("activist", "activist", "activist", "candidate")))
                       for _ in range(rng.randrange(0, 6))]
        if until < anchor:
            continue
        found = []
        view = SimpleNamespace(anchor=lambda name, occ: anchor, dossier=SimpleNamespace(assessments=assessments))
        occ = SimpleNamespace(entry=SimpleNamespace(date=until), rs=None)
        periodic.assessments(rule, occ, view, None, found)
        fires = screen.may_fire(anchor, until, assessments)
        assert fires == bool(found), (until, [(a.date, a.period) for a in assessments])
        checked[fires] += 1
    assert checked[True] > 100 and checked[False] > 100
