"""The fixed cost of every audited dossier, taken by shortcuts, against the general answers (issue 13).

`AuditContext.judge` looks up the rule sets of a dossier's earliest and latest dates only and, when
they agree, sets that one on every record; `procedure_rule_set` reads the decisive dates in one pass
with the references parsed once per catalogue; `DossierView` fills its index of repeated steps in C.
Each test here would fail if a shortcut answered otherwise than the record-by-record way: dossiers
straddling 2026-05-11, pinned ones, an overlay, order steps judged under another rule set than their
dates, a record dated far from its neighbours, steps recorded out of order, extended probations.
"""
from __future__ import annotations

import datetime as dt
import json
import re

from bench.generate import base_cases, variants
from checklists.loader import default_catalogue
from workflow.audit import make_context
from workflow.dossier_facts import read_facts, with_organisation
from workflow.procedure import procedure_rule_set
from workflow.view import DossierView

CHANGE = dt.date(2026, 5, 11)  # 2026.05 comes into force
DAYS = (dt.date(2026, 11, 21), dt.date(2026, 5, 10), dt.date(2019, 1, 1))
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _shift(entry: dict, days: int) -> None:
    for key, value in entry.items():
        if isinstance(value, str) and _DATE.fullmatch(value):
            entry[key] = (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()


def _extend(document: dict) -> None:
    cycle = [s for s in document["steps"] if s["step"] in ("s21_probation_education", "s22_conversion_applied",
                                                           "s23_conversion_meeting", "s24_conversion_approved")]
    if len(cycle) < 4:
        return
    cycle[2].update(outcome="extend", extend_months=6)
    for entry in cycle:
        again = json.loads(json.dumps(entry))
        _shift(again, 183)
        again.pop("outcome", None)
        again.pop("extend_months", None)
        document["steps"].append(again)


def _documents() -> list[tuple[dict, str | None, str | None]]:
    """Generated dossiers moved so that their dates fall before, across and after 2026-05-11."""
    out = []
    documents = variants(base_cases(), 120, faulty_share=0.5, seed=29)
    for n, document in enumerate(documents):
        steps = document["steps"]
        if not steps:
            continue
        first = dt.date.fromisoformat(steps[0]["date"])
        last = dt.date.fromisoformat(steps[-1]["date"])
        # the change falls at a point of the dossier's span chosen by n (before it, within, after it)
        target = first + (last - first) * (n % 5) / 4 + dt.timedelta(days=(n % 3) - 1)
        for entry in steps:
            _shift(entry, (CHANGE - target).days)
        if n % 3 == 1:
            _extend(document)
        if n % 6 == 4:  # recorded out of order (some of them extended)
            document["steps"] = list(reversed(steps))
        if n % 4 == 3 and len(steps) > 4:  # one record in the middle dated across the change from both ends
            steps[len(steps) // 2]["date"] = "2025-01-02" if steps[0]["date"] >= "2026-05-11" else "2027-01-04"
        if n % 9 == 4:  # the branch committee met on the other side of the change from the records
            for entry in steps:
                if entry["step"] == "s08_candidate_filed":
                    entry["committee_meeting_on"] = "2026-05-20" if entry["date"] < "2026-05-11" else "2026-04-20"
        pin = ("2014", "2026.05")[n % 2] if n % 10 in (1, 6) else None
        overlay = "example-university" if n % 5 == 2 else None
        out.append((document, pin, overlay))
    return out


def _corpus() -> list:
    out = []
    for document, pin, overlay in _documents():
        facts = read_facts(json.dumps(document, ensure_ascii=False))
        if facts is not None:
            out.append(with_organisation(facts, pin, overlay))
    return out


CORPUS = _corpus()


def _recorded_day(dossier, ref: str) -> dt.date | None:
    """The first date of `ref` ("step.field" or "step") the dossier records, record by record."""
    step_id, _, field = ref.partition(".")
    for entry in dossier.steps:
        if entry.step == step_id:
            day = getattr(entry, field, None) if field else entry.date
            if isinstance(day, dt.date):
                return day
    return None


def _procedure_the_long_way(dossier, catalogue, as_of: dt.date):
    if dossier.rule_set is not None:
        return catalogue.national[dossier.rule_set]
    days = [day for ref in catalogue.ordered()[-1].procedure_order.decided_by
            if (day := _recorded_day(dossier, ref)) is not None]
    chosen = catalogue.ordered()[0]
    for rs in catalogue.ordered():
        if rs.in_force_from <= (min(days) if days else as_of):
            chosen = rs
    return chosen


def test_the_corpus_reaches_every_branch():
    catalogue = default_catalogue()
    kinds = {"straddling": 0, "one rule set": 0, "pinned across the change": 0, "order steps apart": 0,
             "outlier in the middle": 0, "repeated": 0, "overlay": 0, "2014 order": 0, "2026.05 order": 0}
    for dossier in CORPUS:
        dates = [entry.date for entry in dossier.steps]
        across = min(dates) < CHANGE <= max(dates)
        ctx = make_context(dossier, DAYS[0])
        view = DossierView(dossier, ctx.structure)
        ctx.judge(view)
        others = [occ.rs for occ in view.occurrences if occ.step not in ctx.structure.procedure_order.steps]
        kinds["straddling"] += across and dossier.rule_set is None
        kinds["one rule set"] += view.judged_by is not None
        kinds["pinned across the change"] += across and dossier.rule_set is not None
        kinds["order steps apart"] += view.judged_by is None and len(set(map(id, others))) == 1
        kinds["outlier in the middle"] += across and (dates[0] >= CHANGE) == (dates[-1] >= CHANGE)
        kinds["repeated"] += view.repeated
        kinds["overlay"] += dossier.overlay is not None
        kinds[f"{ctx.structure.id} order"] += 1
    assert len(CORPUS) > 100 and all(count >= 3 for count in kinds.values()), str(kinds)


def test_judge_answers_as_each_record_looked_up():
    for as_of in DAYS:
        for dossier in CORPUS:
            ctx = make_context(dossier, as_of)
            view = DossierView(dossier, ctx.structure)
            ctx.judge(view)
            expected = [ctx.ruleset_at(occ) for occ in view.occurrences]
            assert [occ.rs for occ in view.occurrences] == expected, dossier.id
            assert all(occ.rs is rs for occ, rs in zip(view.occurrences, expected))
            one = {id(rs) for rs in expected}
            assert view.judged_by is (expected[0] if len(one) == 1 else None), dossier.id
            # the step-by-step loop answers the same
            again = DossierView(dossier, ctx.structure)
            ctx.judge_each(again)
            assert [occ.rs for occ in again.occurrences] == expected and again.judged_by is view.judged_by


def test_a_dossier_straddling_the_change_is_judged_by_both():
    dossier = next(d for d in CORPUS if d.rule_set is None and d.overlay is None
                   and min(e.date for e in d.steps) < CHANGE <= max(e.date for e in d.steps))
    ctx = make_context(dossier, DAYS[0])
    view = DossierView(dossier, ctx.structure)
    ctx.judge(view)
    assert view.judged_by is None
    assert {occ.rs.id for occ in view.occurrences} == {"2014", "2026.05"}


def test_the_order_procedure_reads_the_first_dated_record_of_each_reference():
    catalogue = default_catalogue()
    for as_of in DAYS:
        for dossier in CORPUS:
            assert procedure_rule_set(dossier, catalogue, as_of) is _procedure_the_long_way(dossier, catalogue, as_of)
    # s08 recorded twice, the meeting day only on the second record: that day decides
    document, _, _ = _documents()[0]
    steps = [dict(s) for s in document["steps"] if s["step"] not in ("s07_candidate_determined", "s08_candidate_filed")]
    filed = {"step": "s08_candidate_filed", "date": "2026-06-01", "recorded_by": "张三"}
    steps += [dict(filed), dict(filed, committee_meeting_on="2026-04-01")]
    facts = read_facts(json.dumps(dict(document, steps=steps), ensure_ascii=False))
    assert facts is not None
    for dossier in (with_organisation(facts, None, None), with_organisation(facts, None, "example-university")):
        assert procedure_rule_set(dossier, catalogue, DAYS[0]).id == "2014"
        assert procedure_rule_set(dossier, catalogue, DAYS[0]) is _procedure_the_long_way(dossier, catalogue, DAYS[0])
    nothing = with_organisation(read_facts(json.dumps(dict(document, steps=steps[:3]), ensure_ascii=False)), None, None)
    assert procedure_rule_set(nothing, catalogue, dt.date(2026, 5, 10)).id == "2014"
    assert procedure_rule_set(nothing, catalogue, CHANGE).id == "2026.05"


def test_the_view_indexes_repeated_steps_as_record_by_record():
    catalogue = default_catalogue()
    repeated = 0
    for dossier in CORPUS:
        base = procedure_rule_set(dossier, catalogue, DAYS[0])
        view = DossierView(dossier, base)
        assert view.dates == [entry.date for entry in dossier.steps]
        expected: dict[str, list] = {}
        for occ in view.occurrences:
            expected.setdefault(occ.step, []).append(occ)
        cyclic = {step.id for step in base.steps if step.probation_cycle}
        for step_id, occs in expected.items():
            if step_id in cyclic and len(occs) > 1:
                occs.sort(key=lambda o: (o.entry.date, o.index))
        assert list(view.by_step) == list(expected)
        assert {k: list(v) for k, v in view.by_step.items()} == expected
        assert view.repeated == any(len(occs) > 1 for occs in expected.values())
        for occs in expected.values():
            cycles = [occ.cycle for occ in occs]
            assert cycles == (list(range(len(occs))) if occs[0].step in cyclic else [0] * len(occs))
        repeated += view.repeated
    assert repeated >= 5
